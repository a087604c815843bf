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
