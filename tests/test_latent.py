"""lerp and slerp: end points, shapes, and the norm argument for slerp."""

import math

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.latent import lerp, slerp, typical_norm

D = 100


def _ends(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, D, generator=g), torch.randn(*shape, D, generator=g)


@pytest.mark.parametrize("fn", [lerp, slerp])
def test_endpoints_and_shape(fn):
    z0, z1 = _ends()
    path = fn(z0, z1, torch.linspace(0, 1, 9))
    assert path.shape == (9, D)
    torch.testing.assert_close(path[0], z0, atol=1e-5, rtol=0)
    torch.testing.assert_close(path[-1], z1, atol=1e-5, rtol=0)


@pytest.mark.parametrize("fn", [lerp, slerp])
def test_batched_rows_match_single_walks(fn):
    z0, z1 = _ends(3)
    t = torch.linspace(0, 1, 5)
    path = fn(z0, z1, t)
    assert path.shape == (5, 3, D)
    for i in range(3):
        torch.testing.assert_close(path[:, i], fn(z0[i], z1[i], t), atol=1e-5, rtol=1e-5)


def test_slerp_keeps_the_norm_and_lerp_does_not():
    z0, z1 = _ends()
    z1 = z1 * z0.norm() / z1.norm()  # equal norms: slerp's norm is then exactly constant
    t = torch.linspace(0, 1, 11)
    slerp_norms = slerp(z0, z1, t).norm(dim=-1)
    lerp_norms = lerp(z0, z1, t).norm(dim=-1)
    torch.testing.assert_close(slerp_norms, torch.full_like(slerp_norms, float(z0.norm())), rtol=1e-4, atol=0)
    # nearly orthogonal ends: the straight midpoint shrinks by about 1/sqrt(2)
    assert lerp_norms[5] < 0.8 * z0.norm()
    assert abs(lerp_norms[5] / z0.norm() - 1 / math.sqrt(2)) < 0.1


def test_slerp_norm_stays_on_the_shell_for_random_ends():
    z0, z1 = _ends(64)
    mid_s = slerp(z0, z1, torch.tensor([0.5]))[0].norm(dim=-1)  # (64,)
    mid_l = lerp(z0, z1, torch.tensor([0.5]))[0].norm(dim=-1)
    mean, std = typical_norm(D)
    assert (mid_s - mean).abs().mean() < 2 * std
    assert (mid_l.mean() - math.sqrt(D / 2)).abs() < 0.5


def test_slerp_degenerate_ends_fall_back_to_the_line():
    z0, _ = _ends()
    for z1 in (2 * z0, -z0, -3 * z0):
        path = slerp(z0, z1, torch.linspace(0, 1, 4))
        assert torch.isfinite(path).all()
        torch.testing.assert_close(path, lerp(z0, z1, torch.linspace(0, 1, 4)))


def test_typical_norm_matches_samples():
    mean, std = typical_norm(D)
    norms = torch.randn(20000, D, generator=torch.Generator().manual_seed(1)).norm(dim=1)
    assert abs(norms.mean().item() - mean) < 0.02
    assert abs(norms.std().item() - std) < 0.02
    assert abs(mean - math.sqrt(D - 0.5)) < 0.01


def test_mismatched_ends_name_the_fix():
    with pytest.raises(CourseError, match="same shape"):
        slerp(torch.randn(D), torch.randn(D + 1), torch.linspace(0, 1, 3))


def test_slerp_is_accurate_for_nearly_parallel_ends():
    z0, z1 = _ends()
    z1 = z0 + 1e-3 * z1  # an angle of about 1e-3 rad: the arc and the line nearly coincide
    t = torch.linspace(0, 1, 5)
    torch.testing.assert_close(slerp(z0, z1, t), lerp(z0, z1, t), atol=1e-4, rtol=0)
