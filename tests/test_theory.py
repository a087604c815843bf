"""Chapter 1 theory: D*, JSD, the value function and the generator-loss gradients."""

import numpy as np
import pytest
import torch

from gan_course.theory import (LOG2, LOG4, FitConfig, Mixture1D, check_theory, fit_discriminator, gaussian,
                               generator_grad_norms, generator_loss_curves, integrate, js_divergence,
                               jsd_sweep, optimal_discriminator, quadrature_grid, value_function)
from gan_course.models import ToyConfig, ToyDiscriminator, ToyGenerator


def test_optimal_discriminator_hand_values():
    p_data = np.array([1.0, 3.0, 0.0, 2.0, 0.0])
    p_g = np.array([1.0, 1.0, 5.0, 0.0, 0.0])
    # 1/(1+1), 3/(3+1), 0/5, 2/2, and 1/2 by convention where both densities vanish
    np.testing.assert_allclose(optimal_discriminator(p_data, p_g), [0.5, 0.75, 0.0, 1.0, 0.5])


def test_optimal_discriminator_maximises_pointwise():
    a, b = 0.3, 0.9  # p_data and p_g at one point: a log D + b log(1 - D) peaks at a / (a + b)
    d = np.linspace(1e-4, 1 - 1e-4, 100001)
    best = d[np.argmax(a * np.log(d) + b * np.log(1 - d))]
    assert best == pytest.approx(optimal_discriminator(np.array(a), np.array(b)), abs=1e-4)


def test_mixture_pdf_integrates_to_one_and_samples_match():
    mix = Mixture1D(means=(-2.0, 1.0), stds=(0.5, 1.0), weights=(1.0, 3.0))
    x = quadrature_grid(mix)
    assert integrate(mix.pdf(x), x) == pytest.approx(1.0, abs=1e-6)
    s = mix.sample(20000, torch.Generator().manual_seed(0))
    assert s.shape == (20000, 1)
    assert s.mean().item() == pytest.approx(0.25 * -2.0 + 0.75 * 1.0, abs=0.05)


def test_jsd_identical_is_zero_and_far_apart_is_log2():
    p = gaussian(0.0, 1.0)
    x = quadrature_grid(p)
    assert js_divergence(p.pdf(x), p.pdf(x), x) == pytest.approx(0.0, abs=1e-12)
    far = gaussian(100.0, 1.0)
    x = quadrature_grid(p, far, n=200001)
    assert js_divergence(p.pdf(x), far.pdf(x), x) == pytest.approx(LOG2, abs=1e-6)


def test_jsd_is_symmetric_and_bounded():
    p, q = gaussian(0.0, 1.0), Mixture1D(means=(-1.0, 2.0), stds=(0.3, 0.7))
    x = quadrature_grid(p, q)
    a, b = js_divergence(p.pdf(x), q.pdf(x), x), js_divergence(q.pdf(x), p.pdf(x), x)
    assert a == pytest.approx(b, abs=1e-12)
    assert 0 < a < LOG2


@pytest.mark.parametrize("model", [gaussian(0.0, 1.0), gaussian(1.5, 0.7), gaussian(30.0, 1.0),
                                   Mixture1D(means=(-1.0, 1.0), stds=(0.2, 0.2))])
def test_value_at_optimum_is_minus_log4_plus_2jsd(model):
    check = check_theory(gaussian(0.0, 1.0), model, n=100001)
    assert check.value_at_optimum == pytest.approx(check.predicted, abs=1e-6)
    assert check.value_at_optimum >= -LOG4 - 1e-9  # -log 4 is the minimum, reached at p_g = p_data


def test_identical_distributions_give_minus_log4():
    p = gaussian(0.5, 2.0)
    x = quadrature_grid(p)
    d = optimal_discriminator(p.pdf(x), p.pdf(x))
    np.testing.assert_allclose(d, 0.5)
    assert value_function(p.pdf(x), p.pdf(x), d, x) == pytest.approx(-LOG4, abs=1e-6)


def test_any_other_discriminator_scores_lower():
    data, model = gaussian(0.0, 1.0), gaussian(1.0, 1.0)
    x = quadrature_grid(data, model)
    p, q = data.pdf(x), model.pdf(x)
    best = value_function(p, q, optimal_discriminator(p, q), x)
    for d in (np.full_like(x, 0.5), 1 / (1 + np.exp(x - 0.4))):
        assert value_function(p, q, d, x) < best


def test_jsd_sweep_saturates():
    sweep = jsd_sweep(gaussian(0.0, 0.5), [0.0, 1.0, 20.0], std=0.5)
    assert sweep["jsd"][0] == pytest.approx(0.0, abs=1e-9)
    assert sweep["jsd"][2] == pytest.approx(LOG2, abs=1e-6)
    assert sweep["value"][2] == pytest.approx(0.0, abs=1e-5)


@pytest.fixture
def one_thread():
    """Tiny networks run fastest on one thread (and a busy machine makes more threads far slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_fitted_discriminator_approaches_d_star(one_thread):
    data, model = gaussian(-1.0, 0.7), gaussian(1.0, 0.7)
    fit = fit_discriminator(data, model, FitConfig(steps=200, batch_size=128, hidden=32, depth=2, lr=3e-3), seed=0)
    x = np.linspace(-2.5, 2.5, 201)
    d_star = optimal_discriminator(data.pdf(x), model.pdf(x))
    assert np.abs(fit.prob(x) - d_star).mean() < 0.1
    assert len(fit.history["value"]) == len(fit.history["step"]) > 0


def test_generator_loss_gradients_match_closed_forms():
    d = np.array([0.01, 0.2, 0.5, 0.9])
    curves = generator_loss_curves(d)
    sat, ns = curves["saturating"], curves["non-saturating"]
    close = dict(rtol=1e-5, atol=1e-7)  # the package losses compute in float32
    np.testing.assert_allclose(sat["loss"], np.log(1 - d), **close)
    np.testing.assert_allclose(ns["loss"], -np.log(d), **close)
    np.testing.assert_allclose(sat["grad_logit"], -d, **close)  # vanishes as d -> 0
    np.testing.assert_allclose(ns["grad_logit"], -(1 - d), **close)  # ≈ -1 as d -> 0
    np.testing.assert_allclose(sat["grad_prob"], -1 / (1 - d), **close)
    np.testing.assert_allclose(ns["grad_prob"], -1 / d, **close)


def test_generator_grad_norms_favour_non_saturating_when_d_rejects():
    torch.manual_seed(0)
    G = ToyGenerator(ToyConfig(latent_dim=2, hidden=16, depth=2))
    D = ToyDiscriminator(ToyConfig(hidden=16, depth=2))
    with torch.no_grad():  # make D reject everything: a large negative bias on its logit
        D.net[-1].bias.fill_(-8.0)
    norms = generator_grad_norms(G, D, torch.randn(64, 2))
    assert norms["d_fake"] < 0.01
    assert norms["non-saturating"] > 50 * norms["saturating"]


def test_nonsaturating_loss_at_d_star_is_reverse_kl_minus_twice_jsd():
    """E_g[-log D*] = KL(p_g‖p_data) - 2 JSD + log 4 + E_data[log D*], by quadrature, for several pairs."""
    from gan_course.theory import Mixture1D, check_nonsaturating, gaussian

    data = Mixture1D(means=(-2.0, 1.5), stds=(0.6, 0.8), weights=(0.4, 0.6))
    for model in (gaussian(0.0, 1.2), gaussian(3.0, 0.5), gaussian(-1.0, 2.0)):
        check = check_nonsaturating(data, model)
        assert check.gap < 1e-9
        assert check.kl_reverse > 0 and 0 < check.jsd < np.log(2)
    same = check_nonsaturating(data, data)  # p_g = p_data: D* = 1/2, KL = JSD = 0, loss = log 2
    assert abs(same.loss - np.log(2)) < 1e-9 and abs(same.kl_reverse) < 1e-9 and abs(same.jsd) < 1e-9
