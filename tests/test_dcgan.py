"""Chapter 4: the DCGAN networks, their architecture rules, the size calculators and the recipe."""

import itertools

import pytest
import torch
from torch import nn

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.models import (DCGANConfig, DCGANDiscriminator, DCGANGenerator, conv_output_size, layer_sizes,
                               transposed_conv_output_size)
from gan_course.models.sizes import transposed_conv_coverage
from gan_course.recipes import get_model
from gan_course.recipes.dcgan import DCGANRecipe, build_dcgan
from gan_course import steps

TINY = DCGANConfig(latent_dim=8, image_size=16, g_width=4, d_width=4)  # 4x4 -> 8 -> 16, widths 8, 4


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("cfg, hidden", [(TINY, [8, 4]), (DCGANConfig(latent_dim=3, image_size=8, g_width=2,
                                                                      d_width=2, channels=3), [2])])
def test_shapes_at_tiny_sizes(cfg, hidden):
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    images = G(torch.randn(5, cfg.latent_dim) * 10)  # large inputs: tanh must still bound the output
    assert images.shape == (5, cfg.channels, cfg.image_size, cfg.image_size)
    assert images.min() >= -1 and images.max() <= 1 and images.abs().max() > 0
    assert G(torch.randn(5, cfg.latent_dim, 1, 1)).shape == images.shape  # the (B, latent, 1, 1) form too
    logits = D(images)
    assert logits.shape == (5,) and logits.dtype == torch.float32
    widths = [m.out_channels for m in G.net if isinstance(m, nn.ConvTranspose2d)][:-1]
    assert widths == hidden
    G.eval(), D.eval()
    assert D(G(torch.randn(1, cfg.latent_dim))).shape == (1,)  # eval mode: a batch of one works


def test_default_config_is_the_chapter_model():
    cfg = DCGANConfig()
    assert (cfg.latent_dim, cfg.image_size, cfg.n_up, cfg.image_shape) == (100, 32, 3, (1, 32, 32))
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    x = G(torch.randn(2, 100))
    assert x.shape == (2, 1, 32, 32) and D(x).shape == (2,)
    assert [m.out_channels for m in G.net if isinstance(m, nn.ConvTranspose2d)] == [128, 64, 32, 1]
    assert [m.out_channels for m in D.net if isinstance(m, nn.Conv2d)] == [32, 64, 128, 1]


def test_layer_sizes_follow_the_real_shapes():
    G = DCGANGenerator(DCGANConfig())
    rows = layer_sizes(G, 1)
    assert [(i, o) for _, i, o in rows] == [(1, 4), (4, 8), (8, 16), (16, 32)]
    x, convs = torch.randn(2, 100, 1, 1), iter(rows)
    for m in G.net:
        x = m(x)
        if isinstance(m, nn.ConvTranspose2d):
            assert x.shape[-1] == next(convs)[2]
    D = DCGANDiscriminator(DCGANConfig())
    assert [(i, o) for _, i, o in layer_sizes(D, 32)] == [(32, 16), (16, 8), (8, 4), (4, 1)]


# ------------------------------------------------------------------ architecture rules
def test_no_batch_norm_on_g_output_or_d_input_and_conv_bn_act_order():
    G, D = DCGANGenerator(TINY), DCGANDiscriminator(TINY)
    g = list(G.net)
    assert isinstance(g[-1], nn.Tanh) and isinstance(g[-2], nn.ConvTranspose2d)  # output: conv -> tanh, no BN
    assert isinstance(D.net[0], nn.Conv2d) and isinstance(D.net[1], nn.LeakyReLU)  # input: conv -> LReLU, no BN
    for net, act in [(g, nn.ReLU), (list(D.net), nn.LeakyReLU)]:
        for a, b in zip(net, net[1:]):
            if isinstance(b, nn.BatchNorm2d):
                assert isinstance(a, (nn.Conv2d, nn.ConvTranspose2d))  # BN right after a conv ...
            if isinstance(a, nn.BatchNorm2d):
                assert isinstance(b, act)  # ... and before the activation
    n_bn = lambda m: sum(isinstance(x, nn.BatchNorm2d) for x in m.modules())  # noqa: E731
    assert n_bn(G) == TINY.n_up and n_bn(D) == TINY.n_up - 1  # every other layer has one


def test_activations_and_no_pooling_no_sigmoid():
    G, D = DCGANGenerator(DCGANConfig()), DCGANDiscriminator(DCGANConfig())
    kinds = lambda m: {type(x) for x in m.modules()}  # noqa: E731
    assert nn.ReLU in kinds(G) and nn.LeakyReLU not in kinds(G)
    assert nn.LeakyReLU in kinds(D) and nn.ReLU not in kinds(D)
    assert all(x.negative_slope == 0.2 for x in D.modules() if isinstance(x, nn.LeakyReLU))
    pools = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Upsample, nn.Sigmoid)
    assert not any(isinstance(x, pools) for net in (G, D) for x in net.modules())
    strided = [x.stride for net in (G, D) for x in net.modules() if isinstance(x, (nn.Conv2d, nn.ConvTranspose2d))]
    assert strided.count((2, 2)) == 6  # 3 upsamplings in G, 3 downsamplings in D


def test_d_returns_unbounded_logits():
    D = DCGANDiscriminator(TINY)
    D.net[-1].bias.data.fill_(50.0)
    assert (D(torch.zeros(3, 1, 16, 16)) > 1).all()


def test_init_statistics():
    G, D = DCGANGenerator(DCGANConfig()), DCGANDiscriminator(DCGANConfig())
    convs = [m for net in (G, D) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    w = torch.cat([m.weight.detach().flatten() for m in convs])
    assert abs(w.mean().item()) < 1e-3 and w.std().item() == pytest.approx(0.02, rel=0.02)
    big = G.net[0].weight.detach()  # (100, 128, 4, 4): enough numbers to test one layer alone
    assert big.std().item() == pytest.approx(0.02, rel=0.02)
    assert all(m.bias is None or torch.count_nonzero(m.bias) == 0 for m in convs)
    bns = [m for net in (G, D) for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    scale = torch.cat([m.weight.detach() for m in bns])
    assert scale.mean().item() == pytest.approx(1.0, abs=0.005) and 0.015 < scale.std().item() < 0.025
    assert all(torch.count_nonzero(m.bias) == 0 for m in bns)
    custom = DCGANGenerator(DCGANConfig(init_std=0.1))
    assert custom.net[0].weight.std().item() == pytest.approx(0.1, rel=0.02)


# ------------------------------------------------------------------ size calculators
def _agrees_with_real_layers(formula, layer, grid) -> int:
    """``formula(i, *args)`` against the output size of ``layer(*args)`` on an i x i input, for every
    ``(i, *args)`` in ``grid``; where PyTorch refuses (or gives an empty output) the formula must raise
    a CourseError. Returns how many sizes were compared."""
    checked = 0
    for i, *args in grid:
        try:
            expected = layer(*args)(torch.zeros(1, 1, i, i)).shape[-1]
        except (RuntimeError, ValueError):
            expected = None
        if expected is None or expected < 1:  # refused, or an empty output (torch allows some of those)
            with pytest.raises(CourseError):
                formula(i, *args)
        else:
            assert formula(i, *args) == expected, (i, *args)
            checked += 1
    return checked


def test_transposed_conv_size_against_real_layers():
    def layer(k, s, p, op):
        return nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op, bias=False)

    grid = itertools.product(range(1, 7), range(1, 6), range(1, 4), range(4), range(3))
    assert _agrees_with_real_layers(transposed_conv_output_size, layer, grid) > 400
    assert transposed_conv_output_size(4, 4, 2, 1) == 8 == (4 - 1) * 2 - 2 * 1 + 4  # (i - 1)s - 2p + k


def test_conv_size_against_real_layers():
    def layer(k, s, p, d):
        return nn.Conv2d(1, 1, k, s, p, dilation=d, bias=False)

    grid = itertools.product(range(1, 8), range(1, 6), range(1, 4), range(4), range(1, 3))
    assert _agrees_with_real_layers(conv_output_size, layer, grid) > 500


@pytest.mark.parametrize("i, k, s, p", [(4, 4, 2, 1), (4, 3, 2, 1), (5, 5, 2, 2), (3, 3, 1, 0), (2, 6, 3, 0)])
def test_coverage_matches_a_transposed_conv_of_ones(i, k, s, p):
    layer = nn.ConvTranspose1d(1, 1, k, s, p, bias=False)
    nn.init.ones_(layer.weight)
    counts = layer(torch.ones(1, 1, i)).flatten().round().long().tolist()
    assert transposed_conv_coverage(i, k, s, p) == counts


def test_checkerboard_when_kernel_not_divisible_by_stride():
    even = transposed_conv_coverage(8, 4, 2, 1)[2:-2]
    uneven = transposed_conv_coverage(8, 3, 2, 1)[2:-2]
    assert len(set(even)) == 1 and len(set(uneven)) == 2


@pytest.mark.parametrize("call, needle", [
    (lambda: transposed_conv_output_size(4, 0, 2, 1), "kernel size k must be a whole number from 1 to .*, got 0"),
    (lambda: transposed_conv_output_size(4, 4, 0, 1), "stride s must be a whole number from 1 to .*, got 0"),
    (lambda: transposed_conv_output_size(4, 4, 2, -1), "padding p must be a whole number from 0 to .*, got -1"),
    (lambda: transposed_conv_output_size(4.0, 4, 2, 1), "whole number"),
    (lambda: transposed_conv_output_size(True, 4, 2, 1), "whole number"),
    (lambda: transposed_conv_output_size(4, 4, 2, 1, output_padding=2), "smaller than the stride"),
    (lambda: transposed_conv_output_size(1, 1, 1, 1), "use less padding"),
    (lambda: conv_output_size(2, 5, 1, 1), "use a smaller kernel or more padding"),
    (lambda: conv_output_size(0, 3), "input size i must be a whole number from 1 to .*, got 0"),
])
def test_size_calculators_reject_bad_input(call, needle):
    with pytest.raises(CourseError, match=needle):
        call()


# ------------------------------------------------------------------ bad input to the networks
def test_generator_bad_input_names_the_fix():
    G = DCGANGenerator(TINY)
    with pytest.raises(CourseError, match=r"\(B, 8\)"):
        G(torch.randn(4, 9))
    with pytest.raises(CourseError, match=r"\(B, 8, 1, 1\)"):
        G(torch.randn(4, 8, 2, 2))
    with pytest.raises(CourseError, match="tensor"):
        G([[0.0] * 8])


def test_discriminator_bad_input_names_the_fix():
    D = DCGANDiscriminator(TINY)
    with pytest.raises(CourseError, match=r"\(B, 1, 16, 16\)"):
        D(torch.randn(2, 3, 16, 16))  # wrong channel count
    with pytest.raises(CourseError, match=r"\(B, 1, 16, 16\)"):
        D(torch.randn(1, 16, 16))  # no batch dimension
    with pytest.raises(CourseError, match=r"pad_to=32"):
        DCGANDiscriminator(DCGANConfig())(torch.randn(2, 1, 28, 28))  # unpadded FashionMNIST


@pytest.mark.parametrize("kwargs, needle", [
    ({"image_size": 28}, "pad_to=32"),
    ({"image_size": 4}, "power of two"),
    ({"image_size": 48}, "power of two"),
    ({"g_width": 0}, "g_width must be a positive"),
    ({"latent_dim": 2.5}, "latent_dim must be a positive"),
])
def test_config_rejects_bad_values(kwargs, needle):
    with pytest.raises(CourseError, match=needle):
        DCGANConfig(**kwargs)


# ------------------------------------------------------------------ recipe and command line
def test_recipe_profiles_and_build_uses_the_library_steps():
    full, smoke = DCGANRecipe.for_profile("full"), DCGANRecipe.for_profile("smoke")
    assert (full.lr, full.betas, full.model.image_size) == (2e-4, (0.5, 0.999), 32)
    assert smoke.model == full.model and smoke.steps < 100  # same networks, fewer steps
    trainer = build_dcgan(smoke, torch.device("cpu"), out_dir=None)
    assert trainer.d_step.func is steps.d_step and trainer.g_step.func is steps.g_step
    real, _ = next(trainer.batches)
    assert real.shape == (16, 1, 32, 32) and real.min() == -1  # padded with background
    assert get_model("dcgan").chapter == "04_dcgan"


def test_cli_train_and_sample_smoke(tmp_path):
    out = tmp_path / "dcgan"
    assert main(["train", "dcgan", "--profile", "smoke", "--out", str(out)]) == 0
    samples = tmp_path / "s.pt"
    assert main(["sample", "dcgan", "--n", "5", "--out", str(samples), "--checkpoint",
                 str(out / "checkpoint.pt"), "--seed", "1"]) == 0
    data = torch.load(samples, weights_only=True)
    assert set(data) == {"images", "made_by"}
    images = data["images"]
    assert images.dtype == torch.float32 and images.shape == (5, 1, 28, 28)  # cropped from the model's 32x32
    assert images.min() >= -1 and images.max() <= 1


# ------------------------------------------------------------------ widgets
def test_size_calculator_tables_and_links():
    from ipywidgets.widgets.widget import _instances
    from ipywidgets.widgets.widget_link import Link

    from gan_course.widgets.dcgan import size_calculator, size_table_html

    calc = size_calculator(i_values=range(1, 5), k_values=range(1, 5), strides=(1, 2), paddings=(0, 1, 2))
    controls, outer = calc.children
    s_slider, p_slider = controls.children
    assert len(outer.children) == 2 and all(len(inner.children) == 3 for inner in outer.children)
    assert outer.selected_index == 1 and outer.children[1].selected_index == 1  # starts at s=2, p=1
    links = [w for w in list(_instances.values()) if isinstance(w, Link)
             and w.source[0] in (s_slider, p_slider)]
    assert len(links) == 1 + 2  # stride -> outer stack; padding -> each inner stack
    html = outer.children[1].children[1].value  # s=2, p=1
    assert "font-weight:bold'>8<" in html  # the DCGAN layer 4 -> 8, highlighted
    assert "–" in size_table_html(1, 2, [1], [1])  # impossible layers are marked
    with pytest.raises(CourseError, match="start"):
        size_calculator(strides=(1,), start=(2, 1))


def test_transposed_conv_player_frames_and_errors():
    import matplotlib

    matplotlib.use("Agg")
    from gan_course.widgets.dcgan import transposed_conv_player

    player = transposed_conv_player([(4, 4, 2, 1), (4, 3, 2, 1)], dpi=30)
    assert len(player.children[1].children) == 2
    with pytest.raises(CourseError, match="use less padding"):
        transposed_conv_player([(1, 1, 1, 3)])
    with pytest.raises(CourseError, match="tuples"):
        transposed_conv_player([(4, 4, 2)])


def test_committed_generator_is_the_chapter_model():
    from gan_course.pretrained import load_pretrained, read_manifest

    assert "dcgan" in read_manifest(), "export it: python -m gan_course export-pretrained dcgan --checkpoint ..."
    G = load_pretrained("dcgan")
    assert isinstance(G, DCGANGenerator) and G.cfg == DCGANConfig() and not G.training
    with torch.no_grad():
        images = G(torch.randn(4, 100))
    assert images.shape == (4, 1, 32, 32) and images.std() > 0.1
