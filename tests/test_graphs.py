"""Issue 26: the CUDA-graph path of the engine, everything of it that a CPU can check.

A CUDA graph replays the kernels one iteration launched when it was recorded, and none
of the Python around them. On the CPU the engine runs the same bookkeeping with a
stand-in graph (:class:`~gan_course.graphs.CallingGraph`) whose "replay" calls the
recorded iteration on the same static buffers. These tests check, for every recipe:

* **the same run**: training through the stand-in gives the eager run's weights and
  history bit for bit (warm-up and rewind, static batch, the statistics vector, the
  learning-rate tensors of the decay schedule, the image pool's host decisions);
* **capture safety**: every replayed iteration is the same sequence of operations, with
  the same shapes and the same non-tensor arguments, and none reads a value back to the
  host: what a real graph would replay is what the eager step computes;
* **checkpoints**: a run stopped and resumed on the graph path matches an uninterrupted
  one; its checkpoints are the eager path's (float learning rates, its own ``capturable``);
* **the refusals and the fallback**: where the engine stays eager, and that a failed
  recording leaves the run exactly as if it had trained eagerly, with one warning.

What only a GPU can show (the real capture, the replay's speed, the GPU's random
streams inside a graph) is in ``tests/test_cuda.py``.
"""

from __future__ import annotations

import dataclasses
import warnings
from functools import partial

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from gan_course.graphs import CallingGraph, GraphedIteration, graph_refusal
from gan_course.recipes import MODELS, get_model
from gan_course.training import Trainer, TrainingDiverged
from helpers import TINY, assert_same_state, make_trainer, stop_after

CPU = torch.device("cpu")
ELIGIBLE = list(MODELS)  # every model's steps can be replayed from a graph
# operations whose output size depends on values, so that a GPU must report to the host (x.item(), x[mask], ...)
HOST_READS = ("aten._local_scalar_dense", "aten.nonzero", "aten.masked_select", "aten.unique", "aten._unique2",
              "aten.repeat_interleave")


def host_reads(log: list[tuple]) -> list[str]:
    """The operations of ``log`` that read values back to the host on a GPU; indexing with a boolean mask is one."""
    def has_mask(sig) -> bool:
        return isinstance(sig, tuple) and (sig[:1] == ("T",) and sig[2] == "torch.bool" or any(map(has_mask, sig)))

    return sorted({op[0] for op in log if op[0] in HOST_READS
                   or op[0] in ("aten.index", "aten.index_put", "aten.index_put_") and has_mask(op[1][1:])})


@pytest.fixture
def simulated(monkeypatch):
    """Every Trainer built in the test records and replays through the CPU stand-in graph."""
    real = Trainer._open_graph

    def opening(self):
        self._graph_factory = CallingGraph
        return real(self)

    monkeypatch.setattr(Trainer, "_open_graph", opening)


def _recipe(model: str, **overrides):
    recipe = get_model(model).recipe.for_profile("smoke")
    return dataclasses.replace(recipe, quality_every=0, **overrides)


def _trained(model: str, out_dir=None, **overrides) -> Trainer:
    trainer = get_model(model).build(_recipe(model, **overrides), CPU, out_dir, seed=0)
    trainer.fit(resume=out_dir is not None)
    return trainer


def _state(trainer: Trainer) -> dict:
    state = trainer.state_dict()
    return {k: state[k] for k in ("step", "modules", "optimizers", "rng", "history", "batches")}


@pytest.mark.parametrize("model", ELIGIBLE)
def test_the_graph_path_trains_exactly_like_the_eager_path(model, monkeypatch):
    eager = _trained(model)
    assert eager.graph_note == "step by step (the device is cpu, not a CUDA GPU)"
    real = Trainer._open_graph
    replays = []

    def opening(self):
        self._graph_factory = lambda body: replays.append(CallingGraph(body)) or replays[-1]
        return real(self)

    monkeypatch.setattr(Trainer, "_open_graph", opening)
    graphed = _trained(model)
    assert graphed.graph_note == "CUDA graph"
    assert len(replays) == 1 and replays[0].replays == graphed.step  # one recording, every step a replay
    assert_same_state(_state(eager), _state(graphed))
    for name, opt in graphed.optimizers.items():  # plain settings again once fit() returns
        assert all(isinstance(g["lr"], float) for g in opt.param_groups), name


class OperationLog(TorchDispatchMode):
    """Every operation run inside it, as (name, argument signature): tensors by shape, dtype and device."""

    def __init__(self):
        super().__init__()
        self.ops: list[tuple] = []

    @staticmethod
    def _sig(x):
        if isinstance(x, torch.Tensor):
            return ("T", tuple(x.shape), str(x.dtype), x.device.type)
        if isinstance(x, (list, tuple)):
            return tuple(OperationLog._sig(v) for v in x)
        if isinstance(x, dict):
            return tuple((k, OperationLog._sig(v)) for k, v in sorted(x.items()))
        if x is None or isinstance(x, (bool, int, float, complex, str, torch.dtype, torch.device, torch.layout,
                                       torch.memory_format)):
            return repr(x)  # a value a graph would freeze: it must be the same at every step
        return type(x).__name__  # e.g. the profiler's record_function handles

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        self.ops.append((str(func.overloadpacket), self._sig(args), self._sig(kwargs)))
        return func(*args, **kwargs)


class LoggedGraph(CallingGraph):
    logs: list[list[tuple]] = []

    def replay(self) -> None:
        with OperationLog() as log:
            super().replay()
        LoggedGraph.logs.append(log.ops)


def _replayed_logs(model: str, monkeypatch, **build_changes) -> list[list[tuple]]:
    LoggedGraph.logs = []
    real = Trainer._open_graph

    def opening(self):
        self._graph_factory = LoggedGraph
        for key, value in build_changes.items():
            setattr(self, key, value)
        return real(self)

    monkeypatch.setattr(Trainer, "_open_graph", opening)
    _trained(model)
    return LoggedGraph.logs


def _first_difference(a: list[tuple], b: list[tuple]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"operation {i}: {x[0]} {x[1:]} then {y[0]} {y[1:]}"
    return f"{len(a)} against {len(b)} operations"


@pytest.mark.parametrize("model", ELIGIBLE)
def test_every_replayed_iteration_is_the_same_operations_with_no_host_read(model, monkeypatch):
    logs = _replayed_logs(model, monkeypatch)
    assert len(logs) >= 6
    reads = host_reads(logs[0])
    assert reads == [], f"{model}'s iteration reads values back to the host: {reads}"
    for step, log in enumerate(logs[1:], start=2):
        assert log == logs[0], f"{model}: replay {step} differs from replay 1 at {_first_difference(logs[0], log)}"


def test_the_operation_check_catches_a_step_that_decides_on_the_host(monkeypatch):
    """A step that draws a number on the host and branches on it (as StyleGAN's style mixing once drew its
    crossover layer): a replay would repeat the recorded branch forever. The check sees the read and the change."""
    from gan_course.steps import d_step

    def deciding(batch, ctx, **kwargs):
        if float(torch.rand(())) < 0.5:  # a host decision
            batch = (batch[0].flip(0), batch[1])
        return d_step(batch, ctx, **kwargs)

    LoggedGraph.logs = []
    trainer = make_trainer(None, steps=8, d_step_fn=deciding)
    trainer._graph_factory = LoggedGraph
    trainer.fit()
    logs = LoggedGraph.logs
    assert host_reads(logs[0]) == ["aten._local_scalar_dense"]
    assert any(log != logs[0] for log in logs[1:])  # the flip comes and goes
    with OperationLog() as masked:  # and a boolean mask is seen as the read it is on a GPU
        x = torch.arange(6.0)
        x[x > 2] = 0.0
        x[x > 1].sum()
    assert host_reads(masked.ops) == ["aten.index", "aten.index_put_"]


def test_the_image_pool_decides_before_each_replay_and_swaps_like_the_eager_pool(simulated):
    """CycleGAN with a pool of 3, so that the pool fills and then swaps within the run."""
    eager_pool = _recipe("cyclegan", pool_size=3, steps=8)
    eager = get_model("cyclegan").build(eager_pool, CPU, None, seed=0)
    eager._open_graph = lambda: None  # this one trains step by step
    eager.fit(resume=False)
    graphed = _trained("cyclegan", pool_size=3, steps=8)
    assert graphed.graph_note == "CUDA graph"
    assert len(graphed.modules["pool_A"]) == 3
    assert_same_state(_state(eager), _state(graphed))


def _stopped(model: str, out_dir, steps: int) -> None:
    """``model``'s whole smoke recipe trained into ``out_dir`` and stopped after ``steps`` steps (a checkpoint there)."""
    stop_after(get_model(model).build(_recipe(model, checkpoint_every=steps), CPU, out_dir, seed=0), steps)


@pytest.mark.parametrize("model", ["dcgan", "cyclegan", "wgan"])
def test_a_graph_run_stopped_and_resumed_matches_an_uninterrupted_one(model, tmp_path, simulated):
    """dcgan: across the learning-rate decay; cyclegan: with the pools' host state; wgan: RMSprop's state."""
    half = _recipe(model).steps // 2
    straight = _trained(model, tmp_path / "straight", checkpoint_every=half)
    _stopped(model, tmp_path / "split", half)
    state = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=True)
    assert state["step"] == half
    for opt in state["optimizers"].values():  # written as the eager path writes it
        assert all(isinstance(g["lr"], float) and not g.get("capturable") for g in opt["param_groups"])
    resumed = _trained(model, tmp_path / "split", checkpoint_every=half)
    assert resumed.graph_note == "CUDA graph"
    assert_same_state(_state(straight), _state(resumed))


def test_a_graph_checkpoint_resumes_on_the_eager_path(tmp_path, monkeypatch):
    half = _recipe("dcgan").steps // 2
    eager = _trained("dcgan", tmp_path / "eager", checkpoint_every=half)
    real = Trainer._open_graph
    monkeypatch.setattr(Trainer, "_open_graph", lambda self: (setattr(self, "_graph_factory", CallingGraph),
                                                              real(self))[1])
    _stopped("dcgan", tmp_path / "a", half)
    monkeypatch.setattr(Trainer, "_open_graph", real)
    mixed = _trained("dcgan", tmp_path / "a", checkpoint_every=half)  # eager from the graph run's checkpoint
    assert mixed.graph_note.startswith("step by step")
    assert_same_state(_state(eager), _state(mixed))


def test_the_learning_rate_schedule_moves_the_graph_s_tensor_in_place(simulated):
    trainer = get_model("dcgan").build(_recipe("dcgan"), CPU, None, seed=0)
    seen = []
    step = trainer.g_step

    def watching(batch, ctx):
        seen.append([g["lr"] for g in trainer.optimizers["G"].param_groups])
        return step(batch, ctx)

    trainer.g_step = watching
    trainer.fit(resume=False)
    lr = seen[-1][0]  # what the recorded iteration reads
    assert torch.is_tensor(lr) and lr.dtype == torch.float64
    expected = trainer.base_lr["G"][0] * trainer.config.lr_factor(trainer.config.steps)
    assert trainer.optimizers["G"].param_groups[0]["lr"] == expected  # a float again, the last step's rate
    assert expected < trainer.base_lr["G"][0]


def test_a_failed_recording_warns_once_and_trains_exactly_like_the_eager_path(monkeypatch):
    eager = _trained("vanilla")
    real = Trainer._open_graph

    def broken(body):
        raise RuntimeError("operation not permitted when stream is capturing\nmore detail")

    monkeypatch.setattr(Trainer, "_open_graph", lambda self: (setattr(self, "_graph_factory", broken),
                                                              real(self))[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallen = _trained("vanilla")
    lines = [str(w.message) for w in caught if "CUDA graph" in str(w.message)]
    assert lines == ["vanilla-mlp: training step by step, without a CUDA graph: recording the iteration failed "
                     "(RuntimeError: operation not permitted when stream is capturing) "
                     "(GAN_COURSE_CUDA_GRAPH=0 skips the attempt)"], lines
    assert fallen.graph_note == ("step by step (recording the iteration failed (RuntimeError: operation not "
                                 "permitted when stream is capturing))")
    assert_same_state(_state(eager), _state(fallen))


def test_a_statistic_that_is_not_a_tensor_keeps_the_run_eager_and_identical(monkeypatch, simulated):
    from gan_course.steps import d_step

    def plain_number(batch, ctx, **kwargs):
        return {**d_step(batch, ctx, **kwargs), "constant": 1.5}

    eager = make_trainer(None, steps=6, d_step_fn=plain_number, cuda_graph=False)
    eager.fit()
    with pytest.warns(UserWarning, match="return constant as a float, not a tensor"):
        graphed = make_trainer(None, steps=6, d_step_fn=plain_number)
        graphed.fit()
    assert_same_state(_state(eager), _state(graphed))
    assert graphed.history["constant"] == [1.5] * 6
    assert graphed.graph_note == "step by step (the step functions return constant as a float, not a tensor)"


def test_a_nan_on_the_graph_path_stops_cleanly_and_restores_plain_optimisers(tmp_path, simulated):
    from gan_course.steps import d_step

    def poisoned(batch, ctx, **kwargs):
        stats = d_step(batch, ctx, **kwargs)
        stats["loss_d_real"] = stats["loss_d_real"] * torch.where(ctx.grad_norms["D"] > 0, torch.nan, 1.0)
        return stats

    trainer = make_trainer(tmp_path, steps=12, log_every=4, checkpoint_every=4, d_step_fn=poisoned)
    with pytest.raises(TrainingDiverged, match="training stopped at step 1: loss_d_real = nan"):
        trainer.fit()
    assert trainer.step == 0 and trainer._graph is None
    for opt in trainer.optimizers.values():
        assert all(isinstance(g["lr"], float) and not g.get("capturable") for g in opt.param_groups)


def test_where_the_engine_stays_eager(monkeypatch):
    trainer = make_trainer(None, steps=2)
    assert graph_refusal(trainer) == "the device is cpu, not a CUDA GPU"
    assert graph_refusal(trainer, simulate=True) is None

    class Scaled:
        use_grad_scaler = True

    monkeypatch.setattr(trainer.ctx, "precision", Scaled())
    assert "GradScaler" in graph_refusal(trainer, simulate=True)
    sgd = make_trainer(None, steps=2)
    sgd.optimizers["G"] = torch.optim.SGD(sgd.modules["G"].parameters(), lr=0.1)
    assert graph_refusal(sgd, simulate=True) == "optimiser G is a SGD, not Adam, AdamW or RMSprop"
    plain = make_trainer(None, steps=4, lr_decay_from=2, fast_adam=False)
    assert graph_refusal(plain, simulate=True) == "optimiser G's learning rate decays and it is not a fused Adam"
    monkeypatch.setenv("GAN_COURSE_CUDA_GRAPH", "0")
    off = make_trainer(None, steps=2)
    off._graph_factory = CallingGraph
    off.fit()
    assert off.graph_note == "step by step (switched off)"
    monkeypatch.setenv("GAN_COURSE_CUDA_GRAPH", "sometimes")
    with pytest.raises(Exception, match="^GAN_COURSE_CUDA_GRAPH='sometimes' is not understood: use one of 1, 0, "):
        make_trainer(None, steps=2)


def test_the_graph_path_reads_nothing_back_between_flushes(monkeypatch, simulated):
    """The host-sync rule of the eager loop holds on the graph path too (outside log, sample and save steps)."""
    from test_host_sync import SyncCounter

    trainer = get_model("cyclegan").build(_recipe("cyclegan", steps=6, sample_every=6, checkpoint_every=6,
                                                  pool_size=2), CPU, None, seed=0)
    counter = SyncCounter(monkeypatch)
    counter.watch(trainer)
    for name in ("_record", "close"):  # once per fit(): recording reads the pools' counts, closing the rates
        monkeypatch.setattr(GraphedIteration, name, counter._suspending(getattr(GraphedIteration, name)))
    trainer.fit(resume=False)
    assert trainer.graph_note == "CUDA graph"
    assert counter.calls == [], "\n".join(sorted(set(counter.calls)))



def test_a_step_that_fails_in_the_warm_up_fails_with_its_own_error(simulated):
    """A learner's broken d_step: the warm-up's failure is named once, then the step-by-step path raises the
    learner's own error, at the same step; the next fit() goes back to where this one started."""
    from gan_course.steps import d_step

    def broken(batch, ctx, **kwargs):
        d_step(batch, ctx, **kwargs)
        raise ValueError("loss_d_real is missing")

    trainer = make_trainer(None, steps=4, d_step_fn=broken)
    with pytest.warns(UserWarning, match=r"the warm-up failed \(ValueError: loss_d_real is missing\)"), \
            pytest.raises(ValueError, match="^loss_d_real is missing$"):
        trainer.fit()
    assert trainer.recovery.in_step == 1  # the next fit() goes back to where this one started
    trainer.d_step = partial(d_step, G=trainer.modules["G"], D=trainer.modules["D"],
                             opt_D=trainer.optimizers["D"], latent_dim=TINY.latent_dim)
    trainer.fit()  # goes back to step 0, then trains on the graph path
    assert trainer.step == 4 and trainer.graph_note == "CUDA graph"
    straight = make_trainer(None, steps=4, cuda_graph=False)
    straight.fit()
    assert_same_state(_state(straight), _state(trainer))  # as if the broken fit() had never run


def test_the_quality_record_and_best_checkpoint_between_replays(tmp_path, monkeypatch):
    """The FD measured between replays (eval mode, the random states put back) changes nothing, and best.pt,
    written in the middle of a graph run, is an eager-path checkpoint."""
    recipe = get_model("dcgan").recipe.for_profile("smoke")
    assert recipe.quality_every and recipe.quality_every < recipe.steps
    eager = get_model("dcgan").build(recipe, CPU, tmp_path / "eager", seed=0)
    eager.fit(resume=False)
    real = Trainer._open_graph
    monkeypatch.setattr(Trainer, "_open_graph", lambda self: (setattr(self, "_graph_factory", CallingGraph),
                                                              real(self))[1])
    graphed = get_model("dcgan").build(recipe, CPU, tmp_path / "graph", seed=0)
    graphed.fit(resume=False)
    assert graphed.graph_note == "CUDA graph"
    assert graphed.quality_record["fd"] == eager.quality_record["fd"] and len(graphed.quality_record["fd"]) >= 3
    assert_same_state(_state(eager), _state(graphed))
    best = torch.load(tmp_path / "graph" / "best.pt", weights_only=True)
    for opt in best["optimizers"].values():
        assert all(isinstance(g["lr"], float) and not g.get("capturable") for g in opt["param_groups"])


def test_a_pool_registered_twice_decides_once_per_replay(monkeypatch):
    """A module reachable from two entries of ``modules`` (here each pool, also inside a list) is asked once."""
    from torch import nn

    def build(graphed: bool) -> Trainer:
        trainer = get_model("cyclegan").build(_recipe("cyclegan", pool_size=2, steps=6), CPU, None, seed=0)
        trainer.modules["pools"] = nn.ModuleList([trainer.modules["pool_A"], trainer.modules["pool_B"]])
        trainer._graph_factory = CallingGraph if graphed else None
        trainer.fit(resume=False)
        return trainer

    eager, graphed = build(False), build(True)
    assert graphed.graph_note == "CUDA graph"
    assert_same_state(_state(eager), _state(graphed))


def _toy_builders():
    """The engine's other users: chapter 1's toy lab (plain and packed), chapter 9's five ring methods, and
    chapter 11's real-versus-generated detector (a one-network trainer)."""
    from gan_course.experiments.responsibility import build_detector
    from gan_course.recipes.toy import ToyGANRecipe, build_toy
    from gan_course.recipes.wgan import RING_METHODS, RingRecipe, build_ring

    builders = {"toy": lambda: build_toy(ToyGANRecipe(steps=12, sample_every=6), CPU, None, seed=0),
                "toy-pack2": lambda: build_toy(ToyGANRecipe(steps=12, sample_every=6, pack=2), CPU, None, seed=0)}
    for method in RING_METHODS:
        builders[f"ring-{method}"] = lambda m=method: build_ring(RingRecipe.for_profile("smoke", m), CPU, None, seed=0)
    images = torch.rand(48, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    builders["detector"] = lambda: build_detector(images[:24], images[24:].flip(-1), steps=6, batch_size=8)
    return builders


@pytest.mark.parametrize("name", list(_toy_builders()))
def test_the_engine_s_other_trainers_replay_alike_and_the_same_operations(name, monkeypatch):
    build = _toy_builders()[name]
    eager = build()
    eager.fit()
    LoggedGraph.logs = []
    graphed = build()
    graphed._graph_factory = LoggedGraph
    graphed.fit()
    assert graphed.graph_note == "CUDA graph"
    assert_same_state(_state(eager), _state(graphed))
    logs = LoggedGraph.logs
    assert host_reads(logs[0]) == []
    assert all(log == logs[0] for log in logs[1:]), _first_difference(logs[0], next(l for l in logs if l != logs[0]))
