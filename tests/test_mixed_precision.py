"""The float16 + GradScaler path (Colab's T4) exercised on the CPU, which needs no GPU.

CPU autocast supports float16, and ``torch.amp.GradScaler("cpu")`` scales the
loss exactly as on CUDA, so the engine's scaler code runs here for real.
"""

import pytest
import torch

from gan_course.runtime import Precision
from gan_course.training import load_checkpoint

from helpers import assert_same_state, make_trainer

FP16 = Precision("cpu", torch.float16, use_grad_scaler=True)


def _fp16_supported() -> bool:
    try:
        with FP16.autocast():
            return torch.nn.Linear(2, 2)(torch.randn(1, 2)).dtype == torch.float16
    except RuntimeError:
        return False


pytestmark = pytest.mark.skipif(not _fp16_supported(), reason="this torch has no float16 CPU autocast")


def test_forward_runs_in_float16_and_losses_stay_float32():
    trainer = make_trainer(precision=FP16, steps=1)
    batch = next(trainer.batches)
    stats = trainer.d_step(batch, trainer.ctx)
    assert stats["loss_d_real"].dtype == torch.float32  # BCE-with-logits accumulates in float32
    with trainer.ctx.autocast():
        assert trainer.modules["D"](batch[0]).dtype == torch.float16


def test_fp16_training_uses_a_scaler_per_optimizer_and_stays_finite(tmp_path):
    trainer = make_trainer(tmp_path, precision=FP16, steps=6, checkpoint_every=3, log_every=1)
    history = trainer.fit()
    assert set(trainer.ctx.scalers) == {"G", "D"}
    assert all(torch.isfinite(torch.tensor(v)).all() for k, v in history.items())
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert set(state["scalers"]) == {"G", "D"} and state["scalers"]["G"]["scale"] > 0


def test_fp16_resume_is_bitwise_identical(tmp_path):
    straight = make_trainer(tmp_path / "a", precision=FP16, steps=8, checkpoint_every=8)
    straight.fit()
    make_trainer(tmp_path / "b", precision=FP16, steps=4, checkpoint_every=4).fit()
    resumed = make_trainer(tmp_path / "b", precision=FP16, steps=8, checkpoint_every=8, seed=123)
    resumed.fit(resume=True)
    for name in ("G", "D"):
        assert_same_state(straight.modules[name].state_dict(), resumed.modules[name].state_dict())
        assert_same_state(straight.ctx.scalers[name].state_dict(), resumed.ctx.scalers[name].state_dict())


def test_overflowing_fp16_steps_are_skipped_not_reported_as_divergence(tmp_path):
    """At a huge loss scale the first gradients overflow: the scaler skips those steps and
    lowers its scale, as it does on a T4 in the first steps of a conv net. Training goes on."""
    trainer = make_trainer(tmp_path, precision=FP16, steps=30, checkpoint_every=30, log_every=1)
    for scaler in trainer.ctx.scalers.values():
        scaler._init_scale = 2.0 ** 30  # float16 overflows at 65504: the first steps cannot fit
    history = trainer.fit()
    skipped = history["amp_skipped_D"]
    assert skipped[0] == 1.0 and skipped[-1] == 0.0  # overflowed first, calibrated later
    assert history["grad_norm_D"][0] == 0.0 and history["grad_norm_D"][-1] > 0
    assert trainer.ctx.scalers["D"].get_scale() < 2.0 ** 30
    for name in ("G", "D"):
        assert all(torch.isfinite(p).all() for p in trainer.modules[name].parameters())
