"""What a run leaves on disk, and how to find and read it.

* where runs go: :func:`run_dir` (``$GAN_COURSE_RUNS/<profile>/<name>``) and :func:`shown_path`,
  how messages print a path;
* the two checkpoints of a run folder: ``checkpoint.pt`` (the last, for resuming) and ``best.pt``
  (the lowest recorded FD), found by :func:`checkpoint_file` and :func:`run_checkpoints`;
* the quality record's one schema: columns :data:`QUALITY_KEYS`, read from a checkpoint by
  :func:`quality_record_of`, summarised by :func:`best_summary`.

The engine (:mod:`gan_course.training`) writes these; the measures, the shipped files and the
command line read them through this module, so none of them needs the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .errors import CheckpointError
from .profiles import current_profile

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"  # beside checkpoint.pt: the checkpoint with the lowest recorded FD
QUALITY_KEYS = ("step", "train_seconds", "fd")  # the columns of a quality record


def run_dir(name: str, profile: str | None = None) -> Path:
    """Where a run keeps its checkpoints: ``$GAN_COURSE_RUNS/<profile>/<name>``.

    ``GAN_COURSE_RUNS`` defaults to ``runs`` (relative to the working folder);
    on Colab, point it at Google Drive to survive a disconnect. A value that cannot be
    a folder (a file, ``/dev/null``) is refused in one line that names the variable.
    """
    from .settings import runs_folder

    return runs_folder() / (profile or current_profile()) / name


def shown_path(path: str | Path) -> str:
    """``path`` as messages print it: inside ``$GAN_COURSE_RUNS`` relative to it, so no machine's folder shows."""
    from .settings import runs_variable

    path = Path(path)
    base = runs_variable()
    if base:
        try:
            return str(Path("$GAN_COURSE_RUNS") / path.resolve().relative_to(Path(base).expanduser().resolve()))
        except (ValueError, OSError):
            pass
    return str(path)


def quality_record_of(state: dict, keys: tuple[str, ...] = QUALITY_KEYS) -> dict[str, list]:
    """A checkpoint's quality record as lists (steps as ints); empty for a checkpoint made before records.

    ``keys``: the columns to read (a trainer with extra probes has ``fd_<name>`` columns too).
    """
    saved = state.get("quality") or {}
    return {k: ([int(x) for x in saved[k].tolist()] if k == "step" else saved[k].tolist()) if k in saved else []
            for k in keys}


@dataclass(frozen=True)
class BestSummary:
    """A run's best and last quality measurements: ``str()`` is the line a chapter prints."""

    best_step: int
    best_fd: float
    last_step: int
    last_fd: float
    best_path: Path | None = None  # the run's best.pt, when it exists

    def __str__(self) -> str:
        if self.best_step == self.last_step:
            return f"best at step {self.best_step} (FD {self.best_fd:.2f}), which is also the last"
        return (f"best at step {self.best_step} (FD {self.best_fd:.2f}), last at step {self.last_step} "
                f"(FD {self.last_fd:.2f}, {self.last_fd - self.best_fd:+.2f})")

    def as_dict(self) -> dict:
        return {"best_step": self.best_step, "best_fd": self.best_fd, "last_step": self.last_step,
                "last_fd": self.last_fd, "best_path": None if self.best_path is None else str(self.best_path)}


def best_summary(record: dict | None, best_path: str | Path | None = None) -> BestSummary | None:
    """The lowest FD of a quality record (the first, on a tie) and its last one; ``None`` without a finite FD.

    ``record`` is ``{"step": [...], "train_seconds": [...], "fd": [...]}``: a trainer's
    ``quality_record``, or the one shipped with a pretrained generator.
    """
    if not isinstance(record, dict) or not record.get("fd"):
        return None
    pairs = [(int(s), float(f)) for s, f in zip(record["step"], record["fd"]) if math.isfinite(float(f))]
    if not pairs:
        return None
    best = min(pairs, key=lambda p: p[1])  # min keeps the first of equal values
    path = Path(best_path) if best_path is not None and Path(best_path).is_file() else None
    return BestSummary(best[0], best[1], pairs[-1][0], pairs[-1][1], path)


def checkpoint_file(path: str | Path) -> Path:
    """``path`` itself, or ``path/checkpoint.pt`` for a run folder (what ``train`` prints)."""
    path = Path(path)
    try:
        if path.is_dir():
            inside = path / CHECKPOINT_NAME
            if not inside.is_file():
                raise CheckpointError(f"{path} is a folder without a {CHECKPOINT_NAME}: pass the run folder that "
                                      "`train` printed, or the path of a checkpoint file")
            return inside
        regular = path.is_file()
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot use {str(path)[:200]!r} as a checkpoint ({type(exc).__name__}): "
                              "pass the path of an existing checkpoint") from None
    if not regular:
        raise CheckpointError(f"no checkpoint at {path}: train first, or pass the path of an existing checkpoint")
    return path


def run_checkpoints(path: str | Path) -> tuple[Path, Path | None]:
    """``(last, best)`` of a run: ``path`` is its folder, its ``checkpoint.pt`` or its ``best.pt``.

    ``best`` is ``None`` when the run kept none (no quality record, or a run from
    before best checkpoints); ``last`` is ``best`` itself when only ``best.pt`` is given
    and no ``checkpoint.pt`` lies beside it.
    """
    path = Path(path)
    if path.name == BEST_NAME and path.is_file():
        sibling = path.with_name(CHECKPOINT_NAME)
        return (sibling if sibling.is_file() else path), path
    last = checkpoint_file(path)
    best = last.with_name(BEST_NAME) if last.name == CHECKPOINT_NAME else None
    return last, (best if best is not None and best.is_file() else None)
