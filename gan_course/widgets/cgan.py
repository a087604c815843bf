"""Chapter 3's kernel-free class picker: a dropdown of classes over pre-rendered grids.

Like the players in :mod:`gan_course.widgets.players`, every grid is rendered to PNG in
Python once, and the dropdown is linked to a ``Stack`` of those images *in the
browser* (``jslink``), so the picker keeps working on the static website.
"""

from __future__ import annotations

from typing import Sequence

import torch

from .. import arguments
from ..data import CLASSES
from ..errors import CourseError
from ..runtime import eval_mode
from .players import png_from_images


@torch.no_grad()
def class_picker(generator: torch.nn.Module, z: torch.Tensor, classes: Sequence[str] = CLASSES,
                 nrow: int | None = None, scale: int = 3, width: str | None = None, start: int = 0):
    """A dropdown of classes; picking one shows ``G(z, class)`` for the same noise ``z``.

    ``z`` is ``(N, latent_dim)``; each frame is the grid of those N noise vectors
    drawn as one class, so switching class keeps each cell's noise (its "style")
    and changes only the label. ``classes`` names the labels 0..K-1 (default: the
    FashionMNIST classes). G runs in eval mode and is put back as it was.
    """
    import io

    import ipywidgets as W
    from PIL import Image

    arguments.instance("generator", generator, torch.nn.Module, "a conditional generator, e.g. G")
    arguments.tensor("z", z, what="noise (N, latent_dim)")
    arguments.sequence("classes", classes, "a list of class names")
    arguments.whole("scale", scale, 1, 32, example=3)
    arguments.whole("start", start, 0, len(classes) - 1, example=0)
    if z.dim() != 2 or z.shape[0] == 0:
        raise CourseError(f"class_picker expects noise of shape (N, latent_dim), got {tuple(z.shape)}: "
                          "pass e.g. torch.randn(16, G.cfg.latent_dim)")
    num_classes = getattr(getattr(generator, "cfg", None), "num_classes", len(classes))
    if len(classes) != num_classes:
        raise CourseError(f"class_picker got {len(classes)} class names for a generator of {num_classes} "
                          "classes: pass one name per class")
    if not 0 <= start < num_classes:
        raise CourseError(f"start={start} is not a class index: use 0..{num_classes - 1}")
    device = next(generator.parameters()).device
    frames = []
    with eval_mode(generator):
        for k in range(num_classes):
            y = torch.full((z.shape[0],), k, dtype=torch.long, device=device)  # (N,): everyone is class k
            frames.append(png_from_images(generator(z.to(device), y).float().cpu(), nrow=nrow, scale=scale))
    if width is None:  # show the grids at their own size
        width = f"{Image.open(io.BytesIO(frames[0])).width}px"
    stack = W.Stack([W.Image(value=f, format="png", layout=W.Layout(width=width)) for f in frames],
                    selected_index=start)
    dropdown = W.Dropdown(options=[(f"{k}: {name}", k) for k, name in enumerate(classes)], index=start,
                          description="class")
    W.jslink((dropdown, "index"), (stack, "selected_index"))  # runs in the browser: no kernel needed
    return W.VBox([dropdown, stack])


def class_snapshot_player(snapshots: Sequence[tuple[int, torch.Tensor]], num_classes: int = 10, scale: int = 2):
    """Replay the Trainer's class grids (rows = fixed noise, columns = classes) step by step."""
    from ..plotting.images import check_snapshots
    from .players import frame_player

    snapshots = check_snapshots(snapshots)
    arguments.whole("num_classes", num_classes, 1, 1000, example=10)
    arguments.whole("scale", scale, 1, 32, example=2)
    if not snapshots:
        raise CourseError("snapshots is empty: train first (the Trainer draws a class grid every sample_every "
                          "steps)")
    frames = [png_from_images(images, nrow=num_classes, scale=scale) for _, images in snapshots]
    return frame_player(frames, [f"step {step}" for step, _ in snapshots], description="step")
