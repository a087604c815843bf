"""Chapter 4's figure of a transposed convolution in 1-D (which inputs write to which outputs), and the
troubleshooting page's checkerboard patterns (:func:`plot_patterns`)."""

from __future__ import annotations

import torch

from ..metrics.health import unevenness
from ..models.sizes import transposed_conv_coverage, transposed_conv_output_size
from .images import finish, new_figure


def plot_transposed_conv_1d(i: int, k: int, s: int, p: int = 0, output_padding: int = 0, ax=None):
    """Draw a 1-D transposed convolution: inputs on top, the output they write to below.

    Input position j stamps the k-wide kernel onto output positions
    ``j s - p ... j s - p + k - 1``; each output cell shows how many stamps it
    receives (:func:`~gan_course.models.sizes.transposed_conv_coverage`). Grey
    cells are the ``p`` positions cut from each end by the padding.
    """
    from matplotlib.patches import Polygon, Rectangle

    o = transposed_conv_output_size(i, k, s, p, output_padding)
    counts = transposed_conv_coverage(i, k, s, p, output_padding)
    fig, ax = new_figure(figsize=(7, 2.6)) if ax is None else (None, ax)
    first, last = -p, max((i - 1) * s - p + k - 1, o - 1)  # full (uncropped) range of output positions
    top = max(counts) or 1
    for x in range(first, last + 1):  # output cells
        inside = 0 <= x < o
        shade = (0.35 + 0.65 * (1 - counts[x] / top)) if inside else 1.0
        ax.add_patch(Rectangle((x, 0), 1, 1, facecolor=(shade, shade, 1.0) if inside else "0.85",
                               edgecolor="black", hatch=None if inside else "///", lw=0.8))
        if inside:
            ax.text(x + 0.5, 0.5, str(counts[x]), ha="center", va="center", fontsize=9)
    for j in range(i):  # input cells, centred over the stamp they write
        start = j * s - p
        centre = start + k / 2
        ax.add_patch(Rectangle((centre - 0.5, 2.2), 1, 1, facecolor="#ffd27f", edgecolor="black", lw=0.8))
        ax.text(centre, 2.7, f"x{j}", ha="center", va="center", fontsize=8)
        ax.add_patch(Polygon([(centre - 0.5, 2.2), (centre + 0.5, 2.2), (start + k, 1), (start, 1)],
                             closed=True, alpha=0.12, color=f"C{j % 10}"))
    ax.set_xlim(first - 0.5, last + 1.5)
    ax.set_ylim(-0.4, 3.6)
    ax.set_aspect("equal")
    ax.axis("off")
    formula = f"o = ({i}−1)·{s} − 2·{p} + {k}" + (f" + {output_padding}" if output_padding else "") + f" = {o}"
    ax.set_title(f"i={i}, k={k}, s={s}, p={p}: {formula}   (numbers: writes per output cell)", fontsize=9)
    return finish(fig, ax)


def plot_patterns(patterns: dict[str, torch.Tensor], border: int = 4):
    """One grey-scale panel per pattern, on one shared scale from 0 (black), titled with its unevenness.

    The shared scale matters: a flat map drawn on its own scale would look black.
    """
    top = max(float(p.max()) for p in patterns.values())
    fig, axes = new_figure(1, len(patterns), figsize=(3.4 * len(patterns), 3.6), squeeze=False)
    for ax, (name, pattern) in zip(axes[0], patterns.items()):
        ax.imshow(pattern.numpy(), cmap="gray", interpolation="nearest", vmin=0.0, vmax=top)
        ax.set_title(f"{name}\nunevenness {unevenness(pattern, border):.2f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    return finish(fig, axes[0, 0])
