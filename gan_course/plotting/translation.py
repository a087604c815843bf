"""Chapters 6 and 7's figures: labelled rows of translations, PatchGAN patches, CycleGAN grids and losses."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from .. import arguments
from ..errors import CourseError
from .images import finish, image_grid, new_figure, show_grid


# ------------------------------------------------------------ chapter 6: pix2pix
def show_rows(rows: dict[str, torch.Tensor], title: str | None = None, width: float = 10.0):
    """Labelled rows of images in [-1, 1], one row per entry ``{label: (N, C, H, W)}`` (same N in every row).

    For translations: e.g. ``{"edges": x, "L1 only": G1(x), ..., "truth": y}``.
    """
    arguments.instance("rows", rows, dict, "a dict {label: images (N, C, H, W)}")
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
    arguments.tensor("image", image, 3, "one image (C, H, W) in [-1, 1]")
    arguments.sequence("n_layers_list", n_layers_list, "a list of PatchGAN depths, e.g. [1, 2, 3]")
    arguments.whole("cell", cell, 0, 10_000, example=0)
    from matplotlib.patches import Rectangle

    from ..models.patchgan import patch_grid_size, patch_span, receptive_field

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


# ------------------------------------------------------------ chapter 7: CycleGAN
def show_translations(result: Mapping[str, torch.Tensor], n: int = 10, title: str | None = None,
                      size: float = 6.0):
    """Three rows: inputs, their translations, and the round trips (a ``translate_test_items`` result)."""
    arguments.mapping("result", result, "the dict that translate_test_items returns",
                      keys=("inputs", "outputs", "reconstructions"))
    arguments.whole("n", n, 1, 10_000, example=10)
    missing = {"inputs", "outputs", "reconstructions"} - set(result)
    if missing:
        raise CourseError(f"show_translations needs inputs, outputs and reconstructions; {sorted(missing)} "
                          "are missing: pass the dict that translate_test_items returns")
    n = min(n, result["inputs"].shape[0])
    rows = torch.cat([result["inputs"][:n], result["outputs"][:n], result["reconstructions"][:n]])
    return show_grid(rows, nrow=n, title=title or "input / translation / round trip", size=size)


CURVE_LABELS = {
    "loss_d_real": "D on real: 1/2 (D(y) - 1)², both D's",
    "loss_d_fake": "D on fake: 1/2 D(G(x))², both D's",
    "loss_g": "G's adversarial: (D(G(x)) - 1)², both G's",
    "loss_cycle": "cycle: |F(G(x)) - x| + |G(F(y)) - y|",
    "loss_identity": "identity: |G(y) - y| + |F(x) - x|",
}


def plot_cyclegan_losses(history: Mapping[str, Sequence[float]], window: int | None = None,
                         title: str = "CycleGAN losses"):
    """Two panels: the least-squares adversarial terms, and the cycle and identity L1 terms.

    The dotted line in the left panel is 1/4: what each of D's summed terms scores when
    both D's answer 1/2 for everything (1/8 per domain).
    """
    arguments.instance("history", history, dict, "a training history (trainer.history)")
    from .history import _smoothed, _window
    from .images import finish, new_figure

    window = window or _window(history)
    fig, (left, right) = new_figure(1, 2, figsize=(11, 3.5))
    for ax, keys in ((left, ("loss_d_real", "loss_d_fake", "loss_g")), (right, ("loss_cycle", "loss_identity"))):
        for key in keys:
            if key not in history:
                raise CourseError(f"the history has no {key!r}: pass a CycleGAN trainer's history")
            ax.plot(*_smoothed(history, key, window), label=CURVE_LABELS[key])
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    left.axhline(0.25, color="gray", ls=":", lw=1, label="D answering 1/2")
    left.set_title(f"adversarial (moving average over {window} steps)")
    right.set_title("cycle and identity, unweighted")
    fig.suptitle(title)
    return finish(fig, left)
