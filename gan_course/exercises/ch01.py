"""Chapter 1 (the minimax game): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch01.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from .core import Check


def _grid_densities():
    """(p_data, p_g, x) for chapter 1: a two-bump data density and one Gaussian, on a small grid."""
    data = theory.Mixture1D(means=(-2.0, 2.0), stds=(0.7, 0.7))
    model = theory.gaussian(0.5, 1.2)
    x = theory.quadrature_grid(data, model, n=2001)
    return data.pdf(x), model.pdf(x), x


def _ch1_d_star_cases():
    p, q, _ = _grid_densities()
    sparse_p = np.array([0.0, 0.2, 0.0, 0.5, 1.0, 0.0])
    sparse_q = np.array([0.0, 0.0, 0.3, 0.5, 0.25, 0.0])  # both vanish at 0 and 5
    return [(p, q), (sparse_p, sparse_q), (sparse_p.reshape(2, 3), sparse_q.reshape(2, 3))]  # any shape


def _d_star_swapped(p_data, p_g):
    total = p_data + p_g
    return np.divide(p_g, total, out=np.full_like(total, 0.5), where=total > 0)


def _d_star_no_half(p_data, p_g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return p_data / (p_data + p_g)


def _d_star_ratio(p_data, p_g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return p_data / p_g


def _ch1_value_cases():
    p, q, x = _grid_densities()
    d_star = theory.optimal_discriminator(p, q)
    d_half = np.full_like(x, 0.5)
    d_sig = 1 / (1 + np.exp(-0.8 * x))  # a D that prefers positive x
    keep = (d_star > 1e-12) & (d_star < 1 - 1e-12)  # stay where log D and log(1 - D) are finite
    return [(p, q, d_half, x), (p, q, d_sig, x), (p[keep], q[keep], d_star[keep], x[keep])]


def _value_negated(p_data, p_g, d, x):
    return -theory.integrate(p_data * np.log(d) + p_g * np.log(1 - d), x)


def _value_log_d_on_fakes(p_data, p_g, d, x):
    return theory.integrate(p_data * np.log(d) - p_g * np.log(d), x)


def _value_no_dx(p_data, p_g, d, x):
    return float(np.sum(p_data * np.log(d) + p_g * np.log(1 - d)))


def _ch1_jsd_cases():
    out = []
    for (m1, s1), (m2, s2) in [((0.0, 1.0), (1.5, 1.0)), ((-1.0, 0.6), (2.0, 1.3))]:
        a, b = theory.gaussian(m1, s1), theory.gaussian(m2, s2)
        x = theory.quadrature_grid(a, b, n=2001)
        out.append((a.pdf(x), b.pdf(x), x))
    return out


def _kl(p, q, x):
    return theory.integrate(p * np.log(p / q), x)


def _jsd_kl(p, q, x):
    return _kl(p, q, x)


def _jsd_no_halves(p, q, x):
    m = (p + q) / 2
    return _kl(p, m, x) + _kl(q, m, x)


def _jsd_bits(p, q, x):
    m = (p + q) / 2
    return 0.5 * theory.integrate(p * np.log2(p / m), x) + 0.5 * theory.integrate(q * np.log2(q / m), x)


# ------------------------------------------------------------- build: the mode-coverage measure (section 4)
def coverage_numbers(samples, centers, std):
    """(modes covered, high-quality share) of ``samples`` (N, d) for mode ``centers`` (K, d) of width ``std``.

    The chapter's measure (:func:`gan_course.metrics.mode_coverage`), returned as two plain numbers.
    """
    from ..metrics import mode_coverage

    coverage = mode_coverage(samples, centers, std)
    return coverage.modes_covered, coverage.high_quality


def _coverage_case(seed: int, dim: int = 2, few: int = 4):
    """Points placed to tell each recorded mistake apart from the measure, for 8 ring modes of std 0.02."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    std = 0.02
    angles = torch.arange(8) * (2 * math.pi / 8)
    centers = torch.stack([2 * torch.cos(angles), 2 * torch.sin(angles)], dim=1)  # (8, 2)
    if dim == 3:
        centers = torch.cat([centers, torch.zeros(8, 1)], dim=1)  # (8, 3): the measure works in any dimension
    parts = []
    for k in range(4):  # four well-covered modes: 60 tight points each
        parts.append(centers[k] + 0.5 * std * torch.randn(60, dim, generator=gen))
    corner = torch.zeros(dim)
    corner[:2] = 2.5 * std  # inside the 3-sigma box on each axis, outside the 3-sigma circle
    parts.append(centers[4] + corner + 0.01 * std * torch.randn(30, dim, generator=gen))
    parts.append(centers[5] + 0.5 * std * torch.randn(few, dim, generator=gen))  # too few to count as covered
    parts.append(centers[6] + 2 * std + 0.01 * std * torch.randn(20, dim, generator=gen))  # between 1 and 3 sigma
    parts.append(centers[7] + 10 * std + 0.1 * std * torch.randn(12, dim, generator=gen))  # near mode 7, low quality
    parts.append(3 * torch.rand(60, dim, generator=gen) + 4)  # far off: low quality, pulls the fair share
    return (torch.cat(parts), centers, std)


def _coverage_cases():
    return [_coverage_case(0), _coverage_case(1, dim=3), _coverage_case(2, few=2)]


def _cov_per_axis(samples, centers, std):
    import torch

    dist = torch.cdist(samples, centers)
    nearest = dist.argmin(1)
    good = ((samples - centers[nearest]).abs() <= 3 * std).all(dim=1)
    counts = torch.bincount(nearest[good], minlength=len(centers))
    need = max(1, math.ceil(0.1 * len(samples) / len(centers)))
    return int((counts >= need).sum()), float(good.float().mean())


def _coverage_with(samples, centers, std, *, radius: float = 3.0, count_all: bool = False, need=None):
    """Mode coverage with one rule changed: the good points' ``radius`` (in σ), every point counted for its
    nearest mode (``count_all``), or another share a mode ``need``s (a function of the good points)."""
    import torch

    dist, nearest = torch.cdist(samples, centers).min(1)
    good = dist <= radius * std
    counts = torch.bincount(nearest if count_all else nearest[good], minlength=len(centers))
    need = max(1, math.ceil(0.1 * len(samples) / len(centers))) if need is None else need(good)
    return int((counts >= need).sum()), float(good.float().mean())


def _cov_one_sigma(samples, centers, std):
    return _coverage_with(samples, centers, std, radius=1.0)


def _cov_any_point(samples, centers, std):
    return _coverage_with(samples, centers, std, need=lambda good: 1)


def _cov_all_points(samples, centers, std):
    return _coverage_with(samples, centers, std, count_all=True)  # every point counts for its nearest mode


def _cov_share_of_good(samples, centers, std):
    def fair_share_of_the_good_points(good):
        return max(1, math.ceil(0.1 * int(good.sum()) / len(centers)))

    return _coverage_with(samples, centers, std, need=fair_share_of_the_good_points)


EXERCISES: dict[str, Check] = {  # the texts: ch01.toml
    "ch1.optimal_discriminator": Check(
        theory.optimal_discriminator, [_d_star_swapped, _d_star_no_half, _d_star_ratio], _ch1_d_star_cases,
        reveals=("js_divergence",)),
    "ch1.mode_coverage": Check(
        coverage_numbers, [_cov_per_axis, _cov_one_sigma, _cov_any_point, _cov_all_points, _cov_share_of_good],
        _coverage_cases, rtol=1e-9, atol=1e-12, side_effects=False, reveals=("mode_coverage",)),
    "ch1.value_function": Check(
        theory.value_function, [_value_negated, _value_log_d_on_fakes, _value_no_dx], _ch1_value_cases, rtol=1e-6),
    "ch1.js_divergence": Check(
        theory.js_divergence, [_jsd_kl, _jsd_no_halves, _jsd_bits], _ch1_jsd_cases, rtol=1e-6),
}
