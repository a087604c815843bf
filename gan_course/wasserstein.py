"""Chapter 9: the Wasserstein distance, computed, and the Lipschitz constraint, measured.

* **Two parallel lines** (the WGAN paper's example 1): P_0 is uniform on the segment
  {0} x [0, 1], P_θ the same segment moved to x = θ. Their JS divergence is log 2
  for every θ ≠ 0 and 0 at θ = 0, a step with no useful gradient; their earth
  mover's distance is |θ|, which shrinks smoothly as the lines approach.
  :func:`parallel_lines` computes both from samples: the JSD from the two
  empirical distributions, the EMD by an optimal assignment of the points.
* **W1 in one dimension.** For two 1-D distributions W1 is the area between their
  CDFs, ∫ |F_p^{-1}(u) - F_q^{-1}(u)| du; for two Gaussians this is the mean of a
  folded normal (:func:`w1_gaussians`). :func:`fit_critic_1d` trains a small critic
  with a gradient penalty and reads its estimate of W1 off the Kantorovich-Rubinstein
  dual, W1 = sup_{‖f‖_L ≤ 1} E_p[f] - E_q[f].
* **Spectral norm by power iteration** (:func:`power_iteration`): the largest singular
  value of a weight matrix, as spectral normalisation estimates it.

Logarithms are natural (JSD in nats, log 2 ≈ 0.693 the largest).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.stats import norm

from . import arguments
from .errors import CourseError
from .losses import gradient_penalty, wasserstein_critic_loss
from .models import ToyConfig, ToyCritic
from .runtime import eval_mode, seed_everything


# ================================================================= two parallel lines
def _discrete_jsd(p: dict, q: dict) -> float:
    """JSD (nats) between two discrete distributions given as {point: probability}."""
    jsd = 0.0
    for support, other in ((p, q), (q, p)):
        for point, mass in support.items():
            m = 0.5 * (mass + other.get(point, 0.0))
            jsd += 0.5 * mass * math.log(mass / m)
    return jsd


def parallel_lines(theta: float, n: int = 200, seed: int = 0) -> dict[str, float]:
    """JSD and EMD (W1) between n samples of P_0 = {0} x U[0,1] and n samples of P_θ = {θ} x U[0,1].

    Both sample the same heights y (so at θ = 0 the two sets coincide, as the two
    distributions do). The JSD is that of the two empirical distributions (point
    masses 1/n); the EMD is the cost of the best one-to-one transport of the points
    (``scipy.optimize.linear_sum_assignment`` on the (n, n) Euclidean distances).
    Returns ``{"theta", "jsd", "emd"}``; expect jsd = log 2 for θ ≠ 0 and emd = |θ|.
    """
    arguments.number("theta", theta)
    arguments.whole("n", n, 1, 2000, example=200)  # an (n, n) transport problem
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    y = np.random.default_rng(seed).uniform(0.0, 1.0, n)  # (n,) heights, shared by both lines
    a = np.stack([np.zeros(n), y], axis=1)  # (n, 2) P_0
    b = np.stack([np.full(n, float(theta)), y], axis=1)  # (n, 2) P_θ
    p = {tuple(pt): 1.0 / n for pt in a.round(12)}
    q = {tuple(pt): 1.0 / n for pt in b.round(12)}
    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)  # (n, n) distance of every pairing
    rows, cols = linear_sum_assignment(cost)  # the cheapest transport plan (a permutation)
    return {"theta": float(theta), "jsd": _discrete_jsd(p, q), "emd": float(cost[rows, cols].mean())}


# ======================================================================= W1 in 1-D
def check_gaussians(mean_p, std_p, mean_q, std_q) -> None:
    """Two Gaussians' parameters: finite means, finite standard deviations >= 0 (0: a point mass)."""
    arguments.number("mean_p", mean_p), arguments.number("std_p", std_p, minimum=0.0)
    arguments.number("mean_q", mean_q), arguments.number("std_q", std_q, minimum=0.0)


def w1_gaussians(mean_p: float, std_p: float, mean_q: float, std_q: float) -> float:
    """W1(N(μ_p, σ_p²), N(μ_q, σ_q²)) in closed form.

    In 1-D the optimal transport pairs equal quantiles: x_p(u) - x_q(u) = Δμ + Δσ Z with
    Δμ = μ_p - μ_q, Δσ = σ_p - σ_q, Z ~ N(0, 1). So W1 = E|Δμ + Δσ Z|, the mean of a folded
    normal: Δσ √(2/π) exp(-Δμ² / 2Δσ²) + Δμ (1 - 2Φ(-Δμ/Δσ)), and |Δμ| when Δσ = 0.
    """
    check_gaussians(mean_p, std_p, mean_q, std_q)
    mu, sigma = mean_p - mean_q, abs(std_p - std_q)
    if sigma == 0:
        return abs(mu)
    return float(sigma * math.sqrt(2 / math.pi) * math.exp(-mu ** 2 / (2 * sigma ** 2))
                 + mu * (1 - 2 * norm.cdf(-mu / sigma)))


def w1_samples_1d(a: torch.Tensor, b: torch.Tensor) -> float:
    """W1 between two equal-size 1-D samples: the mean distance between their sorted values (quantile matching)."""
    a, b = torch.as_tensor(a).flatten().double(), torch.as_tensor(b).flatten().double()
    if a.numel() != b.numel():
        raise CourseError(f"w1_samples_1d needs two samples of the same size, got {a.numel()} and {b.numel()}")
    return float((a.sort().values - b.sort().values).abs().mean())


@dataclass
class CriticFit:
    """A critic trained to estimate W1 between two fixed 1-D Gaussians."""

    critic: ToyCritic  # the trained network: x (B, 1) -> score (B,)
    history: dict[str, list[float]]  # "step" and "w1": minibatch estimates E_p f - E_q f
    estimate: float  # E_p f - E_q f on a large fresh sample after training
    seconds: float  # wall time of the fit

    @torch.no_grad()
    def scores(self, x: np.ndarray) -> np.ndarray:
        """f(x) at the points ``x`` (1-D array)."""
        xt = torch.as_tensor(np.asarray(x, dtype=np.float32)).unsqueeze(1)  # (N,) -> (N, 1)
        with eval_mode(self.critic):
            return self.critic(xt).double().numpy()


def fit_critic_1d(mean_p: float, std_p: float, mean_q: float, std_q: float, steps: int = 400,
                  batch_size: int = 256, lr: float = 1e-3, gp_weight: float = 10.0, seed: int = 0,
                  n_eval: int = 100_000, one_sided: bool = True) -> CriticFit:
    """Train a small WGAN-GP critic between N(μ_p, σ_p²) (real) and N(μ_q, σ_q²) (fake), both fixed.

    Each step draws fresh samples and takes one Adam step on
    ``wasserstein_critic_loss + gp_weight * gradient_penalty``. At the end, E_p f - E_q f on
    ``n_eval`` fresh samples of each is the critic's estimate of W1 (Kantorovich-Rubinstein).
    """
    check_gaussians(mean_p, std_p, mean_q, std_q)
    arguments.whole("steps", steps, 1, 10**6, example=400)
    arguments.whole("batch_size", batch_size, 1, arguments.MAX_SAMPLES, example=256)
    arguments.number("lr", lr, above=0.0), arguments.number("gp_weight", gp_weight, minimum=0.0)
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
    arguments.whole("n_eval", n_eval, 1, 10**7, example=100_000)
    arguments.flag("one_sided", one_sided)
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)
    critic = ToyCritic(ToyConfig(data_dim=1, hidden=64, depth=3))
    opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))
    history: dict[str, list[float]] = {"step": [], "w1": []}
    draw = lambda m, s, k: m + s * torch.randn(k, 1, generator=gen)  # (k, 1)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        real, fake = draw(mean_p, std_p, batch_size), draw(mean_q, std_q, batch_size)  # (B, 1) each
        gap_loss = wasserstein_critic_loss(critic(real), critic(fake))  # = -(E_p f - E_q f)
        loss = gap_loss + gp_weight * gradient_penalty(critic, real, fake, one_sided=one_sided, generator=gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == steps:
            history["step"].append(step)
            history["w1"].append(-gap_loss.item())
    with torch.no_grad():
        estimate = float(critic(draw(mean_p, std_p, n_eval)).mean() - critic(draw(mean_q, std_q, n_eval)).mean())
    return CriticFit(critic=critic, history=history, estimate=estimate, seconds=time.perf_counter() - start)


# ================================================================= spectral norm
def power_iteration(weight: torch.Tensor, n_iter: int = 1, u: torch.Tensor | None = None,
                    eps: float = 1e-12) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimate σ(W), the largest singular value of ``weight`` (out, ...) reshaped to (out, rest).

    Power iteration from a start vector u (out,): v = Wᵀu / ‖Wᵀu‖, u = Wv / ‖Wv‖, repeated
    ``n_iter`` times; then σ ≈ uᵀ W v. Each round multiplies the error by (σ₂/σ₁)², so a few
    rounds suffice, and spectral normalisation keeps u between training steps and runs one
    round per step. ``u`` defaults to a fixed normalised random vector. Returns ``(sigma, u)``.
    """
    arguments.tensor("weight", weight, what="a layer's weight (out, in) or (out, in, k, k)", min_len=1)
    if weight.dim() < 2 or weight.numel() == 0:
        raise CourseError(f"weight must be a layer's weight (out, in) or (out, in, k, k), got shape "
                          f"{tuple(weight.shape)}")
    arguments.whole("n_iter", n_iter, 1, 10**5, example=1)
    if u is not None:
        arguments.tensor("u", u, 1, f"a start vector of {weight.shape[0]} values (one per output)")
        if len(u) != weight.shape[0]:
            raise CourseError(f"u must hold one value per output of weight ({weight.shape[0]}), got {len(u)}")
    arguments.number("eps", eps, minimum=0.0)
    W = weight.detach().reshape(weight.shape[0], -1).double()  # (out, in·k·k)
    if u is None:
        u = torch.randn(W.shape[0], generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    u = u.double() / (u.double().norm() + eps)  # (out,)
    for _ in range(n_iter):
        v = W.T @ u  # (rest,)
        v = v / (v.norm() + eps)
        u = W @ v  # (out,)
        u = u / (u.norm() + eps)
    return u @ W @ v, u


# ================================================================= weight clipping's failure
def clipped_gradient_norms(clips=(1.0, 0.1, 0.01), depth: int = 8, hidden: int = 128,
                           seed: int = 0) -> dict[str, list[float]]:
    """The norm of the gradient that reaches each layer of a deep toy critic whose parameters sit at ±c.

    Training a clipped critic drives most weights to the edges of [-c, c] (the WGAN-GP
    paper's figure 1), so every parameter here is c·sign(w). The loss is the WGAN critic
    loss between points of the ring (real) and N(0, I) (fake). Back-propagation multiplies
    the gradient by each layer's weights on its way to the input, so its norm changes
    geometrically with depth: it grows towards the input when c is large and dies out when
    c is small. Returns ``{"c = ...": [‖∂loss/∂h‖ at the input of layer 1, ..., of the last layer]}``.
    """
    clips_array = arguments.values("clips", clips, "a list of clipping bounds c > 0, e.g. (1.0, 0.1, 0.01)",
                                   above=0.0)
    if clips_array.ndim != 1 or not np.isfinite(clips_array).all():
        raise CourseError(f"clips must be a list of finite clipping bounds c > 0, e.g. (1.0, 0.1, 0.01), got "
                          f"{arguments.shown(clips)}")
    arguments.whole("depth", depth, 1, 64, example=8)
    arguments.whole("hidden", hidden, 1, 4096, example=128)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    from .data import ring_centers, sample_mixture
    from .losses import wasserstein_critic_loss as critic_loss

    gen = torch.Generator().manual_seed(seed)
    real = sample_mixture(ring_centers(8, 2.0), 512, 0.02, generator=gen)  # (512, 2)
    fake = torch.randn(512, 2, generator=gen)  # (512, 2)
    out = {}
    for c in clips:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            critic = ToyCritic(ToyConfig(data_dim=2, hidden=hidden, depth=depth))
        with torch.no_grad():
            for p in critic.parameters():
                p.copy_(c * torch.sign(p))  # a clipped critic after training: everything at the edges
        inputs = []  # the input of every linear layer, (1024, width) each
        h = torch.cat([real, fake]).requires_grad_(True)  # (1024, 2)
        for layer in critic.net:
            if isinstance(layer, torch.nn.Linear):
                h.retain_grad()  # keep ∂loss/∂h for this intermediate tensor
                inputs.append(h)
            h = layer(h)
        scores = h.squeeze(1)  # (1024,)
        critic_loss(scores[:512], scores[512:]).backward()
        out[f"c = {c:g}"] = [float(x.grad.norm()) for x in inputs]
    return out


def gap_fd_correlation(history: dict, record: dict, window: int = 25) -> float:
    """Spearman rank correlation between the critic's gap (averaged over the ``window`` steps before each
    quality measurement) and the FD measured there, over the measurements after step 0.

    Near +1: the critic's estimate falls when the samples improve, so it can be read as a training curve.
    """
    for name, value, keys in (("history", history, ("step", "critic_gap")), ("record", record, ("step", "fd"))):
        arguments.instance(name, value, dict, f"a dict with {' and '.join(repr(k) for k in keys)}")
        missing = [k for k in keys if k not in value]
        if missing:
            raise CourseError(f"{name} must have {' and '.join(repr(k) for k in keys)}, it lacks {missing[0]!r}")
        try:
            first, second = (np.asarray(value[k], float) for k in keys)
        except (TypeError, ValueError):
            raise CourseError(f"{name}[{keys[0]!r}] and {name}[{keys[1]!r}] must be lists of numbers") from None
        if first.shape != second.shape or first.ndim != 1:
            raise CourseError(f"{name}[{keys[0]!r}] and {name}[{keys[1]!r}] must be lists of the same length, got "
                              f"shapes {first.shape} and {second.shape}")
    arguments.whole("window", window, 1, 10**7, example=25)
    steps, gaps = np.asarray(history["step"]), np.asarray(history["critic_gap"], float)
    xs, ys = [], []
    for step, fd in zip(record["step"], record["fd"]):
        near = gaps[(steps > step - window) & (steps <= step)]
        if step > 0 and len(near):
            xs.append(near.mean())
            ys.append(fd)
    if len(xs) < 3:
        return float("nan")
    rank = lambda v: np.argsort(np.argsort(v)).astype(float)
    return float(np.corrcoef(rank(np.asarray(xs)), rank(np.asarray(ys)))[0, 1])
