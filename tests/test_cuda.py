"""The GPU path: every model trains, checkpoints, resumes and scores on CUDA.

Skipped on machines without a CUDA GPU (CI); ``scripts/gpu_check.py`` runs them on
one, with the rest of the unit tests. Each check compares with the CPU where the
two must agree, with tolerances for the GPU's other arithmetic (bfloat16 autocast,
TF32 convolutions).
"""

from __future__ import annotations

import pytest
import torch

from gan_course.recipes import MODELS, get_model
from gan_course.runtime import precision_for, seed_everything
from gan_course.training import load_checkpoint

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CUDA = torch.device("cuda")


def _fit(model: str, out_dir, steps: int | None = None, seed: int = 0):
    entry = get_model(model)
    recipe = entry.recipe.for_profile("smoke")
    if steps is not None:
        recipe.steps = steps
    trainer = entry.build(recipe, CUDA, out_dir, seed=seed)
    trainer.fit(resume=True)
    return entry, trainer


@pytest.mark.parametrize("model", list(MODELS.keys()))
def test_every_model_trains_on_cuda_and_samples_finite_images(tmp_path, model):
    entry, trainer = _fit(model, tmp_path / model)
    assert trainer.ctx.precision.device_type == "cuda"
    assert str(trainer.ctx.precision) == str(precision_for(CUDA))
    for key, values in trainer.history.items():
        assert torch.isfinite(torch.tensor(values, dtype=torch.float64)).all(), key
    G = trainer.modules[entry.generator_key].eval()
    seed_everything(1)
    drawn = entry.sample(G, 8, CUDA)
    images = drawn["images"]
    assert images.device.type == "cpu" and images.dtype == torch.float32 and len(images) == 8
    assert torch.isfinite(images).all() and images.abs().max() <= 1.0 + 1e-6


def test_a_cuda_checkpoint_loads_on_the_cpu_and_draws_the_same_images(tmp_path):
    entry, trainer = _fit("vanilla", tmp_path / "run")
    state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")  # map_location="cpu", weights_only=True
    G_cpu = entry.generator_from_checkpoint(state, "checkpoint").eval()
    G_gpu = trainer.modules["G"].eval()
    z = torch.randn(16, G_cpu.cfg.latent_dim)
    with torch.no_grad():
        assert torch.allclose(G_cpu(z), G_gpu(z.to(CUDA)).float().cpu(), atol=1e-4)


def test_resume_on_cuda_continues_the_same_run(tmp_path):
    _, straight = _fit("vanilla", tmp_path / "a", steps=24)
    _fit("vanilla", tmp_path / "b", steps=12)
    _, resumed = _fit("vanilla", tmp_path / "b", steps=24)
    assert resumed.step == 24 and resumed.history["step"] == straight.history["step"]
    for name in ("G", "D"):
        for (key, a), b in zip(straight.modules[name].state_dict().items(),
                                resumed.modules[name].state_dict().values()):
            assert torch.allclose(a.float(), b.float(), atol=1e-4), f"{name}.{key}"


def test_forced_fp16_trains_with_loss_scaling_and_stays_finite(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp16")
    _, trainer = _fit("dcgan", tmp_path / "fp16")
    assert str(trainer.ctx.precision) == "autocast float16 + GradScaler"
    assert set(trainer.ctx.scalers) == {"G", "D"}
    assert all(s.get_scale() > 0 for s in trainer.ctx.scalers.values())
    for key, values in trainer.history.items():
        assert torch.isfinite(torch.tensor(values, dtype=torch.float64)).all(), key
    state = load_checkpoint(tmp_path / "fp16" / "checkpoint.pt")
    assert set(state["scalers"]) == {"G", "D"}


def test_image_scores_on_cuda_agree_with_the_cpu():
    from gan_course.data import load_fashion_mnist
    from gan_course.metrics.images import Scorer

    images = load_fashion_mnist("train", limit=256).images  # real images: FD small but not zero
    cpu = Scorer(n_real=256, device="cpu")(images)
    gpu = Scorer(n_real=256, device="cuda")(images)
    for key in ("fd", "precision", "recall"):
        assert abs(cpu[key] - gpu[key]) <= 0.05 * abs(cpu[key]) + 0.02, (key, cpu[key], gpu[key])


@pytest.mark.parametrize("model", list(MODELS.keys()))
def test_pretrained_generators_load_on_cuda_with_the_committed_weights(model):
    from gan_course.pretrained import load_pretrained, read_manifest

    if model not in read_manifest():
        pytest.skip(f"no committed generator for {model}")
    entry = get_model(model)
    on_cpu, on_gpu = load_pretrained(model, "cpu"), load_pretrained(model, "cuda").eval()
    for (key, a), b in zip(on_cpu.state_dict().items(), on_gpu.state_dict().values()):
        assert b.device.type == "cuda" and torch.equal(a, b.cpu()), key
    seed_everything(3)
    images = entry.sample(on_gpu, 8, CUDA)["images"]
    assert len(images) == 8 and torch.isfinite(images).all()


# ---------------------------------------------------------------- the CUDA-graph path (issue 26)
GRAPHED = list(MODELS)  # every model's steps can be replayed from a graph


def _smoke(model: str, out_dir=None, graph: bool = True, precision: str | None = None, **overrides):
    import dataclasses

    entry = get_model(model)
    recipe = dataclasses.replace(entry.recipe.for_profile("smoke"), quality_every=0, **overrides)
    trainer = entry.build(recipe, CUDA, out_dir, seed=0, precision=precision)
    trainer.cuda_graph = graph
    return trainer


@pytest.mark.parametrize("model", GRAPHED)
def test_every_recipe_replays_a_cuda_graph(model):
    trainer = _smoke(model)
    trainer.fit(resume=False)
    assert trainer.graph_note == "CUDA graph"  # not a fallback: recording succeeded, every statistic on the GPU
    for key, values in trainer.history.items():
        assert torch.isfinite(torch.tensor(values, dtype=torch.float64)).all(), key
    for opt in trainer.optimizers.values():  # plain settings once fit() returns
        assert all(isinstance(g["lr"], float) and not g.get("capturable") for g in opt.param_groups)


@pytest.mark.parametrize("model", GRAPHED)
def test_the_graph_and_eager_paths_give_the_same_first_losses(model, monkeypatch):
    """float32 without TF32, the first 4 steps: the same kernels and random numbers give the same losses. Bitwise
    where the kernels are the same; 1e-3 relative allows for convolution backward passes that add in another order.
    cyclegan runs with pools of 2, so that they fill and then swap within the 4 steps."""
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    extra = {"pool_size": 2} if model == "cyclegan" else {}
    runs = {}
    for graph in (False, True):
        trainer = _smoke(model, graph=graph, precision="fp32", steps=4, **extra)
        trainer.fit(resume=False)
        assert trainer.graph_note == ("CUDA graph" if graph else "step by step (switched off)")
        runs[graph] = trainer.history
    assert set(runs[True]) == set(runs[False])
    for key in runs[False]:
        eager, graph = torch.tensor(runs[False][key]), torch.tensor(runs[True][key])
        assert torch.allclose(graph, eager, rtol=1e-3, atol=1e-5), (key, eager.tolist(), graph.tolist())


@pytest.mark.parametrize("model", ["vanilla", "dcgan", "cyclegan"])
def test_a_graph_run_killed_and_resumed_gives_the_uninterrupted_run_s_weights(model, tmp_path):
    """Every step of both runs is a replay (the warm-up is rewound), so the resumed run replays the same kernels
    from the same state and random offsets: bitwise for the MLP, within 1e-5 for convolutional nets (cuDNN's
    backward kernels may add in another order from one recording to the next)."""
    from helpers import stop_after

    half = get_model(model).recipe.for_profile("smoke").steps // 2
    straight = _smoke(model, tmp_path / "straight", checkpoint_every=half)
    straight.fit(resume=False)
    stop_after(_smoke(model, tmp_path / "split", checkpoint_every=half), half)
    resumed = _smoke(model, tmp_path / "split", checkpoint_every=half)
    resumed.fit(resume=True)
    assert resumed.graph_note == "CUDA graph" and resumed.step == straight.step
    for name, module in straight.modules.items():
        for (key, a), b in zip(module.state_dict().items(), resumed.modules[name].state_dict().values()):
            if model == "vanilla":
                assert torch.equal(a, b), f"{name}.{key}"
            else:
                assert torch.allclose(a.float(), b.float(), rtol=1e-5, atol=1e-6), f"{name}.{key}"


def test_float16_with_its_scaler_stays_on_the_eager_path(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp16")
    _, trainer = _fit("dcgan", tmp_path / "fp16")
    assert trainer.graph_note == "step by step (float16's GradScaler decides on the host whether to skip a step)"
    assert set(trainer.ctx.scalers) == {"G", "D"}


def test_the_decay_schedule_reaches_the_recorded_learning_rate():
    """DCGAN's learning rates fall over the last 35% of the steps: the graph reads them from a device tensor."""
    from gan_course.graphs import _lr_dtype

    trainer = _smoke("dcgan")
    seen = []
    step = trainer.g_step
    trainer.g_step = lambda batch, ctx: (seen.append(trainer.optimizers["G"].param_groups[0]["lr"]),
                                         step(batch, ctx))[1]
    trainer.fit(resume=False)
    assert torch.is_tensor(seen[-1]) and seen[-1].device.type == "cuda" and seen[-1].dtype == _lr_dtype(CUDA)
    final = trainer.base_lr["G"][0] * trainer.config.lr_factor(trainer.config.steps)
    assert trainer.optimizers["G"].param_groups[0]["lr"] == pytest.approx(final, rel=1e-6)
