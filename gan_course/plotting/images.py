"""Image grids from tensors in [-1, 1]."""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib.pyplot as plt
import torch
from torchvision.utils import make_grid


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1] -> one (C, H', W') grid in [0, 1] (``make_grid``)."""
    images = images.detach().float().cpu()
    nrow = nrow or max(1, int(math.sqrt(images.shape[0])))
    grid = make_grid(images, nrow=nrow, padding=padding, value_range=(-1, 1), normalize=True, pad_value=1.0)
    return grid.clamp(0, 1)


def _imshow(ax, grid: torch.Tensor) -> None:
    if grid.shape[0] == 1 or torch.equal(grid[0], grid[1]) and torch.equal(grid[1], grid[2]):
        ax.imshow(grid[0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid.permute(1, 2, 0), interpolation="nearest")
    ax.set_axis_off()


def show_grid(images: torch.Tensor, nrow: int | None = None, title: str | None = None,
              size: float = 5.0, ax=None):
    """Show a batch of images as one grid; returns the matplotlib figure."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(size, size))
    _imshow(ax, image_grid(images, nrow))
    if title:
        ax.set_title(title)
    if fig is not None:
        fig.tight_layout()
        plt.show()
    return fig or ax.figure


def show_snapshots(snapshots: Sequence[tuple[int, torch.Tensor]], max_cols: int = 5,
                   n_images: int = 16, size: float = 2.6, title: str | None = None):
    """Fixed-noise grids across training, one panel per snapshot: how G improves."""
    snapshots = list(snapshots)
    if len(snapshots) > max_cols * 2:  # keep an even spread, always with the last one
        idx = torch.linspace(0, len(snapshots) - 1, max_cols * 2).round().long().unique().tolist()
        snapshots = [snapshots[i] for i in idx]
    cols = min(max_cols, len(snapshots))
    rows = math.ceil(len(snapshots) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (step, images) in zip(axes.flat, snapshots):
        _imshow(ax, image_grid(images[:n_images]))
        ax.set_title(f"step {step}")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()
    return fig
