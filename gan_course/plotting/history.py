"""Loss curves and training health from a :class:`~gan_course.training.Trainer` history.

A history is a dict of equal-length lists: ``step`` and one list per logged
value (``loss_d_real``, ``loss_d_fake``, ``loss_g``, ``d_real`` = mean D(x),
``d_fake`` = mean D(G(z)), ``grad_norm_G``, ``grad_norm_D``, ...).
"""

from __future__ import annotations

import numpy as np

from ..metrics.health import check_health
from .images import finish, new_figure


LABELS = {
    "loss_d_real": "D on real: -log D(x)",
    "loss_d_fake": "D on fake: -log(1 - D(G(z)))",
    "loss_g": "G's loss",
    "d_real": "mean D(x), real",
    "d_fake": "mean D(G(z)), fake",
    "grad_norm_G": "gradient norm of G",
    "grad_norm_D": "gradient norm of D",
}


NO_HISTORY = ("no training history to plot: the pretrained generator was loaded instead of training "
              "(USE_PRETRAINED); set it to False and re-run the training cell to see the curves")


def no_history(history) -> bool:
    """True (after printing why) when there is nothing to plot: ``None`` or an empty history.

    That is the case after ``train_or_load(..., use_pretrained=True)``: every
    plotting cell of a chapter then prints one line instead of failing.
    """
    if history is None or not history.get("step"):
        print(NO_HISTORY)
        return True
    return False


def smooth(values, window: int) -> np.ndarray:
    """Moving average (valid part only); raw GAN losses are too noisy to read."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def _window(history) -> int:
    return max(1, len(history["step"]) // 100)


def _smoothed(history: dict, key: str, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, moving average of history[key]) with the steps aligned to the window's end."""
    steps = np.asarray(history["step"])
    window = max(1, min(window, len(steps)))
    return steps[window - 1:], smooth(history[key], window)


def plot_losses(history: dict, keys: tuple[str, ...] = ("loss_d_real", "loss_d_fake", "loss_g"),
                labels: dict | None = None, window: int | None = None, ax=None, title: str = "Losses"):
    """Smoothed loss curves (D's real and fake terms apart, and G's loss).

    The dotted line is log 2 ≈ 0.693, what each of D's terms scores when D
    answers 1/2 for every input.
    """
    if no_history(history):
        return None
    labels = {**LABELS, **(labels or {})}
    window = window or _window(history)
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(7, 3.5))
    for key in keys:
        if key in history:
            ax.plot(*_smoothed(history, key, window), label=labels.get(key, key))
    ax.axhline(np.log(2), color="gray", ls=":", lw=1, label="log 2 (D guessing)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"{title} (moving average over {window} steps)")
    ax.legend(fontsize=8)
    return finish(fig, ax)


def plot_health(history: dict, window: int | None = None, ax=None, title: str = "Training health"):
    """Mean D(x) and D(G(z)) per step, with the equilibrium D = 1/2; then :func:`check_health`.

    At the game's equilibrium G matches the data and the best D says 1/2 for
    every input. D(x) -> 1 with D(G(z)) -> 0 means D is winning outright; both
    pinned at 1/2 from the first step can mean D is not learning at all.
    """
    if no_history(history):
        return None
    window = window or _window(history)
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(7, 3.5))
    ax.plot(*_smoothed(history, "d_real", window), label="D(x), real")
    ax.plot(*_smoothed(history, "d_fake", window), label="D(G(z)), fake")
    ax.axhline(0.5, color="gray", ls="--", lw=1, label="equilibrium 1/2")
    ax.set_ylim(0, 1)
    ax.set_xlabel("step")
    ax.set_ylabel("mean discriminator output")
    ax.set_title(f"{title} (moving average over {window} steps)")
    ax.legend(fontsize=8)
    fig = finish(fig, ax)
    check_health(history)
    return fig


def plot_compare(histories: dict[str, dict], key: str, window: int | None = None, ax=None,
                 title: str | None = None, ylabel: str | None = None, logy: bool = False,
                 hline: float | None = None):
    """One logged value from several runs on the same axes: ``{"run label": history, ...}``.

    For example ``plot_compare({"non-saturating": h1, "saturating": h2}, "d_fake")``.
    ``logy`` draws a logarithmic y axis (for gradient norms); ``hline`` a
    reference line.
    """
    if not histories:
        from ..errors import CourseError

        raise CourseError("plot_compare needs at least one history: pass {'label': trainer.history}")
    window = window or min(_window(h) for h in histories.values())
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(7, 3.5))
    for label, history in histories.items():
        if key not in history:
            from ..errors import CourseError

            raise CourseError(f"run {label!r} logged no {key!r}; it has {sorted(history)}: pass one of those keys")
        ax.plot(*_smoothed(history, key, window), label=label)
    if hline is not None:
        ax.axhline(hline, color="gray", ls="--", lw=1)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel or LABELS.get(key, key))
    ax.set_title(f"{title or LABELS.get(key, key)} (moving average over {window} steps)")
    ax.legend(fontsize=8)
    return finish(fig, ax)
