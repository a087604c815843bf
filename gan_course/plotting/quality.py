"""Quality per minute: the course FD of each run's fixed samples against minutes of training.

A run's record is ``trainer.quality_record`` (or the one stored with a pretrained
generator, :func:`~gan_course.pretrained.quality_record`): ``{"step": [...],
"train_seconds": [...], "fd": [...]}``, measured every ``quality_every`` steps.
Putting several runs on one pair of axes compares what each buys per minute of
training on this machine, not per step: a step of a convolutional GAN costs far
more than one of a small fully connected GAN.
"""

from __future__ import annotations

import math

from .. import arguments
from ..errors import CourseError
from ..records import QUALITY_KEYS
from .images import finish, new_figure


def no_record(record) -> bool:
    """True when ``record`` holds no measurement (``None``, or empty columns)."""
    return record is None or not record.get("fd")


def plot_quality(runs: dict[str, dict | None], ax=None, logy: bool = True, bar: float | None = None,
                 title: str = "Quality per minute of training", step_seconds: dict[str, float] | None = None):
    """One line per run: FD (course classifier, lower is better) against training minutes.

    ``runs`` maps a label to a quality record; a run without one (``None`` or
    empty, e.g. a pretrained generator exported before records were kept) is
    left out with one printed line. ``logy`` draws the FD on a log scale (its
    early values are many times its late ones); ``bar`` adds a dashed target
    line. ``step_seconds`` (label -> seconds per step, measured in one session on
    one machine) puts every run on the same clock: its x values become
    ``step * seconds per step`` instead of the training time recorded when it
    ran, which is not comparable between machines or a busy and a quiet one.
    Give it for every run or for none. Returns the figure, or ``None`` (after a
    printed line) when no run has a record.
    """
    arguments.instance("runs", runs, dict, "a dict {label: quality record}, e.g. {'mine': trainer.quality_record}")
    for label, record in runs.items():
        arguments.instance(f"runs[{label!r}]", record, (dict, type(None)),
                           "a quality record (trainer.quality_record) or None")
    arguments.flag("logy", logy)
    if bar is not None:
        arguments.number("bar", bar, above=0.0)
    arguments.instance("title", title, str, "a string")
    arguments.instance("step_seconds", step_seconds, (dict, type(None)), "a dict {label: seconds per step} or None")

    if not runs:
        raise CourseError("plot_quality needs at least one run: pass {'label': trainer.quality_record}")
    present = {}
    for label, record in runs.items():
        if no_record(record):
            print(f"no quality record for {label}: it was not trained in this session and its stored "
                  "generator has none (train it, or re-export it with `export-pretrained`)")
            continue
        if not all(len(record.get(k, [])) == len(record["fd"]) for k in QUALITY_KEYS):
            raise CourseError(f"the quality record of {label!r} has columns of different lengths: pass "
                              "trainer.quality_record unchanged")
        present[label] = record
    if not present:
        return None
    if step_seconds is not None and not set(present) <= set(step_seconds):
        raise CourseError(f"step_seconds must give a time per step for every run: got {sorted(step_seconds)} "
                          f"for the runs {sorted(present)}")
    fig = None
    if ax is None:
        fig, ax = new_figure(figsize=(7, 3.5))
    for label, record in present.items():
        if step_seconds is None:
            minutes = [s / 60 for s in record["train_seconds"]]
        else:  # every run on this session's clock: steps x measured seconds per step
            minutes = [step * step_seconds[label] / 60 for step in record["step"]]
        ax.plot(minutes, record["fd"], marker="o", ms=3, label=label)
    if bar is not None:
        ax.axhline(bar, color="gray", ls="--", lw=1, label=f"FD = {bar:g}")
    finite = [v for r in present.values() for v in r["fd"] if math.isfinite(v) and v > 0]
    if logy and finite:
        ax.set_yscale("log")
    ax.set_xlabel("minutes of training (measuring excluded)" if step_seconds is None
                  else "minutes of training at the step times measured in this session")
    ax.set_ylabel("FD of fixed samples ↓")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return finish(fig, ax)
