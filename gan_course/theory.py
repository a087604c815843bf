"""Chapter 1: the minimax game, computed.

Three groups of tools, all small enough to read in one sitting:

* **Exact 1-D theory by quadrature.** For densities we can write down (1-D
  Gaussian mixtures) we evaluate the optimal discriminator
  ``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, the value function
  ``V(G, D) = ∫ p_data log D + ∫ p_g log(1 - D)`` and the Jensen-Shannon
  divergence on a fine grid, and check ``V(G, D*) = -log 4 + 2 JSD``.
* **A discriminator trained from samples** (:func:`fit_discriminator`): what a
  real GAN does, with no density in sight. Its output can be laid over ``D*``.
* **The gradient measurements** behind the saturating vs non-saturating
  comparison (:func:`generator_grad_norms`, :func:`grad_norms_as_d_learns`).

The 2-D toy lab those measurements run on is a recipe: :mod:`gan_course.recipes.toy`.

Conventions: all logarithms are natural (divergences in nats, so ``log 2`` is
the largest JSD); discriminators return **logits** and ``D(x) = sigmoid(logit)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from . import arguments
from .errors import CourseError
from .losses import discriminator_loss, generator_nonsaturating_loss, generator_saturating_loss
from .models import ToyConfig, ToyDiscriminator
from .runtime import eval_mode, seed_everything

LOG2 = math.log(2.0)
LOG4 = math.log(4.0)


# =================================================================== 1-D densities
@dataclass(frozen=True)
class Mixture1D:
    """A 1-D mixture of Gaussians with a density we can evaluate *and* sample.

    GANs never need the density; we keep it here only to check the theory.
    """

    means: tuple[float, ...]  # component means
    stds: tuple[float, ...]  # component standard deviations (> 0)
    weights: tuple[float, ...] | None = None  # mixing weights (None = equal); normalised to sum 1

    def __post_init__(self):
        if len(self.means) != len(self.stds) or not self.means:
            raise CourseError("Mixture1D needs one std per mean and at least one component: "
                              "e.g. Mixture1D(means=(0.0,), stds=(1.0,))")
        if min(self.stds) <= 0:
            raise CourseError(f"standard deviations must be positive, got {self.stds}")
        if self.weights is not None and (len(self.weights) != len(self.means) or min(self.weights) < 0):
            raise CourseError("weights need one non-negative value per component, e.g. weights=(0.5, 0.5)")

    @property
    def probs(self) -> np.ndarray:
        w = np.ones(len(self.means)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density at each point of ``x`` (any shape)."""
        x = np.asarray(x, dtype=float)[..., None]  # (..., 1) against (K,) components
        mu, sd = np.asarray(self.means), np.asarray(self.stds)
        comp = np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))  # (..., K)
        return comp @ self.probs  # (...,)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws as a (n, 1) float32 tensor (the shape a 1-D network eats)."""
        which = torch.multinomial(torch.as_tensor(self.probs, dtype=torch.float32), n, replacement=True,
                                  generator=generator)  # (n,) component indices
        mu = torch.as_tensor(self.means, dtype=torch.float32)[which]
        sd = torch.as_tensor(self.stds, dtype=torch.float32)[which]
        return (mu + sd * torch.randn(n, generator=generator)).unsqueeze(1)  # (n,) -> (n, 1)

    def support(self, width: float = 8.0) -> tuple[float, float]:
        """An interval holding all but a negligible mass: each mean ± ``width`` stds."""
        mu, sd = np.asarray(self.means), np.asarray(self.stds)
        return float((mu - width * sd).min()), float((mu + width * sd).max())


MAX_GRID = 10**7  # the most points of a quadrature grid (80 MB per array)


def _mixture(name: str, value) -> "Mixture1D":
    return arguments.instance(name, value, Mixture1D, "a Mixture1D, e.g. gaussian(0.0, 1.0)")


def _density(name: str, value) -> np.ndarray:
    return arguments.values(name, value, "a density on the grid (numbers >= 0)", minimum=0.0)


def _same_grid(x_name: str, x, **arrays: np.ndarray) -> np.ndarray:
    """The grid ``x`` (1-D, at least 2 finite points) and the arrays on it, all of its shape."""
    x = arguments.values(x_name, x, "a 1-D grid of points, e.g. quadrature_grid(...)", min_len=2)
    if x.ndim != 1 or not np.isfinite(x).all():
        raise CourseError(f"{x_name} must be a 1-D grid of finite points, e.g. quadrature_grid(...), got shape "
                          f"{x.shape}")
    for name, array in arrays.items():
        if array.shape != x.shape:
            raise CourseError(f"{name} must hold one value per point of {x_name}, shape {x.shape}, got {array.shape}")
    return x


def gaussian(mean: float, std: float) -> Mixture1D:
    """A single Gaussian N(mean, std²) as a one-component :class:`Mixture1D`."""
    arguments.number("mean", mean), arguments.number("std", std, above=0.0)
    return Mixture1D(means=(float(mean),), stds=(float(std),))


def quadrature_grid(*dists: Mixture1D, n: int = 20001, width: float = 8.0) -> np.ndarray:
    """An even grid covering every distribution given (each mean ± ``width`` stds)."""
    if not dists:
        raise CourseError("quadrature_grid needs at least one distribution (dists): pass e.g. gaussian(0.0, 1.0)")
    for i, d in enumerate(dists):
        _mixture(f"dists[{i}]", d)
    arguments.whole("n", n, 2, MAX_GRID, example=20001)
    arguments.number("width", width, above=0.0)
    lo = min(d.support(width)[0] for d in dists)
    hi = max(d.support(width)[1] for d in dists)
    return np.linspace(lo, hi, n)


def integrate(values: np.ndarray, x: np.ndarray) -> float:
    """Trapezoidal rule ∫ values dx on the grid ``x``."""
    values = arguments.values("values", values, "the function's values on the grid")
    x = _same_grid("x", x, values=values)
    return float(np.sum((values[1:] + values[:-1]) * np.diff(x)) / 2)


TINY = 1e-300  # densities below this are set to 0: they add nothing to any integral and
# would otherwise underflow to 0 in a ratio or a half, turning 0 * log 0 into NaN or -inf


def _clean(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.where(p < TINY, 0.0, p)


def _xlogy(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """p * log(q) with the convention 0 * log(anything) = 0 (and -inf where p > 0 = q)."""
    p, q = np.broadcast_arrays(np.asarray(p, float), np.asarray(q, float))
    out = np.zeros_like(p)
    mask = p > 0
    with np.errstate(divide="ignore"):
        out[mask] = p[mask] * np.log(q[mask])
    return out


# ===================================================================== the theory
def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), given both densities at the same points.

    For a fixed G, ``a log D + b log(1 - D)`` is maximised at ``D = a / (a + b)``
    pointwise (set the derivative ``a/D - b/(1-D)`` to zero). Where both
    densities vanish, D does not affect V; we return 1/2 there.
    """
    p_data, p_g = _density("p_data", p_data), _density("p_g", p_g)
    if p_g.shape != p_data.shape:
        raise CourseError(f"p_g must have the shape of p_data, {p_data.shape}, got {p_g.shape}: evaluate both "
                          "densities at the same points")
    p_data, p_g = _clean(p_data), _clean(p_g)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def kl_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """KL(p ‖ q) = ∫ p log(p / q) dx in nats, by quadrature on the grid ``x``."""
    p, q = _clean(p), np.asarray(q, float)  # q is not cleaned: where p > 0 = q, KL is +inf
    return integrate(_xlogy(p, p) - _xlogy(p, q), x)


def js_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, in nats; 0 ≤ JSD ≤ log 2."""
    p, q = _density("p", p), _density("q", q)
    _same_grid("x", x, p=p, q=q)
    p, q = _clean(p), _clean(q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, x) + 0.5 * kl_divergence(q, m, x)


def value_function(p_data: np.ndarray, p_g: np.ndarray, d: np.ndarray, x: np.ndarray,
                   one_minus_d: np.ndarray | None = None) -> float:
    """V(G, D) = ∫ p_data log D dx + ∫ p_g log(1 - D) dx, by quadrature.

    ``d`` holds D's probabilities on the grid (``one_minus_d``, if given, holds
    1 - D computed without cancellation). This is the population version of what
    a minibatch estimates: E_x[log D(x)] + E_z[log(1 - D(G(z)))], with the second
    expectation written over x = G(z) ~ p_g. A D that says exactly 1 where p_g
    has mass scores -inf, as it should.
    """
    p_data, p_g = _density("p_data", p_data), _density("p_g", p_g)
    d = arguments.values("d", d, "D's probabilities on the grid (from 0 to 1)", minimum=0.0, maximum=1.0)
    arrays = {"p_data": p_data, "p_g": p_g, "d": d}
    if one_minus_d is not None:
        arrays["one_minus_d"] = arguments.values("one_minus_d", one_minus_d, "1 - D on the grid (from 0 to 1)",
                                                 minimum=0.0, maximum=1.0)
    _same_grid("x", x, **arrays)
    d = np.asarray(d, float)
    one_minus_d = 1.0 - d if one_minus_d is None else np.asarray(one_minus_d, float)
    return integrate(_xlogy(_clean(p_data), d) + _xlogy(_clean(p_g), one_minus_d), x)


@dataclass
class TheoryCheck:
    """The two identities of the chapter, evaluated by quadrature."""

    jsd: float  # JSD(p_data ‖ p_g) in nats
    value_at_optimum: float  # V(G, D*) computed from the value function itself
    predicted: float  # -log 4 + 2 JSD

    @property
    def gap(self) -> float:
        return abs(self.value_at_optimum - self.predicted)


def check_theory(data: Mixture1D, model: Mixture1D, n: int = 20001) -> TheoryCheck:
    """Compute JSD, V(G, D*) and -log 4 + 2 JSD for two 1-D mixtures."""
    _mixture("data", data), _mixture("model", model)
    arguments.whole("n", n, 2, MAX_GRID, example=20001)
    x = quadrature_grid(data, model, n=n)
    p, q = data.pdf(x), model.pdf(x)
    jsd = js_divergence(p, q, x)
    value = value_function(p, q, optimal_discriminator(p, q), x, one_minus_d=optimal_discriminator(q, p))
    return TheoryCheck(jsd=jsd, value_at_optimum=value, predicted=-LOG4 + 2 * jsd)


@dataclass
class NonSaturatingCheck:
    """What the non-saturating generator loss measures at the optimal discriminator (quadrature)."""

    loss: float  # E_{p_g}[-log D*(x)]: the non-saturating loss, population version
    kl_reverse: float  # KL(p_g ‖ p_data) in nats
    jsd: float  # JSD(p_data ‖ p_g) in nats
    real_term: float  # E_{p_data}[log D*(x)]: depends on G only through D*, not through G's samples

    @property
    def predicted(self) -> float:
        """KL(p_g ‖ p_data) - 2 JSD + log 4 + E_data[log D*]: equal to ``loss``."""
        return self.kl_reverse - 2 * self.jsd + LOG4 + self.real_term

    @property
    def gap(self) -> float:
        return abs(self.loss - self.predicted)


def check_nonsaturating(data: Mixture1D, model: Mixture1D, n: int = 20001) -> NonSaturatingCheck:
    """The non-saturating loss at D* against KL(p_g ‖ p_data) - 2 JSD, for two 1-D mixtures.

    With D* = p_data / (p_data + p_g), log((1 - D*) / D*) = log(p_g / p_data), which gives
    E_g[-log D*] = KL(p_g ‖ p_data) - 2 JSD(p_data ‖ p_g) + log 4 + E_data[log D*]
    (Arjovsky & Bottou, 2017). The last term does not move G's samples, so with D held
    at D* the generator's gradient is that of KL(p_g ‖ p_data) - 2 JSD.
    """
    _mixture("data", data), _mixture("model", model)
    arguments.whole("n", n, 2, MAX_GRID, example=20001)
    x = quadrature_grid(data, model, n=n)
    p, q = data.pdf(x), model.pdf(x)
    d = optimal_discriminator(p, q)  # D*(x) = p / (p + q)
    loss = -integrate(_xlogy(_clean(q), d), x)
    return NonSaturatingCheck(loss=loss, kl_reverse=kl_divergence(q, p, x), jsd=js_divergence(p, q, x),
                              real_term=integrate(_xlogy(_clean(p), d), x))


def jsd_sweep(data: Mixture1D, shifts: Sequence[float], std: float, n: int = 20001) -> dict[str, np.ndarray]:
    """Move p_g = N(shift, std²) across the axis; JSD and V(G, D*) at each shift.

    Shows how the JSD saturates at log 2 once the two densities stop overlapping:
    from then on D* is perfect and V(G, D*) = 0, whatever G does.
    """
    _mixture("data", data)
    array = arguments.values("shifts", shifts, "a list of finite shifts, e.g. np.linspace(-6, 6, 49)")
    if array.ndim != 1 or not np.isfinite(array).all():
        raise CourseError(f"shifts must be a list of finite shifts, e.g. np.linspace(-6, 6, 49), got "
                          f"{arguments.shown(shifts)}")
    arguments.number("std", std, above=0.0)
    arguments.whole("n", n, 2, MAX_GRID, example=20001)
    jsd, value = [], []
    for s in shifts:
        check = check_theory(data, gaussian(s, std), n=n)
        jsd.append(check.jsd)
        value.append(check.value_at_optimum)
    return {"shift": np.asarray(shifts, float), "jsd": np.asarray(jsd), "value": np.asarray(value)}


# ================================================= a discriminator trained on samples
@dataclass
class FitConfig:
    steps: int = 2000  # Adam updates of D
    batch_size: int = 512  # fresh real and fake samples per update (each)
    lr: float = 1e-3  # Adam learning rate
    hidden: int = 64  # width of D's hidden layers
    depth: int = 3  # number of hidden layers
    log_every: int = 10  # record the minibatch estimate of V every N steps

    def __post_init__(self):
        for name, low, high in (("steps", 1, 10**7), ("batch_size", 1, 10**6), ("hidden", 1, 4096),
                                ("depth", 1, 64), ("log_every", 1, 10**7)):
            arguments.whole(name, getattr(self, name), low, high)
        arguments.number("lr", self.lr, above=0.0)


@dataclass
class FittedDiscriminator:
    D: ToyDiscriminator  # the trained network (returns logits)
    history: dict[str, list[float]]  # "step" and "value": minibatch estimates of V(G, D)
    seconds: float  # wall time of the fit

    @torch.no_grad()
    def prob(self, x: np.ndarray) -> np.ndarray:
        """D(x) = sigmoid(logit) at the points ``x`` (1-D array)."""
        xt = torch.as_tensor(np.asarray(x, dtype=np.float32)).unsqueeze(1)  # (N,) -> (N, 1)
        with eval_mode(self.D):
            return torch.sigmoid(self.D(xt).double()).numpy()  # (N,), sigmoid in float64


def fit_discriminator(data: Mixture1D, model: Mixture1D, cfg: FitConfig = FitConfig(),
                      seed: int = 0) -> FittedDiscriminator:
    """Train D to (near) optimality against a *fixed* p_g, from samples only.

    This is the inner ``max_D`` of the game: each step draws fresh samples from
    both sides and takes one Adam step on D's loss (:func:`discriminator_loss`),
    i.e. gradient **ascent** on the minibatch estimate of V. No density is used.
    """
    import time

    _mixture("data", data), _mixture("model", model)
    arguments.instance("cfg", cfg, FitConfig, "a FitConfig, e.g. FitConfig(steps=500)")
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)

    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)
    D = ToyDiscriminator(ToyConfig(data_dim=1, hidden=cfg.hidden, depth=cfg.depth))
    opt = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    history: dict[str, list[float]] = {"step": [], "value": []}
    start = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        real = data.sample(cfg.batch_size, gen)  # (B, 1) x ~ p_data
        fake = model.sample(cfg.batch_size, gen)  # (B, 1) x ~ p_g (stands in for G(z))
        loss_real, loss_fake = discriminator_loss(D(real), D(fake))
        loss = loss_real + loss_fake  # = -(minibatch estimate of V)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()  # descent on -V = ascent on V
        if step % cfg.log_every == 0 or step == cfg.steps:
            history["step"].append(step)
            history["value"].append(-loss.item())
    return FittedDiscriminator(D=D, history=history, seconds=time.perf_counter() - start)


# =============================================== saturating vs non-saturating losses
GENERATOR_LOSSES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "saturating": generator_saturating_loss,  # minimise E[log(1 - D(G(z)))]
    "non-saturating": generator_nonsaturating_loss,  # minimise -E[log D(G(z))]
}


def generator_loss_curves(d: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Each generator loss and its gradients as functions of d = D(G(z)).

    Uses the package's loss functions and autograd, so the curves are exactly
    what training back-propagates. For one sample with logit l and d = sigmoid(l):

    * ``loss``: the loss value;
    * ``grad_logit``: dloss/dl, what flows back through D into G;
    * ``grad_prob``: dloss/dd = (dloss/dl) / (d (1 - d)), the slope of the
      loss-vs-d curve (misleading on its own: the sigmoid's d(1 - d) multiplies
      it on the way back).
    """
    d = arguments.values("d", d, "probabilities D(G(z)) strictly between 0 and 1", above=0.0, below=1.0)
    if d.ndim != 1:
        raise CourseError(f"d must be a 1-D array of probabilities, e.g. np.linspace(0.01, 0.99, 99), got shape "
                          f"{d.shape}")
    out = {}
    for name, loss_fn in GENERATOR_LOSSES.items():
        logits = torch.logit(torch.as_tensor(d, dtype=torch.float64)).requires_grad_(True)  # (N,)
        # the package losses average over the batch; evaluate one sample at a time
        values = torch.stack([loss_fn(logits[i:i + 1]) for i in range(len(d))])  # (N,)
        (grad,) = torch.autograd.grad(values.sum(), logits)  # (N,) dloss_i/dl_i
        g = grad.numpy()
        out[name] = {"d": d, "loss": values.detach().numpy(), "grad_logit": g, "grad_prob": g / (d * (1 - d))}
    return out


def generator_grad_norms(G: torch.nn.Module, D: torch.nn.Module, z: torch.Tensor) -> dict[str, float]:
    """‖∇_θG loss‖ under each generator loss for the same G, D and noise; plus mean D(G(z))."""
    out = {}
    for name, loss_fn in GENERATOR_LOSSES.items():
        G.zero_grad(set_to_none=True)
        loss = loss_fn(D(G(z)))  # (B, latent) -> (B, d) -> (B,) logits -> scalar
        loss.backward()
        grads = [p.grad.flatten() for p in G.parameters() if p.grad is not None]
        out[name] = torch.linalg.vector_norm(torch.cat(grads)).item()
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    with torch.no_grad():
        out["d_fake"] = torch.sigmoid(D(G(z))).mean().item()
    return out


def grad_norms_as_d_learns(G: torch.nn.Module, D: torch.nn.Module, real: torch.Tensor, steps: int,
                           lr: float = 1e-3, record_every: int = 5, batch_size: int = 256,
                           seed: int = 0) -> dict[str, list[float]]:
    """The start of training, frozen: train D alone against an untrained G.

    After every ``record_every`` D updates, measure G's gradient norm under both
    losses (:func:`generator_grad_norms`, fixed noise). As D learns to reject the
    fakes, mean D(G(z)) falls toward 0 and we see which loss still gives G a signal.
    G itself is never updated.
    """
    if not isinstance(G, torch.nn.Module) or not hasattr(getattr(G, "cfg", None), "latent_dim"):
        raise CourseError(f"grad_norms_as_d_learns needs G to be a generator with a cfg.latent_dim (e.g. a "
                          f"ToyGenerator), got {arguments.shown(G)} ({type(G).__name__})")
    arguments.instance("D", D, torch.nn.Module, "a discriminator (a torch module), e.g. a ToyDiscriminator")
    arguments.tensor("real", real, 2, "a tensor of real points (N, d)", min_len=1, floating=True)
    arguments.whole("steps", steps, 0, 10**6, example=200)
    arguments.number("lr", lr, above=0.0)
    arguments.whole("record_every", record_every, 1, 10**6, example=5)
    arguments.whole("batch_size", batch_size, 1, arguments.MAX_SAMPLES, example=256)
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
    gen = torch.Generator().manual_seed(seed)
    latent = G.cfg.latent_dim
    opt = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    z_probe = torch.randn(batch_size, latent, generator=gen)  # (B, latent) fixed probe noise
    rec: dict[str, list[float]] = {"step": [], "d_fake": [], **{k: [] for k in GENERATOR_LOSSES}}

    def record(step):
        norms = generator_grad_norms(G, D, z_probe)
        rec["step"].append(step)
        for k, v in norms.items():
            rec[k].append(v)

    record(0)
    for step in range(1, steps + 1):
        idx = torch.randint(len(real), (batch_size,), generator=gen)
        with torch.no_grad():
            fake = G(torch.randn(batch_size, latent, generator=gen))  # (B, d); G stays fixed
        loss_real, loss_fake = discriminator_loss(D(real[idx]), D(fake))
        opt.zero_grad(set_to_none=True)
        (loss_real + loss_fake).backward()
        opt.step()
        if step % record_every == 0 or step == steps:
            record(step)
    return rec
