"""Figures of chapter 9: the discriminator and the critic, spectral normalisation, W1, and the methods compared."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import arguments
from ..errors import CourseError
from .diagrams import _arrow, _box, _canvas
from .images import finish, image_grid, new_figure

METHOD_COLOURS = {"nsgan": "tab:blue", "wgan-clip": "tab:red", "wgan-gp": "tab:orange", "sngan": "tab:green",
                  "hinge-r1": "tab:purple"}


def _colour(name: str, k: int) -> str:
    return METHOD_COLOURS.get(name, plt.rcParams["axes.prop_cycle"].by_key()["color"][k % 10])


def critic_diagram():
    """Discriminator (left) and critic (right): what each outputs, what trains it, and how it is constrained."""
    fig, axes = _canvas(6.4, 5, (11, 4.6), ncols=2)
    for ax, title, out, loss, constraint in [
        (axes[0], "Discriminator (chapters 1-8)", "logit l → D(x) = σ(l) ∈ (0, 1):\na probability of 'real'",
         "BCE: -log D(x) - log(1 - D(G(z)))", "no constraint needed:\nthe sigmoid bounds the output"),
        (axes[1], "Critic (WGAN)", "score f(x) ∈ ℝ: unbounded,\nhigher = 'more real'",
         "max E[f(x)] - E[f(G(z))] ≈ W1(p_data, p_g)", "f must be 1-Lipschitz:\nclip · GP · spectral norm · (R1)"),
    ]:
        real = _box(ax, 1.3, 4.2, "real x", "data", w=1.4)
        fake = _box(ax, 1.3, 2.6, "fake G(z)", "G", w=1.4)
        net = _box(ax, 3.2, 3.4, "conv net\n(no sigmoid)", "D", w=1.6, h=0.9)
        o = _box(ax, 3.2, 1.7, out, "tensor", w=3.6, h=0.8, fontsize=8)
        l_box = _box(ax, 3.2, 0.6, loss, "loss", w=4.6, h=0.5, fontsize=8)
        c = _box(ax, 5.1, 4.5, constraint, "Q", w=2.5, h=0.8, fontsize=7.5)
        _arrow(ax, (real[0] + 0.7, real[1]), (net[0] - 0.8, net[1] + 0.25))
        _arrow(ax, (fake[0] + 0.7, fake[1]), (net[0] - 0.8, net[1] - 0.25))
        _arrow(ax, (net[0], net[1] - 0.45), (o[0], o[1] + 0.4))
        _arrow(ax, (o[0], o[1] - 0.4), (l_box[0], l_box[1] + 0.25))
        _arrow(ax, (c[0] - 0.5, c[1] - 0.4), (net[0] + 0.8, net[1] + 0.2), style="-|>", colour="#996600")
        ax.set_title(title, fontsize=10)
    return finish(fig, axes[0])


def spectral_norm_diagram():
    """Where spectral normalisation sits in a layer: W → W / σ(W) before the convolution, σ by power iteration."""
    fig, ax = _canvas(10, 3.4, (10, 3.4))
    x = _box(ax, 0.9, 1.7, "input h\n(B, C, H, W)", "tensor", w=1.5, h=0.8)
    w = _box(ax, 3.0, 2.9, "weight W\n(out, in, k, k)", "D", w=1.7, h=0.7)
    pi = _box(ax, 5.6, 2.9, "power iteration (1 step):\nv ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖\nσ ≈ uᵀWv", "Q", w=2.9, h=0.9,
              fontsize=7.5)
    wn = _box(ax, 5.6, 1.7, "W / σ(W)", "D", w=1.4)
    conv = _box(ax, 7.4, 1.7, "conv(h, W/σ) + b", "tensor", w=1.8)
    act = _box(ax, 9.2, 1.7, "LeakyReLU\n(1-Lipschitz)", "tensor", w=1.4, h=0.7)
    _arrow(ax, (w[0] + 0.85, w[1]), (pi[0] - 1.45, pi[1]))
    _arrow(ax, (w[0] + 0.6, w[1] - 0.35), (wn[0] - 0.7, wn[1] + 0.15))
    _arrow(ax, (pi[0], pi[1] - 0.45), (wn[0], wn[1] + 0.25), "σ(W)", text_offset=(0.35, -0.1))
    _arrow(ax, (x[0] + 0.75, x[1] - 0.2), (conv[0] - 0.9, conv[1] - 0.2), rad=0.25)
    _arrow(ax, (wn[0] + 0.7, wn[1]), (conv[0] - 0.9, conv[1]))
    _arrow(ax, (conv[0] + 0.9, conv[1]), (act[0] - 0.7, act[1]))
    ax.text(5.6, 0.45, "u is kept between steps (a buffer), so one iteration per training step tracks σ as W "
                       "changes;\nthe layer's largest gain is then 1, and so is the whole critic's bound",
            ha="center", va="center", fontsize=8, color="#444444")
    ax.set_title("Spectral normalisation inside one critic layer", fontsize=10)
    return finish(fig, ax)


def plot_parallel_lines(rows: Sequence[Mapping[str, float]]):
    """JSD and EMD between the two parallel lines against θ (rows from :func:`gan_course.wasserstein.parallel_lines`)."""
    for i, row in enumerate(arguments.sequence("rows", rows, "a list of parallel_lines(...) results")):
        arguments.mapping(f"rows[{i}]", row, "a parallel_lines(...) result", keys=("theta", "jsd", "emd"))
    theta = np.array([r["theta"] for r in rows])
    order = np.argsort(theta)
    fig, axes = new_figure(1, 2, figsize=(10, 3.4))
    axes[0].plot(theta[order], np.array([r["jsd"] for r in rows])[order], "o-", ms=3, color="tab:red")
    axes[0].axhline(np.log(2), color="gray", ls=":", lw=1, label="log 2")
    axes[0].set_title("Jensen-Shannon divergence")
    axes[1].plot(theta[order], np.array([r["emd"] for r in rows])[order], "o-", ms=3, color="tab:green")
    axes[1].set_title("earth mover's distance (W1)")
    for ax in axes:
        ax.set_xlabel("θ (how far the second line is moved)")
        ax.legend(fontsize=8) if ax.get_legend_handles_labels()[0] else None
    return finish(fig, axes[0])


def plot_critic_1d(fit, mean_p: float, std_p: float, mean_q: float, std_q: float, w1: float):
    """The two densities and the trained critic f(x), with its estimate and the closed-form W1 in the title."""
    from ..wasserstein import CriticFit, check_gaussians

    arguments.instance("fit", fit, CriticFit, "a CriticFit, from fit_critic_1d(...)")
    check_gaussians(mean_p, std_p, mean_q, std_q)
    if std_p == 0 or std_q == 0:
        raise CourseError("std_p and std_q must be above 0 to draw the densities")
    arguments.number("w1", w1)
    x = np.linspace(min(mean_p - 4 * std_p, mean_q - 4 * std_q), max(mean_p + 4 * std_p, mean_q + 4 * std_q), 400)
    pdf = lambda m, s: np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
    fig, ax = new_figure(figsize=(7, 3.4))
    ax.fill_between(x, pdf(mean_p, std_p), alpha=0.3, color="0.5", label="p (real)")
    ax.fill_between(x, pdf(mean_q, std_q), alpha=0.3, color="tab:blue", label="q (fake)")
    ax.set_ylabel("density")
    twin = ax.twinx()
    f = fit.scores(x)
    twin.plot(x, f - f.mean(), color="tab:green", lw=2, label="critic f(x) (centred)")
    twin.set_ylabel("critic score")
    ax.set_xlabel("x")
    ax.set_title(f"critic's estimate E_p f - E_q f = {fit.estimate:.3f}; closed-form W1 = {w1:.3f}", fontsize=9)
    lines = ax.get_legend_handles_labels()
    twin_lines = twin.get_legend_handles_labels()
    ax.legend(lines[0] + twin_lines[0], lines[1] + twin_lines[1], fontsize=8, loc="upper left")
    return finish(fig, ax)


def plot_layer_grad_norms(norms: Mapping[str, Sequence[float]]):
    """Weight-gradient norm per critic layer (input layer first), one line per setting, log scale."""
    arguments.mapping("norms", norms, "a dict {setting: [gradient norm per layer]}, e.g. clipped_gradient_norms()")
    for label, values in norms.items():
        arguments.values(f"norms[{label!r}]", values, "a list of gradient norms, one per layer")
    fig, ax = new_figure(figsize=(6.5, 3.4))
    for label, values in norms.items():
        ax.plot(range(1, len(values) + 1), values, "o-", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("critic layer (1 = input)")
    ax.set_ylabel("‖∂ loss / ∂W‖")
    ax.set_xticks(range(1, len(next(iter(norms.values()))) + 1))
    ax.legend(fontsize=8)
    ax.set_title("Gradient norms through the critic", fontsize=10)
    return finish(fig, ax)


def plot_gap_and_fd(runs: Mapping[str, tuple[Mapping[str, Sequence[float]], Mapping[str, Sequence[float]]]]):
    """Per method: the critic's gap E[f(x)] - E[f(G(z))] over steps (left) and the FD record over steps (right).

    ``runs`` maps a method to ``(history, quality_record)``. For the Wasserstein
    methods the gap is the critic's running estimate of W1.
    """
    arguments.mapping("runs", runs, "a dict {method: (history, quality record)}")
    for name, pair in runs.items():
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and all(isinstance(part, (dict, type(None))) for part in pair)):
            raise CourseError(f"runs[{name!r}] must be a (history, quality record) pair of dicts, got "
                              f"{arguments.shown(pair)}")
    fig, axes = new_figure(1, 2, figsize=(11, 3.6))
    for k, (name, (history, record)) in enumerate(runs.items()):
        colour = _colour(name, k)
        if history and history.get("critic_gap"):
            gap = np.asarray(history["critic_gap"], float)
            window = max(1, len(gap) // 30)
            smooth = np.convolve(gap, np.ones(window) / window, mode="valid")
            axes[0].plot(np.asarray(history["step"])[window - 1:], smooth, color=colour, label=name)
        if record and record.get("fd"):
            axes[1].plot(record["step"], record["fd"], "o-", ms=3, color=colour, label=name)
    axes[0].set_title("critic's gap E[f(x)] - E[f(G(z))] (smoothed)", fontsize=9)
    axes[1].set_title("FD of fixed samples (lower is better)", fontsize=9)
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("training step (generator updates)")
        ax.legend(fontsize=8)
    return finish(fig, axes[0])


def method_frame(images: torch.Tensor, record: Mapping[str, Sequence[float]], step: int, title: str,
                 n_images: int = 36):
    """An unshown figure for a player frame: a grid of samples at ``step`` and the FD record with that step marked."""
    fig, axes = new_figure(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 1.2]})
    grid = image_grid(images[:n_images].float().cpu())  # (3, H, W) in [0, 1]
    axes[0].imshow(grid.permute(1, 2, 0).numpy())
    axes[0].axis("off")
    axes[0].set_title(title, fontsize=9)
    if record and record.get("fd"):
        minutes = np.asarray(record["train_seconds"]) / 60
        axes[1].plot(minutes, record["fd"], "o-", ms=3, color="0.4")
        done = [i for i, s in enumerate(record["step"]) if s <= step]
        if done:
            i = done[-1]
            axes[1].plot([minutes[i]], [record["fd"][i]], "o", ms=9, color="tab:red")
        axes[1].set_yscale("log")
        axes[1].set_xlabel("minutes of training")
        axes[1].set_ylabel("FD (lower is better)")
    fig.tight_layout()
    return fig
