"""The troubleshooting page's broken runs (gan_course.experiments.pathologies), in the smoke profile."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_course.errors import CourseError
from gan_course.recipes.vanilla import VanillaRecipe
from gan_course.experiments.pathologies import (checkerboard_patterns, collapse_experiment, d_wins_experiment,
                                                oscillation_experiment, snapshot_drift, swing,
                                                train_image_gan, unevenness)

K3, K4, RESIZE = ("transposed conv, kernel 3, stride 2", "transposed conv, kernel 4, stride 2",
                  "nearest up-sampling + conv 3x3")


def test_checkerboard_kernel3_is_uneven_kernel4_and_resize_are_even():
    patterns = checkerboard_patterns(layers=2, size=8)
    assert set(patterns) == {K3, K4, RESIZE}
    for pattern in patterns.values():
        assert pattern.shape == (32, 32)  # 8 -> 16 -> 32
        assert torch.isclose(pattern.mean(), torch.tensor(1.0), atol=1e-5)
    assert unevenness(patterns[K3]) > 0.5
    assert unevenness(patterns[K4]) == pytest.approx(0.0, abs=1e-6)
    assert unevenness(patterns[RESIZE]) == pytest.approx(0.0, abs=1e-6)
    inner = patterns[K3][4:-4, 4:-4]
    assert not torch.allclose(inner[0::2, 0::2], inner[1::2, 1::2]), "kernel 3 should alternate pixel to pixel"


def test_one_kernel3_layer_counts_overlaps():
    """With weights of one, a 1-D slice of the output alternates 1 and 2 contributions."""
    row = checkerboard_patterns(layers=1, size=6)[K3]
    inner = row[2:-2, 2:-2]
    values = sorted({round(v, 4) for v in (inner / inner.min()).flatten().tolist()})
    assert values == [1.0, 2.0, 4.0]  # 1x1, 1x2 (and 2x1), 2x2 overlaps


@pytest.mark.parametrize("kwargs", [dict(layers=0), dict(size=1)])
def test_checkerboard_bad_arguments(kwargs):
    with pytest.raises(CourseError, match="need layers"):
        checkerboard_patterns(**kwargs)


def test_image_gan_bad_scale():
    with pytest.raises(CourseError, match="must be positive"):
        train_image_gan(lr_d_scale=0.0, profile="smoke")


def test_d_wins_experiment_smoke():
    runs = d_wins_experiment(profile="smoke")
    assert list(runs) == ["chapter 2 (both lr 2e-4)", "D lr x10, G lr /10", "D lr x10, G lr /10, saturating loss"]
    assert VanillaRecipe.lr == 2e-4  # the label above states it
    base, broken, saturating = runs.values()
    for fast in (broken, saturating):
        assert fast.optimizers["D"].param_groups[0]["lr"] == pytest.approx(100 * fast.optimizers["G"].param_groups[0]["lr"])
    assert base.optimizers["D"].param_groups[0]["lr"] == base.optimizers["G"].param_groups[0]["lr"]
    for trainer in runs.values():
        assert len(trainer.history["step"]) == trainer.config.steps
        assert {"d_real", "d_fake", "loss_g"} <= set(trainer.history)
    # the saturating loss log(1 - D(G(z))) is never positive; the non-saturating -log D(G(z)) never negative
    assert max(saturating.history["loss_g"]) <= 0 and min(broken.history["loss_g"]) >= 0


def test_toy_experiments_smoke():
    osc = oscillation_experiment(profile="smoke")
    calm, wild = osc.values()
    assert wild.recipe.lr_d == 1e-2 and wild.recipe.betas[0] == 0.9 and calm.recipe.lr_d == 1e-3
    drift = snapshot_drift(wild)
    assert drift.shape == (len(wild.trainer.samples) - 1,) and np.all(drift >= 0)
    assert swing(wild.trainer.history, window=5) >= 0
    col = collapse_experiment(profile="smoke")
    assert [r.recipe.pack for r in col.values()] == [1, 2]
    assert all(r.recipe.lr_g == 1e-3 and r.recipe.lr_d == 1e-3 for r in col.values())  # chapter 1's equal rates


def test_swing_is_zero_for_a_constant_curve_and_positive_for_a_swinging_one():
    assert swing({"d_real": [0.5] * 200}) == pytest.approx(0.0)
    t = np.arange(400)
    assert swing({"d_real": list(0.5 + 0.4 * np.sin(t / 30))}, window=10) > 0.2


def test_snapshot_drift_needs_two_snapshots():
    class _Run:  # the two attributes snapshot_drift reads
        class trainer:
            samples = [(10, torch.zeros(5, 2))]

    with pytest.raises(CourseError, match="two snapshots"):
        snapshot_drift(_Run())


def test_plot_patterns_shares_one_scale():
    from gan_course.experiments.pathologies import plot_patterns

    fig = plot_patterns(checkerboard_patterns(layers=1, size=6))
    images = [ax.images[0] for ax in fig.axes]
    assert len(images) == 3
    assert len({im.get_clim() for im in images}) == 1 and images[0].get_clim()[0] == 0.0
