"""Chapter 6's figures and kernel-free players: translations side by side, and PatchGAN patches."""

from __future__ import annotations

from typing import Sequence

import torch

from .errors import CourseError
from .plotting.images import finish, image_grid, new_figure
from .widgets import frame_player, png_from_images


def show_rows(rows: dict[str, torch.Tensor], title: str | None = None, width: float = 10.0):
    """Labelled rows of images in [-1, 1], one row per entry ``{label: (N, C, H, W)}`` (same N in every row).

    For translations: e.g. ``{"edges": x, "L1 only": G1(x), ..., "truth": y}``.
    """
    if not rows:
        raise CourseError("show_rows needs at least one row: pass {label: images}")
    n = {v.shape[0] for v in rows.values()}
    if len(n) != 1:
        raise CourseError(f"show_rows needs the same number of images in every row, got {sorted(n)}: slice them")
    n_cols = n.pop()
    fig, axes = new_figure(len(rows), 1, figsize=(width, width / n_cols * len(rows) * 1.05 + 0.4), squeeze=False,
                           layout="constrained")  # makes room for the row labels on the left
    for ax, (label, images) in zip(axes[:, 0], rows.items()):
        grid = image_grid(images.detach().float().cpu(), nrow=n_cols)  # (3, H', W') in [0, 1]
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    return finish(fig, axes[0, 0])


def show_patches(image: torch.Tensor, n_layers_list: Sequence[int], cell: int = 0):
    """One panel per PatchGAN depth: the input pixels that output cell ``(cell, cell)`` judges.

    ``image`` is (1, H, W) or (C, H, W) in [-1, 1]; the red square is the cell's
    receptive field (:func:`~gan_course.models.patchgan.patch_span`), clipped
    where it runs into the zero padding; the title gives the full field and the
    size of the logit grid.
    """
    from matplotlib.patches import Rectangle

    from .models.patchgan import patch_grid_size, patch_span, receptive_field

    size = image.shape[-1]
    fig, axes = new_figure(1, len(n_layers_list), figsize=(2.6 * len(n_layers_list), 3.0), squeeze=False)
    for ax, n in zip(axes[0], n_layers_list):
        grid = patch_grid_size(size, n)
        i = min(cell, grid - 1)
        start, stop = patch_span(n, i)
        shown = image_grid(image.detach().float().cpu().unsqueeze(0), padding=0)  # (3, H, W)
        ax.imshow(shown.permute(1, 2, 0).numpy(), interpolation="nearest", extent=(-0.5, size - 0.5, size - 0.5, -0.5))
        lo, hi = max(start, 0), min(stop, size)
        ax.add_patch(Rectangle((lo - 0.5, lo - 0.5), hi - lo, hi - lo, fill=False, edgecolor="red", linewidth=2))
        ax.set_xlim(-0.5, size - 0.5)
        ax.set_ylim(size - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"n_layers={n}: {receptive_field(n)}x{receptive_field(n)}\n"
                     f"grid {grid}x{grid}, cell ({i}, {i})", fontsize=9)
    return finish(fig, axes[0, 0])


def translation_player(inputs: torch.Tensor, outputs: torch.Tensor, targets: torch.Tensor,
                       labels: Sequence[str] | None = None, scale: int = 5):
    """A slider over test items; each frame shows input -> output -> truth side by side. Needs no kernel.

    ``inputs``, ``outputs``, ``targets``: (N, C, H, W) in [-1, 1], aligned.
    """
    if not (len(inputs) == len(outputs) == len(targets)) or len(inputs) == 0:
        raise CourseError(f"translation_player needs aligned, non-empty inputs, outputs and targets, got "
                          f"{len(inputs)}, {len(outputs)}, {len(targets)}: pass the same items in each")
    labels = list(labels) if labels is not None else [f"test item {i}: edges → output → truth"
                                                      for i in range(len(inputs))]
    frames = [png_from_images(torch.stack([inputs[i], outputs[i], targets[i]]).float().cpu(), nrow=3, scale=scale)
              for i in range(len(inputs))]
    return frame_player(frames, labels, description="item", width=f"{3 * 34 * scale}px", start=0)
