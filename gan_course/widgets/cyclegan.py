"""Chapter 7's kernel-free snapshot player of translations (its figures are in :mod:`gan_course.plotting.translation`)."""

from __future__ import annotations

from typing import Sequence

import torch

from .. import arguments
from ..errors import CourseError
from .players import frame_player, mark_text_frames, png_from_images, png_width

ROW_NAMES = "rows: a | G_AB(a) | G_BA(G_AB(a)) | b | G_BA(b) | G_AB(G_BA(b))"


#: The name of each of the six rows of a translation grid, written left of the row.
ROW_LABELS = ("a", "G_AB(a)", "G_BA(G_AB(a))", "b", "G_BA(b)", "G_AB(G_BA(b))")
#: Height in pixels of the row labels' text (at least 11 px: the site's smallest legible text).
LABEL_PX = 14


def with_row_labels(frame: bytes, labels: Sequence[str] = ROW_LABELS, text_px: int = LABEL_PX) -> bytes:
    """``frame`` (a PNG grid of ``len(labels)`` equal rows) with each row's name written in a white
    margin on its left, ``text_px`` pixels tall (DejaVu Sans, matplotlib's own font)."""
    import io

    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    grid = Image.open(io.BytesIO(frame)).convert("RGB")
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), text_px)
    draw = ImageDraw.Draw(grid)
    margin = 8 + max(int(draw.textlength(label, font=font)) for label in labels)
    out = Image.new("RGB", (grid.width + margin, grid.height), "white")
    out.paste(grid, (margin, 0))
    draw = ImageDraw.Draw(out)
    row = grid.height / len(labels)
    for k, label in enumerate(labels):
        draw.text((margin - 6, (k + 0.5) * row), label, fill="black", font=font, anchor="rm")
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def translation_player(snapshots: Sequence[tuple[int, torch.Tensor]], n_show: int, scale: int = 3):
    """Replay the Trainer's translation grids (six rows of ``n_show``: see ``ROW_NAMES``); needs no kernel.

    Each row carries its name on the left, and the frames are shown at their drawn size (they were
    squeezed to 44% into the players' default 360 px)."""
    from ..plotting.images import check_snapshots

    snapshots = check_snapshots(snapshots)
    arguments.whole("n_show", n_show, 1, 1000, example=8)
    arguments.whole("scale", scale, 1, 32, example=3)
    if not snapshots:
        raise CourseError("no snapshots to show: train first (the Trainer draws one every sample_every steps)")
    frames = [png_from_images(images, nrow=n_show, scale=scale) for _, images in snapshots]
    rows = snapshots[0][1].shape[0] // max(1, n_show)
    if rows == len(ROW_LABELS):
        frames = [with_row_labels(frame) for frame in frames]
    width = max(png_width(frame) for frame in frames)
    player = frame_player(frames, [f"step {step}" for step, _ in snapshots], description="step", width=f"{width}px")
    return mark_text_frames(player) if rows == len(ROW_LABELS) else player
