"""Chapter 1's 2-D toy data: points drawn from Gaussian mixtures on a ring or a grid.

A toy set is an (N, 2) tensor; wrapped in :class:`~gan_course.data.ImageSet` it is
batched by the same :class:`~gan_course.data.Batches` as the images.
"""

from __future__ import annotations

import math

import torch

from .. import arguments
from ..errors import CourseError

MAX_POINTS = 10_000_000  # the most points one call draws (80 MB of floats)


def ring_centers(modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """(modes, 2) centres evenly spaced on a circle."""
    modes = arguments.whole("modes", modes, 1, 10_000, example=8)
    radius = arguments.number("radius", radius, above=0.0, maximum=1e6)
    angles = torch.arange(modes, dtype=torch.float32) * (2 * math.pi / modes)
    return torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], dim=1)


def grid_centers(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    """(side*side, 2) centres on a square grid centred at the origin."""
    side = arguments.whole("side", side, 1, 100, example=5)
    spacing = arguments.number("spacing", spacing, above=0.0, maximum=1e6)
    coords = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(coords, coords, indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], dim=1)


def _check_mixture(centers, n, std, generator) -> None:
    """sample_mixture's arguments, checked before any random number is drawn."""
    arguments.tensor("centers", centers, dims=2, what="a tensor of centres (K, D)", min_len=1, floating=True)
    if not bool(torch.isfinite(centers).all()):
        raise CourseError("centers holds NaN or infinite values: pass finite centres, e.g. ring_centers()")
    arguments.whole("n", n, 1, MAX_POINTS, example=1000)
    arguments.number("std", std, minimum=0.0, maximum=1e6)
    arguments.instance("generator", generator, (torch.Generator, type(None)), "a torch.Generator or None")


def sample_mixture(centers: torch.Tensor, n: int, std: float,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """n points from an equal-weight mixture of isotropic Gaussians: (n, 2)."""
    _check_mixture(centers, n, std, generator)
    which = torch.randint(len(centers), (n,), generator=generator)
    return centers[which] + std * torch.randn(n, centers.shape[1], generator=generator)


def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """The classic mode-collapse benchmark: 8 Gaussians on a ring, (n, 2)."""
    return sample_mixture(ring_centers(modes, radius), n, std, generator)


def grid_of_gaussians(n: int, side: int = 5, spacing: float = 2.0, std: float = 0.05,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """25 Gaussians on a 5x5 grid, (n, 2)."""
    return sample_mixture(grid_centers(side, spacing), n, std, generator)
