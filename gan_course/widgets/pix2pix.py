"""Chapter 6's kernel-free player of translations (its figures are in :mod:`gan_course.plotting.translation`)."""

from __future__ import annotations

from typing import Sequence

import torch

from .. import arguments
from ..errors import CourseError
from .players import frame_player, png_from_images


def translation_player(inputs: torch.Tensor, outputs: torch.Tensor, targets: torch.Tensor,
                       labels: Sequence[str] | None = None, scale: int = 5):
    """A slider over test items; each frame shows input -> output -> truth side by side. Needs no kernel.

    ``inputs``, ``outputs``, ``targets``: (N, C, H, W) in [-1, 1], aligned.
    """
    for name, value in (("inputs", inputs), ("outputs", outputs), ("targets", targets)):
        arguments.tensor(name, value, 4, "a batch of images (N, C, H, W) in [-1, 1]")
    if labels is not None:
        arguments.sequence("labels", labels, "a list of one caption per item")
    arguments.whole("scale", scale, 1, 32, example=5)
    if not (len(inputs) == len(outputs) == len(targets)) or len(inputs) == 0:
        raise CourseError(f"translation_player needs aligned, non-empty inputs, outputs and targets, got "
                          f"{len(inputs)}, {len(outputs)}, {len(targets)}: pass the same items in each")
    labels = list(labels) if labels is not None else [f"test item {i}: edges → output → truth"
                                                      for i in range(len(inputs))]
    frames = [png_from_images(torch.stack([inputs[i], outputs[i], targets[i]]).float().cpu(), nrow=3, scale=scale)
              for i in range(len(inputs))]
    return frame_player(frames, labels, description="item", width=f"{3 * 34 * scale}px", start=0)
