"""Loss curves and training health from a :class:`~gan_course.training.Trainer` history."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

TROUBLESHOOTING = "the troubleshooting page"


def smooth(values, window: int) -> np.ndarray:
    """Moving average (valid part only); raw GAN losses are too noisy to read."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def _window(history) -> int:
    return max(1, len(history["step"]) // 100)


def plot_losses(history: dict, keys: tuple[str, ...] = ("loss_d_real", "loss_d_fake", "loss_g"),
                labels: dict | None = None, window: int | None = None, ax=None, title: str = "Losses"):
    """Smoothed loss curves (D's real and fake terms apart, and G's loss)."""
    labels = {"loss_d_real": "D on real: -log D(x)", "loss_d_fake": "D on fake: -log(1 - D(G(z)))",
              "loss_g": "G: -log D(G(z))", **(labels or {})}
    window = window or _window(history)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    steps = np.asarray(history["step"])
    for key in keys:
        if key in history:
            y = smooth(history[key], window)
            ax.plot(steps[window - 1:], y, label=labels.get(key, key))
    ax.axhline(np.log(2), color="gray", ls=":", lw=1, label="log 2 (D guessing)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"{title} (moving average over {window} steps)")
    ax.legend(fontsize=8)
    if fig is not None:
        fig.tight_layout()
        plt.show()
    return fig or ax.figure


def plot_health(history: dict, window: int | None = None, ax=None, title: str = "Training health"):
    """Mean D(x) and D(G(z)) per step, with the equilibrium D = 1/2.

    At the game's equilibrium G matches the data and the best D says 1/2 for
    every input. D(x) -> 1 with D(G(z)) -> 0 means D is winning outright; both
    pinned at 1/2 from the first step can mean D is not learning at all.
    """
    window = window or _window(history)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    steps = np.asarray(history["step"])
    ax.plot(steps[window - 1:], smooth(history["d_real"], window), label="D(x), real")
    ax.plot(steps[window - 1:], smooth(history["d_fake"], window), label="D(G(z)), fake")
    ax.axhline(0.5, color="gray", ls="--", lw=1, label="equilibrium 1/2")
    ax.set_ylim(0, 1)
    ax.set_xlabel("step")
    ax.set_ylabel("mean discriminator output")
    ax.set_title(f"{title} (moving average over {window} steps)")
    ax.legend(fontsize=8)
    if fig is not None:
        fig.tight_layout()
        plt.show()
    check_health(history)
    return fig or ax.figure


def check_health(history: dict, last: int = 200, high: float = 0.95, low: float = 0.05) -> list[str]:
    """Print (and return) warnings about the last ``last`` steps of a history.

    * D wins outright: mean D(x) > ``high`` and mean D(G(z)) < ``low``: G's
      gradient has all but vanished; the usual sign of an imminent collapse.
    * Collapse symptom: G's loss climbing while D's fake loss sinks toward 0.
    """
    messages = []
    if "d_real" in history and len(history["d_real"]) >= 10:
        d_real = float(np.mean(history["d_real"][-last:]))
        d_fake = float(np.mean(history["d_fake"][-last:]))
        if d_real > high and d_fake < low:
            messages.append(
                f"warning: over the last {min(last, len(history['d_real']))} steps D(x) = {d_real:.3f} and "
                f"D(G(z)) = {d_fake:.3f}: the discriminator wins outright, a collapse symptom. "
                f"See 'D wins too fast' on {TROUBLESHOOTING}.")
    for m in messages:
        print(m)
    if not messages and "d_real" in history:
        print("health: no collapse symptom in the last "
              f"{min(last, len(history['d_real']))} steps (D(x) and D(G(z)) stay away from 1 and 0)")
    return messages
