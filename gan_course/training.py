"""The training engine: the alternating loop, with everything around it done once.

A chapter writes two small functions and hands them to :class:`Trainer`:

* ``d_step(batch, ctx) -> dict`` updates the discriminator once;
* ``g_step(batch, ctx) -> dict`` updates the generator once.

Each returns a dict of scalar tensors to log (``loss_d_real``, ``loss_d_fake``,
``d_real`` = mean D(x), ``d_fake`` = mean D(G(z)), ``loss_g``, ...). The engine
alternates them and adds what every real training run needs:

* a ``tqdm.auto`` progress bar with the live losses;
* a per-step history (the step functions' values plus each optimiser's
  gradient norm);
* a grid from fixed noise every ``sample_every`` steps;
* atomic checkpoints (temp file + rename) with models, optimisers, loss scalers,
  RNG states, data position, step, history and sample grids;
* resume from the latest checkpoint, bitwise identical to an uninterrupted run
  on the CPU;
* a clear stop when a loss turns NaN or infinite, keeping the last good
  checkpoint.

``ctx`` (a :class:`StepContext`) gives the step functions the two things that
depend on the hardware: ``ctx.autocast()`` around forward passes, and
``ctx.backward_step(loss, optimizer)``, which zeroes, back-propagates (with loss
scaling for float16), records the gradient norm and steps.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import os
import random
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from .data import Batches
from .errors import CheckpointError, CourseError, TrainingDiverged
from .profiles import current_profile
from .runtime import Precision, precision_for

CHECKPOINT_FORMAT = 1
CHECKPOINT_NAME = "checkpoint.pt"
TROUBLESHOOTING = "the troubleshooting page of the course (book/troubleshooting.md)"

StepFn = Callable[[tuple, "StepContext"], dict]


@dataclass
class TrainConfig:
    steps: int  # total iterations; each is one d_step and one g_step
    sample_every: int = 500  # draw the fixed-noise grid every N steps (and at the end)
    checkpoint_every: int = 1000  # write a checkpoint every N steps (and at the end)
    log_every: int = 25  # copy stats to the CPU, refresh the bar and check for NaN every N steps
    d_wins_patience: int = 300  # warn when D wins outright for this many consecutive steps

    def __post_init__(self):
        for name in ("steps", "sample_every", "checkpoint_every", "log_every", "d_wins_patience"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise CourseError(f"{name} must be a positive whole number, got {value!r}")


def run_dir(name: str, profile: str | None = None) -> Path:
    """Where a run keeps its checkpoints: ``$GAN_COURSE_RUNS/<profile>/<name>``.

    ``GAN_COURSE_RUNS`` defaults to ``runs`` (relative to the working folder);
    on Colab, point it at Google Drive to survive a disconnect.
    """
    base = Path(os.environ.get("GAN_COURSE_RUNS", "runs")).expanduser()
    return base / (profile or current_profile()) / name


class StepContext:
    """What a step function needs from the hardware: autocast and a safe update."""

    def __init__(self, precision: Precision, optimizers: dict[str, torch.optim.Optimizer]):
        self.precision = precision
        self._names = {id(opt): name for name, opt in optimizers.items()}
        self.scalers = {
            name: _make_grad_scaler(precision) for name in optimizers
        } if precision.use_grad_scaler else {}
        self.grad_norms: dict[str, torch.Tensor] = {}
        self.skipped: dict[str, torch.Tensor] = {}  # float16 only: 1.0 where the scaler skipped the step

    def autocast(self):
        """Wrap forward passes in this: float16/bfloat16 on CUDA, a no-op on the CPU."""
        return self.precision.autocast()

    def backward_step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        """zero_grad -> backward -> (unscale) -> record grad norm -> step."""
        name = self._names[id(optimizer)]
        optimizer.zero_grad(set_to_none=True)
        scaler = self.scalers.get(name)
        if scaler is None:
            loss.backward()
        else:  # float16: scale the loss so small gradients do not underflow
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])) \
            if grads else torch.zeros(())
        if scaler is None:
            self.grad_norms[name] = norm.detach()
            optimizer.step()
        else:
            # float16: gradients that overflowed make the scaler skip this step and lower its scale.
            # That is calibration, not divergence (at the initial scale of 65536 the first steps of
            # most conv nets overflow), so a skipped step logs a norm of 0 and a flag instead of inf.
            finite = torch.isfinite(norm)
            self.grad_norms[name] = torch.where(finite, norm, torch.zeros_like(norm)).detach()
            self.skipped[name] = (~finite).float()
            scaler.step(optimizer)  # skipped if the gradients hold inf/NaN
            scaler.update()


def _make_grad_scaler(precision: Precision):
    try:  # torch >= 2.3
        return torch.amp.GradScaler(precision.device_type)
    except AttributeError:  # pragma: no cover - older torch
        return torch.cuda.amp.GradScaler()


class Trainer:
    """Alternate ``d_step`` and ``g_step`` with logging, samples, checkpoints and resume.

    Parameters
    ----------
    modules, optimizers:
        Named networks and optimisers (e.g. ``{"G": G, "D": D}``); all are saved in
        checkpoints. Gradient norms are logged as ``grad_norm_<optimizer name>``.
    d_step, g_step:
        The chapter's update functions (see the module docstring).
    batches:
        A :class:`~gan_course.data.Batches` (its position is checkpointed).
    config:
        A :class:`TrainConfig`.
    sample_fn:
        ``() -> images`` drawn from fixed inputs, called in eval mode without
        gradients every ``sample_every`` steps. ``None`` for no grids.
    out_dir:
        Folder of the checkpoint (``None``: keep nothing on disk).
    tag, hparams:
        Identify the model and its configuration; a checkpoint made with other
        values is refused instead of being loaded into the wrong network.
    device, precision:
        Default to the networks' device and :func:`~gan_course.runtime.precision_for` it.
    """

    def __init__(self, *, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
                 d_step: StepFn, g_step: StepFn, batches: Batches, config: TrainConfig,
                 sample_fn: Callable[[], torch.Tensor] | None = None, out_dir: str | Path | None = None,
                 tag: str = "gan", hparams: dict | None = None, device: torch.device | None = None,
                 precision: Precision | None = None):
        self.modules, self.optimizers = modules, optimizers
        self.d_step, self.g_step = d_step, g_step
        self.batches, self.config, self.sample_fn = batches, config, sample_fn
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.tag, self.hparams = tag, dict(hparams or {})
        self.device = device or next(iter(modules.values())).parameters().__next__().device
        self.ctx = StepContext(precision or precision_for(self.device), optimizers)
        self.step = 0
        self.history: dict[str, list[float]] = {"step": []}
        self.samples: list[tuple[int, torch.Tensor]] = []  # (step, images on the CPU)
        self.train_seconds = 0.0  # wall time spent in fit(), summed over resumes
        self._d_wins_run = 0
        self._warned_d_wins = False

    # ------------------------------------------------------------------ paths
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / CHECKPOINT_NAME if self.out_dir is not None else None

    # ------------------------------------------------------------------ loop
    def fit(self, resume: bool = True) -> dict[str, list[float]]:
        """Train until ``config.steps``; with ``resume``, continue from the checkpoint."""
        cfg = self.config
        if self.out_dir is not None:  # leftovers of a save that was killed mid-write
            for stale in self.out_dir.glob(f".{CHECKPOINT_NAME}.*.tmp"):
                stale.unlink(missing_ok=True)
        if resume and self.checkpoint_path is not None and self.checkpoint_path.exists():
            self.load_checkpoint(self.checkpoint_path)
            print(f"resumed from {self.checkpoint_path} at step {self.step}/{cfg.steps}")
        from tqdm.auto import tqdm

        pending: list[dict[str, torch.Tensor]] = []
        start = time.perf_counter()
        bar = tqdm(total=cfg.steps, initial=self.step, desc=self.tag, unit="step")
        try:
            while self.step < cfg.steps:
                batch = next(self.batches)
                for module in self.modules.values():
                    module.train()
                stats = dict(self.d_step(batch, self.ctx))  # 1. improve D against the current G
                stats.update(self.g_step(batch, self.ctx))  # 2. improve G against the new D
                stats.update({f"grad_norm_{k}": v for k, v in self.ctx.grad_norms.items()})
                stats.update({f"amp_skipped_{k}": v for k, v in self.ctx.skipped.items()})
                pending.append({k: v.detach() if torch.is_tensor(v) else torch.tensor(float(v))
                                for k, v in stats.items()})
                self.step += 1
                at_end = self.step == cfg.steps
                sample_now = self.step % cfg.sample_every == 0 or at_end
                save_now = self.step % cfg.checkpoint_every == 0 or at_end
                if self.step % cfg.log_every == 0 or sample_now or save_now:
                    self._flush(pending, bar)  # raises TrainingDiverged on NaN/inf
                    pending = []
                if sample_now:
                    self.snapshot()
                if save_now:
                    self.train_seconds += time.perf_counter() - start
                    start = time.perf_counter()
                    self.save_checkpoint()
        finally:
            bar.close()
        self.train_seconds += time.perf_counter() - start
        return self.history

    def _flush(self, pending: list[dict[str, torch.Tensor]], bar) -> None:
        if not pending:
            return
        keys = list(pending[0])
        table = torch.stack([torch.stack([row[k].float().reshape(()) for k in keys]) for row in pending]).cpu()
        first_step = self.step - len(pending) + 1
        finite = torch.isfinite(table)
        if not bool(finite.all()):
            row, col = (~finite).nonzero()[0].tolist()
            self._extend_history(keys, table[:row], first_step)
            bad_step = first_step + row
            saved = (f"the last good checkpoint ({self.checkpoint_path}) is kept; rerun fit() to resume from it"
                     if self.checkpoint_path is not None and self.checkpoint_path.exists()
                     else "no checkpoint was written yet")
            raise TrainingDiverged(
                f"training stopped at step {bad_step}: {keys[col]} = {table[row, col].item()}. "
                f"Likely cause: a learning rate too high for this model, a loss computed on "
                f"probabilities instead of logits, or a discriminator so confident that its logits "
                f"overflow. Lower the learning rate or see {TROUBLESHOOTING}; {saved}.",
                step=bad_step,
            )
        self._extend_history(keys, table, first_step)
        bar.update(len(pending))
        last = dict(zip(keys, table[-1].tolist()))
        bar.set_postfix({k: f"{v:.3f}" for k, v in last.items() if not k.startswith("grad_norm")}, refresh=False)
        self._check_d_wins(keys, table)

    def _extend_history(self, keys: list[str], table: torch.Tensor, first_step: int) -> None:
        n = table.shape[0]
        self.history["step"].extend(range(first_step, first_step + n))
        for j, key in enumerate(keys):
            column = self.history.setdefault(key, [math.nan] * (len(self.history["step"]) - n))
            column.extend(table[:, j].tolist())

    def _check_d_wins(self, keys: list[str], table: torch.Tensor) -> None:
        """Warn once when D(x) > 0.99 and D(G(z)) < 0.01 for ``d_wins_patience`` steps."""
        if "d_real" not in keys or "d_fake" not in keys or self._warned_d_wins:
            return
        wins = (table[:, keys.index("d_real")] > 0.99) & (table[:, keys.index("d_fake")] < 0.01)
        for win in wins.tolist():
            self._d_wins_run = self._d_wins_run + 1 if win else 0
            if self._d_wins_run >= self.config.d_wins_patience:
                self._warned_d_wins = True
                warnings.warn(
                    f"step {self.step}: the discriminator has won outright (D(x) > 0.99, D(G(z)) < 0.01) "
                    f"for {self._d_wins_run} steps, so G receives almost no useful signal. "
                    f"See 'D wins too fast' in {TROUBLESHOOTING}.", stacklevel=3)
                return

    @torch.no_grad()
    def snapshot(self) -> torch.Tensor | None:
        """Draw ``sample_fn`` in eval mode and keep the images (on the CPU) with the step."""
        if self.sample_fn is None:
            return None
        modes = {name: m.training for name, m in self.modules.items()}
        for m in self.modules.values():
            m.eval()
        try:
            images = self.sample_fn().detach().float().cpu()
        finally:
            for name, m in self.modules.items():
                m.train(modes[name])
        if self.samples and self.samples[-1][0] == self.step:
            self.samples[-1] = (self.step, images)
        else:
            self.samples.append((self.step, images))
        return images

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "tag": self.tag,
            "hparams": self.hparams,
            "step": self.step,
            "train_seconds": self.train_seconds,
            "modules": {k: m.state_dict() for k, m in self.modules.items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "scalers": {k: s.state_dict() for k, s in self.ctx.scalers.items()},
            "batches": self.batches.state_dict(),
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "python": random.getstate(),
            },
            "history": {k: torch.tensor(v, dtype=torch.float64) for k, v in self.history.items()},
            "samples": {"steps": torch.tensor([s for s, _ in self.samples], dtype=torch.int64),
                        "images": [img.half() for _, img in self.samples]},
        }

    def save_checkpoint(self, path: str | Path | None = None) -> Path | None:
        """Write the checkpoint atomically: a kill mid-write leaves the old one intact."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None:
            return None
        return atomic_save(self.state_dict(), path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore everything :meth:`state_dict` saved; refuse another model's checkpoint."""
        state = load_checkpoint(path)
        if state.get("tag") != self.tag:
            raise CheckpointError(
                f"{path} was made for {state.get('tag')!r}, not {self.tag!r}: "
                "choose another output folder or delete the old checkpoint")
        theirs, ours = _plain(state.get("hparams") or {}), _plain(self.hparams)
        if theirs != ours:
            diff = "; ".join(f"{k}: {theirs.get(k)!r} there, {ours.get(k)!r} here"
                             for k in sorted(set(theirs) | set(ours)) if theirs.get(k) != ours.get(k))
            raise CheckpointError(
                f"{path} was made with other settings ({diff}): choose another output folder, "
                "or delete the old checkpoint to start over")
        backup = {"modules": {k: copy.deepcopy(m.state_dict()) for k, m in self.modules.items()},
                  "optimizers": {k: copy.deepcopy(o.state_dict()) for k, o in self.optimizers.items()}}
        try:
            for k, m in self.modules.items():
                m.load_state_dict(state["modules"][k])
            for k, o in self.optimizers.items():
                o.load_state_dict(state["optimizers"][k])
            for k, s in self.ctx.scalers.items():
                if k in state["scalers"]:
                    s.load_state_dict(state["scalers"][k])
            if state["batches"]["batch_size"] != self.batches.batch_size:
                raise CheckpointError(
                    f"{path} was trained with batch size {state['batches']['batch_size']}, not "
                    f"{self.batches.batch_size}: use the same batch size or another output folder")
            self.batches.load_state_dict(state["batches"])
        except (KeyError, RuntimeError, ValueError, CheckpointError) as exc:
            for k, m in self.modules.items():  # leave the trainer as it was: no half-loaded networks
                m.load_state_dict(backup["modules"][k])
            for k, o in self.optimizers.items():
                o.load_state_dict(backup["optimizers"][k])
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(
                f"{path} does not fit this model ({type(exc).__name__}: {str(exc).splitlines()[0]}): "
                "choose another output folder or delete the old checkpoint") from exc
        torch.set_rng_state(state["rng"]["torch"])
        if state["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        random.setstate(_as_tuple(state["rng"]["python"]))
        self.step = int(state["step"])
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.history = {k: v.long().tolist() if k == "step" else v.tolist()  # steps stay ints
                        for k, v in state["history"].items()}
        self.samples = [(int(s), img.float()) for s, img in zip(state["samples"]["steps"].tolist(),
                                                                state["samples"]["images"])]


def atomic_save(obj, path: str | Path) -> Path:
    """``torch.save`` to a temp file in the same folder, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MB blocks (the manifests' integrity check)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_checkpoint(path: str | Path) -> dict:
    """Load a course checkpoint safely (``weights_only=True``) or explain what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: train first, or pass the path of an existing checkpoint")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path} is truncated or corrupt ({type(exc).__name__}): delete it and train again, "
            "or pass another checkpoint") from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a gan_course checkpoint (format {CHECKPOINT_FORMAT}): "
                              "pass a file written by the course's Trainer")
    return state


def _plain(obj):
    """Tuples and lists compare equal after a save/load round trip."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _as_tuple(obj):
    if isinstance(obj, (list, tuple)):
        return tuple(_as_tuple(v) for v in obj)
    return obj


def config_dict(cfg) -> dict:
    """A dataclass config as plain values, for ``hparams``."""
    return dataclasses.asdict(cfg)
