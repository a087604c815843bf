"""Chapter 4 (DCGAN): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch04.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

from ..models import sizes
from .core import Check


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


EXERCISES: dict[str, Check] = {  # the texts: ch04.toml
    "ch4.conv_output_size": Check(
        sizes.conv_output_size, [_conv_no_plus_one, _conv_true_division, _conv_one_side_padding],
        lambda: list(_CONV_CASES)),
    "ch4.transposed_conv_output_size": Check(
        sizes.transposed_conv_output_size, [_tconv_conv_formula, _tconv_plus_padding, _tconv_i_times_s],
        lambda: list(_TCONV_CASES)),
}
