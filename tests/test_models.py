"""The networks (shapes, ranges, input checks) and the library's d_step / g_step."""

from functools import partial

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.losses import generator_saturating_loss
from gan_course.models import (MLPConfig, MLPDiscriminator, MLPGenerator, ToyConfig, ToyDiscriminator,
                               ToyGenerator)
from gan_course.runtime import precision_for
from gan_course.steps import d_step, g_step
from gan_course.training import StepContext
from helpers import TINY, tiny_image_set


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ---------------------------------------------------------------------- MLP
def test_mlp_generator_shape_and_range():
    G = MLPGenerator(TINY)
    images = G(torch.randn(5, TINY.latent_dim) * 10)  # large inputs: tanh must still bound the output
    assert images.shape == (5, 1, 8, 8)
    assert images.min() >= -1 and images.max() <= 1
    assert images.abs().max() > 0.5  # not stuck at zero
    G.eval()
    assert G(torch.randn(1, TINY.latent_dim)).shape == (1, 1, 8, 8)  # eval mode: a batch of one works


def test_mlp_discriminator_returns_one_logit_per_image():
    D = MLPDiscriminator(TINY)
    logits = D(torch.rand(6, 1, 8, 8) * 2 - 1)
    assert logits.shape == (6,) and logits.dtype == torch.float32
    big = MLPDiscriminator(TINY)
    big.net[-1].bias.data.fill_(50.0)
    assert (big(torch.zeros(3, 1, 8, 8)) > 1).all()  # unbounded logits: no sigmoid at the end
    assert not any(isinstance(m, torch.nn.Sigmoid) for m in D.modules())


def test_mlp_default_config_matches_fashion_mnist():
    cfg = MLPConfig()
    assert cfg.image_shape == (1, 28, 28) and cfg.image_size == 784
    assert MLPGenerator(cfg)(torch.randn(2, cfg.latent_dim)).shape == (2, 1, 28, 28)


def test_mlp_generator_wrong_input_names_expected_shape():
    G = MLPGenerator(TINY)
    with pytest.raises(CourseError, match=r"\(B, 8\)"):
        G(torch.randn(4, 9))
    with pytest.raises(CourseError, match=r"\(B, 8\)"):
        G(torch.randn(4, 8, 1))
    with pytest.raises(CourseError, match="tensor"):
        G([[0.0] * 8])


def test_mlp_discriminator_wrong_input_names_expected_shape():
    D = MLPDiscriminator(TINY)
    with pytest.raises(CourseError, match=r"\(B, 1, 8, 8\)") as info:
        D(torch.randn(4, 64))  # flattened images
    assert "(4, 64)" in str(info.value)  # and what it got
    with pytest.raises(CourseError, match=r"\(B, 1, 8, 8\)"):
        D(torch.randn(4, 1, 28, 28))


# ---------------------------------------------------------------------- toy
def test_toy_generator_and_discriminator_shapes():
    cfg = ToyConfig(data_dim=2, latent_dim=3, hidden=16, depth=2)
    G, D = ToyGenerator(cfg), ToyDiscriminator(cfg)
    points = G(torch.randn(10, 3))
    assert points.shape == (10, 2)
    assert D(points).shape == (10,)
    with pytest.raises(CourseError, match=r"\(B, 3\)"):
        G(torch.randn(10, 2))
    with pytest.raises(CourseError, match=r"\(B, 2\)"):
        D(torch.randn(10, 3))


def test_toy_discriminator_depth_and_width():
    cfg = ToyConfig(hidden=16, depth=4)
    linears = [m for m in ToyDiscriminator(cfg).modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == cfg.depth + 1 and all(m.out_features == 16 for m in linears[:-1])


def test_packed_discriminator_judges_pairs():
    cfg = ToyConfig(hidden=16, depth=2, pack=2)
    D = ToyDiscriminator(cfg)
    x = torch.randn(8, 2)
    logits = D(x)
    assert logits.shape == (4,)
    assert D.net[0].in_features == 4  # pack * data_dim
    # a pack is consecutive samples: changing sample 1 changes logit 0 only
    y = x.clone()
    y[1] += 1.0
    changed = (D(y) != logits).tolist()
    assert changed == [True, False, False, False]


def test_packed_discriminator_refuses_an_odd_batch():
    D = ToyDiscriminator(ToyConfig(hidden=16, depth=2, pack=2))
    with pytest.raises(CourseError, match="multiple of pack=2"):
        D(torch.randn(7, 2))


# -------------------------------------------------------------------- steps
def _tiny_gan():
    G, D = MLPGenerator(TINY), MLPDiscriminator(TINY)
    opt_G = torch.optim.Adam(G.parameters(), lr=1e-2)
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-2)
    ctx = StepContext(precision_for(torch.device("cpu")), {"G": opt_G, "D": opt_D})
    data = tiny_image_set(8)
    batch = (data.images, data.labels)
    return G, D, opt_G, opt_D, ctx, batch


def _params(module):
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def _changed(before, module):
    return {k for k, v in module.named_parameters() if not torch.equal(before[k], v)}


def test_d_step_updates_d_only():
    G, D, opt_G, opt_D, ctx, batch = _tiny_gan()
    g_before, d_before = _params(G), _params(D)
    stats = d_step(batch, ctx, G=G, D=D, opt_D=opt_D, latent_dim=TINY.latent_dim)
    assert _changed(d_before, D) == set(d_before)  # every D parameter moved
    assert _changed(g_before, G) == set()
    assert all(p.grad is None for p in G.parameters())  # the fakes were detached
    assert set(stats) == {"loss_d_real", "loss_d_fake", "d_real", "d_fake"}
    assert 0 < stats["d_real"].item() < 1 and 0 < stats["d_fake"].item() < 1
    assert stats["loss_d_real"].item() > 0 and stats["loss_d_fake"].item() > 0
    assert ctx.grad_norms["D"].item() > 0 and "G" not in ctx.grad_norms


def test_g_step_updates_g_only():
    G, D, opt_G, opt_D, ctx, batch = _tiny_gan()
    g_before, d_before = _params(G), _params(D)
    stats = g_step(batch, ctx, G=G, D=D, opt_G=opt_G, latent_dim=TINY.latent_dim)
    assert _changed(g_before, G) == set(g_before)
    assert _changed(d_before, D) == set()
    assert set(stats) == {"loss_g"} and stats["loss_g"].item() > 0  # non-saturating loss by default
    assert ctx.grad_norms["G"].item() > 0 and "D" not in ctx.grad_norms


def test_g_step_accepts_another_generator_loss():
    G, D, opt_G, opt_D, ctx, batch = _tiny_gan()
    g = partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=TINY.latent_dim,
                generator_loss=generator_saturating_loss)
    assert g(batch, ctx)["loss_g"].item() < 0  # E[log(1 - D)] is negative


def test_d_step_then_g_step_keeps_each_update_to_its_network():
    G, D, opt_G, opt_D, ctx, batch = _tiny_gan()
    d_before = _params(D)
    g_step(batch, ctx, G=G, D=D, opt_G=opt_G, latent_dim=TINY.latent_dim)
    # G's update back-propagates into G's parameters only: D's weights get no gradient and do not move
    assert all(p.grad is None for p in D.parameters()) and _changed(d_before, D) == set()
    d_step(batch, ctx, G=G, D=D, opt_D=opt_D, latent_dim=TINY.latent_dim)
    # D's update: its first Adam step moves each weight by about lr
    assert _changed(d_before, D) == set(d_before)
    assert all(p.grad is not None for p in D.parameters())
