"""Chapter 6, pix2pix: edge data, U-Net, losses, recipe, command line and the committed ablations."""

import math

import pytest
import torch

from gan_course.cli import main
from gan_course.data import load_fashion_mnist, unpad
from gan_course.errors import CourseError
from gan_course.runtime import get_device
from gan_course.losses import l1_loss, pix2pix_generator_loss
from gan_course.models.patchgan import PatchGANConfig
from gan_course.models.unet import UNetConfig, UNetGenerator, sample_with_dropout
from gan_course.experiments.pix2pix_ablations import ablation_recipe
from gan_course.recipes.pix2pix import Pix2PixRecipe, build_pix2pix, translate_test_items
from gan_course.metrics.translation import paired_scores
from gan_course.cli import translate

torch.set_num_threads(1)


# ------------------------------------------------------------------ U-Net
@pytest.mark.parametrize("skips", [True, False])
def test_unet_shapes(skips):
    cfg = UNetConfig(base_channels=4, skips=skips)
    G = UNetGenerator(cfg)
    y = G(torch.randn(3, 1, 32, 32))
    assert y.shape == (3, 1, 32, 32) and y.abs().max() <= 1  # tanh output
    assert cfg.widths() == [4, 8, 16, 32, 32]
    assert sum(isinstance(m, torch.nn.Dropout) for m in G.modules()) == 3  # first three decoder layers
    wide = UNetGenerator(UNetConfig(in_channels=3, out_channels=2, image_size=64, n_down=6, base_channels=2))
    assert wide(torch.randn(2, 3, 64, 64)).shape == (2, 2, 64, 64)


def test_skips_change_the_decoder_inputs():
    u, e = UNetGenerator(UNetConfig(base_channels=4)), UNetGenerator(UNetConfig(base_channels=4, skips=False))
    u_in = [m.in_channels for m in u.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    e_in = [m.in_channels for m in e.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert u_in == [32, 64, 32, 16, 8] and e_in == [32, 32, 16, 8, 4]


def test_unet_refuses_sizes_it_cannot_halve():
    with pytest.raises(CourseError, match="divisible by 32.*pad"):
        UNetConfig(image_size=28)  # 28 -> 14 -> 7 -> 3.5: cannot reach 1x1
    G = UNetGenerator(UNetConfig(base_channels=4))
    with pytest.raises(CourseError, match="pad the images"):
        G(torch.randn(2, 1, 28, 28))
    with pytest.raises(CourseError, match="UNetConfig"):
        G(torch.randn(2, 3, 32, 32))  # wrong channel count
    with pytest.raises(CourseError, match="tensor"):
        G("edges")
    with pytest.raises(CourseError, match="norm"):
        UNetConfig(norm="group")


def test_dropout_is_the_only_noise():
    torch.manual_seed(0)
    G = UNetGenerator(UNetConfig(base_channels=4)).eval()
    x = torch.randn(2, 1, 32, 32)
    assert torch.equal(G(x), G(x))  # eval mode: deterministic
    draws = sample_with_dropout(G, x, k=3)
    assert draws.shape == (3, 2, 1, 32, 32)
    assert not torch.equal(draws[0], draws[1])  # dropout on: outputs vary
    assert not G.training and all(not m.training for m in G.modules())


# ------------------------------------------------------------------ losses
def test_l1_loss_hand_value():
    y = torch.tensor([[[[0.0, 1.0], [-1.0, 0.5]]]])
    g = torch.tensor([[[[0.5, 1.0], [0.0, -0.5]]]])
    assert l1_loss(y, g).item() == pytest.approx((0.5 + 0 + 1 + 1) / 4)


def test_pix2pix_generator_loss_hand_values():
    logits = torch.zeros(2, 1, 3, 3)  # D undecided on every patch: -log(1/2) each
    y, g = torch.zeros(2, 1, 4, 4), torch.full((2, 1, 4, 4), 0.1)
    total, adv, l1 = pix2pix_generator_loss(logits, y, g)
    assert adv.item() == pytest.approx(math.log(2))
    assert l1.item() == pytest.approx(0.1)
    assert total.item() == pytest.approx(math.log(2) + 100 * 0.1)
    logits = torch.tensor([2.0, -1.0]).view(2, 1, 1, 1)
    total, adv, _ = pix2pix_generator_loss(logits, y, g, l1_weight=0.0)
    expected = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(1.0))) / 2  # mean of -log sigmoid(l)
    assert adv.item() == pytest.approx(expected) and total.item() == pytest.approx(expected)
    total, _, _ = pix2pix_generator_loss(logits, y, g, adversarial_weight=0.0)
    assert total.item() == pytest.approx(10.0)


# ------------------------------------------------------------------ recipe, command line
def test_recipe_checks():
    with pytest.raises(CourseError, match="in_channels=2"):
        Pix2PixRecipe(discriminator=PatchGANConfig(in_channels=1))
    with pytest.raises(CourseError, match="not both 0"):
        Pix2PixRecipe(l1_weight=0.0, adversarial_weight=0.0)
    full = Pix2PixRecipe.for_profile("full")
    assert full.l1_weight == 100 and full.lr == 2e-4 and full.betas == (0.5, 0.999)
    assert ablation_recipe("encoder-decoder (no skips)", "full").generator.skips is False
    assert ablation_recipe("PixelGAN 1x1", "full").discriminator.n_layers == 0
    with pytest.raises(CourseError, match="unknown ablation"):
        ablation_recipe("L2 only")


def test_smoke_train_sample_translate(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "pix2pix", "--profile", "smoke", "--out", str(run)]) == 0
    ckpt = str(run / "checkpoint.pt")
    out = tmp_path / "s.pt"
    assert main(["sample", "pix2pix", "--n", "5", "--out", str(out), "--checkpoint", ckpt]) == 0
    images = torch.load(out)["images"]
    assert images.shape == (5, 1, 28, 28) and images.dtype == torch.float32 and images.abs().max() <= 1
    tr = tmp_path / "t.pt"
    assert main(["translate", "pix2pix", "--n", "6", "--out", str(tr), "--checkpoint", ckpt]) == 0
    pairs = torch.load(tr)
    assert pairs.pop("made_by") == "python -m gan_course translate"
    assert set(pairs) == {"inputs", "outputs", "targets"}
    for v in pairs.values():
        assert v.shape == (6, 1, 28, 28) and v.dtype == torch.float32 and v.min() >= -1 and v.max() <= 1
    assert torch.equal(pairs["outputs"][:5], images)  # the same held-out items, deterministic
    again = translate("pix2pix", 6, checkpoint=ckpt, device=get_device())  # the CLI's device; 32x32 in Python
    assert again["outputs"].shape == (6, 1, 32, 32)
    assert torch.equal(unpad(again["outputs"]), pairs["outputs"])  # the CLI wrote the centre 28x28
    truth = load_fashion_mnist("test", limit=6).images  # the held-out targets are FashionMNIST's first test items
    assert torch.equal(pairs["targets"], truth)  # cropped back exactly: the padding is gone, nothing else
    capsys.readouterr()
    assert main(["translate", "pix2pix", "--n", "3", "--out", str(tr), "--checkpoint", ckpt,
                 "--direction", "BtoA"]) == 2
    err = capsys.readouterr().err
    assert "AtoB" in err and err.count("\n") == 1
    assert main(["translate", "vanilla", "--n", "3", "--out", str(tr)]) == 2
    assert "not an image-to-image model" in capsys.readouterr().err


def test_evaluate_scores_the_28x28_pictures_that_translate_writes(tmp_path):
    """L1, PSNR and SSIM average over the picture, not over the padding's background border."""
    from gan_course.pretrained import load_pretrained
    from gan_course.recipes.pix2pix import ENTRY

    out = tmp_path / "t.pt"
    assert main(["translate", "pix2pix", "--n", "64", "--out", str(out)]) == 0
    pairs = torch.load(out, weights_only=True)
    cpu = torch.device("cpu")
    G = load_pretrained("pix2pix")
    scores = ENTRY.extra_scores(G, ENTRY.sample(G, 64, cpu), cpu)  # what `evaluate pix2pix` prints
    expected = paired_scores(pairs["outputs"], pairs["targets"])
    assert scores == pytest.approx(expected, rel=1e-5)
    padded = translate("pix2pix", 64)
    assert paired_scores(padded["outputs"], padded["targets"])["l1"] != pytest.approx(expected["l1"], rel=1e-3)


def test_translate_items_bad_n():
    G = UNetGenerator(UNetConfig(base_channels=4))
    with pytest.raises(CourseError, match="between 1 and 10000"):
        translate_test_items(G, 10_001)


def test_trainer_steps_log_the_pix2pix_terms(tmp_path):
    trainer = build_pix2pix(Pix2PixRecipe.for_profile("smoke"), torch.device("cpu"), None)
    history = trainer.fit()
    for key in ("loss_d_real", "loss_d_fake", "d_real", "d_fake", "loss_g", "loss_l1", "loss_g_total"):
        assert len(history[key]) == trainer.config.steps
    assert trainer.samples[-1][1].shape == (8, 1, 32, 32)


def test_committed_generator_translates_and_fits_both_profiles():
    # The smoke recipe keeps the full generator, so the pretrained weights load in either profile.
    assert Pix2PixRecipe.for_profile("smoke").generator == Pix2PixRecipe.for_profile("full").generator
    out = translate("pix2pix", 4)  # no checkpoint: the committed generator, SHA-256 checked
    assert set(out) == {"inputs", "outputs", "targets"} and out["outputs"].shape == (4, 1, 32, 32)
    assert paired_scores(out["outputs"], out["targets"])["l1"] < 0.2
