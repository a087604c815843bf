"""Chapter 11's exercises: the forward noising q(x_t | x_0), one DDPM sampling step and the memorisation
score.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch11.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch

from ..diffusion import GaussianDiffusion, get_beta_schedule
from ..metrics.memorisation import memorisation_score
from .core import Check, _randn


# ===================================================================== q(x_t | x_0)
def q_sample_from_betas(x0, t, noise, betas):
    """x_t drawn from q(x_t | x_0) with the given noise, for a β schedule (T,): :meth:`GaussianDiffusion.q_sample`."""
    return GaussianDiffusion(betas).q_sample(x0, t, noise)


def _q_cases():
    out = []
    for seed, shape, T, schedule in ((0, (4, 1, 5, 5), 1000, "linear"), (1, (3, 1, 4, 4), 50, "cosine"),
                                     (2, (5, 2, 3, 3), 200, "linear")):
        g = torch.Generator().manual_seed(1100 + seed)
        x0 = torch.rand(*shape, generator=g) * 2 - 1
        t = torch.randint(0, T, (shape[0],), generator=g)
        t[0] = 0  # the first step
        t[-1] = T - 1  # and the last
        out.append((x0, t, torch.randn(*shape, generator=g), get_beta_schedule(schedule, T).float()))
    return out


def _abar(betas, t):
    return torch.cumprod(1 - betas.double(), 0)[t].float().reshape(-1, 1, 1, 1)


def _q_beta_for_abar(x0, t, noise, betas):
    b = betas.double()[t].float().reshape(-1, 1, 1, 1)
    return b.sqrt() * x0 + (1 - b).sqrt() * noise  # β_t written where ᾱ_t belongs


def _q_alpha_not_cumulative(x0, t, noise, betas):
    a = (1 - betas.double())[t].float().reshape(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _q_no_sqrt_on_signal(x0, t, noise, betas):
    a = _abar(betas, t)
    return a * x0 + (1 - a).sqrt() * noise


def _q_no_sqrt_on_noise(x0, t, noise, betas):
    a = _abar(betas, t)
    return a.sqrt() * x0 + (1 - a) * noise


def _q_off_by_one(x0, t, noise, betas):
    abar = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas.double(), 0)])
    a = abar[t].float().reshape(-1, 1, 1, 1)  # ᾱ of the step before: index t means the paper's t + 1
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


# ===================================================================== one sampling step
def p_sample_step(eps_model, x_t, t, noise, betas):
    """One ancestral step x_t -> x_{t-1} (Ho et al.'s Algorithm 2, σ_t² = β̃_t, no clipping): :meth:`p_sample`."""
    return GaussianDiffusion(betas).p_sample(eps_model, x_t, t, noise, clip_denoised=False)


class _Eps(torch.nn.Module):
    """A fixed stand-in for ε_θ: a 1x1 convolution plus a term in t (no training needed)."""

    def __init__(self, seed: int, channels: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.conv = torch.nn.Conv2d(channels, channels, 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.randn(self.conv.weight.shape, generator=g) * 0.5)
            self.conv.bias.copy_(torch.randn(channels, generator=g) * 0.1)

    def forward(self, x, t):
        return self.conv(x) + 0.001 * t.float().reshape(-1, 1, 1, 1)


def _p_cases():
    out = []
    for seed, shape, T, ts in ((0, (4, 1, 4, 4), 1000, [0, 1, 500, 999]), (1, (3, 2, 3, 3), 100, [0, 0, 57]),
                               (2, (2, 1, 5, 5), 300, [299, 7])):
        g = torch.Generator().manual_seed(1200 + seed)
        out.append((_Eps(seed, shape[1]), torch.randn(*shape, generator=g), torch.tensor(ts),
                    torch.randn(*shape, generator=g), get_beta_schedule("linear", T).float()))
    return out


def _p_parts(x_t, t, eps, betas):
    b = betas.double()
    abar = torch.cumprod(1 - b, 0)
    abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
    col = lambda v: v[t].float().reshape(-1, 1, 1, 1)  # noqa: E731
    mean = (x_t - col(b / (1 - abar).sqrt()) * eps) / col((1 - b).sqrt())
    return mean, col(b * (1 - abar_prev) / (1 - abar)), col(b)


def _p_no_noise(eps_model, x_t, t, noise, betas):
    mean, _, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    return mean  # the variance term dropped at every step


def _p_noise_at_zero(eps_model, x_t, t, noise, betas):
    mean, var, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    var = torch.where(var > 0, var, _p_parts(x_t, torch.ones_like(t), eps_model(x_t, t), betas)[1])
    return mean + var.sqrt() * noise  # noise added at the last step (t = 0) too


def _p_variance_as_std(eps_model, x_t, t, noise, betas):
    mean, var, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    return mean + (t > 0).float().reshape(-1, 1, 1, 1) * var * noise


def _p_abar_in_mean(eps_model, x_t, t, noise, betas):
    eps = eps_model(x_t, t)
    b = betas.double()
    abar = torch.cumprod(1 - b, 0)
    _, var, _ = _p_parts(x_t, t, eps, betas)
    col = lambda v: v[t].float().reshape(-1, 1, 1, 1)  # noqa: E731
    mean = (x_t - col(b / (1 - abar).sqrt()) * eps) / col(abar.sqrt())  # divides by sqrt(ᾱ_t), not sqrt(α_t)
    return mean + (t > 0).float().reshape(-1, 1, 1, 1) * var.sqrt() * noise


# ===================================================================== the memorisation score
def _mem_cases():
    out = []
    for seed, n_train, n_q, copies, quantile in ((0, 60, 20, 6, 0.05), (1, 40, 15, 0, 0.1), (2, 50, 24, 12, 0.2)):
        train = _randn(n_train, 1, 4, 4, seed=1300 + seed)
        heldout = _randn(30, 1, 4, 4, seed=1310 + seed)
        queries = _randn(n_q, 1, 4, 4, seed=1320 + seed)
        queries[:copies] = train[:copies] + 0.01 * _randn(copies, 1, 4, 4, seed=1330 + seed)  # near-copies
        out.append((queries, train, heldout, quantile))
    return out


def _nn_dist(a, b):
    return torch.cdist(a.flatten(1).double(), b.flatten(1).double()).min(dim=1).values


def _mem_own_threshold(queries, train, heldout, quantile=0.05):
    d = _nn_dist(queries, train)
    return float((d < torch.quantile(d, quantile)).double().mean())  # the samples' own distances set the bar


def _mem_above(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d > torch.quantile(h, quantile)).double().mean())


def _mem_mean_threshold(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d < h.mean()).double().mean())


def _mem_fixed_quantile(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d < torch.quantile(h, 0.05)).double().mean())


EXERCISES: dict[str, Check] = {  # the texts: ch11.toml
    "ch11.q_sample": Check(
        q_sample_from_betas,
        [_q_beta_for_abar, _q_alpha_not_cumulative, _q_no_sqrt_on_signal, _q_no_sqrt_on_noise, _q_off_by_one],
        _q_cases, rtol=1e-5, atol=1e-6, reveals=("q_sample", "q_mean_variance")),
    "ch11.p_sample": Check(
        p_sample_step, [_p_no_noise, _p_noise_at_zero, _p_variance_as_std, _p_abar_in_mean], _p_cases, rtol=1e-4,
        atol=1e-5, reveals=("p_sample", "p_mean_variance")),
    "ch11.memorisation_score": Check(
        memorisation_score, [_mem_own_threshold, _mem_above, _mem_mean_threshold, _mem_fixed_quantile], _mem_cases,
        rtol=1e-9, atol=1e-12, reveals=("memorisation_score",)),
}
