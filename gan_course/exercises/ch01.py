"""Chapter 1 (the minimax game): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from .core import Exercise, Question, _m


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


def _cov_one_sigma(samples, centers, std):
    import torch

    dist, nearest = torch.cdist(samples, centers).min(1)
    good = dist <= std
    counts = torch.bincount(nearest[good], minlength=len(centers))
    need = max(1, math.ceil(0.1 * len(samples) / len(centers)))
    return int((counts >= need).sum()), float(good.float().mean())


def _cov_any_point(samples, centers, std):
    import torch

    dist, nearest = torch.cdist(samples, centers).min(1)
    good = dist <= 3 * std
    counts = torch.bincount(nearest[good], minlength=len(centers))
    return int((counts >= 1).sum()), float(good.float().mean())


def _cov_all_points(samples, centers, std):
    import torch

    dist, nearest = torch.cdist(samples, centers).min(1)
    good = dist <= 3 * std
    counts = torch.bincount(nearest, minlength=len(centers))  # every point counts for its nearest mode
    need = max(1, math.ceil(0.1 * len(samples) / len(centers)))
    return int((counts >= need).sum()), float(good.float().mean())


def _cov_share_of_good(samples, centers, std):
    import torch

    dist, nearest = torch.cdist(samples, centers).min(1)
    good = dist <= 3 * std
    counts = torch.bincount(nearest[good], minlength=len(centers))
    need = max(1, math.ceil(0.1 * int(good.sum()) / len(centers)))  # fair share of the good points only
    return int((counts >= need).sum()), float(good.float().mean())


EXERCISES: dict[str, Exercise] = {
    "ch1.optimal_discriminator": Exercise(
        1, "the optimal discriminator D*(x) = p_data / (p_data + p_g)", theory.optimal_discriminator,
        [_m(_d_star_swapped, "the densities are swapped: D* is the probability that a point is REAL, so the "
                             "real data's density belongs on top", "densities swapped"),
         _m(_d_star_no_half, "0/0 gives nan where both densities vanish; there D does not change V at all, and "
                             "the statement asks for the undecided value one half", "nan where both vanish"),
         _m(_d_star_ratio, "that is the density ratio, which is not a probability (it can exceed 1): D* divides by "
                           "the total density of the two sources", "density ratio")],
        _ch1_d_star_cases,
        hint="D* is, at each point, the probability that a sample there came from the data rather than from G, "
             "when both sources are equally likely",
        hints=("Think of a point x drawn from a half-and-half mixture of the data and G: which share of the "
               "density at x comes from the data?",
               "Points where neither source puts any density need a value of their own, and no nan: any D is "
               "optimal there, and the statement fixes it"),
        section="2. The optimal discriminator and the Jensen–Shannon divergence", reveals=("js_divergence",)),
    "ch1.mode_coverage": Exercise(
        1, "the mode-coverage measure: modes covered and high-quality share (build)", coverage_numbers,
        [_m(_cov_per_axis, "a point counts as high quality when it lies within a distance of three sigma of a "
                           "centre, a circle; testing each coordinate separately accepts a square, whose corners "
                           "are farther away", "per-axis box"),
         _m(_cov_one_sigma, "one sigma is too strict: a third of the real points of a 2-D Gaussian lie beyond it; "
                            "the measure uses three", "one sigma"),
         _m(_cov_any_point, "a mode is covered only when it holds a tenth of its fair share of good points: a "
                            "handful of stray points near a centre is not coverage", "any point covers"),
         _m(_cov_all_points, "only high-quality points count towards a mode: points far from every centre are "
                             "assigned to their nearest one, but they do not cover it", "every point counts"),
         _m(_cov_share_of_good, "the fair share is that of ALL generated points, N / K: computing it from the "
                                "good points only lowers the bar for a generator with many bad points",
             "share of good points")],
        _coverage_cases, rtol=1e-9, atol=1e-12, side_effects=False,
        hint="two separate questions: how many points lie close to some mode (quality), and how many modes "
             "receive enough of those close points (coverage)",
        hints=("Close means within three standard deviations of the nearest centre, measured as a distance in "
               "the plane, not coordinate by coordinate",
               "Enough means at least a tenth of a fair share, the number of points divided by the number of "
               "modes (rounded up, and at least one); only close points are counted"),
        section="4. Mode-collapse lab: the ring of eight Gaussians", reveals=("mode_coverage",)),
    "ch1.value_function": Exercise(
        1, "the value function V(G, D) by quadrature", theory.value_function,
        [_m(_value_negated, "sign error: that is -V, the loss D minimises; the value function is what D "
                            "maximises", "negated value"),
         _m(_value_log_d_on_fakes, "sign error in the fake term: it rewards D for a LOW D on fakes through "
                                   "the log of one minus D", "wrong fake term"),
         _m(_value_no_dx, "a plain sum is not an integral: the quadrature weighs each value by the grid "
                          "spacing, which the chapter's integration helper does for you", "sum, not integral")],
        _ch1_value_cases, rtol=1e-6,
        hint="V has a real term, weighted by the data density, and a fake term, weighted by G's density; each is an "
             "integral over x",
        hints=("The real term rewards D for being close to 1 where the data lives, on a log scale",
               "The fake term rewards D for being close to 0 where G's samples live, through the log of one minus D",
               "Integrate the sum of the two weighted terms over the grid with the chapter's trapezoidal helper"),
        section="1. Two players and one value function"),
    "ch1.js_divergence": Exercise(
        1, "the Jensen–Shannon divergence by quadrature", theory.js_divergence,
        [_m(_jsd_kl, "that is the KL divergence between the two densities themselves: the JSD compares each "
                     "density with their average", "plain KL"),
         _m(_jsd_no_halves, "missing the halves on the two KL terms: the JSD averages them, so it never exceeds "
                            "log 2", "no halves"),
         _m(_jsd_bits, "log base 2 gives bits; the course measures the JSD in nats (natural logarithm)", "bits")],
        _ch1_jsd_cases, rtol=1e-6,
        hint="the JSD is the average of two KL divergences, each from one density to the mixture of both",
        hints=("Build the mixture density first: the pointwise average of the two densities",
               "Each KL term is an integral over x of a density times the log of its ratio to the mixture; "
               "use natural logs and the trapezoidal helper"),
        section="2. The optimal discriminator and the Jensen–Shannon divergence"),
}

QUESTIONS: dict[str, Question] = {
    "ch1.value_at_equilibrium": Question(
        1, "At the equilibrium p_g = p_data, with D = D*, what is V(G, D*) in nats? (a number)",
        -math.log(4),
        "D* is 1/2 everywhere, so each of the two terms is log ½ and V = -log 4 ≈ -1.386.",
        rtol=0.01, section="2. The optimal discriminator and the Jensen–Shannon divergence"),
}
