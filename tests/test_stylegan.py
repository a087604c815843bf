"""Chapter 10: the style-based generator, truncation in W, the EMA of G, DiffAugment and the recipe."""

import sys

import pytest
import torch
from torch import nn

from gan_course.augment import diff_augment
from gan_course.ema import ema_update, make_ema
from gan_course.errors import CourseError
from gan_course.exercises import EXERCISES
from gan_course.models.stylegan import (StyleGANConfig, StyleGenerator, mix_styles, modulated_conv2d,
                                        modulated_weights, truncate)
from gan_course.recipes import MODELS
from gan_course.recipes.stylegan import StyleGANRecipe, build_stylegan, sample_stylegan
from helpers import assert_killed_run_resumes_bitwise, assert_resumed_alike, straight_and_resumed

CPU = torch.device("cpu")
SMALL = StyleGANConfig(latent_dim=8, w_dim=8, widths=(8, 8, 4, 4))


# ------------------------------------------------------------------ the modulated convolution
def test_demodulation_gives_unit_norm_output_filters():
    g = torch.Generator().manual_seed(0)
    weight, styles = torch.randn(5, 4, 3, 3, generator=g), torch.rand(3, 4, generator=g) * 3 + 0.1
    w = modulated_weights(weight, styles, demodulate=True)  # (B, O, I, k, k)
    norms = w.square().sum(dim=[2, 3, 4]).sqrt()  # (B, O): each sample's output filters
    assert torch.allclose(norms, torch.ones(3, 5), atol=1e-5)
    assert not torch.allclose(modulated_weights(weight, styles, demodulate=False).square().sum(dim=[2, 3, 4]),
                              torch.ones(3, 5), atol=1e-2)


@pytest.mark.parametrize("demodulate", [True, False])
def test_the_fast_modulated_conv_equals_the_grouped_one(demodulate):
    g = torch.Generator().manual_seed(1)
    x, weight, styles = torch.randn(3, 4, 6, 6, generator=g), torch.randn(5, 4, 3, 3, generator=g), torch.rand(3, 4, generator=g)
    fast = modulated_conv2d(x, weight, styles, demodulate)
    grouped = modulated_conv2d(x, weight, styles, demodulate, fused=True)
    assert fast.shape == (3, 5, 6, 6) and torch.allclose(fast, grouped, atol=1e-5)


def test_the_generator_draws_32x32_images_in_range_and_fixed_noise_repeats():
    torch.manual_seed(0)
    G = StyleGenerator(StyleGANConfig()).eval()
    z = torch.randn(4, 64)
    a, b = G(z, noise_seed=3), G(z, noise_seed=3)
    assert a.shape == (4, 1, 32, 32) and a.abs().max() <= 1 and torch.equal(a, b)
    assert G.cfg.num_ws == 8


def test_training_forward_passes_track_w_avg_and_eval_ones_do_not():
    torch.manual_seed(0)
    G = StyleGenerator(SMALL)
    G.mapping(torch.randn(16, 8))
    moved = G.w_avg.clone()
    assert moved.abs().sum() > 0
    G.eval()
    G.mapping(torch.randn(16, 8))
    assert torch.equal(G.w_avg, moved)


# ------------------------------------------------------------------ truncation and mixing
def test_truncation_with_psi_zero_gives_w_avg_for_every_z():
    torch.manual_seed(0)
    G = StyleGenerator(SMALL).eval()
    G.w_avg.copy_(torch.randn(8))
    w = G.truncate(G.mapping(torch.randn(10, 8) * 3), 0.0)
    assert torch.allclose(w, G.w_avg.expand(10, -1))
    w1 = G.mapping(torch.randn(4, 8))
    assert torch.allclose(truncate(w1, G.w_avg, 1.0), w1, atol=1e-6)
    assert torch.allclose(truncate(w1, G.w_avg, 0.5), (w1 + G.w_avg) / 2)


def test_style_mixing_takes_coarse_layers_from_the_first_w():
    w1, w2 = torch.zeros(2, 3), torch.ones(2, 3)
    ws = mix_styles(w1, w2, 8, 3)
    assert ws.shape == (2, 8, 3) and ws[:, :3].eq(0).all() and ws[:, 3:].eq(1).all()
    with pytest.raises(CourseError):
        mix_styles(w1, w2, 8, 9)


def test_sampling_takes_psi_and_refuses_a_bad_one():
    torch.manual_seed(0)
    G = StyleGenerator(SMALL)
    assert sample_stylegan(G, 3, CPU, psi=0.5)["images"].shape == (3, 1, 32, 32)
    for bad in (-0.1, 1.5, "0.5", float("nan")):
        with pytest.raises(CourseError, match="ψ"):
            sample_stylegan(G, 3, CPU, psi=bad)


# ------------------------------------------------------------------ the EMA
def test_ema_update_matches_the_hand_value_and_copies_buffers():
    ema, model = nn.BatchNorm1d(1), nn.BatchNorm1d(1)
    with torch.no_grad():
        ema.weight.fill_(1.0), model.weight.fill_(3.0)
        model.running_mean.fill_(5.0), model.num_batches_tracked.fill_(4)
    ema_update(ema, model, 0.9)
    assert ema.weight.item() == pytest.approx(0.9 * 1.0 + 0.1 * 3.0)  # 1.2
    assert ema.running_mean.item() == 5.0 and ema.num_batches_tracked.item() == 4  # buffers: copied
    ema_update(ema, model, 0.0)
    assert ema.weight.item() == 3.0
    with pytest.raises(CourseError):
        ema_update(ema, model, 1.5)


def test_make_ema_is_a_frozen_copy():
    torch.manual_seed(0)
    G = StyleGenerator(SMALL)
    ema = make_ema(G)
    assert not any(p.requires_grad for p in ema.parameters()) and not ema.training
    assert all(torch.equal(a, b) for a, b in zip(ema.state_dict().values(), G.state_dict().values()))


# ------------------------------------------------------------------ DiffAugment
def test_augmentation_is_identical_for_a_fixed_seed_and_differs_for_another():
    x = torch.rand(6, 1, 32, 32) * 2 - 1
    a = diff_augment(x, generator=torch.Generator().manual_seed(4))
    b = diff_augment(x, generator=torch.Generator().manual_seed(4))
    c = diff_augment(x, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and not torch.equal(a, c) and a.shape == x.shape
    assert torch.equal(diff_augment(x, ""), x)
    with pytest.raises(CourseError):
        diff_augment(x, "rotate")


def test_a_gradient_reaches_g_through_the_augmentation():
    torch.manual_seed(0)
    G = StyleGenerator(SMALL)
    D = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 1))
    score = D(diff_augment(G(torch.randn(4, 8)), generator=torch.Generator().manual_seed(0))).sum()
    score.backward()
    grads = [p.grad for p in G.parameters() if p.grad is not None]
    assert grads and sum(float(g.abs().sum()) for g in grads) > 0


# ------------------------------------------------------------------ the recipe
def test_stylegan_is_registered_with_its_ema_generator():
    entry = MODELS["stylegan"]
    assert entry.chapter == "10_style_and_little_data" and entry.generator_key == "G_ema" and entry.truncation
    assert StyleGANRecipe.for_profile("full") == StyleGANRecipe()
    with pytest.raises(CourseError):
        StyleGANRecipe(augment="rotate")


@pytest.mark.parametrize("augment", ["", "color,translation,cutout"])
def test_the_recipe_trains_in_smoke_records_both_fds_and_resumes_bitwise(augment, tmp_path):
    recipe = StyleGANRecipe.for_profile("smoke", steps=8, checkpoint_every=4, sample_every=4, quality_every=4,
                                        train_limit=256, augment=augment, quality_n=64)
    straight, resumed = straight_and_resumed(build_stylegan, recipe, tmp_path, stop_at=4)
    assert straight.quality_record["step"] == [0, 4, 8] and len(straight.quality_record["fd_G"]) == 3
    assert {"d_acc_train", "d_acc_heldout"} <= set(straight.history)
    assert_resumed_alike(straight, resumed, ("step", "modules", "optimizers", "rng", "history"))
    for column in ("fd", "fd_G"):  # the same FDs of G_ema and of G (the timings differ)
        assert straight.quality_record[column] == resumed.quality_record[column]
    assert set(straight.state_dict()["modules"]) == {"G", "D", "G_ema"}  # the EMA is in the checkpoint


@pytest.mark.slow  # starts and kills a training process: `make test` runs it, `make unit` does not
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_stylegan_run_resumes_bitwise(tmp_path):
    """`train stylegan` SIGKILLed mid-step (after D's update of step 7), then --resume: the same final state."""
    assert_killed_run_resumes_bitwise(tmp_path, "stylegan", steps=8, kill_after=2 * 6 + 1)


def test_truncation_on_the_command_line_is_for_stylegan_only(tmp_path, capsys):
    from gan_course.cli import main

    assert main(["sample", "dcgan", "--n", "2", "--out", str(tmp_path / "a.pt"), "--truncation", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "--truncation is for style-based models only (stylegan)" in err and len(err.strip().splitlines()) == 1
    assert main(["sample", "stylegan", "--n", "2", "--out", str(tmp_path / "b.pt"), "--truncation", "1.7"]) == 2
    assert "ψ must be a number from 0" in capsys.readouterr().err


# ------------------------------------------------------------------ exercises
CH10 = [k for k in EXERCISES if k.startswith("ch10.")]


def test_chapter_ten_has_its_exercises():
    assert set(CH10) == {"ch10.modulated_conv", "ch10.truncate_w", "ch10.ema_update", "ch10.augmented_d_inputs"}



def test_fixed_draw_and_draw_truncated_are_the_chunked_loops_they_replace_bit_for_bit():
    """Sampling in chunks of 500 (runtime.in_chunks) keeps each chunk's noise seed: the same images as the loop."""
    from gan_course.metrics.style import draw_truncated
    from gan_course.recipes.stylegan import fixed_draw

    torch.manual_seed(0)
    G = StyleGenerator(SMALL).eval()
    z = torch.randn(1100, SMALL.latent_dim, generator=torch.Generator().manual_seed(3))  # three chunks
    with torch.no_grad():
        loop = torch.cat([G(chunk, psi=0.7, noise_seed=5 + i) for i, chunk in enumerate(z.split(500))])
        assert torch.equal(fixed_draw(G, z, 5, psi=0.7), loop)
        z2 = torch.randn(1100, SMALL.latent_dim, generator=torch.Generator().manual_seed(5))
        loop2 = torch.cat([G.synthesis(G.broadcast(G.truncate(G.mapping(chunk), 0.5)), noise_seed=5 + i)
                           for i, chunk in enumerate(z2.split(500))])
    assert torch.equal(draw_truncated(G, 1100, 0.5, seed=5), loop2)
