"""Figures of chapter 1: loss curves, 1-D densities with D, 2-D scatters of the toy lab.

Every function draws on a new figure (shown with ``plt.show()``) unless an
``ax`` is passed, and returns the figure. :func:`toy_frame` returns an *unshown*
figure, for :func:`gan_course.widgets.figure_player` to turn into a PNG frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import arguments
from ..errors import CourseError
from .history import smooth
from .images import _check_ax, new_figure

if TYPE_CHECKING:
    from ..recipes.toy import ToyRun

LOSS_COLORS = {"saturating": "tab:red", "non-saturating": "tab:blue"}
REAL_COLOR, FAKE_COLOR, CENTER_COLOR = "0.65", "tab:blue", "black"


def _finish(fig, title=None):
    if fig is not None:
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        plt.show()


# ----------------------------------------------------------- generator losses
def plot_generator_losses(curves: Mapping[str, Mapping[str, np.ndarray]]):
    """Three panels against d = D(G(z)): the loss, |dloss/dd| and |dloss/dlogit|.

    ``curves`` is :func:`gan_course.theory.generator_loss_curves`'s output.
    The shaded band marks where training starts: D rejects the fakes (d ≈ 0).
    """
    arguments.mapping("curves", curves, "the dict that gan_course.theory.generator_loss_curves returns")
    fig, axes = new_figure(1, 3, figsize=(13, 3.8))
    panels = [("loss", "generator loss (minimised)", False),
              ("grad_prob", "|d loss / d D(G(z))|  (slope of the left panel)", True),
              ("grad_logit", "|d loss / d logit|  (what reaches G)", True)]
    for ax, (key, ylabel, log) in zip(axes, panels):
        for name, c in curves.items():
            formula = r"$\log(1 - D(G(z)))$" if name == "saturating" else r"$-\log D(G(z))$"
            ax.plot(c["d"], np.abs(c[key]) if log else c[key], color=LOSS_COLORS.get(name),
                    label=f"{name}: {formula}")
        ax.axvspan(0, 0.1, color="0.9", zorder=0)
        ax.set_xlabel("D(G(z)): D's probability that a fake is real")
        ax.set_ylabel(ylabel, fontsize=9)
        if log:
            ax.set_yscale("log")
    axes[0].text(0.01, 0.02, "start of\ntraining", transform=axes[0].transAxes, fontsize=8, va="bottom")
    axes[0].legend(fontsize=8, loc="upper center")
    _finish(fig, "Saturating vs non-saturating generator loss")
    return fig


def plot_grad_norms_vs_d(record: Mapping[str, Sequence[float]]):
    """Measured ‖∇θ_G loss‖ for both losses while D learns against a frozen, untrained G.

    ``record`` is :func:`gan_course.theory.grad_norms_as_d_learns`'s output.
    Left: against D's training step; right: against mean D(G(z)).
    """
    arguments.mapping("record", record, "the dict that gan_course.theory.grad_norms_as_d_learns returns",
                      keys=("step", "d_fake"))
    fig, axes = new_figure(1, 2, figsize=(11, 3.6))
    for name in ("saturating", "non-saturating"):
        axes[0].plot(record["step"], record[name], color=LOSS_COLORS[name], label=name)
        axes[1].plot(record["d_fake"], record[name], "o-", ms=3, color=LOSS_COLORS[name], label=name)
    axes[0].set_xlabel("D updates (G frozen at its initialisation)")
    axes[1].set_xlabel("mean D(G(z))")
    axes[1].set_xscale("log")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylabel("‖gradient of G's loss w.r.t. G's weights‖")
        ax.legend(fontsize=8)
    _finish(fig, "What G receives at the start of training")
    return fig


# --------------------------------------------------------------- 1-D theory
def plot_densities_1d(x: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, d_star: np.ndarray,
                      d_fitted: np.ndarray | None = None, ax=None, title: str | None = None):
    """p_data and p_g (left axis) with D*(x) and a trained D(x) (right axis, 0..1)."""
    n = len(arguments.values("x", x, "the grid of points"))
    for name, values in (("p_data", p_data), ("p_g", p_g), ("d_star", d_star), ("d_fitted", d_fitted)):
        if values is not None and arguments.values(name, values, "values on the grid x").shape != (n,):
            raise CourseError(f"{name} must hold one value per point of x ({n}), got {np.shape(values)}")
    _check_ax(ax)
    arguments.instance("title", title, (str, type(None)), "a string or None")
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(8, 3.8))
    ax.fill_between(x, p_data, color=REAL_COLOR, alpha=0.5, label=r"$p_{data}$")
    ax.plot(x, p_g, color="tab:orange", lw=2, label=r"$p_g$")
    ax.set_ylabel("density")
    ax.set_xlabel("x")
    ax2 = ax.twinx()
    ax2.plot(x, d_star, color="black", lw=2, label=r"$D^*(x)=p_{data}/(p_{data}+p_g)$")
    if d_fitted is not None:
        ax2.plot(x, d_fitted, color="tab:green", lw=2, ls="--", label="D trained on samples")
    ax2.axhline(0.5, color="gray", ls=":", lw=1)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel("D(x)")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=4, frameon=False)  # below the axes: the curves fill them
    if title:
        ax.set_title(title)
    _finish(fig)
    return fig or ax.figure


def plot_value_convergence(history: Mapping[str, Sequence[float]], v_star: float, v_fitted: float | None = None,
                           ax=None, window: int = 20):
    """Minibatch estimates of V(G, D) while D trains, against the ceiling V(G, D*)."""
    arguments.mapping("history", history, "the history of fit_discriminator (a dict with 'step' and 'value')",
                      keys=("step", "value"))
    arguments.number("v_star", v_star)
    if v_fitted is not None:
        arguments.number("v_fitted", v_fitted)
    _check_ax(ax)
    arguments.whole("window", window, 1, 10**6, example=20)
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(8, 3.4))
    steps, values = np.asarray(history["step"]), np.asarray(history["value"])
    window = max(1, min(window, len(values)))
    ax.plot(steps, values, color="tab:green", alpha=0.3, lw=1, label="minibatch estimate of V(G, D)")
    ax.plot(steps[window - 1:], smooth(values, window), color="tab:green", lw=2,
            label=f"moving average ({window} points)")
    ax.axhline(v_star, color="black", lw=1.5, label=r"$V(G,D^*)=-\log 4+2\,JSD$ (quadrature)")
    if v_fitted is not None:
        ax.axhline(v_fitted, color="tab:green", ls="--", lw=1, label="V(G, trained D) (quadrature)")
    ax.axhline(-math.log(4), color="gray", ls=":", lw=1, label=r"$-\log 4$ (D guessing 1/2)")
    ax.set_xlabel("D update")
    ax.set_ylabel("V(G, D)")
    ax.legend(fontsize=8, loc="lower right")
    _finish(fig, "Gradient ascent on V drives D toward D*")
    return fig or ax.figure


def plot_jsd_sweep(sweep: Mapping[str, np.ndarray]):
    """JSD(p_data ‖ p_g) and V(G, D*) as p_g slides along the axis."""
    arguments.mapping("sweep", sweep, "the dict that gan_course.theory.jsd_sweep returns",
                      keys=("shift", "jsd", "value"))
    fig, axes = new_figure(1, 2, figsize=(11, 3.6))
    axes[0].plot(sweep["shift"], sweep["jsd"], color="tab:purple", lw=2, label="JSD (quadrature)")
    axes[0].axhline(math.log(2), color="gray", ls=":", label="log 2")
    axes[0].set_ylabel("JSD (nats)")
    axes[1].plot(sweep["shift"], sweep["value"], color="black", lw=2, label=r"$V(G,D^*)$ from the value function")
    axes[1].plot(sweep["shift"], -math.log(4) + 2 * sweep["jsd"], color="tab:orange", ls="--", lw=2,
                 label=r"$-\log 4 + 2\,JSD$")
    axes[1].set_ylabel("value")
    for ax in axes:
        ax.set_xlabel(r"mean of $p_g$")
        ax.legend(fontsize=8)
    _finish(fig, "Sliding p_g away from p_data")
    return fig


# ------------------------------------------------------------------ 2-D lab
def plot_points(samples: torch.Tensor, centers: torch.Tensor | None = None, std: float | None = None,
                real: torch.Tensor | None = None, ax=None, title: str | None = None, lim: float = 3.0,
                n_sigma: float = 3.0, max_points: int = 2500, legend: bool = True):
    """Scatter of generated points over real ones, with mode centres and their n_sigma·std circles."""
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(4.2, 4.2))
    if real is not None:
        r = torch.as_tensor(real)[:max_points].float().cpu()
        ax.scatter(r[:, 0], r[:, 1], s=4, color=REAL_COLOR, label="real", rasterized=True)
    s = torch.as_tensor(samples)[:max_points].float().cpu()
    # on top of the centres and circles: a collapsed generator's points all sit on one centre, and must show there
    ax.scatter(s[:, 0], s[:, 1], s=3, alpha=0.35, color=FAKE_COLOR, label="generated", rasterized=True, zorder=3)
    if centers is not None:
        c = torch.as_tensor(centers).float().cpu()
        ax.scatter(c[:, 0], c[:, 1], marker="+", s=60, color=CENTER_COLOR, lw=1, label="mode centre")
        if std is not None:  # the high-quality region of the metric, drawn to scale
            for k, (cx, cy) in enumerate(c.tolist()):
                ax.add_patch(plt.Circle((cx, cy), n_sigma * std, fill=False, color="tab:red", lw=0.8,
                                        label=f"{n_sigma:g}σ region" if k == 0 else None))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if legend:  # the ring's middle is empty: room for the legend
        ax.legend(fontsize=7, loc="center", markerscale=2, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    _finish(fig)
    return fig or ax.figure


def _check_runs(name: str, rows) -> None:
    """``rows``: {configuration name: its runs} (a ToyRun per seed, e.g. from run_lab(...).runs)."""
    arguments.mapping(name, rows, "a dict {configuration name: [ToyRun per seed]}, e.g. {name: lab.runs}")
    for key, runs in rows.items():
        runs = arguments.sequence(f"{name}[{key!r}]", runs, "a list of ToyRun (one per seed), e.g. lab.runs")
        if not all(hasattr(run, "coverage") and hasattr(run, "trainer") for run in runs):
            raise CourseError(f"{name}[{key!r}] must be a list of ToyRun (one per seed), e.g. lab.runs, got "
                              f"{arguments.shown(runs)}")


def toy_frame(panels: Sequence[tuple[str, torch.Tensor]], centers: torch.Tensor, std: float,
              real: torch.Tensor | None = None, size: float = 3.6, max_points: int = 1500):
    """One unshown figure with one scatter per (title, points) panel: a player frame."""
    panels = arguments.sequence("panels", panels, "a list of (title, points) pairs")
    for i, panel in enumerate(panels):
        if not (isinstance(panel, (tuple, list)) and len(panel) == 2 and isinstance(panel[1], torch.Tensor)):
            raise CourseError(f"panels[{i}] must be a (title, points) pair, got {arguments.shown(panel)}")
    arguments.tensor("centers", centers, 2, "the ring's centres (K, 2)", min_len=1)
    arguments.number("std", std, above=0.0)
    arguments.number("size", size, above=0.0, maximum=100.0)
    fig, axes = new_figure(1, len(panels), figsize=(size * len(panels), size), squeeze=False)
    for ax, (title, pts) in zip(axes[0], panels):
        plot_points(pts, centers, std, real=real, ax=ax, title=title, max_points=max_points, legend=False)
    fig.tight_layout()
    return fig


def plot_final_samples(rows: Mapping[str, Sequence], centers: torch.Tensor, std: float,
                       real: torch.Tensor | None = None, size: float = 2.6):
    """Final samples of every seed: one row per configuration, one column per seed.

    ``rows`` maps a configuration name to its runs (:class:`gan_course.recipes.toy.ToyRun`).
    Each panel's title gives the seed and its mode coverage.
    """
    _check_runs("rows", rows)
    arguments.tensor("centers", centers, 2, "the ring's centres (K, 2)", min_len=1)
    arguments.number("std", std, above=0.0)
    arguments.number("size", size, above=0.0, maximum=100.0)
    n_rows, n_cols = len(rows), max(len(r) for r in rows.values())
    fig, axes = new_figure(n_rows, n_cols, figsize=(size * n_cols, size * n_rows + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for i, (name, runs) in enumerate(rows.items()):
        for j, run in enumerate(runs):
            ax = axes[i, j]
            ax.set_axis_on()
            cov = run.coverage
            plot_points(run.trainer.samples[-1][1], centers, std, real=real, ax=ax, legend=(i, j) == (0, 0),
                        title=f"{name}, seed {run.seed}\n{cov.modes_covered}/{cov.n_modes} modes, "
                              f"{100 * cov.high_quality:.0f}% HQ")
    fig.tight_layout()
    plt.show()
    return fig


def plot_coverage_over_training(rows: Mapping[str, Sequence]):
    """Modes covered and high-quality share at every snapshot, one line per seed."""
    _check_runs("rows", rows)
    fig, axes = new_figure(1, 2, figsize=(11, 3.6))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, runs) in enumerate(rows.items()):
        for j, run in enumerate(runs):
            h = run.coverage_history()
            kw = dict(color=colors[k % len(colors)], alpha=0.8, lw=1.2, label=name if j == 0 else None)
            axes[0].plot(h["step"], h["modes_covered"], "o-", ms=2.5, **kw)
            axes[1].plot(h["step"], 100 * np.asarray(h["high_quality"]), "o-", ms=2.5, **kw)
    n_modes = next(iter(rows.values()))[0].recipe.modes
    axes[0].set_ylim(-0.3, n_modes + 0.3)
    axes[0].set_ylabel("modes covered")
    axes[1].set_ylim(0, 100)
    axes[1].set_ylabel("high-quality samples (%)")
    for ax in axes:
        ax.set_xlabel("training step")
        ax.legend(fontsize=8)
    _finish(fig, "Mode coverage during training (one line per seed)")
    return fig


def plot_toy_snapshots(run: ToyRun, count: int = 4, title: str | None = None):
    """The fixed-noise samples at ``count`` evenly spaced snapshots of a toy run, over the ring."""
    from .images import ShownFigure

    samples = run.trainer.samples
    picks = sorted({round(i) for i in np.linspace(0, len(samples) - 1, min(count, len(samples)))})
    fig = toy_frame([(f"step {samples[i][0]}", samples[i][1]) for i in picks], run.centers, run.recipe.std,
                    size=2.8)
    if title:
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
    plt.show()
    fig.__class__ = ShownFigure
    return fig

