"""Chapter 4 (DCGAN): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

from ..models import sizes
from .core import Exercise, Question, _m


_CONV_CASES = [(28, 4, 2, 1), (14, 4, 2, 1), (32, 3, 1, 1), (28, 5, 2, 1), (29, 5, 2, 2), (28, 5), (9, 3, 3)]  # the last two use the defaults
_TCONV_CASES = [(7, 4, 2, 1), (14, 4, 2, 1), (1, 4, 1, 0), (4, 3, 2, 1), (5, 5, 1, 2), (7, 4), (3, 3, 2)]  # the last two use the defaults


def _conv_no_plus_one(i, k, s=1, p=0):
    return (i + 2 * p - k) // s


def _conv_true_division(i, k, s=1, p=0):
    return (i + 2 * p - k) / s + 1


def _conv_one_side_padding(i, k, s=1, p=0):
    return (i + p - k) // s + 1


def _tconv_conv_formula(i, k, s=1, p=0):
    return (i + 2 * p - k) // s + 1


def _tconv_plus_padding(i, k, s=1, p=0):
    return (i - 1) * s + 2 * p + k


def _tconv_i_times_s(i, k, s=1, p=0):
    return i * s - 2 * p + k


EXERCISES: dict[str, Exercise] = {
    "ch4.conv_output_size": Exercise(
        4, "the output size of a strided convolution", sizes.conv_output_size,
        [_m(_conv_no_plus_one, "missing one: the first position of the kernel counts too", "no plus one"),
         _m(_conv_true_division, "the size must be a whole number: a kernel that does not fit a whole stride "
                                 "produces no output, so round down", "true division"),
         _m(_conv_one_side_padding, "the padding is added on both sides of the input", "one-sided padding")],
        lambda: list(_CONV_CASES),
        hint="count the positions the kernel can take: the padded input's length, minus the kernel, in steps of "
             "the stride, plus the first position",
        hints=("Check the arguments' defaults: stride 1 and no padding when they are not given",
               "Draw a 1-D input of 5 cells, a kernel of 3 and a stride of 2, and count the positions by hand"),
        section="Strided convolutions: downsampling in $D$"),
    "ch4.transposed_conv_output_size": Exercise(
        4, "the output size of a transposed convolution", sizes.transposed_conv_output_size,
        [_m(_tconv_conv_formula, "that is the ordinary convolution's size; a transposed convolution grows its "
                                 "input", "convolution's formula"),
         _m(_tconv_plus_padding, "sign error on the padding: in a transposed convolution the padding removes "
                                 "rows from the output", "padding added"),
         _m(_tconv_i_times_s, "one stride too many: the i inputs are i - 1 strides apart", "i times s")],
        lambda: list(_TCONV_CASES),
        hint="a transposed convolution is the convolution run backwards: its output size is the input size that "
             "an ordinary convolution with the same settings maps back to this size",
        hints=("The inputs land a stride apart on the output, each kernel covers k cells, and padding trims both "
               "ends",
               "Check your answer by feeding it to your conv_output_size: you must get the input size back"),
        section="Transposed convolutions: upsampling in $G$"),
}

QUESTIONS: dict[str, Question] = {
    "ch4.conv_size_odd": Question(
        4, "A 7×7 feature map goes through a convolution with kernel 4, stride 2 and padding 1. What is the side "
           "of its output? (a number)",
        3, "The kernel fits (7 + 2 - 4) / 2 + 1 = 3.5 times, and only whole positions produce an output: 3. An "
           "odd side is not halved exactly, which is why the DCGAN pads FashionMNIST's 28×28 images to 32×32 "
           "(32 → 16 → 8 → 4 halves cleanly).",
        rtol=0.0, atol=0.0, section="Strided convolutions: downsampling in $D$"),
}
