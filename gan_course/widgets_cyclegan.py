"""Chapter 7's displays: translation grids, a kernel-free snapshot player, a table of measures."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from .errors import CourseError
from .metrics.table import ScoreTable
from .plotting.images import show_grid
from .widgets import frame_player, png_from_images

ROW_NAMES = "rows: a | G_AB(a) | G_BA(G_AB(a)) | b | G_BA(b) | G_AB(G_BA(b))"


def translation_player(snapshots: Sequence[tuple[int, torch.Tensor]], n_show: int, scale: int = 3):
    """Replay the Trainer's translation grids (six rows of ``n_show``: see ``ROW_NAMES``); needs no kernel."""
    if not snapshots:
        raise CourseError("no snapshots to show: train first (the Trainer draws one every sample_every steps)")
    frames = [png_from_images(images, nrow=n_show, scale=scale) for _, images in snapshots]
    return frame_player(frames, [f"step {step}" for step, _ in snapshots], description="step")


def show_translations(result: Mapping[str, torch.Tensor], n: int = 10, title: str | None = None,
                      size: float = 6.0):
    """Three rows: inputs, their translations, and the round trips (a ``translate_test_items`` result)."""
    missing = {"inputs", "outputs", "reconstructions"} - set(result)
    if missing:
        raise CourseError(f"show_translations needs inputs, outputs and reconstructions; {sorted(missing)} "
                          "are missing: pass the dict that translate_test_items returns")
    n = min(n, result["inputs"].shape[0])
    rows = torch.cat([result["inputs"][:n], result["outputs"][:n], result["reconstructions"][:n]])
    return show_grid(rows, nrow=n, title=title or "input / translation / round trip", size=size)


# the measures the chapter reads first: a displayed table shows these and collapses the rest
MAIN_MEASURES = ("cycle_l1_A", "cycle_l1_B", "fd_AtoB", "fd_BtoA", "target_rate_AtoB", "target_rate_BtoA",
                 "identity_l1_A", "identity_l1_B")


def format_measures(runs: Mapping[str, Mapping[str, float]], keys: Sequence[str] | None = None,
                    digits: int = 3) -> ScoreTable:
    """A table (plain text when printed, HTML when displayed): one row per measure, one column per run (a missing value shows as '-').

    Without ``keys``, the measures of :data:`MAIN_MEASURES` come first (the displayed table
    shows them and collapses the rest), then the others in the order the runs give them.
    """
    if not runs:
        raise CourseError("format_measures needs at least one run: pass {'run name': scores}")
    present = dict.fromkeys(k for scores in runs.values() for k in scores)
    keys = list(keys or [*(k for k in MAIN_MEASURES if k in present), *(k for k in present if k not in MAIN_MEASURES)])
    first = max(len(k) for k in keys) + 2
    widths = {name: max(len(name) + 2, digits + 5) for name in runs}
    lines = [" " * first + "".join(f"{name:>{widths[name]}}" for name in runs)]
    rows = []
    for key in keys:
        cells = ["-" if runs[name].get(key) is None else f"{runs[name][key]:.{digits}f}" for name in runs]
        lines.append(f"{key:<{first}}" + "".join(f"{c:>{widths[name]}}" for c, name in zip(cells, runs)))
        rows.append([key] + cells)
    # prints as this text; a notebook that displays it shows an HTML table (gan_course.metrics.table)
    return ScoreTable("\n".join(lines), [""] + list(runs), [(None, rows)])


CURVE_LABELS = {
    "loss_d_real": "D on real: 1/2 (D(y) - 1)², both D's",
    "loss_d_fake": "D on fake: 1/2 D(G(x))², both D's",
    "loss_g": "G's adversarial: (D(G(x)) - 1)², both G's",
    "loss_cycle": "cycle: |F(G(x)) - x| + |G(F(y)) - y|",
    "loss_identity": "identity: |G(y) - y| + |F(x) - x|",
}


def plot_cyclegan_losses(history: Mapping[str, Sequence[float]], window: int | None = None,
                         title: str = "CycleGAN losses"):
    """Two panels: the least-squares adversarial terms, and the cycle and identity L1 terms.

    The dotted line in the left panel is 1/4: what each of D's summed terms scores when
    both D's answer 1/2 for everything (1/8 per domain).
    """
    from .plotting.history import _smoothed, _window
    from .plotting.images import finish, new_figure

    window = window or _window(history)
    fig, (left, right) = new_figure(1, 2, figsize=(11, 3.5))
    for ax, keys in ((left, ("loss_d_real", "loss_d_fake", "loss_g")), (right, ("loss_cycle", "loss_identity"))):
        for key in keys:
            if key not in history:
                raise CourseError(f"the history has no {key!r}: pass a CycleGAN trainer's history")
            ax.plot(*_smoothed(history, key, window), label=CURVE_LABELS[key])
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    left.axhline(0.25, color="gray", ls=":", lw=1, label="D answering 1/2")
    left.set_title(f"adversarial (moving average over {window} steps)")
    right.set_title("cycle and identity, unweighted")
    fig.suptitle(title)
    return finish(fig, left)
