"""Translation measures (gan_course.metrics.translation): paired scores, the domain test, silhouette area, spread."""

from __future__ import annotations


import pytest
import torch

from gan_course.data.domains import make_domains, negative
from gan_course.errors import CourseError
from gan_course.metrics.translation import DomainTest, paired_scores, silhouette_area


def test_silhouette_area_ignores_tone():
    shoes = make_domains("shoes", "test", limit=50)
    area = silhouette_area(shoes.a.images)
    assert torch.allclose(area, silhouette_area(negative(shoes.a.images)))  # same shape, other tone
    assert silhouette_area(shoes.b.images).mean() > area.mean()  # boots are bigger than sneakers


def test_shape_pair_domain_test_uses_each_pairs_classes():
    for pair in ("shoes", "trousers_bags"):
        test, held_out = DomainTest(pair), make_domains(pair, "test", limit=200)
        assert test.rate(held_out.a.images, "A") > 0.9 and test.rate(held_out.b.images, "B") > 0.9
        assert test.rate(held_out.a.images, "B") < 0.05


def test_pixel_domain_test_separates_the_negative_domains():
    test = DomainTest("negative")
    held_out = make_domains("negative", "test", limit=500)
    assert test.rate(held_out.a.images, "A") > 0.99 and test.rate(held_out.b.images, "B") > 0.99
    assert test.rate(held_out.a.images, "B") < 0.01
    again = DomainTest("negative")
    assert torch.equal(again.model.linear.weight, test.model.linear.weight)  # deterministic
    with pytest.raises(CourseError, match="'A' or 'B'"):
        test.rate(held_out.a.images, "C")


def test_spread_hand_values():
    from gan_course.metrics.translation import spread

    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2), torch.ones(1, 2, 2)])  # distances 1, 1, 0
    assert spread(x) == pytest.approx((1 + 1 + 0) / 3)
    assert spread(torch.zeros(4, 1, 2, 2)) == 0.0


def test_paired_scores_hand_values():
    y = torch.rand(4, 1, 32, 32) * 1.6 - 0.8
    same = paired_scores(y, y)
    assert same["l1"] == 0 and same["psnr"] == 100 and same["ssim"] == pytest.approx(1.0)
    shifted = paired_scores(y + 0.2, y)  # +0.2 on [-1, 1] is +0.1 on [0, 1]: MSE 0.01 -> 20 dB
    assert shifted["l1"] == pytest.approx(0.1, abs=1e-6) and shifted["psnr"] == pytest.approx(20.0, abs=1e-3)
    with pytest.raises(CourseError, match="same"):
        paired_scores(y, y[:2])
