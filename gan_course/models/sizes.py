"""Output sizes of convolutions and transposed convolutions (one spatial dimension).

The two formulas PyTorch documents for ``nn.Conv2d`` and ``nn.ConvTranspose2d``,
with ``i`` the input size, ``k`` the kernel size, ``s`` the stride, ``p`` the
padding and ``d`` the dilation:

    convolution:            o = floor((i + 2p - d (k - 1) - 1) / s) + 1
    transposed convolution: o = (i - 1) s - 2p + d (k - 1) + output_padding + 1

With ``d = 1`` the second is the familiar ``o = (i - 1) s - 2p + k`` (plus
``output_padding``). A transposed convolution with the same ``(k, s, p)`` maps
the convolution's output size back to its input size, up to the ``s - 1``
sizes that the floor merges; ``output_padding`` picks among them.
"""

from __future__ import annotations

from .. import arguments
from ..errors import CourseError

MAX_SIZE = 2**31 - 1  # the largest size, kernel, stride or padding PyTorch's convolutions take (a C int)
MAX_TAPS = 10**6  # transposed_conv_coverage counts i * k kernel taps one by one


def _whole(name: str, value, minimum: int) -> int:
    return arguments.whole(name, value, minimum, MAX_SIZE, example=max(minimum, 1))


def conv_output_size(i: int, k: int, s: int = 1, p: int = 0, dilation: int = 1) -> int:
    """Output size of ``nn.Conv2d(kernel_size=k, stride=s, padding=p, dilation=dilation)`` on size ``i``.

        o = floor((i + 2p - dilation (k - 1) - 1) / s) + 1

    Raises :class:`CourseError` for invalid arguments, and when the padded input
    is smaller than the (dilated) kernel, which PyTorch refuses too.
    """
    i, k, s = _whole("input size i", i, 1), _whole("kernel size k", k, 1), _whole("stride s", s, 1)
    p, dilation = _whole("padding p", p, 0), _whole("dilation", dilation, 1)
    span = dilation * (k - 1) + 1  # how many input positions one kernel application covers
    if i + 2 * p < span:
        raise CourseError(f"a kernel spanning {span} does not fit an input of size {i} padded by {p} on each side: "
                          f"use a smaller kernel or more padding (i + 2p >= {span})")
    return (i + 2 * p - span) // s + 1


def transposed_conv_output_size(i: int, k: int, s: int = 1, p: int = 0, output_padding: int = 0,
                                dilation: int = 1) -> int:
    """Output size of ``nn.ConvTranspose2d(kernel_size=k, stride=s, padding=p, output_padding=...)``.

        o = (i - 1) s - 2p + dilation (k - 1) + output_padding + 1      (= (i - 1) s - 2p + k when
                                                                          dilation = 1, output_padding = 0)

    ``output_padding`` must be smaller than the stride or the dilation (as PyTorch
    requires). Raises :class:`CourseError` for invalid arguments and when the
    padding removes the whole output (o < 1).
    """
    i, k, s = _whole("input size i", i, 1), _whole("kernel size k", k, 1), _whole("stride s", s, 1)
    p, dilation = _whole("padding p", p, 0), _whole("dilation", dilation, 1)
    output_padding = _whole("output_padding", output_padding, 0)
    if output_padding >= max(s, dilation):
        raise CourseError(f"output_padding={output_padding} must be smaller than the stride ({s}) or the "
                          f"dilation ({dilation}): use output_padding between 0 and {max(s, dilation) - 1}")
    o = (i - 1) * s - 2 * p + dilation * (k - 1) + output_padding + 1
    if o < 1:
        raise CourseError(f"padding p={p} removes the whole output ((i - 1) s - 2p + k = {o}): "
                          "use less padding or a larger kernel or stride")
    return o


def transposed_conv_coverage(i: int, k: int, s: int = 1, p: int = 0, output_padding: int = 0) -> list[int]:
    """How many kernel taps land on each output position of a 1-D transposed convolution.

    Input position ``j`` writes ("stamps") the k-wide kernel onto output positions
    ``j s - p, ..., j s - p + k - 1``; overlapping stamps are summed. Equivalently,
    the *fractionally strided* view: insert ``s - 1`` zeros between the inputs and
    run an ordinary convolution over them. Returns one count per output position
    (``len == transposed_conv_output_size(i, k, s, p, output_padding)``).

    When ``k`` is not a multiple of ``s`` the counts alternate across the interior
    (e.g. 1, 2, 1, 2 for k=3, s=2): some pixels get more contributions than their
    neighbours, the source of checkerboard artefacts (Odena et al., 2016).
    """
    o = transposed_conv_output_size(i, k, s, p, output_padding)
    if i * k > MAX_TAPS:
        raise CourseError(f"input size i={i:,} times kernel size k={k:,} is over {MAX_TAPS:,} taps to count one by "
                          "one: use a smaller i (the pattern repeats every s positions)")
    counts = [0] * o
    for j in range(i):
        for tap in range(k):
            position = j * s - p + tap
            if 0 <= position < o:
                counts[position] += 1
    return counts
