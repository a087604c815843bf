"""Chapter 7's kernel-free snapshot player of translations (its figures are in :mod:`gan_course.plotting.translation`)."""

from __future__ import annotations

from typing import Sequence

import torch

from ..errors import CourseError
from .players import frame_player, png_from_images

ROW_NAMES = "rows: a | G_AB(a) | G_BA(G_AB(a)) | b | G_BA(b) | G_AB(G_BA(b))"


def translation_player(snapshots: Sequence[tuple[int, torch.Tensor]], n_show: int, scale: int = 3):
    """Replay the Trainer's translation grids (six rows of ``n_show``: see ``ROW_NAMES``); needs no kernel."""
    if not snapshots:
        raise CourseError("no snapshots to show: train first (the Trainer draws one every sample_every steps)")
    frames = [png_from_images(images, nrow=n_show, scale=scale) for _, images in snapshots]
    return frame_player(frames, [f"step {step}" for step, _ in snapshots], description="step")
