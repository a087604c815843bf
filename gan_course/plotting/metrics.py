"""Figures for chapter 8: the reference ladder, sample-size bias, precision vs recall."""

from __future__ import annotations

from typing import Mapping

import torch

from matplotlib.transforms import Bbox
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, ScalarFormatter

from .. import arguments
from .images import check_batch, _imshow, finish, image_grid, new_figure
from .layout import check_text, label_points


def show_ladder(rungs: Mapping[str, torch.Tensor], n_images: int = 16, size: float = 2.4):
    """One panel of ``n_images`` per rung of the reference ladder (name -> (N, 1, H, W) in [-1, 1])."""
    arguments.mapping("rungs", rungs, "a dict {rung name: images (N, 1, H, W)}, e.g. ladder_images(n)")
    for name, images in rungs.items():
        check_batch(images, name=f"rungs[{name!r}]", values=False)
    arguments.whole("n_images", n_images, 1, 10_000, example=16)
    arguments.number("size", size, above=0.0, maximum=100.0)
    cols = len(rungs)
    fig, axes = new_figure(1, cols, figsize=(size * cols, size + 0.5), squeeze=False, layout="constrained")
    for ax, (name, images) in zip(axes.flat, rungs.items()):
        _imshow(ax, image_grid(images[:n_images]))
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    return finish(fig, None)


def plot_fd_vs_n(curves: Mapping[str, Mapping[int, float]], title: str = "FD depends on the sample size"):
    """FD against the number of images (log x axis), one line per image set."""
    arguments.mapping("curves", curves, "a dict {image set: {n: FD}}, e.g. fd_versus_sample_size(...)")
    for name, points in curves.items():
        arguments.mapping(f"curves[{name!r}]", points, "a dict {n: FD}")
    arguments.instance("title", title, str, "a string")
    fig, ax = new_figure(figsize=(6, 3.6))
    every_n = set()
    for name, points in curves.items():
        ns = sorted(points)
        every_n.update(ns)
        ax.plot(ns, [points[k] for k in ns], marker="o", label=name)
    ax.set_xscale("log")
    # ticks at the measured sizes only: the log axis's own minor labels (2x10^2, 3x10^2, ...) overprint
    ax.xaxis.set_major_locator(FixedLocator(sorted(every_n)))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("images per set")
    ax.set_ylabel("FD (course classifier)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    check_text(fig)
    return finish(fig, ax)


def plot_precision_recall(points: Mapping[str, Mapping[str, float]], title: str = "Precision vs recall",
                          reference: Mapping[str, Mapping[str, float]] | None = None):
    """Each image set as a point (recall, precision); ``reference`` points (the ladder) in grey."""
    for name, value in (("points", points), ("reference", reference)):
        if value is None and name == "reference":
            continue
        arguments.mapping(name, value, "a dict {image set: scores with 'precision' and 'recall'}")
        for key, scores in value.items():
            arguments.mapping(f"{name}[{key!r}]", scores, "scores with 'precision' and 'recall'",
                              keys=("precision", "recall"))
    arguments.instance("title", title, str, "a string")
    fig, ax = new_figure(figsize=(6.5, 5.5))
    xs = [s["recall"] for s in points.values()]
    ys = [s["precision"] for s in points.values()]
    ax.plot(xs, ys, color="C0", alpha=0.5)
    for s in points.values():
        ax.scatter(s["recall"], s["precision"], color="C0", zorder=3)
    if reference:
        for s in reference.values():
            ax.scatter(s["recall"], s["precision"], color="0.6", marker="s")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("recall (coverage of the real data)")
    ax.set_ylabel("precision (realism of the samples)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    # labels next to their points, each on a side where it neither overprints another label nor leaves
    # the axes (the ψ values lie close together)
    every = [(s["recall"], s["precision"]) for s in list(points.values()) + list((reference or {}).values())]
    markers = [Bbox.from_extents(x - 5, y - 5, x + 5, y + 5) for x, y in ax.transData.transform(every)]
    notes = label_points(ax, [(s["recall"], s["precision"]) for s in points.values()], list(points),
                         avoid=markers, fontsize=9)
    if reference:
        label_points(ax, [(s["recall"], s["precision"]) for s in reference.values()], list(reference),
                     avoid=markers + [n.get_window_extent(fig.canvas.get_renderer()) for n in notes],
                     fontsize=8, color="0.4")
    check_text(fig)
    return finish(fig, ax)
