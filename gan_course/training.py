"""The training engine: the alternating loop, with everything around it done once.

A chapter writes two small functions and hands them to :class:`Trainer`:

* ``d_step(batch, ctx) -> dict`` updates the discriminator once;
* ``g_step(batch, ctx) -> dict`` updates the generator once.

A model with one network and no game passes the other step as ``None``: chapter 11's
diffusion model (``d_step=None``: each step is its ``g_step`` alone) and its
real-versus-generated detector (``g_step=None``).

Each returns a dict of scalar tensors to log (``loss_d_real``, ``loss_d_fake``,
``d_real`` = mean D(x), ``d_fake`` = mean D(G(z)), ``loss_g``, ...). The engine
alternates them and adds what every real training run needs:

* a ``tqdm.auto`` progress bar with the live losses, which goes away when
  ``fit()`` ends and leaves one summary line;
* a per-step history (the step functions' values plus each optimiser's
  gradient norm);
* a grid from fixed noise every ``sample_every`` steps;
* a quality record: the course FD of fixed samples every ``quality_every``
  steps, with the training time so far (``trainer.quality_record``; the time
  spent measuring is not counted);
* atomic checkpoints (temp file + rename) with models, optimisers, loss scalers,
  RNG states, data position, step, history and sample grids;
* the best checkpoint as well: with a quality record, ``best.pt`` beside
  ``checkpoint.pt`` holds the state at the lowest FD so far
  (``trainer.best_summary()`` says where it came);
* resume from the latest checkpoint, bitwise identical to an uninterrupted run
  on the CPU, and only when every part of it fits this trainer (checked before
  anything in memory changes);
* a clear stop when a loss turns NaN or infinite, keeping the last good
  checkpoint and putting the networks in memory back to it;
* a run lock: one process at a time trains into a run folder;
* Ctrl-C (a kernel interrupt) finishes the current step, writes a checkpoint
  and stops, so ``fit()`` continues exactly where it stopped;
* on a CUDA GPU, one iteration recorded as a CUDA graph and replayed at every
  step, so that the GPU does not wait for Python to launch each small kernel
  (:mod:`gan_course.graphs`; ``GAN_COURSE_CUDA_GRAPH=0`` trains step by step).

``ctx`` (a :class:`StepContext`) gives the step functions the two things that
depend on the hardware: ``ctx.autocast()`` around forward passes, and
``ctx.backward_step(loss, optimizer)``, which zeroes, back-propagates (with loss
scaling for float16), records the gradient norm and steps. It back-propagates into
that optimiser's parameters only: G's update computes no gradients for D's weights
(only the gradients that flow through D to G), which the plain ``loss.backward()``
would compute and throw away.

Every Adam/AdamW of a trainer runs PyTorch's fused implementation where this
PyTorch has it (torch >= 2.4 on the CPU, CUDA): one pass over the parameters
instead of about seven, the same algorithm with other rounding in the last bits.
On this course's CPU benchmark it makes a whole MLP iteration about 30% faster.
``GAN_COURSE_FAST_ADAM=0`` keeps PyTorch's default implementation instead.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
import random
import signal
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from . import arguments
from .data import Batches
from .errors import TROUBLESHOOTING, CheckpointError, CourseError, OutputError, TrainingDiverged
from .io import (atomic_save, check_writable_file, remove_stale_temps, run_lock, sha256_of,  # noqa: F401 (re-exported)
                 to_plain)
from .records import (BEST_NAME, CHECKPOINT_NAME, QUALITY_KEYS, BestSummary,  # noqa: F401 (re-exported)
                      best_summary, checkpoint_file, quality_record_of, run_checkpoints, run_dir, shown_path)
from .runtime import Precision, engine_step, eval_mode, precision_for

CHECKPOINT_FORMAT = 1

StepFn = Callable[[tuple, "StepContext"], dict]


def is_learning_rate(key: str, roles: dict[str, str]) -> bool:
    """Whether setting ``key`` is a learning rate: its declared role in ``roles`` (``{setting: role}``, as
    :func:`~gan_course.recipes.common.roles_of` gives) is ``"lr"``. The only settings a resume may change:
    lowering one is the fix for a NaN stop. The name decides nothing (``lr_decay`` is a fraction)."""
    return roles.get(key) == "lr"


def nonfinite_tensor(tree, prefix: str = "") -> str | None:
    """The name of the first floating tensor in a nested dict/list that holds NaN or inf, else ``None``."""
    if torch.is_tensor(tree):
        return (prefix or "tensor") if tree.is_floating_point() and not bool(torch.isfinite(tree).all()) else None
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, (list, tuple)):
        items = enumerate(tree)
    else:
        return None
    for key, value in items:
        found = nonfinite_tensor(value, f"{prefix}.{key}" if prefix else str(key))
        if found:
            return found
    return None


class Recovery:
    """Where a failed or interrupted ``fit()`` goes back to: one small state machine.

    Two states: *clean* (no step in flight: the trainer's state is consistent) and *in step n*
    (step n has begun and is not yet recorded: if ``fit()`` is left there, by a Ctrl-C in a
    notebook or an exception, the networks may hold half an update).

    ``begin(n)``: clean -> in step n. ``done()``: in step n -> clean, once the step is recorded
    (and saved, when it is a checkpoint step). ``poisoned(n)``: -> in step n with nothing to go back
    to, after a divergence that left the diverged weights in memory. The next ``fit()`` calls
    ``go_back`` when the state is not clean.

    What "back" means, the *fallback*, is set as ``fit()`` runs: the checkpoint this run last wrote or
    loaded (:meth:`to_checkpoint`), an in-memory copy of the state where ``fit()`` started when no
    checkpoint exists yet (:meth:`to_snapshot`), or nothing.
    """

    def __init__(self):
        self.in_step: int | None = None  # the step in flight (None: clean)
        self.fallback: Path | dict | None = None

    @property
    def clean(self) -> bool:
        return self.in_step is None

    def begin(self, step: int) -> None:
        self.in_step = step

    def done(self) -> None:
        self.in_step = None

    def poisoned(self, step: int) -> None:
        self.in_step, self.fallback = step, None

    def to_checkpoint(self, path: Path) -> None:
        self.fallback = path

    def to_snapshot(self, snapshot: dict) -> None:
        self.fallback = snapshot

    def go_back(self, trainer: "Trainer") -> str | None:
        """Put ``trainer`` back at the fallback, leave the state clean and say where that was: ``"checkpoint"`` or
        ``"snapshot"``; ``None`` when there is nothing to go back to (the state is left as it is)."""
        fallback = self.fallback
        if isinstance(fallback, Path) and fallback.exists():
            trainer.load_checkpoint(fallback)
            where = "checkpoint"
        elif isinstance(fallback, dict):
            trainer._restore(fallback)
            where = "snapshot"
        else:
            return None
        self.in_step = None
        return where


class _DeferredInterrupt:
    """Inside ``fit()``: the first Ctrl-C only sets a flag, read at the end of the step; a second one stops at once."""

    def __init__(self):
        self.requested = False
        self._installed = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
                self._installed = True
            except (ValueError, OSError):  # not allowed here: interrupts stay immediate
                self._installed = False
        return self

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None
                          else signal.default_int_handler)
        return False


@dataclass
class TrainConfig:
    steps: int  # total iterations; each is one d_step and one g_step
    sample_every: int = 500  # draw the fixed-noise grid every N steps (and at the end)
    checkpoint_every: int = 1000  # write a checkpoint every N steps (and at the end)
    log_every: int = 25  # copy stats to the CPU, refresh the bar and check for NaN every N steps
    d_wins_patience: int = 300  # warn when D wins outright for this many consecutive steps
    quality_every: int = 0  # measure the course FD of fixed samples every N steps (and at 0 and the end); 0 = off
    lr_decay_from: int | None = None  # after this step every learning rate falls linearly towards 0; None = constant

    def __post_init__(self):
        arguments.positive_whole_fields(self, ("steps", "sample_every", "checkpoint_every", "log_every",
                                               "d_wins_patience"))
        if not isinstance(self.quality_every, int) or self.quality_every < 0:
            raise CourseError(f"quality_every must be a whole number >= 0 (0 = off), got {self.quality_every!r}")
        decay = self.lr_decay_from
        if decay is not None and (isinstance(decay, bool) or not isinstance(decay, int) or not 0 <= decay < self.steps):
            raise CourseError(f"lr_decay_from must be a step from 0 to steps - 1 = {self.steps - 1} (or None for a "
                              f"constant learning rate), got {decay!r}")

    def lr_factor(self, step: int) -> float:
        """The learning rate of step ``step`` (1-based) relative to the optimiser's: 1, then a straight line down.

        With ``lr_decay_from = d``, steps 1..d use the full rate and step ``d + k``
        uses ``1 - k / (steps - d + 1)``: the last step still learns a little
        (the CycleGAN paper's schedule, with steps in place of epochs).
        """
        if self.lr_decay_from is None or step <= self.lr_decay_from:
            return 1.0
        return 1.0 - (step - self.lr_decay_from) / (self.steps - self.lr_decay_from + 1)


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
        # only this optimiser's parameters: no weight gradients for the other network (same values for these)
        params = [p for group in optimizer.param_groups for p in group["params"] if p.requires_grad] or None
        if scaler is None:
            loss.backward(inputs=params)
        else:  # float16: scale the loss so small gradients do not underflow
            scaler.scale(loss).backward(inputs=params)
            scaler.unscale_(optimizer)
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])) \
            if grads else torch.zeros((), device=loss.device)
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


def fast_adam_requested() -> bool:
    """Fused Adam unless ``$GAN_COURSE_FAST_ADAM`` is 0/false/no/off (default on); other values are refused
    (read through :mod:`gan_course.settings`, like every variable)."""
    from .settings import FAST_ADAM, read

    return read(FAST_ADAM)


@functools.lru_cache(maxsize=None)
def fused_adam_supported(device_type: str) -> bool:
    """Whether this PyTorch has fused Adam for ``device_type`` (CUDA; the CPU from torch 2.4 on)."""
    if device_type not in ("cpu", "cuda"):
        return False
    try:
        p = torch.zeros(1, device=device_type, requires_grad=True)
        p.grad = torch.zeros_like(p)
        torch.optim.Adam([p], fused=True).step()
        return True
    except (RuntimeError, ValueError, TypeError):
        return False


def use_fused_adam(optimizers: dict[str, torch.optim.Optimizer], precision: Precision) -> list[str]:
    """Switch each plain Adam/AdamW in ``optimizers`` to ``fused=True`` where PyTorch supports it; return their names.

    Only without a GradScaler (float32 or bfloat16), for floating parameters on a
    device this PyTorch has the fused kernel for, and for optimisers that chose no
    implementation themselves.
    """
    switched = []
    if precision.use_grad_scaler:
        return switched
    for name, opt in optimizers.items():
        if type(opt) not in (torch.optim.Adam, torch.optim.AdamW):
            continue
        params = [p for g in opt.param_groups for p in g["params"]]
        if not params or any(not fused_adam_supported(p.device.type) or not p.is_floating_point() for p in params):
            continue
        groups = opt.param_groups
        if any(g.get("foreach") or g.get("differentiable") or g.get("capturable") for g in groups):
            continue
        for g in groups:
            g["fused"] = True
        switched.append(name)
    return switched


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
        The chapter's update functions (see the module docstring). One of them may be
        ``None``: a one-network model (a diffusion model, a detector), each step the other alone.
    batches:
        A :class:`~gan_course.data.Batches` (its position is checkpointed).
    config:
        A :class:`TrainConfig`.
    sample_fn:
        ``() -> images`` drawn from fixed inputs, called in eval mode without
        gradients every ``sample_every`` steps. ``None`` for no grids.
    quality:
        A :class:`~gan_course.metrics.QualityProbe` measured every
        ``config.quality_every`` steps (``None`` or ``quality_every=0``: no record).
    quality_extra:
        More probes measured at the same steps, ``{name: probe}``: each adds a column
        ``fd_<name>`` to the quality record (chapter 10 measures G beside its EMA
        copy). The best checkpoint still follows ``quality``'s ``fd``.
    out_dir:
        Folder of the checkpoint (``None``: keep nothing on disk).
    tag, hparams:
        Identify the model and its configuration; a checkpoint made with other
        values is refused instead of being loaded into the wrong network.
    roles:
        The declared role of each ``hparams`` key (``{key: role}``, from the recipe's
        :func:`~gan_course.recipes.common.roles_of`): a resume may change only those of
        role ``"lr"``. Without roles, every key must match.
    device, precision:
        Default to the networks' device and :func:`~gan_course.runtime.precision_for` it.
    fast_adam:
        Run the Adam optimisers fused where PyTorch can (default: yes, unless
        ``$GAN_COURSE_FAST_ADAM=0``); ``False`` keeps the optimisers as given.
    cuda_graph:
        On a CUDA GPU, record one iteration as a CUDA graph and replay it at every step
        (:mod:`gan_course.graphs`; default: yes, unless ``$GAN_COURSE_CUDA_GRAPH=0``).
        Ignored on other devices; ``trainer.graph_note`` says which path the last
        ``fit()`` took.
    """

    def __init__(self, *, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
                 d_step: StepFn | None, g_step: StepFn | None, batches: Batches, config: TrainConfig,
                 sample_fn: Callable[[], torch.Tensor] | None = None, out_dir: str | Path | None = None,
                 tag: str = "gan", hparams: dict | None = None, device: torch.device | None = None,
                 precision: Precision | None = None, quality=None, fast_adam: bool | None = None,
                 roles: dict[str, str] | None = None, quality_extra: dict | None = None,
                 cuda_graph: bool | None = None):
        self.modules, self.optimizers = modules, optimizers
        if d_step is None and g_step is None:
            raise CourseError("Trainer needs a d_step or a g_step (or both): pass the update function(s)")
        self.d_step, self.g_step = d_step, g_step
        self.batches, self.config, self.sample_fn = batches, config, sample_fn
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.tag, self.hparams = tag, dict(hparams or {})
        self.roles = dict(roles or {})  # {hparams key: role}: which settings a resume may change
        self.device = device or next(iter(modules.values())).parameters().__next__().device
        self.ctx = StepContext(precision or precision_for(self.device), optimizers)
        fast_adam = fast_adam_requested() if fast_adam is None else fast_adam
        self.fast_adam = fast_adam and bool(use_fused_adam(optimizers, self.ctx.precision))
        from .graphs import graph_requested

        # on a CUDA GPU, replay each iteration from a CUDA graph (gan_course/graphs.py); elsewhere it is ignored
        self.cuda_graph = graph_requested() if cuda_graph is None else bool(cuda_graph)
        self.graph_note = ""  # how the last fit() ran its iterations: "CUDA graph", or why step by step
        self._graph = None  # the GraphedIteration of the fit() in progress
        self._graph_factory = None  # tests: a CPU stand-in for torch.cuda.CUDAGraph (graphs.CallingGraph)
        # the learning rates as built: config.lr_decay_from scales these (this trainer's, also after a resume)
        self.base_lr = {name: [g["lr"] for g in opt.param_groups] for name, opt in optimizers.items()}
        self.step = 0
        self.history: dict[str, list[float]] = {"step": []}
        self.samples: list[tuple[int, torch.Tensor]] = []  # (step, images on the CPU)
        self.quality = quality  # a QualityProbe, or None
        self.quality_extra = dict(quality_extra or {}) if quality is not None else {}  # {name: probe}: fd_<name>
        self.quality_keys = QUALITY_KEYS + tuple(f"fd_{k}" for k in self.quality_extra)  # the record's columns
        self.quality_record: dict[str, list] = {k: [] for k in self.quality_keys}  # (step, train_seconds, fd, ...)
        self.train_seconds = 0.0  # wall time spent in fit(), summed over resumes
        self._best: dict | None = None  # {"step", "fd"} of best.pt: the lowest FD recorded so far
        self._d_wins_run = 0
        self._warned_d_wins = False
        self.recovery = Recovery()  # what a failed or interrupted fit() goes back to
        self.progress_file = None  # where a text progress bar goes (None: stderr); the command line uses stdout

    # ------------------------------------------------------------------ paths
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / CHECKPOINT_NAME if self.out_dir is not None else None

    @property
    def best_path(self) -> Path | None:
        """``best.pt`` beside the checkpoint: the state at the lowest FD recorded so far (same format)."""
        return self.out_dir / BEST_NAME if self.out_dir is not None else None

    def best_summary(self) -> "BestSummary | None":
        """Where this run's lowest FD came and how the last measurement compares (``None`` without a record).

        ``print(trainer.best_summary())`` gives "best at step S (FD x), last at step T (FD y)";
        ``.as_dict()`` gives the numbers.
        """
        return best_summary(self.quality_record, self.best_path)

    # ------------------------------------------------------------------ loop
    def fit(self, resume: bool = True) -> dict[str, list[float]]:
        """Train until ``config.steps``; with ``resume``, continue from the checkpoint.

        Holds the run folder's lock while it runs. Ctrl-C finishes the step in
        flight, writes a checkpoint and raises ``KeyboardInterrupt``: call
        ``fit()`` again to continue. If a step was cut off half-way (a second
        Ctrl-C, an error inside a step function), the next ``fit()`` first goes
        back to the last consistent state (the checkpoint, or where that
        ``fit()`` started) instead of continuing from half an update.
        """
        lock = run_lock(self.out_dir) if self.out_dir is not None else contextlib.nullcontext()
        with lock:
            if self.out_dir is not None:  # leftovers of saves killed mid-write (only of processes that are gone)
                remove_stale_temps(self.out_dir, include_own=True)
                check_writable_file(self.checkpoint_path, "checkpoint")
            path = self.checkpoint_path
            from_disk = resume and path is not None and path.exists()
            if not self.recovery.clean:
                self._recover(from_disk)
            if from_disk:
                self.load_checkpoint(path)
                print(f"resumed from {shown_path(path)} at step {self.step}/{self.config.steps}")
                self.recovery.to_checkpoint(path)
            else:
                self.recovery.to_snapshot(self._snapshot())
            return self._loop()

    def _recover(self, from_disk: bool) -> None:
        """After a step that never finished: back to the last consistent state, or a clear error."""
        cut, fallback = self.recovery.in_step, self.recovery.fallback
        if from_disk:  # fit() loads the checkpoint next
            self.recovery.done()
            print(f"the last fit() stopped in the middle of step {cut}: that step is discarded")
            return
        where = self.recovery.go_back(self)
        if where == "snapshot":
            print(f"the last fit() stopped in the middle of step {cut}: restarting from step {self.step}, "
                  "where that fit() started")
        elif where == "checkpoint":
            print(f"the last fit() stopped in the middle of step {cut}: restarting from the checkpoint "
                  f"{fallback} (step {self.step})")
        else:
            raise CourseError(f"the last fit() stopped in the middle of step {cut} and there is no checkpoint "
                              "to go back to, so the networks hold half an update: build the trainer again "
                              "(re-run the cell that builds it), then call fit()")

    def _snapshot(self) -> dict:
        """An in-memory copy of everything a checkpoint holds, except history and grids (kept by length)."""
        return copy.deepcopy({
            "modules": {k: m.state_dict() for k, m in self.modules.items()},
            "optimizers": {k: self._optimizer_state(k) for k in self.optimizers},
            "scalers": {k: s.state_dict() for k, s in self.ctx.scalers.items()},
            "batches": self.batches.state_dict(),
            "rng": self._rng_state(),
            "step": self.step,
            "train_seconds": self.train_seconds,
            "history_len": {k: len(v) for k, v in self.history.items()},
            "samples_len": len(self.samples),
            "quality_len": len(self.quality_record["step"]),
            "d_wins": (self._d_wins_run, self._warned_d_wins),
        })

    def _loop(self) -> dict[str, list[float]]:
        cfg = self.config
        from tqdm.auto import tqdm

        pending: list[dict[str, torch.Tensor] | torch.Tensor] = []  # per step: its stats, or a graph's vector
        start = time.perf_counter()
        first_step, began = self.step, start
        # leave=False: the live bar goes away when fit() ends and one summary line stays (none in the command
        # line, which prints its own); nothing left to train shows no bar at all
        bar = tqdm(total=cfg.steps, initial=self.step, desc=self.tag, unit="step", file=self.progress_file,
                   leave=False, disable=self.step >= cfg.steps)
        interrupt = _DeferredInterrupt()
        graph = self._open_graph()
        try:
            start = self._quality_hook(start)  # the untrained networks' FD at step 0
            with interrupt:
                while self.step < cfg.steps:
                    self.recovery.begin(self.step + 1)
                    if cfg.lr_decay_from is not None:
                        self._set_learning_rates(cfg.lr_factor(self.step + 1))
                    batch = next(self.batches)
                    row = graph.run(batch) if graph is not None else None  # a CUDA graph's replay, or None
                    if row is not None:
                        pending.append(row)  # one vector, in graph.keys order
                    else:
                        if graph is not None:  # recording failed at this step: step by step from now on
                            graph = self._close_graph(graph)
                        for module in self.modules.values():
                            module.train()
                        pending.append({k: v.detach() if torch.is_tensor(v) else torch.tensor(float(v))
                                        for k, v in self._iteration(batch).items()})
                    self.step += 1
                    at_end = self.step == cfg.steps
                    sample_now = self.step % cfg.sample_every == 0 or at_end
                    save_now = self.step % cfg.checkpoint_every == 0 or at_end
                    stop_now = interrupt.requested
                    if self.step % cfg.log_every == 0 or sample_now or save_now or stop_now:
                        self._flush(pending, bar)  # raises TrainingDiverged on NaN/inf
                        pending = []
                    if sample_now:
                        self.snapshot()
                    start = self._quality_hook(start, at_end)
                    if save_now or (stop_now and self.checkpoint_path is not None):
                        self.train_seconds += time.perf_counter() - start
                        start = time.perf_counter()
                        self.save_checkpoint()
                        self.recovery.to_checkpoint(self.checkpoint_path)
                    self.recovery.done()  # this step is complete and recorded
                    if stop_now:
                        where = (f"a checkpoint at step {self.step} is in {self.checkpoint_path}"
                                 if self.checkpoint_path is not None else f"the trainer is at step {self.step}")
                        raise KeyboardInterrupt(f"interrupted after step {self.step}: {where}; "
                                                "call fit() again to continue")
        except TrainingDiverged as exc:
            self._close_graph(graph)
            self.recovery.done()
            history = {k: list(v) for k, v in self.history.items()}
            where = self._restore_after_divergence()
            raise TrainingDiverged(f"{exc} {where}", step=exc.step, history=history) from None
        finally:
            self._close_graph(graph)
            bar.close()
        self.train_seconds += time.perf_counter() - start
        if self.progress_file is None and self.step > first_step:
            print(self._summary_line(self.step - first_step, time.perf_counter() - began))
        return self.history

    def _iteration(self, batch) -> dict:
        """One training iteration on ``batch``: D's update, then G's; their statistics and gradient norms."""
        with engine_step():  # labels/codes come from the data or randint: no per-step value checks
            # 1. improve D against the current G (a one-network model has no D: d_step is None)
            stats = dict(self.d_step(batch, self.ctx)) if self.d_step is not None else {}
            if self.g_step is not None:
                stats.update(self.g_step(batch, self.ctx))  # 2. improve G against the new D
        stats.update({f"grad_norm_{k}": v for k, v in self.ctx.grad_norms.items()})
        stats.update({f"amp_skipped_{k}": v for k, v in self.ctx.skipped.items()})
        return stats

    def _open_graph(self):
        """This fit()'s :class:`~gan_course.graphs.GraphedIteration`, or ``None`` (and why) for step by step."""
        from .graphs import GraphedIteration, graph_refusal

        simulate = self._graph_factory is not None
        why = "switched off" if not self.cuda_graph else graph_refusal(self, simulate=simulate)
        self.graph_note = "CUDA graph" if why is None else f"step by step ({why})"
        if why is not None or self.step >= self.config.steps:
            return None
        self._graph = GraphedIteration(self, graph_factory=self._graph_factory)
        return self._graph

    def _close_graph(self, graph) -> None:
        """Back to plain optimiser settings; returns ``None`` (the loop then runs step by step)."""
        if graph is not None:
            if graph.failed:
                self.graph_note = f"step by step ({graph.why})"
            graph.close()
        self._graph = None
        return None

    def _summary_line(self, trained: int, seconds: float) -> str:
        """The one line a finished fit() leaves: steps, time, the last losses and the best FD so far."""
        last = {k: v[-1] for k, v in self.history.items()
                if v and k != "step" and not k.startswith(("grad_norm", "amp_skipped"))}
        line = (f"{self.tag}: step {self.step}/{self.config.steps} ({trained} steps in {seconds:.1f} s); "
                + ", ".join(f"{k}={v:.3f}" for k, v in last.items()))
        best = self.best_summary()
        return line + (f"; {best}" if best is not None else "")

    def _set_learning_rates(self, factor: float) -> None:
        """Every optimiser's learning rate = ``factor`` x the rate it was built with."""
        for name, opt in self.optimizers.items():
            for group, base in zip(opt.param_groups, self.base_lr[name]):
                if torch.is_tensor(group["lr"]):  # a CUDA graph reads it from the device: change it in place
                    group["lr"].fill_(base * factor)
                else:
                    group["lr"] = base * factor

    def _restore_after_divergence(self) -> str:
        """Put the networks back to the last good state; say where that is."""
        fallback = self.recovery.fallback
        where = self.recovery.go_back(self)
        if where == "checkpoint":
            return (f"The last good checkpoint ({fallback}) is kept, and the networks, optimisers and history "
                    f"in memory are back at it (step {self.step}): build the trainer with a lower learning "
                    "rate and call fit() to resume from it.")
        if where == "snapshot":
            return (f"As no checkpoint was written yet, the networks, optimisers and history in memory are "
                    f"back at step {self.step}, where this fit() started: build the trainer with a lower "
                    "learning rate and train again.")
        self.recovery.poisoned(self.step)
        return ("no checkpoint was written yet, and the networks in memory hold the diverged weights: "
                "build the trainer again with a lower learning rate.")

    def _flush(self, pending: list[dict[str, torch.Tensor] | torch.Tensor], bar) -> None:
        if not pending:
            return
        if torch.is_tensor(pending[0]):  # rows of a CUDA graph's statistics vector
            keys = list(self._graph.keys)
            table = torch.stack(pending).cpu()
        else:
            keys = list(pending[0])
            table = torch.stack([torch.stack([row[k].float().reshape(()) for k in keys]) for row in pending]).cpu()
        first_step = self.step - len(pending) + 1
        finite = torch.isfinite(table)
        if not bool(finite.all()):
            row, col = (~finite).nonzero()[0].tolist()
            self._extend_history(keys, table[:row], first_step)
            bad_step = first_step + row
            raise TrainingDiverged(
                f"training stopped at step {bad_step}: {keys[col]} = {table[row, col].item()}. "
                f"Likely cause: a learning rate too high for this model, a loss computed on "
                f"probabilities instead of logits, or a discriminator so confident that its logits "
                f"overflow. Lower the learning rate or see {TROUBLESHOOTING}.",
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
        """Warn once when D wins outright (:func:`~gan_course.metrics.health.d_wins`) for ``d_wins_patience`` steps."""
        if "d_real" not in keys or "d_fake" not in keys or self._warned_d_wins:
            return
        from .metrics.health import D_WINS_FAKE, D_WINS_REAL, d_wins  # the one definition (imported when needed)

        wins = d_wins(table[:, keys.index("d_real")], table[:, keys.index("d_fake")])
        for win in wins.tolist():
            self._d_wins_run = self._d_wins_run + 1 if win else 0
            if self._d_wins_run >= self.config.d_wins_patience:
                self._warned_d_wins = True
                warnings.warn(
                    f"step {self.step}: the discriminator has won outright (D(x) > {D_WINS_REAL}, "
                    f"D(G(z)) < {D_WINS_FAKE}) "
                    f"for {self._d_wins_run} steps, so G receives almost no useful signal. "
                    f"See 'D wins too fast' in {TROUBLESHOOTING}.", stacklevel=3)
                return

    def _quality_hook(self, start: float, at_end: bool = False) -> float:
        """Every ``quality_every`` steps (and at the end): record the FD; returns the new start of the timed span.

        The time up to here is added to ``train_seconds`` first, and the clock
        restarts after the measurement, so measuring is not training time.
        """
        every = self.config.quality_every
        if self.quality is None or not every or not (self.step % every == 0 or at_end):
            return start
        if self.quality_record["step"] and self.quality_record["step"][-1] == self.step:
            return start  # already measured at this step (a resume at a measured step)
        self.train_seconds += time.perf_counter() - start
        self.record_quality()
        return time.perf_counter()

    def record_quality(self) -> float:
        """Measure the probe now and append ``(step, train_seconds, fd)`` to ``quality_record``.

        A finite FD lower than every one before it becomes the best: ``best.pt`` is
        written beside the checkpoint (atomically, the same format), so a run keeps
        its best state as well as its last.
        """
        fd = self.quality.measure(self.modules, self.device)
        extra = [probe.measure(self.modules, self.device) for probe in self.quality_extra.values()]
        seconds = math.floor(self.train_seconds * 1000) / 1000  # ms, rounded down: never past the run's total
        for key, value in zip(self.quality_keys, (self.step, seconds, fd, *extra)):
            self.quality_record[key].append(value)
        if math.isfinite(fd) and (self._best is None or fd < self._best["fd"]):
            self._best = {"step": self.step, "fd": float(fd)}
            if self.best_path is not None:
                try:
                    atomic_save(self.state_dict(), self.best_path, what="best checkpoint")
                except OutputError as exc:  # a full disk, ...: say that the run's last checkpoint is untouched
                    last = self.checkpoint_path
                    if last is None or not last.is_file() or "previous file is kept" in str(exc):
                        raise
                    error = OutputError(f"{exc} (the previous file is kept: the run's last checkpoint {last})")
                    error.errno = getattr(exc, "errno", None)
                    raise error from exc
        return fd

    @torch.no_grad()
    def snapshot(self) -> torch.Tensor | None:
        """Draw ``sample_fn`` in eval mode and keep the images (on the CPU) with the step."""
        if self.sample_fn is None:
            return None
        with eval_mode(*self.modules.values()):
            images = self.sample_fn().detach().float().cpu()
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
            "target_steps": self.config.steps,  # what --resume continues to, unless told otherwise
            "best": dict(self._best) if self._best else None,  # the lowest recorded FD: {"step", "fd"}
            "train_seconds": self.train_seconds,
            "modules": {k: m.state_dict() for k, m in self.modules.items()},
            "optimizers": {k: self._optimizer_state(k) for k in self.optimizers},
            "scalers": {k: s.state_dict() for k, s in self.ctx.scalers.items()},
            "batches": self.batches.state_dict(),
            "rng": self._rng_state(),
            "history": {k: torch.tensor(v, dtype=torch.float64) for k, v in self.history.items()},
            "quality": {k: torch.tensor(v, dtype=torch.float64) for k, v in self.quality_record.items()},
            "samples": {"steps": torch.tensor([s for s, _ in self.samples], dtype=torch.int64),
                        "images": [img.half() for _, img in self.samples]},
        }

    def _optimizer_state(self, name: str) -> dict:
        """An optimiser's ``state_dict()`` as the step-by-step path writes it, also during a CUDA graph's fit()."""
        state = self.optimizers[name].state_dict()
        if self._graph is not None:
            state = {**state, "param_groups": self._graph.portable_groups(name, state["param_groups"])}
        return state

    @staticmethod
    def _load_rng_state(rng: dict) -> None:
        """Set the CPU, CUDA and Python random states of :meth:`_rng_state`."""
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] and torch.cuda.is_available():  # the GPUs this machine has (a run may move)
            for i, gpu_state in enumerate(rng["cuda"][:torch.cuda.device_count()]):
                torch.cuda.set_rng_state(gpu_state, i)
        random.setstate(_as_tuple(rng["python"]))

    @staticmethod
    def _rng_state() -> dict:
        return {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "python": random.getstate(),
        }

    def save_checkpoint(self, path: str | Path | None = None) -> Path | None:
        """Write the checkpoint atomically: a kill mid-write leaves the old one intact."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None:
            return None
        return atomic_save(self.state_dict(), path, what="checkpoint")

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore everything :meth:`state_dict` saved, all or nothing; refuse a checkpoint that does not fit.

        Every part is checked first (:func:`check_checkpoint_fits`: weights, optimiser
        states, scalers, random states, step, history, ...): a part that does not fit
        raises one :class:`CheckpointError` naming it, and the trainer is left as it
        was. Learning rates may differ from the checkpoint's (lowering them is the fix
        for a NaN stop): the optimisers keep this trainer's learning rates.
        """
        path = checkpoint_file(path)
        state = load_checkpoint(path)
        if state.get("tag") != self.tag:
            raise CheckpointError(
                f"{str(path)} was made for {str(state.get('tag'))[:60]!r}, not {self.tag!r}: "
                "choose another output folder or delete the old checkpoint")
        if not isinstance(state.get("hparams") or {}, dict):
            raise CheckpointError(f"{path} does not fit this model: its hparams is a "
                                  f"{type(state['hparams']).__name__}, not a dict of settings; {CHECKPOINT_FIX}")
        if any(True for _ in _tensors(state.get("hparams") or {})):
            raise CheckpointError(f"{path} does not fit this model: its hparams holds tensors, not plain settings; "
                                  f"{CHECKPOINT_FIX}")
        theirs, ours = to_plain(state.get("hparams") or {}), to_plain(self.hparams)
        differ = sorted((k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k)), key=str)
        blocking = [k for k in differ if not is_learning_rate(k, self.roles)]
        if blocking:
            diff = "; ".join(f"{k}: {str(theirs.get(k))[:60]} there, {str(ours.get(k))[:60]} here"
                             for k in blocking[:5])
            raise CheckpointError(
                f"{path} was made with other settings ({diff}): choose another output folder, "
                "or delete the old checkpoint to start over")
        check_checkpoint_fits(self, state, path)  # every part, before anything in memory changes
        bad = nonfinite_tensor(state.get("modules"))
        if bad:
            raise CheckpointError(f"{path} holds NaN or infinite weights ({bad}): delete it and train again, "
                                  "with a lower learning rate")
        self._restore(state, path)
        for k in differ:
            print(f"resuming with {k} = {ours.get(k)!r} (the checkpoint was trained with {theirs.get(k)!r})")

    def _restore(self, state: dict, path: str | Path | None = None) -> None:
        """Load a checkpoint's (or an in-memory snapshot's) state; all or nothing for the networks."""
        state = copy.deepcopy(state) if path is None else state  # a snapshot may be restored again
        learning_rates = {k: [g["lr"] for g in o.param_groups] for k, o in self.optimizers.items()}
        implementations = {k: [g.get("fused") for g in o.param_groups] for k, o in self.optimizers.items()}
        backup = {"modules": {k: copy.deepcopy(m.state_dict()) for k, m in self.modules.items()},
                  "optimizers": {k: copy.deepcopy(o.state_dict()) for k, o in self.optimizers.items()}}
        try:
            for k, m in self.modules.items():
                m.load_state_dict(state["modules"][k])
            for k, o in self.optimizers.items():
                o.load_state_dict(state["optimizers"][k])
                for group, lr in zip(o.param_groups, learning_rates[k]):
                    group["lr"] = lr  # this trainer's learning rate, which may be lower than the checkpoint's
                for group, fused in zip(o.param_groups, implementations[k]):
                    if "fused" in group:
                        group["fused"] = fused  # this trainer's Adam implementation, not the checkpoint's
            for k, s in self.ctx.scalers.items():
                if k in state["scalers"]:
                    s.load_state_dict(state["scalers"][k])
            if state["batches"]["batch_size"] != self.batches.batch_size:
                raise CheckpointError(
                    f"{path} was trained with batch size {state['batches']['batch_size']}, not "
                    f"{self.batches.batch_size}: use the same batch size or another output folder")
            self.batches.load_state_dict(state["batches"])
        except (KeyError, RuntimeError, ValueError, TypeError, CheckpointError) as exc:
            for k, m in self.modules.items():  # leave the trainer as it was: no half-loaded networks
                m.load_state_dict(backup["modules"][k])
            for k, o in self.optimizers.items():
                o.load_state_dict(backup["optimizers"][k])
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(
                f"{path} does not fit this model ({type(exc).__name__}: {str(exc).splitlines()[0]}): "
                "choose another output folder or delete the old checkpoint") from exc
        self._load_rng_state(state["rng"])
        self.step = int(state["step"])
        self.train_seconds = float(state.get("train_seconds", 0.0))
        if "history_len" in state:  # an in-memory snapshot: cut history and grids back to their lengths
            self.history = {k: v[:state["history_len"][k]] for k, v in self.history.items()
                            if k in state["history_len"]}
            self.samples = self.samples[:state["samples_len"]]
            self.quality_record = {k: v[:state["quality_len"]] for k, v in self.quality_record.items()}
            self._d_wins_run, self._warned_d_wins = state["d_wins"]
            return
        self.history = {k: v.long().tolist() if k == "step" else v.tolist()  # steps stay ints
                        for k, v in state["history"].items()}
        best = state.get("best")  # the best so far, if its file is still there to be beaten
        self._best = dict(best) if best and self.best_path is not None and self.best_path.is_file() else None
        self.samples = [(int(s), img.float()) for s, img in zip(state["samples"]["steps"].tolist(),
                                                                state["samples"]["images"])]
        self.quality_record = quality_record_of(state, self.quality_keys)


def load_checkpoint(path: str | Path) -> dict:
    """Load a course checkpoint safely (``weights_only=True``) or explain what is wrong.

    ``path`` may be a checkpoint file or the run folder that holds ``checkpoint.pt``.
    """
    path = checkpoint_file(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path} is truncated or corrupt ({type(exc).__name__}): delete it and train again, "
            "or pass another checkpoint") from exc
    if not isinstance(state, dict) or "format" not in state:
        raise CheckpointError(f"{path} is not a gan_course checkpoint (format {CHECKPOINT_FORMAT}): "
                              "pass a file written by the course's Trainer")
    fmt = state["format"]
    if not _whole(fmt) or fmt != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} has checkpoint format {str(fmt)[:40]!r}, which this version of the course "
                              f"does not read (it reads format {CHECKPOINT_FORMAT}): pass a checkpoint written by "
                              "this version's Trainer, or delete it to train from scratch")
    check_tensor_layouts(state, path)  # before anything reads the elements of a crafted view
    return state


# ------------------------------------------------------------ checkpoint checks
CHECKPOINT_FIX = "delete it to train from scratch, or choose another output folder"
MAX_CHECKPOINT_ITEMS = 1_000_000  # containers and values a checkpoint may hold (a real one holds a few thousand)


def _tensors(tree, prefix: str = ""):
    """Every tensor in a nested dict/list/tuple, as ``(name, tensor)``; iterative, so no depth breaks it."""
    stack, seen = [(prefix, tree)], 0
    while stack:
        name, node = stack.pop()
        seen += 1
        if seen > MAX_CHECKPOINT_ITEMS:
            raise CheckpointError(f"it holds more than {MAX_CHECKPOINT_ITEMS:,} values, far more than a course "
                                  "checkpoint")
        if torch.is_tensor(node):
            yield name or "tensor", node
        elif isinstance(node, dict):
            stack.extend((f"{name}.{k}" if name else str(k), v) for k, v in node.items())
        elif isinstance(node, (list, tuple)):
            stack.extend((f"{name}.{i}" if name else str(i), v) for i, v in enumerate(node))


def tensor_layout_problem(t: torch.Tensor) -> str | None:
    """Why ``t`` is not a plain dense tensor (its storage holds exactly its elements), else ``None``.

    A crafted file can hold a small storage viewed as a huge tensor (stride 0, or
    overlapping strides) or a small view of a huge storage: both are refused before
    anything reads the elements, so no allocation follows the declared shape.
    """
    if t.layout != torch.strided or t.is_quantized or t.device.type == "meta":
        return f"a {t.layout} / {t.device.type} tensor, not a plain one"
    need = t.numel() * t.element_size()
    have = t.untyped_storage().nbytes()
    if have != need or (need and t.storage_offset() != 0):
        return (f"a view of shape {tuple(t.shape)} ({need:,} bytes) over a storage of {have:,} bytes "
                f"at offset {t.storage_offset()}")
    expected = 1
    for stride, size in sorted((st, s) for s, st in zip(t.shape, t.stride()) if s > 1):
        if stride != expected:
            return f"a view of shape {tuple(t.shape)} with strides {tuple(t.stride())} (overlapping or zero-stride)"
        expected *= size
    return None


def check_tensor_layouts(state, path) -> None:
    """Refuse a checkpoint holding any tensor that is not a plain dense one (see :func:`tensor_layout_problem`)."""
    try:
        for name, t in _tensors(state):
            problem = tensor_layout_problem(t)
            if problem:
                raise CheckpointError(f"{path}: {name} is {problem}, not a tensor the course writes (the file is "
                                      f"damaged or crafted): {CHECKPOINT_FIX}")
    except CheckpointError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise CheckpointError(f"{path}: {exc}: {CHECKPOINT_FIX}") from None


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shape(t) -> str:
    return str(tuple(t.shape)) if torch.is_tensor(t) else type(t).__name__


class _Refusal(Exception):
    """One part of a checkpoint that does not fit: (part, problem)."""


def _require(ok: bool, part: str, problem: str) -> None:
    if not ok:
        raise _Refusal(part, problem)


def _check_vector(t, part: str, n: int | None = None, integral: bool = False) -> None:
    """``t`` is a 1-D numeric tensor (of ``n`` values)."""
    _require(torch.is_tensor(t) and t.dim() == 1 and t.dtype != torch.bool and not t.is_complex(), part,
             f"is {_shape(t)}, not a 1-D tensor of numbers")
    _require(not integral or not t.is_floating_point() or bool((t == t.round()).all()), part,
             "holds values that are not whole numbers")
    _require(n is None or t.numel() == n, part, f"has {t.numel()} values where {n} are expected")


def _check_like(theirs, ours, part: str) -> None:
    """Plain values (dicts, ints, floats, strings) shaped as ``ours``: same keys, same kinds, ints >= 0."""
    if isinstance(ours, dict):
        _require(isinstance(theirs, dict), part, f"is a {type(theirs).__name__}, not a dict")
        _require(set(theirs) == set(ours), part, f"has the keys {sorted(map(str, theirs))}, not "
                 f"{sorted(map(str, ours))}")
        for k in ours:
            _check_like(theirs[k], ours[k], f"{part}.{k}")
    elif _whole(ours):
        _require(_whole(theirs) and theirs >= 0, part, f"is {theirs!r}, not a whole number >= 0")
    elif isinstance(ours, float):
        _require(_number(theirs), part, f"is {theirs!r}, not a finite number")
    elif torch.is_tensor(ours):
        _require(torch.is_tensor(theirs) and theirs.shape == ours.shape and theirs.dtype == ours.dtype, part,
                 f"is {_shape(theirs)} {getattr(theirs, 'dtype', '')}, not {tuple(ours.shape)} {ours.dtype}")
    else:
        _require(type(theirs) is type(ours), part, f"is a {type(theirs).__name__}, not a {type(ours).__name__}")


def _check_weights(theirs, ours: dict, part: str) -> None:
    """A network's state dict: the same names, shapes and dtypes as this model's."""
    _require(isinstance(theirs, dict), part, f"is a {type(theirs).__name__}, not a state dict")
    missing, extra = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours), key=str)
    _require(not missing and not extra, part, "; ".join(x for x in (
        f"lacks {', '.join(map(str, missing[:3]))}" if missing else "",
        f"has unexpected {', '.join(map(str, extra[:3]))[:120]}" if extra else "") if x))
    for k, t in ours.items():
        v = theirs[k]
        _require(torch.is_tensor(v) and v.shape == t.shape and v.dtype == t.dtype, f"{part}.{k}",
                 f"is {_shape(v)} {getattr(v, 'dtype', '')} where this model has {tuple(t.shape)} {t.dtype}")


_PER_PARAM_KEYS = {torch.optim.Adam: ("step", "exp_avg", "exp_avg_sq"), torch.optim.AdamW: ("step", "exp_avg",
                                                                                              "exp_avg_sq")}


def _check_optimizer(theirs, opt: torch.optim.Optimizer, part: str) -> None:
    """An optimiser's state dict: one group per group, one state per parameter in order, each of its shape."""
    ours = opt.state_dict()
    _require(isinstance(theirs, dict) and isinstance(theirs.get("state"), dict)
             and isinstance(theirs.get("param_groups"), (list, tuple)), part,
             "is not an optimiser state (a dict with 'state' and 'param_groups')")
    groups = theirs["param_groups"]
    _require(len(groups) == len(ours["param_groups"]), part,
             f"has {len(groups)} parameter groups where this optimiser has {len(ours['param_groups'])}")
    params = {}
    for i, (g, mine, live) in enumerate(zip(groups, ours["param_groups"], opt.param_groups)):
        where = f"{part}.param_groups.{i}"
        _require(isinstance(g, dict) and isinstance(g.get("params"), (list, tuple)), where,
                 "is not a parameter group (a dict with 'params')")
        _require(list(g["params"]) == list(mine["params"]), where,
                 f"lists {len(g['params'])} parameters {list(g['params'])[:4]}..., where this optimiser has "
                 f"{len(mine['params'])} ({list(mine['params'])[:4]}...)")
        params.update(zip(mine["params"], live["params"]))
        for key, value in mine.items():
            if key == "params" or key not in g:
                continue
            if isinstance(value, bool) or value is None:
                _require(g[key] is None or isinstance(g[key], bool), f"{where}.{key}", f"is {g[key]!r}, not a flag")
            elif _number(value):
                _require(_number(g[key]) and g[key] >= 0, f"{where}.{key}", f"is {g[key]!r}, not a number >= 0")
            elif isinstance(value, (tuple, list)):
                _require(isinstance(g[key], (tuple, list)) and len(g[key]) == len(value)
                         and all(_number(x) for x in g[key]), f"{where}.{key}",
                         f"is {g[key]!r}, not {len(value)} numbers")
    required = _PER_PARAM_KEYS.get(type(opt), ())
    amsgrad = any(g.get("amsgrad") for g in opt.param_groups)
    for index, entry in theirs["state"].items():
        where = f"{part}.state.{index}"
        _require(index in params, where, f"belongs to no parameter (this optimiser has {len(params)})")
        _require(isinstance(entry, dict), where, f"is a {type(entry).__name__}, not a dict")
        param = params[index]
        for key in required + (("max_exp_avg_sq",) if amsgrad and required else ()):
            _require(key in entry, where, f"has no {key!r}")
        for key, value in entry.items():
            if key == "step":
                ok = (_number(value) and value >= 0) or (
                    torch.is_tensor(value) and value.numel() == 1 and not value.is_complex()
                    and value.dtype != torch.bool and bool(torch.isfinite(value).all()) and float(value) >= 0)
                shown = (value.flatten()[0].item() if value.numel() == 1 else _shape(value)) \
                    if torch.is_tensor(value) else repr(value)[:40]
                _require(ok, f"{where}.step", f"is {shown}, not a step count >= 0")
            elif torch.is_tensor(value):
                _require(value.shape == param.shape and value.dtype == param.dtype, f"{where}.{key}",
                         f"is {_shape(value)} {value.dtype} where its parameter is {tuple(param.shape)} "
                         f"{param.dtype}")


def _check_data_position(theirs: dict, ours: dict, step: int, part: str) -> None:
    """The data order's seed is this run's, and no more epochs have passed than steps (nested for paired data)."""
    for key, value in ours.items():
        if isinstance(value, dict):
            _check_data_position(theirs[key], value, step, f"{part}.{key}")
    if "seed" in ours:
        _require(theirs["seed"] == ours["seed"], f"{part}.seed", f"is {theirs['seed']}, where this run's data "
                 f"order has seed {ours['seed']}")
    if "epoch" in theirs:
        _require(theirs["epoch"] <= step, f"{part}.epoch", f"is {theirs['epoch']}, more epochs than the {step} "
                 "steps trained")


def _check_rng(theirs, part: str = "rng") -> None:
    """The random states: a CPU generator state, CUDA states, Python's ``random`` state."""
    _require(isinstance(theirs, dict) and {"torch", "cuda", "python"} <= set(theirs), part,
             "is not the random states the course saves (torch, cuda, python)")
    cpu = theirs["torch"]
    size = torch.get_rng_state().numel()
    _require(torch.is_tensor(cpu) and cpu.dtype == torch.uint8 and cpu.dim() == 1 and cpu.numel() == size,
             f"{part}.torch", f"is {_shape(cpu)} {getattr(cpu, 'dtype', '')}, not {size} bytes (torch.uint8)")
    try:
        torch.Generator().set_state(cpu.clone())
    except (RuntimeError, ValueError, TypeError) as exc:
        raise _Refusal(f"{part}.torch", f"is not a valid generator state ({type(exc).__name__})") from None
    cuda = theirs["cuda"]
    _require(isinstance(cuda, (list, tuple)) and all(torch.is_tensor(s) and s.dtype == torch.uint8 and s.dim() == 1
                                                       for s in cuda), f"{part}.cuda",
             "is not a list of generator states (torch.uint8)")
    if cuda and torch.cuda.is_available():  # one state per GPU of the machine that saved it (restored: as many
        size = torch.cuda.get_rng_state(0).numel()  # as this machine has)
        _require(all(s.numel() == size for s in cuda), f"{part}.cuda", f"holds states that are not {size} bytes")
    try:
        random.Random().setstate(_as_tuple(theirs["python"]))
    except (TypeError, ValueError, OverflowError) as exc:
        raise _Refusal(f"{part}.python", f"is not a state of Python's random module ({type(exc).__name__})") from None


def _check_record(theirs, part: str, step: int, required: tuple[str, ...] = (), allowed=None) -> None:
    """History or quality record: a dict of 1-D tensors, steps whole and not past ``step``."""
    _require(isinstance(theirs, dict), part, f"is {'missing' if theirs is None else type(theirs).__name__}, "
             "not a dict of 1-D tensors")
    for key in required:
        _require(key in theirs, part, f"has no {key!r} column")
    steps = theirs.get("step")
    n = steps.numel() if torch.is_tensor(steps) else None
    for key, column in theirs.items():
        _require(isinstance(key, str) and (allowed is None or key in allowed), part, f"has an unknown column {key!r}")
        _check_vector(column, f"{part}.{key}", n if allowed is not None else None, integral=key == "step")
        if allowed is None and n is not None:
            _require(column.numel() <= n, f"{part}.{key}", f"has {column.numel()} values for {n} steps")
    if n:
        _require(float(steps.max()) <= step and float(steps.min()) >= 0, f"{part}.step",
                 f"holds steps outside 0..{step} (the checkpoint's step)")


def check_checkpoint_fits(trainer: "Trainer", state: dict, path) -> None:
    """Check every part of ``state`` against ``trainer`` before anything is restored; one clear error if not.

    Weights (names, shapes, dtypes), optimiser states (one per parameter, in order,
    of its shape and dtype), loss scalers, data position, random states, step,
    time, history, quality record and sample grids. Nothing here changes the trainer.
    """
    try:
        for key in ("modules", "optimizers", "batches", "rng", "history", "samples"):
            _require(key in state, key, "is missing")
        step = state["step"] if "step" in state else None
        _require(_whole(step) and step >= 0, "step", f"is {step!r}, not a whole number >= 0")
        seconds = state.get("train_seconds", 0.0)
        _require(_number(seconds) and seconds >= 0, "train_seconds", f"is {seconds!r}, not a number >= 0")
        target = state.get("target_steps")
        _require(target is None or (_whole(target) and target > 0), "target_steps",
                 f"is {target!r}, not a positive whole number")
        modules = state["modules"]
        _require(isinstance(modules, dict) and set(modules) == set(trainer.modules), "modules",
                 f"holds the networks {sorted(map(str, modules)) if isinstance(modules, dict) else modules!r}, "
                 f"not {sorted(trainer.modules)}")
        for k, m in trainer.modules.items():
            _check_weights(modules[k], m.state_dict(), f"modules.{k}")
        optimizers = state["optimizers"]
        _require(isinstance(optimizers, dict) and set(optimizers) == set(trainer.optimizers), "optimizers",
                 f"holds the optimisers {sorted(map(str, optimizers)) if isinstance(optimizers, dict) else '?'}, "
                 f"not {sorted(trainer.optimizers)}")
        for k, o in trainer.optimizers.items():
            _check_optimizer(optimizers[k], o, f"optimizers.{k}")
        scalers = state.get("scalers", {})
        _require(isinstance(scalers, dict), "scalers", f"is a {type(scalers).__name__}, not a dict")
        for k, s in trainer.ctx.scalers.items():
            if k in scalers:
                _require(isinstance(scalers[k], dict) and all(_number(v) and v >= 0 for v in scalers[k].values()),
                         f"scalers.{k}", "is not a loss scaler state (a dict of numbers >= 0)")
        _check_like(state["batches"], trainer.batches.state_dict(), "batches")
        _check_data_position(state["batches"], trainer.batches.state_dict(), step, "batches")
        _check_rng(state["rng"])
        bad = nonfinite_tensor(optimizers)
        _require(bad is None, f"optimizers.{bad}", "holds NaN or infinite values")
        _check_record(state["history"], "history", step, required=("step",))
        if state.get("quality") is not None:
            _check_record(state["quality"], "quality", step, allowed=trainer.quality_keys)
        samples = state["samples"]
        _require(isinstance(samples, dict) and isinstance(samples.get("images"), (list, tuple)), "samples",
                 "is not a dict with 'steps' and a list of 'images'")
        _check_vector(samples.get("steps"), "samples.steps", len(samples["images"]), integral=True)
        _require(all(torch.is_tensor(x) and x.is_floating_point() for x in samples["images"]),
                 "samples.images", "holds something other than floating-point sample tensors")
        best = state.get("best")
        _require(best is None or (isinstance(best, dict) and _whole(best.get("step")) and 0 <= best["step"] <= step
                                  and _number(best.get("fd"))), "best",
                 f"is {best!r}, not {{'step': a step <= {step}, 'fd': a number}}")
    except _Refusal as refusal:
        part, problem = refusal.args
        what = "does not fit this model" if part.startswith(("modules", "optimizers")) else "is damaged"
        problem = problem if len(problem) <= 300 else problem[:300] + "…"
        raise CheckpointError(f"{path} {what}: its {part} {problem}; {CHECKPOINT_FIX}") from None


def _as_tuple(obj):
    if isinstance(obj, (list, tuple)):
        return tuple(_as_tuple(v) for v in obj)
    return obj

