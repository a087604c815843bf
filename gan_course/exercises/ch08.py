"""Chapter 8 (evaluating GANs): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch08.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch

from ..metrics.images import precision_recall
from .core import Check, _randn


def frechet_distance_from_features(features_a, features_b):
    """FD between two feature sets (N, d), (M, d): means, unbiased covariances, then the formula of
    :func:`~gan_course.metrics.images.frechet_from_statistics` (every FD of the course)."""
    a, b = features_a.double(), features_b.double()
    mu_a, mu_b, cov_a, cov_b = a.mean(0), b.mean(0), torch.cov(a.T), torch.cov(b.T)
    cross = torch.linalg.eigvals(cov_a @ cov_b).sqrt().real.sum()  # Tr((Σa Σb)^½)
    return (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross


def _fd_cases():
    a = _randn(64, 4, seed=120)
    mix = torch.tensor([[1.0, 0.3, 0.0, 0.0], [0.0, 0.8, 0.2, 0.0], [0.0, 0.0, 1.5, 0.0], [0.4, 0.0, 0.0, 0.5]])
    b = _randn(48, 4, seed=121) @ mix + torch.tensor([0.5, -0.2, 0.0, 0.3])
    return [(a.double(), b.double()), (b.double(), (_randn(40, 4, seed=122) * 2).double()),
            (_randn(30, 3, seed=123).double(), (_randn(35, 3, seed=124) * 0.7 + 0.2).double())]


def _fd_parts(a, b, unbiased=True):
    ma, mb = a.mean(0), b.mean(0)
    if unbiased:
        ca, cb = torch.cov(a.T), torch.cov(b.T)
    else:
        ca, cb = torch.cov(a.T, correction=0), torch.cov(b.T, correction=0)
    return ma, mb, ca, cb


def _sqrtm_trace(ca, cb):
    return torch.linalg.eigvals(ca @ cb).sqrt().real.sum()


def _fd_no_sqrt(a, b):
    ma, mb, ca, cb = _fd_parts(a, b)
    return (ma - mb).square().sum() + torch.trace(ca + cb - 2 * ca @ cb)


def _fd_biased_cov(a, b):
    ma, mb, ca, cb = _fd_parts(a, b, unbiased=False)
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * _sqrtm_trace(ca, cb)


def _fd_norm_not_squared(a, b):
    ma, mb, ca, cb = _fd_parts(a, b)
    return (ma - mb).norm() + ca.trace() + cb.trace() - 2 * _sqrtm_trace(ca, cb)


def _pr_cases():
    real = _randn(40, 3, seed=130)
    fake = _randn(30, 3, seed=131, scale=0.5) + torch.tensor([1.0, 0.0, 0.0])  # narrow and shifted
    return [(real, fake), (fake, real), (real, _randn(25, 3, seed=132, scale=2.0)),
            (real, fake, 1), (real, fake, 5), (fake, _randn(25, 3, seed=133, scale=1.5), 8)]  # other k


def _covered(reference, queries, kth):
    radii = torch.cdist(reference, reference).kthvalue(kth, dim=1).values
    return (torch.cdist(queries, reference) <= radii[None]).any(dim=1).float().mean().item()


def _pr_counts_self(real_features, fake_features, k=3):
    return _covered(real_features, fake_features, k), _covered(fake_features, real_features, k)


def _pr_swapped(real_features, fake_features, k=3):
    return _covered(fake_features, real_features, k + 1), _covered(real_features, fake_features, k + 1)


def _pr_query_radii(real_features, fake_features, k=3):
    def covered(reference, queries):
        radii = torch.cdist(queries, queries).kthvalue(k + 1, dim=1).values  # the queries' own radii
        return (torch.cdist(queries, reference) <= radii[:, None]).any(dim=1).float().mean().item()
    return covered(real_features, fake_features), covered(fake_features, real_features)




def _pr_fixed_k(real_features, fake_features, k=3):
    return _covered(real_features, fake_features, 4), _covered(fake_features, real_features, 4)


EXERCISES: dict[str, Check] = {  # the texts: ch08.toml
    "ch8.frechet_distance": Check(
        frechet_distance_from_features, [_fd_no_sqrt, _fd_biased_cov, _fd_norm_not_squared], _fd_cases, rtol=1e-6),
    "ch8.precision_recall": Check(
        precision_recall, [_pr_counts_self, _pr_swapped, _pr_query_radii, _pr_fixed_k], _pr_cases,
        reveals=("precision_recall",)),
}
