"""Checks shared by the models: a wrong input gets an error that names the fix."""

from __future__ import annotations

import torch

from ..errors import CourseError


def check_input(x: torch.Tensor, shape: tuple[int, ...], what: str, model: str) -> None:
    """Raise a :class:`CourseError` unless ``x`` is ``(B, *shape)``."""
    if not isinstance(x, torch.Tensor):
        raise CourseError(f"{model} expects a tensor of {what}, got {type(x).__name__}")
    if x.dim() != len(shape) + 1 or tuple(x.shape[1:]) != tuple(shape):
        expected = "(B, " + ", ".join(map(str, shape)) + ")"
        raise CourseError(
            f"{model} expects {what} of shape {expected}, got {tuple(x.shape)}: "
            f"reshape the input or build the model with a config that matches it"
        )
