"""Loss curves and training health from a :class:`~gan_course.training.Trainer` history.

A history is a dict of equal-length lists: ``step`` and one list per logged
value (``loss_d_real``, ``loss_d_fake``, ``loss_g``, ``d_real`` = mean D(x),
``d_fake`` = mean D(G(z)), ``grad_norm_G``, ``grad_norm_D``, ...).
"""

from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import CourseError
from ..metrics.health import check_health
from .images import _check_ax, finish, new_figure


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


def check_history(history, name: str = "history", keys=()) -> None:
    """A history to plot: ``None`` or a dict of equal-length lists with a ``step`` list; a CourseError otherwise.

    ``keys`` are the logged values that will be drawn; each must be as long as ``step``.
    """
    if history is None:
        return
    if not isinstance(history, dict):
        raise CourseError(f"{name} must be a training history, the dict of lists that trainer.history is "
                          f"({{'step': [...], 'loss_g': [...], ...}}), got {arguments.shown(history)} "
                          f"({type(history).__name__}): pass trainer.history")
    steps = history.get("step")
    if steps is None:
        return  # an empty history: no_history() says so
    try:
        n = len(steps)
    except TypeError:
        raise CourseError(f"{name}['step'] must be a list of step numbers, got {arguments.shown(steps)}: "
                          "pass trainer.history") from None
    for key in keys:
        if key in history:
            values = history[key]
            if not hasattr(values, "__len__") or len(values) != n:
                got = len(values) if hasattr(values, "__len__") else arguments.shown(values)
                raise CourseError(f"{name}[{key!r}] must be a list as long as {name}['step'] ({n}), got {got}: "
                                  "pass a trainer's history unchanged")


def _check_plot_options(window, title) -> int | None:
    arguments.instance("title", title, (str, type(None)), "a string or None")
    return arguments.optional_whole("window", window, 1, 10**9, example=50)


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
    if isinstance(keys, str) or not isinstance(keys, (tuple, list)) or not all(isinstance(k, str) for k in keys):
        raise CourseError(f"keys must be a tuple of logged names such as ('loss_d_real', 'loss_g'), got "
                          f"{arguments.shown(keys)}")
    arguments.instance("labels", labels, (dict, type(None)), "a dict {key: label} or None")
    check_history(history, keys=keys)
    window = _check_plot_options(window, title)
    _check_ax(ax)
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
    check_history(history, keys=("d_real", "d_fake"))
    window = _check_plot_options(window, title)
    _check_ax(ax)
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
    if not isinstance(histories, dict):
        raise CourseError(f"histories must be a dict {{'run label': trainer.history, ...}}, got "
                          f"{arguments.shown(histories)} ({type(histories).__name__})")
    if not histories:
        raise CourseError("plot_compare needs at least one history: pass {'label': trainer.history}")
    arguments.instance("key", key, str, "the name of a logged value, e.g. 'd_fake'")
    for label, history in histories.items():
        if history is None:
            raise CourseError(f"histories[{label!r}] is None (no training history, e.g. a pretrained model): "
                              "pass the history of a run that trained")
        check_history(history, f"histories[{label!r}]", keys=(key,))
    window = _check_plot_options(window, title)
    _check_ax(ax)
    window = window or min(_window(h) for h in histories.values())
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(7, 3.5))
    for label, history in histories.items():
        if key not in history:
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
