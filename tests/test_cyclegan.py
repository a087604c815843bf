"""Chapter 7: CycleGAN's generator, losses, image pool, unpaired domains, recipe and command line."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.losses import (cycle_consistency_loss, identity_loss, lsgan_discriminator_loss,
                               lsgan_generator_loss)
from gan_course.metrics.translation import silhouette_area, spread
from gan_course.models.patchgan import PatchGANConfig, PatchGANDiscriminator, patch_grid_size
from gan_course.models.resnet_gen import CycleGenerators, ResidualBlock, ResnetGenerator, ResnetGeneratorConfig
from gan_course.recipes.cyclegan import (CycleGANRecipe, build_cyclegan, cycle_generators, measure_cyclegan,
                                         translate_test_items)
from helpers import smoke_run

torch.set_num_threads(1)
TINY_G = ResnetGeneratorConfig(base_channels=4, n_blocks=1, image_size=16)


# ------------------------------------------------------------------ generator
@pytest.mark.parametrize("cfg, size", [
    (ResnetGeneratorConfig(base_channels=4, n_blocks=1), 32),
    (ResnetGeneratorConfig(base_channels=4, n_blocks=2, n_downsample=1, image_size=16), 16),
    (ResnetGeneratorConfig(in_channels=3, out_channels=1, base_channels=2, n_blocks=1, n_downsample=0,
                           image_size=8), 8),
])
def test_resnet_generator_keeps_the_image_size(cfg, size):
    G = ResnetGenerator(cfg)
    y = G(torch.randn(3, cfg.in_channels, size, size))
    assert y.shape == (3, cfg.out_channels, size, size)
    assert y.abs().max() <= 1  # tanh output


def test_resnet_generator_layout_is_encoder_residual_decoder():
    G = ResnetGenerator(ResnetGeneratorConfig(base_channels=4, n_blocks=3))
    blocks = [m for m in G.net if isinstance(m, ResidualBlock)]
    strided = [m for m in G.net if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    ups = [m for m in G.net if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(blocks) == 3 and len(strided) == 2 and len(ups) == 2
    assert blocks[0].body[1].in_channels == 16  # 4 -> 8 -> 16 channels at the bottleneck


def test_residual_block_is_identity_when_its_body_is_zero():
    block = ResidualBlock(4)
    for p in block.parameters():
        torch.nn.init.zeros_(p)
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("x, needle", [
    (torch.randn(2, 3, 16, 16), "(B, 1, 16, 16)"),  # wrong channels
    (torch.randn(2, 1, 32, 32), "(B, 1, 16, 16)"),  # wrong size
    (torch.randn(1, 16, 16), "(B, 1, 16, 16)"),  # missing batch axis
    ([[0.0]], "tensor"),
])
def test_resnet_generator_rejects_bad_input(x, needle):
    with pytest.raises(CourseError, match="ResnetGenerator") as err:
        ResnetGenerator(TINY_G)(x)
    assert needle in str(err.value)


@pytest.mark.parametrize("field, value, needle", [
    ("image_size", 30, "multiple of 4"), ("norm", "layer", "instance"), ("base_channels", 0, "positive"),
    ("n_downsample", -1, "0 or more"),
])
def test_resnet_config_errors_name_the_fix(field, value, needle):
    with pytest.raises(CourseError, match=needle):
        ResnetGeneratorConfig(**{field: value})


def test_cycle_generators_directions():
    gens = CycleGenerators(TINY_G)
    x = torch.randn(2, 1, 16, 16)
    assert torch.equal(gens(x, "AtoB"), gens.G_AB(x)) and torch.equal(gens(x, "BtoA"), gens.G_BA(x))
    with pytest.raises(CourseError, match="AtoB"):
        gens(x, "sideways")


# ------------------------------------------------------------------ PatchGAN as CycleGAN uses it
@pytest.mark.parametrize("n_layers, size", [(1, 32), (2, 32), (3, 32), (2, 16)])
def test_patchgan_grid_matches_the_calculator(n_layers, size):
    D = PatchGANDiscriminator(PatchGANConfig(in_channels=1, base_channels=4, n_layers=n_layers, norm="instance"))
    side = patch_grid_size(size, n_layers)
    assert D(torch.randn(2, 1, size, size)).shape == (2, 1, side, side)


def test_recipe_patchgan_grid_is_six_by_six():
    recipe = CycleGANRecipe.for_profile("full")
    assert patch_grid_size(32, recipe.discriminator.n_layers) == 6


# ------------------------------------------------------------------ losses against hand values
def test_lsgan_discriminator_loss_hand_values():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -1.0])
    loss_real, loss_fake = lsgan_discriminator_loss(real, fake)
    assert loss_real.item() == pytest.approx(0.5 * (0 + 1) / 2)  # 1/2 · mean((1-1)², (0-1)²) = 0.25
    assert loss_fake.item() == pytest.approx(0.5 * (0.25 + 1) / 2)  # 1/2 · mean(0.5², 1²) = 0.3125
    half = torch.full((2, 1, 3, 3), 0.5)  # a constant D = 1/2 on a PatchGAN grid
    assert [t.item() for t in lsgan_discriminator_loss(half, half)] == [pytest.approx(0.125)] * 2


def test_lsgan_generator_loss_hand_values():
    assert lsgan_generator_loss(torch.tensor([1.0, 0.0, 3.0])).item() == pytest.approx((0 + 1 + 4) / 3)
    assert lsgan_generator_loss(torch.tensor([0.5], dtype=torch.float16)).dtype == torch.float32


def test_cycle_and_identity_losses_hand_values():
    x = torch.tensor([[0.0, 1.0], [-1.0, 0.5]]).view(1, 1, 2, 2)
    y = torch.tensor([[0.5, 1.0], [0.0, -0.5]]).view(1, 1, 2, 2)
    assert cycle_consistency_loss(x, y).item() == pytest.approx((0.5 + 0 + 1 + 1) / 4)
    assert identity_loss(x, y).item() == pytest.approx(0.625)
    assert cycle_consistency_loss(x, x).item() == 0.0


# ------------------------------------------------------------------ recipe, training, command line
def test_recipe_profiles_share_the_code_path_and_check_fields():
    full, smoke = CycleGANRecipe.for_profile("full"), CycleGANRecipe.for_profile("smoke")
    assert (full.lambda_cycle, full.identity_weight, full.pool_size) == (10.0, 0.5, 50)
    assert smoke.lambda_cycle == full.lambda_cycle and smoke.pair == full.pair == "negative"
    assert CycleGANRecipe.for_profile("smoke", pair="shoes", identity_weight=0.0).pair == "shoes"
    with pytest.raises(CourseError, match="negative"):
        CycleGANRecipe(pair="zebras")
    with pytest.raises(CourseError, match="in_channels"):
        CycleGANRecipe(discriminator=PatchGANConfig(in_channels=2))


def _fit(recipe, out, steps):
    trainer = build_cyclegan(dataclasses.replace(recipe, steps=steps), torch.device("cpu"), out)
    trainer.fit()
    return trainer


def test_resume_is_identical_pool_included(tmp_path):
    # a run extended from 3 to 6 steps continues exactly only at a constant rate: the decay's slope depends on the
    # total number of steps (an interrupted run with the decay resumes bitwise too: tests/test_training.py)
    recipe = dataclasses.replace(CycleGANRecipe.for_profile("smoke"), lr_decay=0.0)
    straight = _fit(recipe, None, 6)
    _fit(recipe, tmp_path, 3)
    resumed = _fit(recipe, tmp_path, 6)
    for key in ("G", "D_A", "D_B", "pool_A", "pool_B"):
        for (name, x), (_, y) in zip(straight.modules[key].state_dict().items(),
                                     resumed.modules[key].state_dict().items()):
            assert torch.equal(x, y), f"{key}.{name}"
    hist = straight.history
    assert {"loss_d_real", "loss_d_fake", "loss_g", "loss_cycle", "loss_identity"} <= set(hist)
    assert all(math.isfinite(v) for v in hist["loss_cycle"])
    assert straight.samples[-1][1].shape == (6 * recipe.n_show, 1, 32, 32)


def test_no_identity_ablation_logs_zero_identity():
    trainer = _fit(CycleGANRecipe.for_profile("smoke", identity_weight=0.0, pair="shoes"), None, 2)
    assert trainer.history["loss_identity"] == [0.0, 0.0]


@pytest.fixture(scope="module")
def trained(request):
    return smoke_run(request, "cyclegan")


def test_cli_train_and_sample(trained, tmp_path):
    out = tmp_path / "s.pt"
    assert main(["sample", "cyclegan", "--n", "5", "--out", str(out), "--checkpoint",
                 str(trained / "checkpoint.pt"), "--seed", "1"]) == 0
    images = torch.load(out, weights_only=True)["images"]
    assert images.dtype == torch.float32 and images.shape == (5, 1, 28, 28)  # FashionMNIST's shape, not 32x32
    assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("direction", ["AtoB", "BtoA"])
def test_translate_test_items(trained, direction):
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    out = translate_test_items(G, 7, direction, "cpu")
    assert set(out) == {"inputs", "outputs", "reconstructions"}
    for value in out.values():
        assert value.dtype == torch.float32 and value.shape == (7, 1, 32, 32)
        assert value.min() >= -1 and value.max() <= 1
    assert torch.equal(out["outputs"], translate_test_items(G, 7, direction, "cpu")["outputs"])  # fixed items
    assert (out["inputs"][0, 0, 0, 0] == (-1 if direction == "AtoB" else 1))  # originals vs negatives
    with pytest.raises(CourseError, match="AtoB"):
        translate_test_items(G, 3, "up", "cpu")
    with pytest.raises(CourseError, match="between 1"):
        translate_test_items(G, 0, direction, "cpu")


def test_translate_cli_writes_28x28_crops_of_the_translations(trained, tmp_path):
    from gan_course.data import unpad

    out = tmp_path / "t.pt"
    assert main(["translate", "cyclegan", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "4",
                 "--out", str(out), "--direction", "BtoA"]) == 0
    data = torch.load(out, weights_only=True)
    assert data.pop("made_by") == "python -m gan_course translate"
    assert set(data) == {"inputs", "outputs", "reconstructions"}
    assert all(v.shape == (4, 1, 28, 28) and v.dtype == torch.float32 for v in data.values())
    assert all(v.min() >= -1 and v.max() <= 1 for v in data.values())
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    full = translate_test_items(G, 4, "BtoA", "cpu")  # (4, 1, 32, 32) each, in Python
    for key, value in full.items():  # the file holds the centre of the very same translations
        assert torch.allclose(data[key], unpad(value), atol=1e-5), key


def test_measures_have_every_key(trained):
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    scores = measure_cyclegan(G, "cpu", n=20)
    assert {"cycle_l1_A", "cycle_l1_B", "identity_l1_A", "identity_l1_B", "target_rate_AtoB",
            "target_rate_BtoA", "true_l1_AtoB", "true_l1_BtoA", "area_AtoB", "spread_AtoB"} <= set(scores)
    assert all(math.isfinite(v) for v in scores.values())
    assert 0 <= scores["target_rate_AtoB"] <= 1


def test_every_pixel_measure_averages_over_the_28x28_picture_not_the_padding(trained):
    """The padding is background that a generator reproduces almost exactly: averaged in, it flattered every L1."""
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    scores = measure_cyclegan(G, "cpu", n=20)
    ab, ba = translate_test_items(G, 20, "AtoB", "cpu"), translate_test_items(G, 20, "BtoA", "cpu")
    assert ab["inputs"].shape[-1] == 32

    def picture(images):  # (N, 1, 32, 32) -> (N, 1, 28, 28): the 2-pixel border off each side
        return images[..., 2:30, 2:30]

    def l1(x, y):
        return (picture(x) - picture(y)).abs().mean().item()

    with torch.no_grad():
        id_a, id_b = G.G_BA(ab["inputs"]), G.G_AB(ba["inputs"])
    expected = {"cycle_l1_A": l1(ab["reconstructions"], ab["inputs"]),
                "cycle_l1_B": l1(ba["reconstructions"], ba["inputs"]),
                "identity_l1_A": l1(id_a, ab["inputs"]), "identity_l1_B": l1(id_b, ba["inputs"]),
                "true_l1_AtoB": l1(ab["outputs"], -ab["inputs"]), "true_l1_BtoA": l1(ba["outputs"], -ba["inputs"]),
                "spread_AtoB": spread(picture(ab["outputs"])), "spread_real_B": spread(picture(ba["inputs"])),
                "area_AtoB": silhouette_area(picture(ab["outputs"])).mean().item()}
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    padded = (ab["reconstructions"] - ab["inputs"]).abs().mean().item()
    assert scores["cycle_l1_A"] != pytest.approx(padded, rel=1e-3)  # not the 32x32 average


def test_evaluate_and_translate_agree_on_the_shipped_generators_round_trip(tmp_path, capsys):
    """`translate` writes the 28x28 pictures; `evaluate`'s cycle L1 is the L1 of their round trip."""
    from gan_course.pretrained import load_pretrained

    out = tmp_path / "t.pt"
    assert main(["translate", "cyclegan", "--n", "200", "--out", str(out), "--direction", "AtoB"]) == 0
    data = torch.load(out, weights_only=True)
    assert data["inputs"].shape == (200, 1, 28, 28)
    written = (data["reconstructions"] - data["inputs"]).abs().mean().item()
    scores = measure_cyclegan(load_pretrained("cyclegan"), "cpu", n=200)
    assert scores["cycle_l1_A"] == pytest.approx(written, rel=1e-4)


def test_smoke_generators_match_the_pretrained_ones():
    """The chapter's pretrained switch loads the committed generators into the smoke trainer too."""
    assert CycleGANRecipe.for_profile("smoke").generator == CycleGANRecipe.for_profile("full").generator
