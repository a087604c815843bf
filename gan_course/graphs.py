"""The engine's fast path on a GPU: each training iteration replayed from a CUDA graph.

Why a GPU waits on Python
-------------------------
One iteration of a small GAN at batch 64 is a few hundred small kernels (each layer's
forward and backward passes, the losses, Adam's updates). Eager PyTorch launches them one
by one from Python, and each launch costs the CPU several microseconds, while most of these
kernels finish on the GPU in less: the GPU spends the iteration waiting for the next launch.
A CUDA graph records the kernels of one iteration once and replays all of them with a
single launch. Measured on an NVIDIA H200 on 2026-12-04 (batch 64, bfloat16, fused Adam):
the plain step took 7.35 ms (MLP) and 8.71 ms (DCGAN), its replay 0.57 ms and 1.34 ms.

What the engine does (PyTorch's "whole-network capture" recipe)
---------------------------------------------------------------
1. **Static inputs.** The batch lives in buffers that never move: each step copies its
   minibatch into them. The statistics (losses, gradient norms) are written into one
   static vector, copied out after each replay and read on the host only when the
   engine logs, as on the eager path.
2. **Warm-up, then rewind.** Three iterations run eagerly on a side stream, so that
   cuBLAS and cuDNN choose their kernels and every optimiser creates its state. Then
   everything they changed (weights, buffers, optimiser states, random states, the
   CycleGAN pool's bookkeeping) is put back, in place: the run's first real step is
   the first replay, after a resume as in a fresh run.
3. **Capture.** One iteration is recorded (nothing is computed while recording). The
   optimisers run capturable, and a fused Adam's learning rate becomes a tensor on
   the GPU, so the decay schedule changes it in place between replays.
4. **Replay** at every step: copy the batch in, let the modules that decide something
   on the host do it (``before_replay()``: the image pool's draws), replay.

A step function a graph can replay reads nothing back to the host, decides nothing in
Python from values that change between steps, keeps its shapes, and draws its randomness
from the device's generator: the same rules as the eager path's host-sync rule, a little
stricter. ``tests/test_graphs.py`` checks every recipe against them on the CPU by
recording each iteration's operations and requiring every replayed iteration to be the
same sequence.

When the engine stays eager: on the CPU and MPS; with float16 and a GradScaler (the scaler
decides on the host whether to skip a step); with an optimiser other than Adam, AdamW or
RMSprop; when a learning rate other than a fused Adam's decays; when a statistic is not a
tensor on the device; and when ``GAN_COURSE_CUDA_GRAPH=0`` or ``Trainer(cuda_graph=False)``.
If the warm-up or the recording fails, the engine puts everything back, says so in one
warning and trains step by step.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import warnings
from typing import Callable

import torch

from .runtime import captured_step

WARMUP = 3  # eager iterations before recording: cuBLAS/cuDNN choose kernels, optimisers create their state
GRAPH_OPTIMIZERS = (torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop)  # capturable, zero-initialised state


def graph_requested() -> bool:
    """CUDA graphs unless ``$GAN_COURSE_CUDA_GRAPH`` is 0/false/no/off (default on); other values are refused."""
    from .settings import CUDA_GRAPH, read

    return read(CUDA_GRAPH)


def graph_refusal(trainer, simulate: bool = False) -> str | None:
    """Why ``trainer``'s iterations cannot be replayed from a graph; ``None`` when they can.

    ``simulate=True`` (the CPU tests) skips the device requirement only.
    """
    if trainer.device.type != "cuda" and not simulate:
        return f"the device is {trainer.device.type}, not a CUDA GPU"
    if trainer.ctx.precision.use_grad_scaler:
        return "float16's GradScaler decides on the host whether to skip a step"
    decays = trainer.config.lr_decay_from is not None
    for name, opt in trainer.optimizers.items():
        if type(opt) not in GRAPH_OPTIMIZERS:
            return f"optimiser {name} is a {type(opt).__name__}, not Adam, AdamW or RMSprop"
        if decays and not all(g.get("fused") for g in opt.param_groups):
            return f"optimiser {name}'s learning rate decays and it is not a fused Adam"
        if any(g.get("differentiable") for g in opt.param_groups):
            return f"optimiser {name} is differentiable"
    return None


@functools.lru_cache(maxsize=None)
def _lr_dtype(device: torch.device) -> torch.dtype:
    """The dtype a fused Adam's tensor learning rate takes on ``device``: float64 (exact) where the kernel reads it."""
    try:
        p = torch.zeros(1, device=device, requires_grad=True)
        p.grad = torch.ones_like(p)
        torch.optim.Adam([p], lr=torch.tensor(1e-3, dtype=torch.float64, device=device), fused=True).step()
        return torch.float64
    except (RuntimeError, TypeError, ValueError):
        return torch.float32


def _tree_map(fn: Callable, tree):
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a NamedTuple
        return type(tree)(*(_tree_map(fn, t) for t in tree))
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


class Rewind:
    """Everything an iteration can change, copied; :meth:`restore` puts it back in place.

    In place matters: a graph recorded afterwards refers to the tensors' memory, so the
    weights, buffers and optimiser states must be the same tensors, holding the old values.
    An optimiser state created during the warm-up (a fresh run) is zeroed, which for Adam,
    AdamW and RMSprop is exactly the state a fresh optimiser starts from.
    """

    def __init__(self, trainer):
        self.modules = {k: {n: t.detach().clone() for n, t in m.state_dict().items()}
                        for k, m in trainer.modules.items()}
        self.optimizers = {k: {p: {n: v.detach().clone() if torch.is_tensor(v) else copy.deepcopy(v)
                                   for n, v in st.items()} for p, st in o.state.items()}
                           for k, o in trainer.optimizers.items()}
        self.rng = trainer._rng_state()

    def restore(self, trainer) -> None:
        with torch.no_grad():
            for k, m in trainer.modules.items():
                m.load_state_dict(self.modules[k])  # copies into the existing tensors (and resets host copies)
            for k, o in trainer.optimizers.items():
                for p, st in o.state.items():
                    saved = self.optimizers[k].get(p)
                    for n, v in list(st.items()):
                        if torch.is_tensor(v):
                            v.copy_(saved[n]) if saved is not None else v.zero_()
                        elif saved is not None:
                            st[n] = copy.deepcopy(saved[n])
        trainer._load_rng_state(self.rng)


class GraphedIteration:
    """One training iteration of ``trainer`` recorded once and replayed at every step.

    ``run(batch)`` returns the step's statistics as one vector (``keys`` names its entries),
    or ``None`` when recording failed: the trainer then trains step by step. ``close()``
    gives the optimisers back their plain settings. ``graph_factory`` is for the CPU tests,
    which replay the recorded iteration by calling it (:class:`CallingGraph`).
    """

    def __init__(self, trainer, graph_factory: Callable | None = None):
        self.trainer = trainer
        self.device = trainer.device
        self.graph_factory = graph_factory
        self.graph = None
        self.keys: list[str] = []
        self.static_batch = None
        self.out: torch.Tensor | None = None
        owners = {id(m): m for module in trainer.modules.values() for m in module.modules()}  # each module once
        self.hooks = [m.before_replay for m in owners.values() if callable(getattr(m, "before_replay", None))]
        self._plain_groups: dict[str, list[dict]] = {}  # each group's lr and capturable, as given
        self.failed = False
        self.why = ""  # why the iteration could not be recorded (when failed)

    # ---------------------------------------------------------------- setup
    def _make_capturable(self) -> None:
        lr_dtype = _lr_dtype(self.device) if self.device.type == "cuda" else torch.float64
        for name, opt in self.trainer.optimizers.items():
            self._plain_groups[name] = [{"lr": g["lr"], "capturable": g.get("capturable", False)}
                                        for g in opt.param_groups]
            for g in opt.param_groups:
                if self.device.type == "cuda":
                    g["capturable"] = True
                    for p in g["params"]:  # a capturable step counter lives beside its weights (a resumed
                        state = opt.state.get(p, {})  # RMSprop loaded it onto the CPU)
                        if torch.is_tensor(state.get("step")) and state["step"].device != p.device:
                            state["step"] = state["step"].to(p.device)
                if g.get("fused") and not torch.is_tensor(g["lr"]):
                    g["lr"] = torch.tensor(float(g["lr"]), dtype=lr_dtype, device=self.device)

    def close(self) -> None:
        """Plain float learning rates and the optimisers' own ``capturable`` again; the graph's memory freed."""
        for name, groups in self._plain_groups.items():
            for g, plain in zip(self.trainer.optimizers[name].param_groups, groups):
                if torch.is_tensor(g["lr"]):
                    g["lr"] = float(g["lr"])  # the schedule's current value (read once, at the end)
                if "capturable" in g:
                    g["capturable"] = plain["capturable"]
        self._plain_groups = {}
        if self.graph is not None:
            for opt in self.trainer.optimizers.values():
                opt.zero_grad(set_to_none=True)  # the gradients live in the graph's memory pool
            self.graph = None

    def portable_groups(self, name: str, groups: list[dict]) -> list[dict]:
        """An optimiser's ``state_dict()['param_groups']`` as the eager path writes them (float lr, its capturable)."""
        plain = self._plain_groups.get(name)
        out = []
        for i, g in enumerate(groups):
            g = dict(g)
            if torch.is_tensor(g.get("lr")):
                g["lr"] = float(g["lr"])
            if plain is not None and "capturable" in g:
                g["capturable"] = plain[i]["capturable"]
            out.append(g)
        return out

    # ---------------------------------------------------------------- the iteration
    def _body(self) -> None:
        stats = self.trainer._iteration(self.static_batch)
        self.out.copy_(torch.stack([stats[k].float().reshape(()) for k in self.keys]))

    def _refusal_of_stats(self, stats: dict) -> str | None:
        for k, v in stats.items():
            if not torch.is_tensor(v):
                return f"the step functions return {k} as a {type(v).__name__}, not a tensor"
            if v.device != self.out_device or v.numel() != 1:
                return f"the step functions return {k} on {v.device} with shape {tuple(v.shape)}, not one value on " \
                       f"{self.out_device}"
        return None

    @property
    def out_device(self) -> torch.device:
        return torch.device(self.device.type, torch.cuda.current_device()) if self.device.type == "cuda" \
            and self.device.index is None else self.device

    def _record(self, batch) -> str | None:
        """Warm up, rewind and record; returns why not, or ``None`` when the graph is ready."""
        leaves = _leaves(batch)
        if not all(torch.is_tensor(t) and t.device == self.out_device for t in leaves):
            return "the batch is not made of tensors on the device"
        self.static_batch = _tree_map(lambda t: t.clone(), batch)
        for module in self.trainer.modules.values():
            module.train()  # recorded in training mode (the eager loop sets it at every step)
        rewind = Rewind(self.trainer)
        self._make_capturable()
        side = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None
        if side is not None:
            side.wait_stream(torch.cuda.current_stream(self.device))
        try:  # a step function that fails here fails again, with its own error, on the step-by-step path
            with torch.cuda.stream(side) if side is not None else contextlib.nullcontext():
                for _ in range(WARMUP):
                    stats = self.trainer._iteration(self.static_batch)
        except Exception as exc:
            rewind.restore(self.trainer)
            return f"the warm-up failed ({_first_line(exc)})"
        finally:
            if side is not None:
                torch.cuda.current_stream(self.device).wait_stream(side)
        self.keys = list(stats)
        why = self._refusal_of_stats(stats)
        rewind.restore(self.trainer)
        if why is not None:
            return why
        self.out = torch.zeros(len(self.keys), device=self.device)
        for opt in self.trainer.optimizers.values():
            opt.zero_grad(set_to_none=True)  # the recorded backward passes allocate them from the graph's pool
        for hook in self.hooks:
            hook()  # the host decisions of the first replay, made before recording reads their buffers
        try:
            if self.graph_factory is not None:
                graph = self.graph_factory(self._body)
            else:
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph), captured_step():
                    self._body()
        except Exception as exc:  # recording failed: put everything back and train eagerly
            rewind.restore(self.trainer)
            for opt in self.trainer.optimizers.values():
                opt.zero_grad(set_to_none=True)
            return f"recording the iteration failed ({_first_line(exc)})"
        self.graph = graph
        return None

    def run(self, batch) -> torch.Tensor | None:
        """One step: the statistics vector (a copy), or ``None`` when the iteration cannot be recorded."""
        if self.failed:
            return None
        if self.graph is None:
            why = self._record(batch)
            if why is not None:
                self.failed, self.why = True, why
                self.close()
                warnings.warn(f"{self.trainer.tag}: training step by step, without a CUDA graph: {why} "
                              "(GAN_COURSE_CUDA_GRAPH=0 skips the attempt)", stacklevel=3)
                return None
            self.graph.replay()  # the first step (its host decisions were made before recording)
            return self.out.clone()
        _copy_into(self.static_batch, batch)
        for hook in self.hooks:
            hook()
        self.graph.replay()
        return self.out.clone()


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (at most 200 characters of it)."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"


def _copy_into(static, batch) -> None:
    for s, b in zip(_leaves(static), _leaves(batch)):
        s.copy_(b)


class CallingGraph:
    """A stand-in for ``torch.cuda.CUDAGraph`` on the CPU (the tests): "replay" calls the recorded body.

    Recording runs nothing, as CUDA's does; each replay runs the body inside
    :func:`~gan_course.runtime.captured_step`, reading the same static buffers. It
    checks the engine's bookkeeping (static inputs, statistics vector, rewind,
    learning rates, ``before_replay``) and, with an operation recorder, that every
    replay is the same sequence of operations, on machines without a GPU.
    """

    def __init__(self, body: Callable[[], None]):
        self.body = body
        self.replays = 0

    def replay(self) -> None:
        with captured_step():
            self.body()
        self.replays += 1
