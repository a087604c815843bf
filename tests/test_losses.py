"""The adversarial losses against values computed by hand with ``math``."""

import math

import pytest
import torch

from gan_course.losses import (discriminator_loss, generator_nonsaturating_loss,
                               generator_saturating_loss)

LOGITS = [0.0, math.log(3.0), -2.0]  # D = 1/2, 3/4, sigmoid(-2)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def mean(values) -> float:
    return sum(values) / len(values)


def t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def test_discriminator_loss_returns_real_and_fake_terms_separately():
    real, fake = [0.0, math.log(3.0)], [-2.0, 0.0, math.log(3.0)]
    loss_real, loss_fake = discriminator_loss(t(real), t(fake))
    # loss_real = -E[log D(x)], loss_fake = -E[log(1 - D(G(z)))]
    expected_real = mean([-math.log(sigmoid(x)) for x in real])
    expected_fake = mean([-math.log(1.0 - sigmoid(x)) for x in fake])
    assert loss_real.shape == () and loss_fake.shape == ()
    assert loss_real.item() == pytest.approx(expected_real, rel=1e-6)
    assert loss_fake.item() == pytest.approx(expected_fake, rel=1e-6)
    # the hand values for ln 3: -log(3/4) and -log(1/4)
    r, f = discriminator_loss(t([math.log(3.0)]), t([math.log(3.0)]))
    assert r.item() == pytest.approx(math.log(4.0 / 3.0), rel=1e-6)
    assert f.item() == pytest.approx(math.log(4.0), rel=1e-6)


def test_discriminator_terms_are_not_swapped():
    # a confident, correct D: real logits high, fake logits low -> both terms small
    loss_real, loss_fake = discriminator_loss(t([5.0]), t([-5.0]))
    assert loss_real.item() == pytest.approx(-math.log(sigmoid(5.0)), rel=1e-5)
    assert loss_fake.item() == pytest.approx(-math.log(1.0 - sigmoid(-5.0)), rel=1e-5)
    # fooled D: the same logits on the wrong side -> both terms large (about 5)
    loss_real, loss_fake = discriminator_loss(t([-5.0]), t([5.0]))
    assert loss_real.item() == pytest.approx(-math.log(sigmoid(-5.0)), rel=1e-5)
    assert loss_fake.item() == pytest.approx(-math.log(1.0 - sigmoid(5.0)), rel=1e-5)


def test_generator_saturating_loss_is_mean_log_one_minus_d():
    expected = mean([math.log(1.0 - sigmoid(x)) for x in LOGITS])  # E[log(1 - D)] <= 0
    value = generator_saturating_loss(t(LOGITS)).item()
    assert value == pytest.approx(expected, rel=1e-6)
    assert value < 0


def test_generator_nonsaturating_loss_is_minus_mean_log_d():
    expected = mean([-math.log(sigmoid(x)) for x in LOGITS])  # -E[log D] >= 0
    value = generator_nonsaturating_loss(t(LOGITS)).item()
    assert value == pytest.approx(expected, rel=1e-6)
    assert value > 0


def test_losses_at_logit_zero_are_plus_minus_log2():
    zero = torch.zeros(5)
    loss_real, loss_fake = discriminator_loss(zero, zero)
    assert loss_real.item() == pytest.approx(math.log(2.0), rel=1e-6)
    assert loss_fake.item() == pytest.approx(math.log(2.0), rel=1e-6)
    assert generator_nonsaturating_loss(zero).item() == pytest.approx(math.log(2.0), rel=1e-6)
    assert generator_saturating_loss(zero).item() == pytest.approx(-math.log(2.0), rel=1e-6)


def _grad_wrt_logits(loss_fn, values):
    logits = t(values).requires_grad_()
    loss_fn(logits).backward()
    return logits.grad * len(values)  # undo the mean's 1/N


def test_saturating_gradient_is_minus_d():
    grad = _grad_wrt_logits(generator_saturating_loss, LOGITS)
    expected = t([-sigmoid(x) for x in LOGITS])
    torch.testing.assert_close(grad, expected, rtol=1e-6, atol=1e-7)


def test_nonsaturating_gradient_is_minus_one_minus_d():
    grad = _grad_wrt_logits(generator_nonsaturating_loss, LOGITS)
    expected = t([-(1.0 - sigmoid(x)) for x in LOGITS])
    torch.testing.assert_close(grad, expected, rtol=1e-6, atol=1e-7)


def test_saturating_gradient_vanishes_where_nonsaturating_does_not():
    # D confidently rejects the fakes (logit -8, D ~ 3e-4): the point of the non-saturating loss
    sat = _grad_wrt_logits(generator_saturating_loss, [-8.0]).abs().item()
    nonsat = _grad_wrt_logits(generator_nonsaturating_loss, [-8.0]).abs().item()
    assert sat == pytest.approx(sigmoid(-8.0), rel=1e-5)
    assert nonsat == pytest.approx(1.0 - sigmoid(-8.0), rel=1e-5)
    assert nonsat > 1000 * sat


def test_losses_are_finite_for_extreme_logits():
    extreme = t([100.0, -100.0])
    loss_real, loss_fake = discriminator_loss(extreme, extreme)
    sat, nonsat = generator_saturating_loss(extreme), generator_nonsaturating_loss(extreme)
    for value in (loss_real, loss_fake, sat, nonsat):
        assert torch.isfinite(value)
    # -log sigmoid(-100) = 100 (and 1 - sigmoid(x) = sigmoid(-x), written so math stays finite)
    assert loss_real.item() == pytest.approx(mean([-math.log(sigmoid(100.0)), -math.log(sigmoid(-100.0))]), rel=1e-5)
    assert loss_fake.item() == pytest.approx(mean([-math.log(sigmoid(-100.0)), -math.log(sigmoid(100.0))]), rel=1e-5)
    assert sat.item() == pytest.approx(-50.0, rel=1e-5)
    assert nonsat.item() == pytest.approx(50.0, rel=1e-5)
    # and the gradients too
    for fn in (generator_saturating_loss, generator_nonsaturating_loss):
        logits = extreme.clone().requires_grad_()
        fn(logits).backward()
        assert torch.isfinite(logits.grad).all()


def test_losses_under_cpu_autocast_bfloat16_return_float32():
    logits = t(LOGITS).to(torch.bfloat16)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        loss_real, loss_fake = discriminator_loss(logits, logits)
        sat, nonsat = generator_saturating_loss(logits), generator_nonsaturating_loss(logits)
    as_bf16 = [float(torch.tensor(x).to(torch.bfloat16)) for x in LOGITS]  # the inputs D actually produced
    for value in (loss_real, loss_fake, sat, nonsat):
        assert value.dtype == torch.float32
    assert loss_real.item() == pytest.approx(mean([-math.log(sigmoid(x)) for x in as_bf16]), rel=1e-5)
    assert loss_fake.item() == pytest.approx(mean([-math.log(1 - sigmoid(x)) for x in as_bf16]), rel=1e-5)
    assert sat.item() == pytest.approx(mean([math.log(1 - sigmoid(x)) for x in as_bf16]), rel=1e-5)
    assert nonsat.item() == pytest.approx(mean([-math.log(sigmoid(x)) for x in as_bf16]), rel=1e-5)


def test_losses_backpropagate_through_a_bfloat16_autocast_layer():
    layer = torch.nn.Linear(3, 1)
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        logits = layer(x).squeeze(1)  # (4,) in bfloat16
        assert logits.dtype == torch.bfloat16
        loss = sum(discriminator_loss(logits, logits)) + generator_nonsaturating_loss(logits)
    assert loss.dtype == torch.float32
    loss.backward()
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()
