"""Chapter 5: InfoGAN's networks, information losses, steps, recipe and command line."""

import math
from functools import partial

import pytest
import torch
import torch.nn.functional as F

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.losses import categorical_info_loss, gaussian_info_loss
from gan_course.models import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator, InfoGANOutput, sample_codes
from gan_course.recipes.infogan import (ENTRY, InfoGANRecipe, d_step, fixed_codes, g_step,
                                        sample_infogan)
from gan_course.runtime import precision_for, seed_everything
from gan_course.training import StepContext
from helpers import smoke_run

torch.set_num_threads(1)

TINY = InfoGANConfig(noise_dim=6, n_categories=4, n_continuous=2, image_shape=(1, 8, 8),
                     g_channels=(8, 4), d_channels=(4, 8), trunk_dim=16, q_hidden=8)


def tiny_pair(seed=0):
    seed_everything(seed)
    return InfoGANGenerator(TINY), InfoGANDiscriminator(TINY)


# ------------------------------------------------------------------ shapes
def test_shapes_and_output_fields():
    G, D = tiny_pair()
    z, category, continuous = sample_codes(TINY, 5)
    assert z.shape == (5, 6) and category.shape == (5,) and continuous.shape == (5, 2)
    assert category.dtype == torch.int64 and 0 <= category.min() and category.max() < 4
    assert continuous.min() >= -1 and continuous.max() <= 1
    x = G(z, category, continuous)
    assert x.shape == (5, 1, 8, 8) and x.abs().max() <= 1
    out = D(x)
    assert isinstance(out, InfoGANOutput)
    assert out.logit.shape == (5,) and out.cat_logits.shape == (5, 4)
    assert out.cont_mean.shape == (5, 2) and out.cont_log_std.shape == (5, 2)


def test_default_config_shapes():
    cfg = InfoGANConfig()
    G, D = InfoGANGenerator(cfg), InfoGANDiscriminator(cfg)
    z, c, u = sample_codes(cfg, 3)
    out = D(G(z, c, u))
    assert G(z, c, u).shape == (3, 1, 28, 28) and out.cat_logits.shape == (3, 10) and out.cont_mean.shape == (3, 2)
    assert cfg.code_dim == 12 and cfg.input_dim == 74


def test_the_code_changes_the_image():
    G, _ = tiny_pair()
    G.eval()
    z = torch.randn(1, 6).repeat(4, 1)  # the same noise four times
    x = G(z, torch.arange(4), torch.zeros(4, 2))
    assert not torch.allclose(x[0], x[1])  # only the category differs


# ------------------------------------------------------------------ losses
def test_categorical_info_loss_hand_values():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    category = torch.tensor([0, 2])
    # row 1: -log(e^2 / (e^2 + 2)); row 2: -log(1/3)
    expected = (-math.log(math.e ** 2 / (math.e ** 2 + 2)) + math.log(3)) / 2
    assert categorical_info_loss(logits, category).item() == pytest.approx(expected, rel=1e-6)
    # a Q that guesses uniformly scores log K: the lower bound log K - loss on I(c; x) is then 0
    assert categorical_info_loss(torch.zeros(4, 10), torch.arange(4)).item() == pytest.approx(math.log(10))


def test_gaussian_info_loss_hand_values():
    mean = torch.tensor([[0.0, 1.0]])
    log_std = torch.tensor([[0.0, math.log(2.0)]])
    value = torch.tensor([[1.0, 0.0]])
    # code 1: N(1; 0, 1): ½log2π + 0 + ½; code 2: N(0; 1, 2²): ½log2π + log 2 + ½ (1/2)²
    expected = (0.5 * math.log(2 * math.pi) + 0.5) + (0.5 * math.log(2 * math.pi) + math.log(2) + 0.125)
    assert gaussian_info_loss(mean, log_std, value).item() == pytest.approx(expected, rel=1e-6)
    # the same as torch's own Gaussian NLL (which takes the variance), summed over codes
    torch_nll = F.gaussian_nll_loss(mean, value, torch.exp(log_std) ** 2, full=True, reduction="sum")
    assert gaussian_info_loss(mean, log_std, value).item() == pytest.approx(torch_nll.item(), rel=1e-6)


def test_gaussian_info_loss_averages_the_batch_and_is_minimised_at_the_error():
    mean = torch.zeros(2, 1)
    value = torch.tensor([[0.5], [0.5]])
    log_std = torch.full((2, 1), math.log(0.5), requires_grad=True)  # σ = |c - μ|: the NLL's minimum in σ
    loss = gaussian_info_loss(mean, log_std, value)
    (grad,) = torch.autograd.grad(loss, log_std)
    assert torch.allclose(grad, torch.zeros_like(grad), atol=1e-6)
    assert loss.item() == pytest.approx(0.5 * math.log(2 * math.pi) + math.log(0.5) + 0.5, rel=1e-6)


def test_info_losses_are_float32_under_half_inputs():
    logits = torch.zeros(2, 3, dtype=torch.bfloat16)
    assert categorical_info_loss(logits, torch.tensor([0, 1])).dtype == torch.float32
    m = torch.zeros(2, 2, dtype=torch.bfloat16)
    assert gaussian_info_loss(m, m, m).dtype == torch.float32


# --------------------------------------------------- where the gradients go
def _grads(module):
    return {name: p.grad for name, p in module.named_parameters()}


def test_info_loss_reaches_g_and_q_but_not_ds_real_fake_head():
    G, D = tiny_pair()
    z, category, continuous = sample_codes(TINY, 8)
    out = D(G(z, category, continuous))
    info = categorical_info_loss(out.cat_logits, category) + gaussian_info_loss(out.cont_mean, out.cont_log_std,
                                                                                continuous)
    info.backward()
    assert all(p.grad is None for p in D.d_head.parameters())  # the real/fake head takes no part
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in D.q_head.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in D.trunk.parameters())  # shared trunk
    assert all(p.grad is not None for p in G.parameters())  # G learns to make its code readable


def test_gan_loss_does_not_reach_q_head():
    G, D = tiny_pair()
    out = D(G(*sample_codes(TINY, 8)))
    F.binary_cross_entropy_with_logits(out.logit, torch.ones(8)).backward()
    assert all(p.grad is None for p in D.q_head.parameters())


def _bound_steps(G, D, lambdas=(1.0, 0.1)):
    opt_G = torch.optim.SGD(G.parameters(), lr=0.0)  # lr 0: compute gradients, move nothing
    opt_D = torch.optim.SGD(D.parameters(), lr=0.0)
    ctx = StepContext(precision_for(torch.device("cpu")), {"G": opt_G, "D": opt_D})
    kw = {"lambda_cat": lambdas[0], "lambda_cont": lambdas[1]}
    return (ctx, partial(d_step, G=G, D=D, opt_D=opt_D, **kw),
            partial(g_step, G=G, D=D, opt_G=opt_G, **kw))


def test_d_step_trains_d_and_q_only_and_logs_everything():
    G, D = tiny_pair()
    ctx, d, _ = _bound_steps(G, D)
    batch = (torch.rand(8, 1, 8, 8) * 2 - 1, torch.zeros(8, dtype=torch.long))
    stats = d(batch, ctx)
    assert set(stats) == {"loss_d_real", "loss_d_fake", "loss_q_cat", "loss_q_cont", "q_accuracy",
                          "d_real", "d_fake"}
    assert all(p.grad is None for p in G.parameters())  # fakes detached: G untouched by D's step
    assert all(p.grad is not None for p in D.q_head.parameters())
    assert 0 <= stats["q_accuracy"] <= 1


def test_g_step_with_zero_lambdas_is_the_plain_gan_step():
    G, D = tiny_pair()
    ctx, _, g = _bound_steps(G, D, lambdas=(0.0, 0.0))
    batch = (torch.zeros(8, 1, 8, 8), torch.zeros(8, dtype=torch.long))
    stats = g(batch, ctx)
    assert set(stats) == {"loss_g", "loss_g_info"}
    assert stats["loss_g_info"].item() == 0.0
    assert all(p.grad is None or not p.grad.any() for p in D.q_head.parameters())  # λ = 0: Q has no say
    assert any(p.grad.any() for p in G.parameters())  # G still learns from D


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("make, needle", [
    (lambda: (torch.randn(3, 5), torch.arange(3), torch.zeros(3, 2)), "noise vectors of shape (B, 6)"),
    (lambda: (torch.randn(3, 6), torch.arange(3).float(), torch.zeros(3, 2)), "integer class indices"),
    (lambda: (torch.randn(3, 6), F.one_hot(torch.arange(3), 4), torch.zeros(3, 2)), "one category per image"),
    (lambda: (torch.randn(3, 6), torch.tensor([0, 1, 4]), torch.zeros(3, 2)), "values must lie in 0..3"),
    (lambda: (torch.randn(3, 6), torch.tensor([0, -1, 2]), torch.zeros(3, 2)), "values must lie in 0..3"),
    (lambda: (torch.randn(3, 6), torch.arange(2), torch.zeros(3, 2)), "shape (3,)"),
    (lambda: (torch.randn(3, 6), torch.arange(3), torch.zeros(3, 3)), "continuous codes of shape (B, 2)"),
    (lambda: (torch.randn(3, 6), torch.arange(3), torch.zeros(2, 2)), "one code per noise vector"),
    (lambda: (torch.randn(3, 6), [0, 1, 2], torch.zeros(3, 2)), "integer class indices"),
])
def test_generator_bad_input(make, needle):
    G, _ = tiny_pair()
    with pytest.raises(CourseError) as err:
        G(*make())
    assert needle in str(err.value)


@pytest.mark.parametrize("x, needle", [
    (torch.zeros(2, 3, 8, 8), "(B, 1, 8, 8)"),  # RGB instead of grey
    (torch.zeros(2, 1, 28, 28), "(B, 1, 8, 8)"),  # wrong size
    (torch.zeros(1, 8, 8), "(B, 1, 8, 8)"),  # no batch dimension
])
def test_discriminator_bad_input(x, needle):
    _, D = tiny_pair()
    with pytest.raises(CourseError) as err:
        D(x)
    assert needle in str(err.value) and "reshape" in str(err.value)


@pytest.mark.parametrize("kwargs, needle", [
    ({"image_shape": (1, 30, 30)}, "divisible by 4"),
    ({"image_shape": (1, 28, 32)}, "square"),
    ({"n_categories": 1}, "n_categories >= 2"),
])
def test_config_bad_values(kwargs, needle):
    with pytest.raises(CourseError, match=needle):
        InfoGANConfig(**kwargs)


# ------------------------------------------------------------ recipe, sampling
def test_fixed_codes_layout():
    z, category, continuous = fixed_codes(TINY, 3, seed=1)
    assert category.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert torch.equal(z[:3], z[3:6]) and torch.equal(z[:3], z[9:])  # the same noise in every row
    assert torch.equal(continuous, torch.zeros(12, 2))


def test_sample_is_balanced_reproducible_and_in_range():
    G, _ = tiny_pair()
    seed_everything(5)
    a = sample_infogan(G, 9, torch.device("cpu"), batch=4)
    seed_everything(5)
    b = sample_infogan(G, 9, torch.device("cpu"), batch=4)
    assert set(a) == {"images", "labels"}
    assert a["labels"].tolist() == (torch.arange(9) % 4).tolist() and a["labels"].dtype == torch.int64
    assert a["images"].shape == (9, 1, 8, 8) and a["images"].dtype == torch.float32
    assert torch.equal(a["images"], b["images"])
    assert G.training  # put back as it was


def test_profiles_share_the_code_path():
    full, smoke = InfoGANRecipe.for_profile("full"), InfoGANRecipe.for_profile("smoke")
    assert smoke.steps < full.steps and smoke.model.n_categories == full.model.n_categories == 10
    assert ENTRY.tag == "infogan" and ENTRY.chapter == "05_infogan" and ENTRY.extra_scores is not None


# ------------------------------------------------------------ command line
@pytest.fixture(scope="module")
def trained(request):
    return smoke_run(request, "infogan")


def test_cli_train_and_sample(trained, tmp_path):
    assert (trained / "checkpoint.pt").is_file()
    out = tmp_path / "s.pt"
    assert main(["sample", "infogan", "--n", "12", "--out", str(out), "--checkpoint",
                 str(trained / "checkpoint.pt"), "--seed", "1"]) == 0
    data = torch.load(out, weights_only=True)
    assert set(data) == {"images", "labels", "made_by"}
    assert data["images"].shape == (12, 1, 28, 28) and data["images"].dtype == torch.float32
    assert data["images"].min() >= -1 and data["images"].max() <= 1
    assert data["labels"].tolist() == (torch.arange(12) % 10).tolist()


def test_extra_scores_keys_and_range(trained):
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = ENTRY.generator_from_checkpoint(state, trained / "checkpoint.pt")
    seed_everything(0)
    samples = ENTRY.sample(G, 40, torch.device("cpu"))
    scores = ENTRY.extra_scores(G, samples, torch.device("cpu"))
    assert set(scores) == {"code_purity", "code_nmi"}
    assert 0.1 <= scores["code_purity"] <= 1 and 0 <= scores["code_nmi"] <= 1


def test_code_grid_layout_and_errors():
    from gan_course.widgets.infogan import code_grid

    G, _ = tiny_pair()
    z = torch.randn(2, 6)
    grid = code_grid(G, z, 1, 0, [-1.0, 0.0, 1.0])
    assert grid.shape == (6, 1, 8, 8)
    G.eval()
    with torch.no_grad():  # row 0, column 2: z[0], category 1, c1 = +1, c2 = 0
        expected = G(z[:1], torch.tensor([1]), torch.tensor([[1.0, 0.0]]))
    assert torch.allclose(grid[2], expected[0], atol=1e-6)
    assert code_grid(G, z, 0, "category").shape == (8, 1, 8, 8)  # 2 rows x 4 categories
    with pytest.raises(CourseError, match="vary must be"):
        code_grid(G, z, 0, 5, [0.0])
    with pytest.raises(CourseError, match="values"):
        code_grid(G, z, 0, 1)


def test_code_explorer_prerenders_every_combination():
    import ipywidgets as W

    from gan_course.widgets.infogan import code_explorer

    G, _ = tiny_pair()
    box = code_explorer(G, torch.randn(3, 6), values=(-1.0, 0.0, 1.0), scale=1)
    images, stacks = [], []

    def walk(w):
        if isinstance(w, W.Image):
            images.append(w)
        if isinstance(w, W.Stack):
            stacks.append(w)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(box)
    assert len(images) == 4 * 3 * 3  # categories x slider 1 x slider 2
    assert len(stacks) == 1 + 4 + 4 * 3  # the category stack, then one per category and c1 value
    assert len(box._links) == 1 + 4 + 4 * 3  # every stack follows its control in the browser
    with pytest.raises(CourseError, match="slider names"):
        code_explorer(G, torch.randn(3, 6), names=["only one"])
