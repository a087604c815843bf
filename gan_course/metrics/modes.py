"""Mode coverage on 2-D Gaussian mixtures (chapter 1).

Chapter 1 — mode coverage on 2-D Gaussian mixtures
---------------------------------------------------
For data made of K well-separated Gaussians with known centres and a common
standard deviation σ (the ring of 8, the 5x5 grid), two numbers summarise a
generator, in the spirit of the benchmark of Srivastava et al. (2017, VEEGAN)
and Lin et al. (2018, PacGAN):

* **high-quality share**: the fraction of generated points within ``n_sigma``
  (default 3) standard deviations, in Euclidean distance, of their nearest
  centre. For real data in 2-D this is ``1 - exp(-n_sigma² / 2)`` (98.9 % at
  3σ), so a perfect generator scores about that, not 100 %.
* **modes covered**: the number of centres that receive at least a
  ``min_share`` fraction of their fair share (``n / K`` points) of high-quality
  points. With the default 0.1 and 2500 points on 8 modes, a mode needs 32
  high-quality points. A collapsed generator covers few modes; a generator
  that smears mass between modes covers modes but has a low high-quality share.

The exact thresholds differ between papers; ours are the arguments below, so
numbers are comparable within this course, not with published tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import torch

from .. import arguments
from ..errors import CourseError
from .table import ScoreTable


@dataclass(frozen=True)
class ModeCoverage:
    """Mode coverage of one set of generated points."""

    modes_covered: int  # centres with at least min_count high-quality points
    n_modes: int  # K, the number of centres
    high_quality: float  # share of points within n_sigma * std of their nearest centre, in [0, 1]
    counts: tuple[int, ...]  # high-quality points per centre, (K,)
    min_count: int  # the threshold used for "covered"

    def __str__(self) -> str:
        return (f"{self.modes_covered}/{self.n_modes} modes covered, "
                f"{100 * self.high_quality:.1f}% high-quality samples")


def mode_coverage(samples: torch.Tensor, centers: torch.Tensor, std: float, n_sigma: float = 3.0,
                  min_share: float = 0.1) -> ModeCoverage:
    """Modes covered and high-quality share of ``samples`` (N, d) for ``centers`` (K, d).

    A point is *high quality* when its distance to the nearest centre is at most
    ``n_sigma * std``; it is then assigned to that centre. A centre is *covered*
    when it holds at least ``min_count = ceil(min_share * N / K)`` high-quality
    points (at least 1).
    """
    samples = arguments.as_tensor("samples", samples, "points (N, d)").detach().float().cpu()
    centers = arguments.as_tensor("centers", centers, "centres (K, d)").detach().float().cpu()
    std = arguments.number("std", std, above=0.0)
    n_sigma = arguments.number("n_sigma", n_sigma, above=0.0)
    min_share = arguments.number("min_share", min_share, minimum=0.0, maximum=1.0)
    if samples.dim() != 2 or centers.dim() != 2 or samples.shape[1] != centers.shape[1]:
        raise CourseError(f"mode_coverage needs samples (N, d) and centers (K, d) of the same d, got "
                          f"{tuple(samples.shape)} and {tuple(centers.shape)}: flatten or transpose them")
    if len(samples) == 0 or len(centers) == 0:
        raise CourseError(f"mode_coverage got no {'samples' if len(samples) == 0 else 'centers'}: pass at least "
                          "one point and one centre")
    if not bool(torch.isfinite(samples).all()) or not bool(torch.isfinite(centers).all()):
        raise CourseError("mode_coverage got NaN or infinite points: the generator diverged; go back to its "
                          "last good checkpoint, or train again with a lower learning rate")
    if std <= 0 or n_sigma <= 0:
        raise CourseError(f"std and n_sigma must be positive, got std={std}, n_sigma={n_sigma}")
    k = len(centers)
    dist = torch.cdist(samples, centers)  # (N, K) Euclidean distances
    nearest_dist, nearest = dist.min(dim=1)  # (N,), (N,)
    good = nearest_dist <= n_sigma * std  # (N,) high-quality mask
    counts = torch.bincount(nearest[good], minlength=k)  # (K,)
    min_count = max(1, math.ceil(min_share * len(samples) / k))
    return ModeCoverage(modes_covered=int((counts >= min_count).sum()), n_modes=k,
                        high_quality=float(good.float().mean()), counts=tuple(counts.tolist()),
                        min_count=min_count)


def real_data_high_quality(n_sigma: float = 3.0, dim: int = 2) -> float:
    """Expected high-quality share of *real* points from an isotropic Gaussian in ``dim`` = 2.

    The distance to the centre over σ follows a chi distribution with 2 degrees
    of freedom: P(r ≤ kσ) = 1 - exp(-k² / 2).
    """
    n_sigma = arguments.number("n_sigma", n_sigma, above=0.0)
    if isinstance(dim, bool) or dim != 2:
        raise CourseError(f"dim must be 2 (real_data_high_quality has a closed form for dim=2 only), got "
                          f"{arguments.shown(dim)}")
    return 1.0 - math.exp(-n_sigma ** 2 / 2)


def coverage_table(results: Mapping[str, Sequence[ModeCoverage]]) -> ScoreTable:
    """A table (plain text when printed, HTML when displayed): per configuration, mean ± std over seeds and the per-seed values.

    ``results`` maps a configuration name to one :class:`ModeCoverage` per seed.
    The spread is the sample standard deviation (0 for a single seed).
    """
    arguments.instance("results", results, Mapping, "a dict {configuration name: [ModeCoverage per seed]}, "
                       "e.g. a ToyLab's coverage")
    if not results:
        raise CourseError("results is empty: pass {configuration name: [ModeCoverage per seed]}")
    for name, covs in results.items():
        if isinstance(covs, (str, bytes)) or not isinstance(covs, Sequence) or \
                not all(isinstance(c, ModeCoverage) for c in covs):
            raise CourseError(f"results[{name!r}] must be a list of ModeCoverage (one per seed, from "
                              f"mode_coverage), got {arguments.shown(covs)}")

    def mean_std(values):
        t = torch.tensor(values, dtype=torch.float64)
        return t.mean().item(), (t.std().item() if len(values) > 1 else 0.0)

    lines = [f"{'configuration':<22}{'seeds':>6}  {'modes covered':>16}  {'high-quality %':>16}  per seed (modes / HQ %)",
             "-" * 100]
    rows = []
    for name, covs in results.items():
        if not covs:
            raise CourseError(f"no runs for {name!r}: train at least one seed")
        m_mean, m_std = mean_std([c.modes_covered for c in covs])
        q_mean, q_std = mean_std([100 * c.high_quality for c in covs])
        per_seed = ", ".join(f"{c.modes_covered}/{100 * c.high_quality:.0f}" for c in covs)
        lines.append(f"{name:<22}{len(covs):>6}  {m_mean:>8.2f} ± {m_std:<5.2f}  {q_mean:>8.1f} ± {q_std:<5.1f}  {per_seed}")
        rows.append([name, str(len(covs)), f"{m_mean:.2f} ± {m_std:.2f}", f"{q_mean:.1f} ± {q_std:.1f}", per_seed])
    # prints as this text; a notebook that displays it shows an HTML table (gan_course.metrics.table)
    return ScoreTable("\n".join(lines), ["configuration", "seeds", "modes covered", "high-quality %",
                                         "per seed (modes / HQ %)"], [(None, rows)])
