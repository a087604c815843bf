"""Is a training run healthy? Collapse symptoms read from a run's logged history.

:func:`check_health` is the measurement; :func:`~gan_course.plotting.plot_health`
draws the same quantities. :func:`unevenness` measures a checkerboard artefact (the
troubleshooting page's transposed-convolution patterns).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import TROUBLESHOOTING

# "D wins outright": D(x) above D_WINS_REAL while D(G(z)) is below D_WINS_FAKE. The one definition, used by
# check_health (on means over a window) and by the training engine (on every step, warning after a streak).
D_WINS_REAL, D_WINS_FAKE = 0.99, 0.01


def d_wins(d_real, d_fake):
    """Whether D wins outright: ``d_real > D_WINS_REAL`` and ``d_fake < D_WINS_FAKE`` (numbers, arrays or tensors)."""
    return (d_real > D_WINS_REAL) & (d_fake < D_WINS_FAKE)


def check_health(history: dict, last: int = 200, verbose: bool = True) -> list[str]:
    """Print (unless ``verbose=False``) and return warnings about the last ``last`` steps.

    Two symptoms are checked, each on means over the last ``last`` steps:

    * **D wins outright** (:func:`d_wins`): D(x) > 0.99 and D(G(z)) < 0.01. G's fakes are
      rejected with confidence; with the saturating loss its gradient vanishes,
      and the usual next stage is a collapse onto a few images.
    * **G's gradient vanished**: G's gradient norm fell below 1 % of its median
      over the first ``last`` steps. G has stopped learning, whatever its loss
      says.

    An empty list means none of them was seen. History shorter than 10 steps is
    not judged.
    """
    messages = []
    n = len(history.get("d_real", []))
    span = min(last, n)
    if n >= 10:
        d_real = np.asarray(history["d_real"][-span:], dtype=float)
        d_fake = np.asarray(history["d_fake"][-span:], dtype=float)
        if d_wins(d_real.mean(), d_fake.mean()):
            messages.append(
                f"warning: over the last {span} steps D(x) = {d_real.mean():.3f} and "
                f"D(G(z)) = {d_fake.mean():.3f}: the discriminator wins outright, a collapse symptom. "
                f"See 'D wins too fast' on {TROUBLESHOOTING}.")
    grad = np.asarray(history.get("grad_norm_G", []), dtype=float)
    if len(grad) >= 2 * 10:
        head = min(last, len(grad) // 2)
        start, end = float(np.median(grad[:head])), float(np.mean(grad[-min(last, len(grad) - head):]))
        if start > 0 and end < 0.01 * start:
            messages.append(
                f"warning: G's gradient norm fell from {start:.3g} (median of the first {head} steps) to "
                f"{end:.3g} (mean of the last steps): G has stopped learning. With the saturating loss "
                f"this is the expected failure; see {TROUBLESHOOTING}.")
    if verbose:
        for m in messages:
            print(m)
        if not messages and n:
            print(f"health: no collapse symptom in the last {span} steps "
                  f"(mean D(x) = {np.mean(history['d_real'][-span:]):.3f}, "
                  f"mean D(G(z)) = {np.mean(history['d_fake'][-span:]):.3f})")
    return messages


def unevenness(pattern: torch.Tensor, border: int = 4) -> float:
    """How uneven a 2-D map is (a checkerboard artefact): (max - min) / mean over the interior
    (``border`` pixels trimmed); 0 means perfectly even."""
    inner = pattern[border:-border, border:-border] if min(pattern.shape) > 2 * border + 1 else pattern
    return float((inner.max() - inner.min()) / inner.mean())
