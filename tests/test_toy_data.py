"""Chapter 1's 2-D toy data (gan_course.data.toy): ring and grid centres, mixture samples."""

import math

import pytest
import torch

from gan_course.data import grid_centers, grid_of_gaussians, ring_centers, ring_of_gaussians, sample_mixture


def _nearest(points, centers):
    dist = torch.cdist(points, centers)  # (n, modes)
    return dist.min(dim=1)


# --------------------------------------------------------------- 2-D toy data
def test_ring_centers():
    centers = ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2)
    for k in range(8):
        angle = 2 * math.pi * k / 8
        assert centers[k, 0].item() == pytest.approx(2.0 * math.cos(angle), abs=1e-6)
        assert centers[k, 1].item() == pytest.approx(2.0 * math.sin(angle), abs=1e-6)


def test_grid_centers():
    centers = grid_centers(5, spacing=2.0)
    assert centers.shape == (25, 2)
    expected = {(x, y) for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)}
    assert {tuple(row) for row in centers.tolist()} == expected


@pytest.mark.parametrize("sampler, centers, std", [
    (lambda n, g: ring_of_gaussians(n, generator=g), ring_centers(8, 2.0), 0.02),
    (lambda n, g: grid_of_gaussians(n, generator=g), grid_centers(5, 2.0), 0.05),
    (lambda n, g: sample_mixture(ring_centers(3, 5.0), n, 0.3, generator=g), ring_centers(3, 5.0), 0.3),
])
def test_mixture_samples_lie_near_their_centres(sampler, centers, std):
    n = 4000
    points = sampler(n, torch.Generator().manual_seed(0))
    assert points.shape == (n, 2) and points.dtype == torch.float32
    dist, which = _nearest(points, centers)
    assert dist.max().item() < 6 * std  # a 2-D Gaussian radius beyond 6 std: probability e^-18
    counts = torch.bincount(which, minlength=len(centers))
    assert (counts > 0).all()  # every mode is used...
    assert counts.max().item() < 2 * n / len(centers)  # ...roughly equally
    # and the spread matches std (mean squared distance of a 2-D Gaussian is 2 std^2)
    assert (dist ** 2).mean().item() == pytest.approx(2 * std ** 2, rel=0.1)


def test_mixture_sampling_is_reproducible_with_a_generator():
    a = ring_of_gaussians(50, generator=torch.Generator().manual_seed(3))
    b = ring_of_gaussians(50, generator=torch.Generator().manual_seed(3))
    c = ring_of_gaussians(50, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
