"""Image grids from tensors in [-1, 1].

Every image in the course lives in [-1, 1] (the range of G's ``tanh``). A grid
maps that *fixed* range to [0, 1] for display: ``-1`` is black, ``+1`` white,
whatever the batch holds. (Rescaling each batch by its own min and max, as
``save_image(..., normalize=True)`` does without ``value_range``, would stretch
the contrast of a poor batch and hide how it really looks.)
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from .. import arguments


class ShownFigure(Figure):
    """A figure that its plotting function has already shown with ``plt.show()``.

    It is returned so that callers can keep using it (``fig.savefig(...)``), but
    Jupyter does not echo it a second time when the call ends a cell.
    """

    def _ipython_display_(self):  # IPython calls this instead of drawing the figure again
        pass


#: The widest figure, in pixels as drawn (figsize x dpi): the website's text column at 1280 px, where
#: a figure then shows at its drawn size and its smallest text (7 pt = 9.7 px at 100 dpi) stays legible.
MAX_FIGURE_PX = 940
#: show_grid draws each image at least this wide (when the column allows): 28 px FashionMNIST images at 2x.
MIN_THUMBNAIL_PX = 56


def fit_figsize(figsize: tuple[float, float], dpi: float | None = None) -> tuple[float, float]:
    """``figsize`` scaled down (aspect kept) so the figure is at most :data:`MAX_FIGURE_PX` wide."""
    dpi = dpi or plt.rcParams["figure.dpi"]
    width, height = figsize
    limit = MAX_FIGURE_PX / dpi
    return (width, height) if width <= limit else (limit, height * limit / width)


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """``plt.subplots`` for a figure that a plotting function shows itself with :func:`finish`;
    a ``figsize`` wider than the site's column is scaled down to fit it (:func:`fit_figsize`)."""
    if kwargs.get("figsize") is not None:
        kwargs["figsize"] = fit_figsize(kwargs["figsize"], kwargs.get("dpi"))
    return plt.subplots(nrows, ncols, **kwargs)


def finish(fig, ax):
    """Lay out and show a figure the function created (``fig`` not None); return the figure either way.

    Once shown, the figure becomes a :class:`ShownFigure`, so that returning it
    from the last line of a notebook cell does not draw it twice.
    """
    if fig is not None:
        if fig.get_layout_engine() is None:  # figures made with layout="constrained" lay themselves out
            fig.tight_layout()
        plt.show()  # Jupyter's inline backend displays (and closes) it here
        fig.__class__ = ShownFigure
        return fig
    return ax.figure


def check_batch(images, nrow=None, name: str = "images", values: bool = True) -> tuple[torch.Tensor, int | None]:
    """A batch of images to draw, checked: (B, 1 or 3, H, W), B >= 1, finite values; ``nrow`` None or >= 1.

    A one-sentence :class:`~gan_course.errors.CourseError` otherwise (an all-NaN batch would draw a blank
    grid, 5 channels a torchvision error); a batch that looks like [0, 1] instead of [-1, 1] gets a warning.
    ``values=False`` checks the shape and type only (the course's own figures, which may draw a diverged run).
    """
    from ..errors import CourseError

    what = "a batch of images (B, C, H, W) with C = 1 or 3"
    images = arguments.tensor(name, images, what=what)
    if images.dim() == 3 and images.shape[0] in (1, 3):
        raise CourseError(f"{name} must be {what}, got one image of shape {tuple(images.shape)}: "
                          f"add a batch dimension with {name}[None]")
    arguments.tensor(name, images, dims=4, what=what)
    if images.shape[0] == 0:
        raise CourseError(f"{name} is an empty batch (shape {tuple(images.shape)}): pass at least one image")
    if images.shape[1] not in (1, 3):
        raise CourseError(f"{name} must be {what}, got {images.shape[1]} channels (shape {tuple(images.shape)}): "
                          "pass grayscale (1) or RGB (3) images, e.g. images[:, :1]")
    if images.shape[2] == 0 or images.shape[3] == 0:
        raise CourseError(f"{name} has images of size {images.shape[2]}x{images.shape[3]}: pass images of at "
                          "least 1x1 pixel")
    if not images.is_floating_point():
        raise CourseError(f"{name} must hold float values in [-1, 1], got dtype {images.dtype}: convert them, "
                          f"e.g. {name}.float() / 127.5 - 1 for uint8 pixels")
    finite = torch.isfinite(images.detach()) if values else None
    if values and not bool(finite.all()):
        bad = int((~finite).sum())
        raise CourseError(f"{name}: {bad:,} of {images.numel():,} values are NaN or infinite, which would draw "
                          "as a blank grid: usually the generator diverged (go back to its last good "
                          "checkpoint, or train again with a lower learning rate)")
    if values:
        arguments.warn_if_unit_range(images, name)
    nrow = arguments.optional_whole("nrow", nrow, 1, 10_000, example=8)
    return images, nrow


def check_snapshots(snapshots, name: str = "snapshots") -> list:
    """A Trainer's ``samples``: a list of ``(step, images)`` pairs, each a batch :func:`check_batch` accepts
    (shapes and types only: a diverged run's snapshots are drawn too); returned as a list, maybe empty."""
    from ..errors import CourseError

    if isinstance(snapshots, (str, bytes, torch.Tensor, dict)) or not hasattr(snapshots, "__iter__"):
        raise CourseError(f"{name} must be a list of (step, images) pairs, such as trainer.samples, got "
                          f"{arguments.shown(snapshots)} ({type(snapshots).__name__})")
    snapshots = list(snapshots)
    for i, item in enumerate(snapshots):
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], torch.Tensor)):
            raise CourseError(f"{name}[{i}] must be a (step, images) pair, such as trainer.samples holds, got "
                              f"{arguments.shown(item)}")
        check_batch(item[1], name=f"{name}[{i}] images", values=False)
    return snapshots


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1] -> one (3, H', W') grid in [0, 1] (``make_grid``; grey images come back as RGB).

    ``nrow`` is the number of images per row (default: a square grid). White
    padding separates the images.
    """
    images, nrow = check_batch(images, nrow, values=False)
    padding = arguments.whole("padding", padding, 0, 64, example=2)
    images = images.detach().float().cpu()
    nrow = nrow or max(1, int(math.sqrt(images.shape[0])))
    # value_range=(-1, 1): a fixed map (x + 1) / 2, not a per-batch min-max stretch
    grid = make_grid(images, nrow=nrow, padding=padding, value_range=(-1, 1), normalize=True, pad_value=1.0)
    return grid.clamp(0, 1)


def save_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None, scale: int = 1) -> Path:
    """Write a batch in [-1, 1] as one PNG grid (the same mapping as :func:`image_grid`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_from_images(images, nrow=nrow, scale=scale))
    return path


def _check_ax(ax) -> None:
    from matplotlib.axes import Axes

    arguments.instance("ax", ax, (Axes, type(None)), "a matplotlib Axes or None (a new figure)")


def _imshow(ax, grid: torch.Tensor) -> None:
    if grid.shape[0] == 1 or torch.equal(grid[0], grid[1]) and torch.equal(grid[1], grid[2]):
        ax.imshow(grid[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()


def show_grid(images: torch.Tensor, nrow: int | None = None, title: str | None = None,
              size: float = 5.0, ax=None):
    """Show a batch of images as one grid; returns the matplotlib figure.

    ``size`` is the figure's width in inches; the height follows the grid's
    aspect ratio, so a single row of images is not drawn in a tall empty box.
    """
    images, nrow = check_batch(images, nrow)
    size = arguments.number("size", size, above=0, maximum=100)
    arguments.instance("title", title, (str, type(None)), "a string or None")
    _check_ax(ax)
    grid = image_grid(images, nrow)
    fig = None
    if ax is None:
        # every image at least MIN_THUMBNAIL_PX wide (a 16-per-row grid of 5 inches drew 27 px thumbnails,
        # too small to see what the text describes): widen the figure up to the column's width
        per_row = nrow or max(1, int(math.sqrt(images.shape[0])))
        dpi = plt.rcParams["figure.dpi"]
        size = max(size, min(MAX_FIGURE_PX, per_row * MIN_THUMBNAIL_PX) / dpi)
        height = size * grid.shape[1] / grid.shape[2] + (0.4 if title else 0.0)
        fig, ax = new_figure(figsize=(size, max(height, 0.8)))
    _imshow(ax, grid)
    if title:
        ax.set_title(title)
    return finish(fig, ax)


def show_snapshots(snapshots: Sequence[tuple[int, torch.Tensor]], max_cols: int = 5,
                   n_images: int = 16, size: float = 2.6, title: str | None = None):
    """Fixed-noise grids across training, one panel per snapshot: how G improves.

    ``snapshots`` is a list of ``(step, images)`` (a Trainer's ``samples``); at
    most ``2 * max_cols`` panels are drawn, evenly spread and always including
    the first and the last snapshot.
    """
    snapshots = check_snapshots(snapshots)
    max_cols = arguments.whole("max_cols", max_cols, 1, 100, example=5)
    n_images = arguments.whole("n_images", n_images, 1, 10_000, example=16)
    size = arguments.number("size", size, above=0, maximum=100)
    arguments.instance("title", title, (str, type(None)), "a string or None")
    if not snapshots:
        print("no snapshots to show: they are drawn while training (every sample_every steps); after loading "
              "the pretrained generator (USE_PRETRAINED) there are none")
        return None
    if len(snapshots) > max_cols * 2:  # keep an even spread, always with the last one
        idx = torch.linspace(0, len(snapshots) - 1, max_cols * 2).round().long().unique().tolist()
        snapshots = [snapshots[i] for i in idx]
    cols = min(max_cols, len(snapshots))
    rows = math.ceil(len(snapshots) / cols)
    fig, axes = new_figure(rows, cols, figsize=(size * cols, (size + 0.3) * rows + 0.4), squeeze=False,
                           layout="constrained")  # keeps each panel's title clear of the row above
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (step, images) in zip(axes.flat, snapshots):
        _imshow(ax, image_grid(images[:n_images]))
        ax.set_title(f"step {step}")
    if title:
        fig.suptitle(title)
    return finish(fig, None)


# ------------------------------------------------------------ PNG bytes (the kernel-free players' frames)
def png_from_images(images: torch.Tensor, nrow: int | None = None, scale: int = 2) -> bytes:
    """A batch (B, C, H, W) in [-1, 1] -> PNG bytes of its grid, enlarged ``scale`` times."""
    from PIL import Image

    grid = image_grid(images, nrow)  # (C, H, W) in [0, 1]
    array = (grid.mul(255).round().byte().permute(1, 2, 0).numpy())
    if array.shape[2] == 1 or (array[..., 0] == array[..., 1]).all():
        img = Image.fromarray(array[..., 0])  # (H, W) uint8 -> grayscale
    else:
        img = Image.fromarray(array)  # (H, W, 3) uint8 -> RGB
    img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def png_from_figure(fig, dpi: int = 80) -> bytes:
    """A matplotlib figure -> PNG bytes (the figure is closed)."""
    arguments.instance("fig", fig, Figure, "a matplotlib Figure (e.g. from plt.subplots())")
    dpi = arguments.whole("dpi", dpi, 10, 1000, example=80)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
