"""Chapter 9: the Wasserstein and hinge losses, the penalties, spectral norm, the W1 theory and the recipes."""

import math
import sys

import pytest
import torch
from torch import nn

from gan_course import losses
from gan_course.exercises import EXERCISES
from gan_course.exercises.ch09 import gradient_penalty_at
from gan_course.models import (DCGANConfig, DCGANCritic, ToyConfig, ToyCritic, apply_spectral_norm,
                               layer_weight_grad_norms)
from gan_course.recipes import MODELS
from gan_course.recipes.wgan import (METHODS, RingRecipe, WGANRecipe, build_wgan, run_ring_lab)
from gan_course.wasserstein import (fit_critic_1d, parallel_lines, power_iteration, w1_gaussians, w1_samples_1d)
from helpers import assert_killed_run_resumes_bitwise, assert_resumed_alike, straight_and_resumed

CPU = torch.device("cpu")


def _linear_critic(weight):
    """f(x) = w · flatten(x): its input gradient is w everywhere."""
    w = torch.as_tensor(weight, dtype=torch.float32)
    return lambda x: x.flatten(1) @ w  # (B, d) -> (B,)


# ------------------------------------------------------------------ losses
def test_wasserstein_losses_by_hand():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([-2.0, 0.0])
    assert losses.wasserstein_critic_loss(real, fake).item() == -3.0  # E f(fake) - E f(real) = -1 - 2
    assert losses.wasserstein_generator_loss(fake).item() == 1.0


def test_hinge_losses_by_hand():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-3.0, 0.0, 1.0])
    loss_real, loss_fake = losses.hinge_discriminator_loss(real, fake)
    assert loss_real.item() == pytest.approx((0 + 0.5 + 2.0) / 3)  # relu(1 - real)
    assert loss_fake.item() == pytest.approx((0 + 1.0 + 2.0) / 3)  # relu(1 + fake)
    assert losses.hinge_generator_loss(fake).item() == pytest.approx(2 / 3)


@pytest.mark.parametrize("one_sided", [False, True])
def test_gradient_penalty_is_zero_for_a_linear_critic_of_unit_slope(one_sided):
    real, fake = torch.randn(8, 1, 2, 2), torch.randn(8, 1, 2, 2)
    critic = _linear_critic([0.6, 0.0, 0.8, 0.0])  # ‖w‖ = 1
    assert losses.gradient_penalty(critic, real, fake, one_sided=one_sided).item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("norm, one_sided, expected", [(2.0, False, 1.0), (2.0, True, 1.0), (0.5, False, 0.25),
                                                       (0.5, True, 0.0)])
def test_gradient_penalty_matches_the_hand_value(norm, one_sided, expected):
    critic = _linear_critic([0.0, norm * 0.6, 0.0, norm * 0.8])  # ‖∇f‖ = norm at every point: (norm - 1)²
    got = losses.gradient_penalty(critic, torch.randn(5, 4), torch.randn(5, 4), one_sided=one_sided)
    assert got.item() == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_gradient_penalty_trains_the_critic_through_a_double_backward():
    critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))
    penalty = losses.gradient_penalty(critic, torch.randn(6, 3), torch.randn(6, 3))
    penalty.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in critic[0].parameters())


def test_the_exercise_penalty_is_the_package_penalty_with_the_same_mixing_weights():
    critic = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Flatten(0))
    real, fake = torch.randn(6, 1, 2, 2), torch.randn(6, 1, 2, 2)
    for one_sided in (False, True):
        package = losses.gradient_penalty(critic, real, fake, one_sided, generator=torch.Generator().manual_seed(3))
        eps = torch.rand(6, 1, 1, 1, generator=torch.Generator().manual_seed(3))
        assert torch.allclose(package, gradient_penalty_at(critic, real, fake, eps, one_sided))


def test_r1_penalty_of_a_linear_critic_is_its_squared_slope():
    critic = _linear_critic([1.0, 2.0, 0.0, 2.0])  # ‖w‖² = 9
    assert losses.r1_penalty(critic, torch.randn(7, 4)).item() == pytest.approx(9.0)


# ------------------------------------------------------------------ critics and spectral norm
@pytest.mark.parametrize("shape", [(16, 9), (32, 16, 4, 4), (5, 40)])
def test_power_iteration_agrees_with_the_exact_spectral_norm(shape):
    weight = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    exact = torch.linalg.matrix_norm(weight.reshape(shape[0], -1).double(), ord=2)
    sigma, _ = power_iteration(weight, n_iter=3000)  # random matrices: σ₂/σ₁ can be close to 1
    assert sigma.item() == pytest.approx(exact.item(), rel=1e-6)
    one_step, _ = power_iteration(weight, n_iter=1)
    assert one_step.item() <= exact.item() + 1e-9  # uᵀWv never exceeds σ₁


def test_a_spectrally_normalised_layer_has_norm_one_after_a_few_training_passes():
    torch.manual_seed(0)  # the layer's weights and the power iteration's start vector: the same in every run
    layer = apply_spectral_norm(nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1)))[0]
    for _ in range(100):
        layer(torch.zeros(1, 3, 8, 8))  # each train-mode pass runs one power-iteration step
    W = layer.weight.reshape(8, -1).double()
    assert torch.linalg.matrix_norm(W, ord=2).item() == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("kind", ["plain", "spectral"])
def test_critics_have_no_batch_norm_and_score_per_sample(kind):
    critic = DCGANCritic(DCGANConfig(), kind)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
    assert (kind == "spectral") == any(hasattr(m, "parametrizations") for m in critic.modules())
    critic.eval()
    x = torch.randn(4, 1, 32, 32)
    assert torch.allclose(critic(x)[:2], critic(x[:2]), atol=1e-6)  # a sample's score ignores its batch
    assert ToyCritic(ToyConfig(), kind)(torch.randn(6, 2)).shape == (6,)
    assert DCGANCritic(DCGANConfig(), "batchnorm").net[3].__class__ is nn.BatchNorm2d  # chapter 4's D


def test_layer_weight_grad_norms_lists_one_norm_per_layer():
    critic = DCGANCritic(DCGANConfig(), "plain")
    critic(torch.randn(2, 1, 32, 32)).sum().backward()
    norms = layer_weight_grad_norms(critic)
    assert len(norms) == 4 and all(n > 0 for n in norms)


# ------------------------------------------------------------------ theory
def test_parallel_lines_jsd_jumps_while_the_earth_movers_distance_is_theta():
    for theta in (0.0, 0.1, 1.0, -0.5):
        out = parallel_lines(theta, n=60)
        assert out["emd"] == pytest.approx(abs(theta), abs=1e-12)
        assert out["jsd"] == pytest.approx(0.0 if theta == 0 else math.log(2), abs=1e-12)


def test_w1_of_two_gaussians_closed_form_matches_sorted_samples():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(400_000, generator=g), 1.5 + 0.4 * torch.randn(400_000, generator=g)
    assert w1_samples_1d(a, b) == pytest.approx(w1_gaussians(0.0, 1.0, 1.5, 0.4), rel=0.01)
    assert w1_gaussians(0.0, 1.0, 2.0, 1.0) == 2.0  # a pure shift moves every quantile by 2


def test_a_trained_critic_estimates_w1_within_tolerance():
    fit = fit_critic_1d(0.0, 1.0, 1.0, 1.0, seed=0)
    assert fit.estimate == pytest.approx(w1_gaussians(0.0, 1.0, 1.0, 1.0), rel=0.10)


# ------------------------------------------------------------------ recipes
def test_wgan_is_registered_and_its_full_recipe_is_the_default():
    assert MODELS["wgan"].chapter == "09_making_gans_train"
    assert WGANRecipe.for_profile("full") == WGANRecipe()
    assert RingRecipe.for_profile("full") == RingRecipe()
    gp = WGANRecipe.for_profile("full", method="wgan-gp")
    assert (gp.gp_weight, gp.n_critic, gp.betas, gp.lr_d) == (10.0, 5, (0.0, 0.9), 1e-4)  # Gulrajani et al.


def test_every_recipe_field_has_a_role():
    import dataclasses

    from gan_course.recipes.common import ROLES, fields_with_role

    for cls in (WGANRecipe, RingRecipe):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("role") in ROLES, f"{cls.__name__}.{f.name}"
        # the game itself is a "method" setting: a resume may not change it, --lr-scale does not touch it
        assert {"method", "loss", "critic", "n_critic", "optimizer"} <= set(fields_with_role(cls, "method"))
        assert set(fields_with_role(cls, "lr")) == {"lr_d", "lr_g"}


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_on_the_ring_in_smoke(method):
    runs = run_ring_lab([method], seeds=[0], profile="smoke")
    run = runs[method].runs[0]
    assert run.trainer.step == RingRecipe.for_profile("smoke").steps
    assert len(run.trainer.samples) == 2 and 0 <= run.coverage.high_quality <= 1


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_on_fashion_mnist_in_smoke_and_resumes_bitwise(method, tmp_path):
    recipe = WGANRecipe.for_profile("smoke", method=method, steps=8, checkpoint_every=4, sample_every=4,
                                    quality_every=4, train_limit=256)
    straight, resumed = straight_and_resumed(build_wgan, recipe, tmp_path, stop_at=4)
    assert straight.quality_record["step"] == [0, 4, 8]
    assert_resumed_alike(straight, resumed)


def test_a_clipped_critic_stays_inside_the_box():
    recipe = WGANRecipe.for_profile("smoke", method="wgan-clip", steps=3, train_limit=256)
    trainer = build_wgan(recipe, CPU, None)
    trainer.fit()
    assert max(p.abs().max().item() for p in trainer.modules["D"].parameters()) <= recipe.clip
    assert max(p.abs().max().item() for p in trainer.modules["G"].parameters()) > recipe.clip  # G is not clipped


@pytest.mark.slow  # starts and kills a training process: `make test` runs it, `make unit` does not
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_wgan_run_resumes_bitwise(tmp_path):
    """`train wgan` (the chapter's best method) SIGKILLed mid-step (after D's update of step 15), then --resume."""
    assert_killed_run_resumes_bitwise(tmp_path, "wgan", steps=16, kill_after=2 * 14 + 1)


# ------------------------------------------------------------------ exercises
CH9 = [k for k in EXERCISES if k.startswith("ch9.")]


def test_chapter_nine_has_its_exercises():
    assert set(CH9) == {"ch9.gradient_penalty", "ch9.spectral_norm", "ch9.hinge_losses", "ch9.r1_penalty",
                        "ch9.wgan_critic_update"}
    assert all(EXERCISES[k].chapter == 9 for k in CH9)



# ------------------------------------------------------------------ figures and the player
def test_the_diagrams_draw_what_they_say():
    import matplotlib

    matplotlib.use("Agg")
    from gan_course.plotting.wasserstein import critic_diagram, spectral_norm_diagram

    assert any("1-Lipschitz" in label for label in critic_diagram().diagram_labels)
    assert "W / σ(W)" in spectral_norm_diagram().diagram_labels


def test_the_method_player_has_one_slider_per_method_linked_to_buttons():
    import ipywidgets as W

    from gan_course.widgets.wgan import method_player

    record = {"step": [0, 2], "train_seconds": [0.0, 1.0], "fd": [300.0, 200.0]}
    snaps = [(1, torch.zeros(4, 1, 32, 32)), (2, torch.ones(4, 1, 32, 32))]
    view = method_player({"nsgan": (snaps, record), "sngan": (snaps, record), "empty": ([], record)})
    buttons, stack = view.children
    assert isinstance(buttons, W.ToggleButtons) and buttons.options == ("nsgan", "sngan")
    assert len(stack.children) == 2


def test_gap_fd_correlation_is_plus_one_when_the_gap_falls_with_fd():
    from gan_course.wasserstein import gap_fd_correlation

    history = {"step": list(range(1, 41)), "critic_gap": [10.0 - i / 4 for i in range(40)]}
    record = {"step": [0, 10, 20, 30, 40], "fd": [500.0, 200.0, 100.0, 50.0, 40.0]}
    assert gap_fd_correlation(history, record, window=5) == pytest.approx(1.0)


def test_clipping_makes_gradients_explode_or_vanish_through_the_layers():
    from gan_course.wasserstein import clipped_gradient_norms

    norms = clipped_gradient_norms(clips=(1.0, 0.01), depth=6, hidden=64)
    big, small = norms["c = 1"], norms["c = 0.01"]
    assert big[0] > 100 * big[-1]  # c = 1: the gradient grows on its way back to the input
    assert small[0] < 1e-6 * small[-1]  # c = 0.01: it dies out
