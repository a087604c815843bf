"""Figures of chapter 11: the forward and reverse processes, the cost of sampling, copying, detection and bias."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch

from .. import arguments
from ..errors import CourseError
from .diagrams import _arrow, _box, _canvas
from .images import _imshow, check_batch, check_snapshots, finish, image_grid, new_figure

CLASSES = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")


def diffusion_diagram():
    """The forward process q (fixed, adds noise) above the learned reverse process p_θ (removes it)."""
    fig, ax = _canvas(11, 3.6, (11, 3.6))
    xs = [1.0, 3.4, 5.8, 8.2, 10.2]
    labels = ["x_0\n(an image)", "x_1", "x_t", "x_(t+1)", "x_T\n≈ N(0, I)"]
    for x, text in zip(xs, labels):
        _box(ax, x, 1.8, text, "data" if x == xs[0] else "tensor", w=1.3, h=0.7)
    for a, b in zip(xs, xs[1:]):
        _arrow(ax, (a + 0.7, 2.05), (b - 0.7, 2.05), "q: + noise (fixed)" if a == xs[2] else "",
               colour="#996600", rad=-0.3, text_offset=(0, 0.25))
        _arrow(ax, (b - 0.7, 1.55), (a + 0.7, 1.55), "p_θ: ε_θ(x_t, t) removes noise" if a == xs[2] else "",
               colour="#1f4e79", rad=-0.3, text_offset=(0, -0.55))
    ax.text(5.5, 3.3, "forward: q(x_t | x_(t-1)) = N(√(1-β_t) x_(t-1), β_t I); in one jump "
            "x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε", ha="center", fontsize=8.5, color="#996600")
    ax.text(5.5, 0.25, "reverse: T steps from noise, each one network evaluation "
            "(DDIM: a few larger steps)", ha="center", fontsize=8.5, color="#1f4e79")
    fig.diagram_labels += ["q", "p_θ"]
    return finish(fig, ax)


def sampling_cost_diagram(T: int = 1000, ddim_steps: int = 20):
    """One image: a GAN's single generator pass against a diffusion model's T (or DDIM's few) network passes."""
    T = arguments.whole("T", T, 1, 100_000, example=1000)
    arguments.whole("ddim_steps", ddim_steps, 1, T, example=min(20, T))
    fig, ax = _canvas(11, 3.4, (11, 3.4))
    rows = [(2.7, "GAN", 1, "G"), (1.6, f"DDIM ({ddim_steps} steps)", ddim_steps, "Q"),
            (0.5, f"DDPM (T = {T} steps)", T, "D")]
    for y, name, n, role in rows:
        ax.text(0.1, y, name, va="center", fontsize=9)
        _box(ax, 2.6, y, "z or x_T", "tensor", w=1.0, h=0.5)
        shown = min(n, 12)
        for k in range(shown):
            _box(ax, 3.6 + k * 0.5, y, "", role, w=0.4, h=0.5)
        if n > shown:
            ax.text(3.6 + shown * 0.5 + 0.2, y, f"… {n} passes", va="center", fontsize=8.5)
        elif n > 1:
            ax.text(3.6 + shown * 0.5 + 0.1, y, f"{n} passes", va="center", fontsize=8.5)
        else:
            ax.text(4.1, y, "1 pass of G", va="center", fontsize=8.5)
    fig.diagram_labels += ["GAN", "DDIM", "DDPM"]
    return finish(fig, ax)


def show_process(frames: Sequence[tuple[int, torch.Tensor]], title: str = "", nrow_images: int = 8):
    """Rows of the same images at several steps t (the forward noising or the reverse denoising):
    ``frames`` a list of ``(t, images (B, C, H, W))`` pairs."""
    if not check_snapshots(frames, "frames"):
        raise CourseError("frames is empty: pass a list of (t, images) pairs, e.g. [(t, x_t) for t in steps]")
    arguments.instance("title", title, str, "a string")
    arguments.whole("nrow_images", nrow_images, 1, 1_000, example=8)
    n = len(frames)
    fig, axes = new_figure(1, n, figsize=(1.3 * n, 1.3 * nrow_images / 2 + 0.5))
    for ax, (t, images) in zip(np.atleast_1d(axes), frames):
        _imshow(ax, image_grid(images[:nrow_images].float().clamp(-1, 1).cpu(), nrow=1))
        ax.set_title(f"t = {t}", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, np.atleast_1d(axes)[0])


def plot_fd_vs_steps(rows: Mapping[str, Sequence[tuple[int, float]]], gan_fd: float | None = None,
                     gan_name: str = "DCGAN (1 pass)"):
    """FD against sampling steps (log axis) for each sampler; a GAN's FD as a horizontal line.

    ``rows`` is ``{sampler: [(steps, fd), ...]}``."""
    arguments.mapping("rows", rows, "a dict {sampler: [(steps, fd), ...]}")
    for name, points in rows.items():
        for i, point in enumerate(arguments.sequence(f"rows[{name!r}]", points, "a list of (steps, fd) pairs")):
            if not (isinstance(point, (tuple, list)) and len(point) == 2):
                raise CourseError(f"rows[{name!r}][{i}] must be a (steps, fd) pair, got {arguments.shown(point)}")
            arguments.whole(f"rows[{name!r}][{i}] steps", point[0], 1, 10**9, example=50)
            arguments.number(f"rows[{name!r}][{i}] fd", point[1], minimum=0.0)
    if gan_fd is not None:
        arguments.number("gan_fd", gan_fd, minimum=0.0)
    arguments.instance("gan_name", gan_name, str, "a string")
    fig, ax = new_figure(figsize=(6, 3.6))
    for name, points in rows.items():
        steps, fds = zip(*points)
        ax.plot(steps, fds, "o-", label=name)
    if gan_fd is not None:
        ax.axhline(gan_fd, color="tab:red", linestyle="--", label=gan_name)
    ax.set_xscale("log")
    ax.set_xlabel("network evaluations per image")
    ax.set_ylabel("FD (course classifier) ↓")
    ax.legend(fontsize=8)
    ax.set_title("Diffusion: quality against sampling cost", fontsize=10)
    return finish(fig, ax)


def show_nearest(samples: torch.Tensor, neighbours: torch.Tensor, distances: torch.Tensor, title: str = ""):
    """Pairs: each sample (top row) above its nearest training image (bottom row), with the distance.

    ``samples`` and ``neighbours`` (N, C, H, W) with N >= 2, ``distances`` (N,)."""
    samples, _ = check_batch(samples, name="samples", values=False)
    neighbours, _ = check_batch(neighbours, name="neighbours", values=False)
    arguments.same_rows("neighbours", neighbours, "samples", samples)
    if len(samples) < 2 or len(samples) > 64:
        raise CourseError(f"samples must hold from 2 to 64 images (one column each), got {len(samples)}")
    if len(arguments.values("distances", distances, "the distances (N,), one per sample")) != len(samples):
        raise CourseError(f"distances must hold one distance per sample ({len(samples)}), got {len(distances)}")
    arguments.instance("title", title, str, "a string")
    n = len(samples)
    fig, axes = new_figure(2, n, figsize=(1.1 * n, 2.6))
    for k in range(n):
        _imshow(axes[0, k], image_grid(samples[k:k + 1].float().cpu()))
        _imshow(axes[1, k], image_grid(neighbours[k:k + 1].float().cpu()))
        axes[1, k].set_title(f"{float(distances[k]):.2f}", fontsize=7)
    axes[0, 0].text(-4, 14, "sample", fontsize=8, ha="right", va="center")
    axes[1, 0].text(-4, 14, "nearest\ntraining", fontsize=8, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, axes[0, 0])


def plot_nn_distances(distances: Mapping[str, torch.Tensor], reference: str = "held-out real", space: str = "pixel"):
    """Histograms of nearest-training-image distances: every generator against held-out real images.

    ``distances`` is ``{name: (N,) distances}``, with ``reference`` one of the names."""
    arguments.mapping("distances", distances, "a dict {name: (N,) distances to the nearest training image}")
    for name, values in distances.items():
        arguments.tensor(f"distances[{name!r}]", values, 1, "a 1-D tensor of distances, e.g. "
                         "nearest_neighbours(...)[0]")
        arguments.values(f"distances[{name!r}]", values, "a 1-D tensor of distances", minimum=0.0)
    arguments.instance("reference", reference, str, "a string, one of distances' names")
    if reference not in distances or len(distances) < 2:
        raise CourseError(f"distances needs the reference {reference!r} and at least one other set, got "
                          f"{', '.join(map(repr, distances))}: pass e.g. {{'held-out real': d_real, 'dcgan': d}}")
    arguments.instance("space", space, str, "a string, e.g. 'pixel'")
    names = list(distances)
    fig, axes = new_figure(1, len(names) - 1, figsize=(2.4 * (len(names) - 1), 2.6), sharey=True)
    axes = np.atleast_1d(axes)
    ref = distances[reference].numpy()
    others = [n for n in names if n != reference]
    high = max(float(d.max()) for d in distances.values())
    bins = np.linspace(0, high, 30)
    for ax, name in zip(axes, others):
        ax.hist(ref, bins=bins, alpha=0.5, density=True, label=reference, color="grey")
        ax.hist(distances[name].numpy(), bins=bins, alpha=0.6, density=True, label=name, color="tab:blue")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(f"{space} distance", fontsize=8)
    axes[0].legend(fontsize=7)
    return finish(fig, axes[0])


def plot_class_shares(shares: Mapping[str, torch.Tensor], title: str = "Share of each class (course classifier)"):
    """Grouped bars: the share of each FashionMNIST class among each image set's images.

    ``shares`` is ``{name: (10,) shares}``, e.g. class_shares(images)."""
    arguments.mapping("shares", shares, "a dict {name: class_shares(images)}")
    for name, value in shares.items():
        arguments.tensor(f"shares[{name!r}]", value, 1, "a (10,) tensor of shares, e.g. class_shares(images)")
        if len(arguments.values(f"shares[{name!r}]", value, "10 shares, one per class", 0.0, 1.0)) != 10:
            raise CourseError(f"shares[{name!r}] must hold 10 shares, one per class, got {len(value)}: pass "
                              "class_shares(images)")
    arguments.instance("title", title, str, "a string")
    fig, ax = new_figure(figsize=(10, 3.4))
    names = list(shares)
    width = 0.8 / len(names)
    x = np.arange(10)
    for k, name in enumerate(names):
        ax.bar(x + (k - (len(names) - 1) / 2) * width, shares[name].numpy(), width, label=name)
    ax.set_xticks(x, CLASSES, fontsize=8)
    ax.set_ylabel("share")
    ax.legend(fontsize=7, ncol=min(4, len(names)))
    ax.set_title(title, fontsize=10)
    return finish(fig, ax)
