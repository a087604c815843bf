"""Chapter 11: a denoising diffusion model (DDPM, Ho et al. 2020) and DDIM sampling (Song et al. 2021).

A diffusion model has no discriminator and no game. It fixes a **forward process**
that destroys an image in ``T`` small Gaussian steps,

    q(x_t | x_{t-1}) = N(sqrt(1 - β_t) x_{t-1}, β_t I),  t = 1..T,

and trains one network ε_θ(x_t, t) to undo it. Because Gaussians compose, x_t can
be drawn from x_0 in one go, with ``ᾱ_t = Π_{s<=t} (1 - β_s)``:

    q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 - ᾱ_t) I),  i.e.  x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε.

The loss is plain regression of the noise that was added (:func:`ddpm_loss`).
Sampling runs the chain backwards from pure noise: ``T`` network evaluations for
ancestral sampling (:meth:`GaussianDiffusion.p_sample_loop`), or a few with DDIM
(:meth:`GaussianDiffusion.ddim_sample_loop`), which jumps along a sub-sequence of
the steps.

Names and order of operations follow the official code of both papers
(``diffusion_utils_2.py`` of Ho et al., ``generalized_steps`` of Song et al.); time
steps are 0-based there and here: index ``t`` = 0..T-1 stands for the paper's t = 1..T.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import arguments
from .errors import CourseError

SCHEDULES = ("linear", "cosine")
MAX_TIMESTEPS = 100_000  # the longest forward process (T) accepted


def get_beta_schedule(schedule: str, timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02
                      ) -> torch.Tensor:
    """β_1..β_T as a float64 tensor (T,).

    * ``"linear"``: Ho et al.'s, from ``beta_start`` to ``beta_end`` (1e-4 to 0.02 for T = 1000);
    * ``"cosine"``: Nichol & Dhariwal's, ᾱ_t = cos²((t/T + s)/(1 + s) · π/2) with s = 0.008, β clipped at 0.999.
    """
    if not isinstance(timesteps, int) or isinstance(timesteps, bool) or timesteps < 1:
        raise CourseError(f"timesteps must be a whole number >= 1, got {timesteps!r}: e.g. 1000 as in the DDPM paper")
    if schedule == "linear":
        if not 0 < beta_start <= beta_end < 1:
            raise CourseError(f"need 0 < beta_start <= beta_end < 1, got {beta_start} and {beta_end}: "
                              "e.g. 1e-4 and 0.02 as in the DDPM paper")
        return torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64)
    if schedule == "cosine":
        s = 0.008
        steps = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
        alphas_cumprod = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = 1 - alphas_cumprod[1:] / alphas_cumprod[:-1]
        return betas.clamp(max=0.999)
    raise CourseError(f"schedule={schedule!r} is not one of {', '.join(SCHEDULES)}")


def _extract(a: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``a[t]`` for a batch of steps ``t`` (B,), shaped (B, 1, 1, 1) to broadcast against ``x``, in x's dtype."""
    return a.to(x.device)[t].to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))


class GaussianDiffusion:
    """The fixed forward process of one β schedule, and the samplers that invert it with a trained ε_θ."""

    def __init__(self, betas: torch.Tensor):
        what = "a 1-D tensor of β_1..β_T in (0, 1), e.g. get_beta_schedule('linear', 1000)"
        array = arguments.values("betas", betas, what, above=0.0, below=1.0)
        if array.ndim != 1 or len(array) > MAX_TIMESTEPS:
            raise CourseError(f"betas must be {what}, got shape {array.shape} (at most {MAX_TIMESTEPS:,} steps)")
        betas = torch.as_tensor(betas, dtype=torch.float64)
        self.betas = betas  # (T,) float64: every coefficient is computed in double, used in the data's dtype
        self.num_timesteps = len(betas)
        alphas = 1.0 - betas
        self.alphas_cumprod = torch.cumprod(alphas, 0)  # ᾱ_t
        self.alphas_cumprod_prev = torch.cat([torch.ones(1, dtype=torch.float64), self.alphas_cumprod[:-1]])
        # q(x_t | x_0)
        self.sqrt_alphas_cumprod = self.alphas_cumprod.sqrt()
        self.sqrt_one_minus_alphas_cumprod = (1.0 - self.alphas_cumprod).sqrt()
        self.sqrt_recip_alphas_cumprod = (1.0 / self.alphas_cumprod).sqrt()
        self.sqrt_recipm1_alphas_cumprod = (1.0 / self.alphas_cumprod - 1).sqrt()
        # q(x_{t-1} | x_t, x_0): the posterior the reverse steps imitate
        self.posterior_variance = betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)  # β̃_t
        self.posterior_log_variance_clipped = torch.log(
            torch.cat([self.posterior_variance[1:2], self.posterior_variance[1:]]))  # β̃_1 = 0: log of β̃_2
        self.posterior_mean_coef1 = betas * self.alphas_cumprod_prev.sqrt() / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - self.alphas_cumprod_prev) * alphas.sqrt() / (1.0 - self.alphas_cumprod)

    @classmethod
    def from_config(cls, cfg) -> "GaussianDiffusion":
        """The diffusion of a model config with ``schedule``, ``timesteps``, ``beta_start`` and ``beta_end``."""
        return cls(get_beta_schedule(cfg.schedule, cfg.timesteps, cfg.beta_start, cfg.beta_end))

    # ------------------------------------------------------------ forward process
    def q_mean_variance(self, x_start: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean sqrt(ᾱ_t)·x_0 and variance (1 - ᾱ_t) of q(x_t | x_0)."""
        return _extract(self.sqrt_alphas_cumprod, t, x_start) * x_start, \
            _extract(1.0 - self.alphas_cumprod, t, x_start)

    def q_sample(self, x_start: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(ᾱ_t)·x_0 + sqrt(1 - ᾱ_t)·ε: a draw of q(x_t | x_0) in one step. (B, C, H, W), t (B,)."""
        return (_extract(self.sqrt_alphas_cumprod, t, x_start) * x_start
                + _extract(self.sqrt_one_minus_alphas_cumprod, t, x_start) * noise)

    def q_posterior_mean_variance(self, x_start, x_t, t):
        """Mean, variance and log variance of q(x_{t-1} | x_t, x_0)."""
        mean = (_extract(self.posterior_mean_coef1, t, x_t) * x_start
                + _extract(self.posterior_mean_coef2, t, x_t) * x_t)
        return mean, _extract(self.posterior_variance, t, x_t), _extract(self.posterior_log_variance_clipped, t, x_t)

    # ------------------------------------------------------------ reverse process
    def predict_start_from_noise(self, x_t, t, noise):
        """x̂_0 = (x_t - sqrt(1 - ᾱ_t)·ε) / sqrt(ᾱ_t): the clean image the predicted noise implies."""
        return (_extract(self.sqrt_recip_alphas_cumprod, t, x_t) * x_t
                - _extract(self.sqrt_recipm1_alphas_cumprod, t, x_t) * noise)

    def p_mean_variance(self, denoise_fn, x, t, clip_denoised: bool = True):
        """p_θ(x_{t-1} | x_t): the posterior mean at x̂_0 (clipped to [-1, 1]), and the fixed variance β̃_t."""
        x_recon = self.predict_start_from_noise(x, t, noise=denoise_fn(x, t))
        if clip_denoised:
            x_recon = x_recon.clamp(-1.0, 1.0)
        model_mean, _, model_log_variance = self.q_posterior_mean_variance(x_recon, x, t)
        return model_mean, model_log_variance, x_recon

    def p_sample(self, denoise_fn, x, t, noise, clip_denoised: bool = True):
        """One ancestral step x_t -> x_{t-1}: the mean plus σ_t·z, and no noise at the last step (t = 0)."""
        model_mean, model_log_variance, _ = self.p_mean_variance(denoise_fn, x, t, clip_denoised)
        nonzero_mask = (t != 0).to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))  # 0 at t = 0
        return model_mean + nonzero_mask * torch.exp(0.5 * model_log_variance) * noise

    @torch.no_grad()
    def p_sample_loop(self, denoise_fn, shape, device="cpu", generator: torch.Generator | None = None,
                      clip_denoised: bool = True, keep: Callable[[int], bool] | None = None):
        """Ancestral sampling: x_T ~ N(0, I), then T steps back to x_0 (T network evaluations).

        ``keep(t)`` picks steps whose x_t is returned as well (``(x_0, [(t, x_t), ...])``); without it, x_0 only.
        """
        img = _randn(shape, generator, device)
        kept = []
        for i in reversed(range(self.num_timesteps)):
            t = torch.full((shape[0],), i, dtype=torch.long, device=img.device)
            img = self.p_sample(denoise_fn, img, t, _randn(shape, generator, device), clip_denoised)
            if keep is not None and keep(i):
                kept.append((i, img))
        return (img, kept) if keep is not None else img

    @torch.no_grad()
    def ddim_sample_loop(self, denoise_fn, shape, steps: int, eta: float = 0.0, device="cpu",
                         generator: torch.Generator | None = None, x_T: torch.Tensor | None = None,
                         clip_denoised: bool = False, keep: Callable[[int], bool] | None = None):
        """DDIM (Song et al.'s ``generalized_steps``): ``steps`` evaluations on the sub-sequence 0, k, 2k, ...

        ``eta = 0``: deterministic (x_T fixes the image); ``eta = 1`` with ``steps = T``: DDPM's ancestral
        sampler with variance β̃_t (the same numbers, given the same noise, when clip_denoised is off in both).
        """
        T = self.num_timesteps
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= T:
            raise CourseError(f"steps must be a whole number from 1 to T = {T}, got {steps!r}: e.g. 20 for DDIM")
        if not 0.0 <= eta <= 1.0:
            raise CourseError(f"eta must be in [0, 1] (0: deterministic DDIM, 1: DDPM-like), got {eta!r}")
        seq = _ddim_sequence(T, steps)  # e.g. [0, 50, 100, ..., 950]
        seq_next = [-1] + seq[:-1]
        x = _randn(shape, generator, device) if x_T is None else x_T
        kept = []
        for i, j in zip(reversed(seq), reversed(seq_next)):
            t = torch.full((shape[0],), i, dtype=torch.long, device=x.device)
            at = _extract(self.alphas_cumprod, t, x)
            at_next = torch.ones_like(at) if j < 0 else _extract(self.alphas_cumprod, torch.full_like(t, j), x)
            et = denoise_fn(x, t)
            x0_t = (x - et * (1 - at).sqrt()) / at.sqrt()  # the clean image the noise implies
            if clip_denoised:
                x0_t = x0_t.clamp(-1.0, 1.0)
            c1 = eta * ((1 - at / at_next) * (1 - at_next) / (1 - at)).sqrt()  # σ: the fresh noise's share
            c2 = ((1 - at_next) - c1 ** 2).sqrt()  # the predicted noise's share
            x = at_next.sqrt() * x0_t + c1 * _randn(shape, generator, device) + c2 * et
            if keep is not None and keep(j):
                kept.append((j, x))
        return (x, kept) if keep is not None else x


def _ddim_sequence(T: int, steps: int) -> list[int]:
    """The steps DDIM visits: every ``T // steps``-th from 0 (Song et al.'s "uniform" skip)."""
    return list(range(0, T, T // steps))[:steps]


def _randn(shape, generator: torch.Generator | None, device) -> torch.Tensor:
    """Standard normal noise from ``generator`` (on the CPU, then moved) or the global RNG."""
    return torch.randn(shape, generator=generator).to(device) if generator is not None \
        else torch.randn(shape, device=device)


def ddpm_loss(denoise_fn, diffusion: GaussianDiffusion, x_start: torch.Tensor, t: torch.Tensor,
              noise: torch.Tensor) -> torch.Tensor:
    """Ho et al.'s simplified objective: E‖ε - ε_θ(sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε, t)‖², the mean squared error.

    ``x_start`` (B, C, H, W) in [-1, 1], ``t`` (B,) steps in 0..T-1, ``noise`` (B, C, H, W) ~ N(0, I).
    """
    _check_loss_inputs(denoise_fn, diffusion, x_start, t, noise)  # types and shapes only: it runs at every step
    x_noisy = diffusion.q_sample(x_start, t, noise)  # (B, C, H, W)
    return torch.mean((noise - denoise_fn(x_noisy, t)) ** 2)


def _check_loss_inputs(denoise_fn, diffusion, x_start, t, noise) -> None:
    arguments.function("denoise_fn", denoise_fn)
    arguments.instance("diffusion", diffusion, GaussianDiffusion, "a GaussianDiffusion, e.g. diffusion_of(model)")
    arguments.scores("x_start", x_start)
    arguments.tensor("x_start", x_start, 4, "a batch of images (B, C, H, W)", floating=True)
    arguments.tensor("noise", noise, 4, "noise (B, C, H, W) like x_start", floating=True)
    arguments.same_shape("noise", noise, "x_start", x_start)
    arguments.tensor("t", t, 1, "one step per image (B,), integers in 0..T-1")
    arguments.same_rows("t", t, "x_start", x_start)
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise CourseError(f"t must be integer steps (B,) in 0..T-1, got dtype {t.dtype}: pass e.g. "
                          "torch.randint(0, diffusion.num_timesteps, (B,))")
