"""Chapter 9's recipes: five ways to train a GAN, on chapter 1's ring and on FashionMNIST with chapter 4's networks.

``method`` picks one of :data:`METHODS`, each with its paper's loss, critic and optimiser:

=============  ==========================  ==============================  =====================
method         loss (D / G)                critic (D)                      D steps per G step
=============  ==========================  ==============================  =====================
``nsgan``      BCE / non-saturating        chapter 4's, with batch norm    1
``wgan-clip``  Wasserstein                 no batch norm, weights clipped  5 (RMSprop)
``wgan-gp``    Wasserstein + λ·GP          no batch norm                   5 (Adam(0, 0.9))
``sngan``      hinge                       spectral norm, no batch norm    1
``hinge-r1``   hinge + γ/2·R1              no batch norm                   1 (Adam(0, 0.99))
=============  ==========================  ==============================  =====================

The loop is the course's :class:`~gan_course.training.Trainer`: one "step" is
``n_critic`` critic updates, each on its own real minibatch (a step's batch holds
``n_critic x batch_size`` images), then one generator update. The generator is
always chapter 4's (or chapter 1's on the ring).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Sequence

import torch

from .. import arguments
from ..data import Batches, load_fashion_mnist
from ..errors import CourseError
from ..losses import (discriminator_loss, generator_nonsaturating_loss, gradient_penalty, hinge_discriminator_loss,
                      hinge_generator_loss, r1_penalty, wasserstein_critic_loss, wasserstein_generator_loss)
from ..models import CRITICS, DCGANConfig, DCGANCritic, DCGANGenerator, ToyConfig, ToyCritic, ToyGenerator
from ..profiles import check_profile, current_profile
from ..runtime import check_device, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, check_settings, config_from, model_hparams, quality_noise,
                     quality_probe, roles_of, setting)
from .toy import LabResult, ToyRun, ring_training_set
from .vanilla import sample_unconditional

METHODS = ("nsgan", "wgan-clip", "wgan-gp", "sngan", "hinge-r1")
LOSSES = ("bce", "wasserstein", "hinge")
OPTIMIZERS = ("adam", "rmsprop")

# Each method's settings, from its paper, for FashionMNIST. `steps` gives every arm about the same
# wall-clock time on the course's 2-core CPU (65 to 119 s each in the chapter's saved run, on a busy machine):
# a WGAN-GP step (5 critic updates, each with a double backward) costs several standard ones.
IMAGE_METHODS: dict[str, dict] = {
    "nsgan": dict(loss="bce", critic="batchnorm", n_critic=1, optimizer="adam", lr_d=2e-4, lr_g=1e-3,
                  betas=(0.5, 0.999), steps=800),  # chapter 4's recipe (G 5x faster), without its decay
    "wgan-clip": dict(loss="wasserstein", critic="plain", n_critic=5, optimizer="rmsprop", lr_d=5e-5, lr_g=5e-5,
                      clip=0.01, steps=300),  # Arjovsky et al. 2017, Algorithm 1
    "wgan-gp": dict(loss="wasserstein", critic="plain", n_critic=5, optimizer="adam", lr_d=1e-4, lr_g=1e-4,
                    betas=(0.0, 0.9), gp_weight=10.0, steps=150),  # Gulrajani et al. 2017, Algorithm 1
    "sngan": dict(loss="hinge", critic="spectral", n_critic=1, optimizer="adam", lr_d=2e-4, lr_g=2e-4,
                  betas=(0.5, 0.999), steps=900),  # Miyato et al. 2018, setting C, hinge loss
    "hinge-r1": dict(loss="hinge", critic="plain", n_critic=1, optimizer="adam", lr_d=1e-4, lr_g=1e-4,
                     betas=(0.0, 0.99), r1_gamma=10.0, steps=270),  # Mescheder et al. 2018's optimiser and γ
}
for _settings in IMAGE_METHODS.values():  # 6 grids, 8 quality measurements and 4 checkpoints per arm
    _n = _settings["steps"]
    _settings.update(sample_every=_n // 6, quality_every=_n // 8, checkpoint_every=_n // 4)

# The ring: chapter 1's networks, batch and learning rate (1e-3) for every arm, each method's loss, critic,
# n_critic, optimiser, betas and constraint. Steps again equalise the time (3 to 7 s a run in the saved run).
RING_METHODS: dict[str, dict] = {
    "nsgan": dict(loss="bce", critic="plain", n_critic=1, optimizer="adam", betas=(0.5, 0.999), steps=900),
    "wgan-clip": dict(loss="wasserstein", critic="plain", n_critic=5, optimizer="rmsprop", clip=0.01, steps=400),
    "wgan-gp": dict(loss="wasserstein", critic="plain", n_critic=5, optimizer="adam", betas=(0.5, 0.9),
                    gp_weight=10.0, steps=260),
    "sngan": dict(loss="hinge", critic="spectral", n_critic=1, optimizer="adam", betas=(0.5, 0.999), steps=800),
    "hinge-r1": dict(loss="hinge", critic="plain", n_critic=1, optimizer="adam", betas=(0.0, 0.99), r1_gamma=10.0,
                     steps=600),
}
for _settings in RING_METHODS.values():  # 12 snapshots per run
    _settings["sample_every"] = _settings["steps"] // 12
del _settings, _n

SMOKE_RING = {"steps": 12, "sample_every": 6, "n_data": 2_000, "n_eval": 500}


@dataclass
class _MethodSettings(Recipe):
    """The fields every chapter 9 recipe shares: which method, and what it sets."""

    method: str = setting("method", "sngan")  # one of METHODS; for_profile fills the fields below with its settings
    loss: str = setting("method", "hinge")  # "bce" (chapter 2's), "wasserstein" or "hinge"
    critic: str = setting("method", "spectral")  # "batchnorm" (chapter 4's D), "plain" (no batch norm) or "spectral"
    n_critic: int = setting("method", 1)  # critic updates per generator update
    optimizer: str = setting("method", "adam")  # "adam" or "rmsprop" (the WGAN paper's)
    lr_d: float = setting("lr", 2e-4)  # the critic's (D's) learning rate
    lr_g: float = setting("lr", 2e-4)  # the generator's learning rate
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam's betas (unused by RMSprop)
    clip: float = setting("method", 0.0)  # WGAN: clamp every critic weight to [-clip, clip] after each update (0 = off)
    gp_weight: float = setting("weight", 0.0)  # WGAN-GP: λ, the weight of the gradient penalty (0 = off)
    gp_one_sided: bool = setting("method", False)  # the penalty on norms above 1 only
    r1_gamma: float = setting("weight", 0.0)  # R1: γ; D's loss adds γ/2 · E‖∇D(x)‖² on real data (0 = off)

    def _check_method(self):
        checks = [("method", METHODS), ("loss", LOSSES), ("critic", CRITICS), ("optimizer", OPTIMIZERS)]
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise CourseError(f"{name}={getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if self.n_critic < 1 or self.clip < 0 or self.gp_weight < 0 or self.r1_gamma < 0:
            raise CourseError("n_critic must be >= 1, and clip, gp_weight and r1_gamma >= 0")

    @classmethod
    def _for(cls, table: dict, smoke: dict, profile: str | None, method: str | None, overrides: dict):
        recipe = cls()
        method = method or recipe.method
        if method not in table:
            raise CourseError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
        recipe = dataclasses.replace(recipe, method=method, **table[method])  # the method's settings
        if check_profile(profile or current_profile()) != "full":
            recipe = dataclasses.replace(recipe, **smoke)  # seconds-long, same code path
        return dataclasses.replace(recipe, **overrides) if overrides else recipe


@dataclass
class WGANRecipe(_MethodSettings):
    """Chapter 9 on FashionMNIST: chapter 4's generator against a critic trained by ``method``."""

    model: DCGANConfig = setting("network", factory=DCGANConfig)  # chapter 4's networks (latent 100, 32x32)
    batch_size: int = setting("size", 64)  # images per critic update and per generator update
    steps: int = setting("length", 900)  # generator updates (each after n_critic critic updates)
    n_fixed: int = setting("size", 64)  # fixed noise vectors behind every sample grid
    sample_every: int = setting("cadence", 150)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 225)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 112)  # steps between measurements of the course FD (0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        self._check_method()

    @classmethod
    def for_profile(cls, profile: str | None = None, method: str | None = None, **overrides) -> "WGANRecipe":
        """``method``'s recipe (default ``sngan``): ``full``, or a seconds-long ``smoke`` one (chapter 2's preset)."""
        return cls._for(IMAGE_METHODS, SMOKE["gan"], profile, method, overrides)


@dataclass
class RingRecipe(_MethodSettings):
    """Chapter 9 on chapter 1's ring of 8 Gaussians: chapter 1's networks and learning rate, ``method``'s game."""

    modes: int = setting("data", 8)  # Gaussians on the ring
    radius: float = setting("data", 2.0)  # ring radius
    std: float = setting("data", 0.02)  # std of each Gaussian
    n_data: int = setting("data", 20_000)  # size of the fixed training set
    latent_dim: int = setting("network", 2)  # size of z
    hidden: int = setting("network", 128)  # width of G's and D's hidden layers
    depth: int = setting("network", 3)  # hidden layers of G and D
    batch_size: int = setting("size", 256)  # points per critic update and per generator update
    steps: int = setting("length", 800)  # generator updates
    sample_every: int = setting("cadence", 66)  # steps between snapshots of G(z_fixed)
    n_eval: int = setting("size", 2500)  # generated points per snapshot (mode coverage is computed on them)
    lr_d: float = setting("lr", 1e-3)  # chapter 1's rate, for every arm
    lr_g: float = setting("lr", 1e-3)  # chapter 1's rate, for every arm

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        self._check_method()

    @classmethod
    def for_profile(cls, profile: str | None = None, method: str | None = None, **overrides) -> "RingRecipe":
        """``method``'s ring recipe: ``full`` (seconds), or a ``smoke`` one of a few steps."""
        return cls._for(RING_METHODS, SMOKE_RING, profile, method, overrides)


# ------------------------------------------------------------------ the two steps
def d_step(batch, ctx, *, G, D, opt_D, latent_dim: int, loss: str, n_critic: int = 1, clip: float = 0.0,
           gp_weight: float = 0.0, gp_one_sided: bool = False, r1_gamma: float = 0.0) -> dict:
    """``n_critic`` critic updates, each on its own real minibatch, with the method's loss and constraint."""
    real_all, _ = batch  # (n_critic * B, ...) real samples
    for real in real_all.chunk(n_critic):  # n_critic minibatches of (B, ...)
        z = torch.randn(real.shape[0], latent_dim, device=real.device)  # (B, latent_dim)
        with ctx.autocast():
            fake = G(z).detach()  # (B, ...); this update must not reach G's weights
            real_scores, fake_scores = D(real), D(fake)  # (B,), (B,) unbounded scores (logits for "bce")
            if loss == "bce":
                loss_real, loss_fake = discriminator_loss(real_scores, fake_scores)
                total = loss_real + loss_fake
            elif loss == "hinge":
                loss_real, loss_fake = hinge_discriminator_loss(real_scores, fake_scores)
                total = loss_real + loss_fake
            else:
                total = wasserstein_critic_loss(real_scores, fake_scores)  # E[f(fake)] - E[f(real)]
        penalty = torch.zeros((), device=real.device)  # logged as 0 without a penalty
        if gp_weight:  # outside autocast: the double backward runs in float32
            penalty = gradient_penalty(D, real, fake, one_sided=gp_one_sided)
            total = total + gp_weight * penalty
        if r1_gamma:
            penalty = r1_penalty(D, real)
            total = total + 0.5 * r1_gamma * penalty
        ctx.backward_step(total, opt_D)
        if clip:  # WGAN's crude Lipschitz constraint: every critic weight into [-clip, clip]
            with torch.no_grad():
                for p in D.parameters():
                    p.clamp_(-clip, clip)
    stats = {"loss_d": total, "penalty": penalty,
             "critic_gap": real_scores.float().mean() - fake_scores.float().mean()}  # WGAN: the W1 estimate
    if loss == "bce":
        stats.update({"d_real": torch.sigmoid(real_scores.float()).mean(),
                      "d_fake": torch.sigmoid(fake_scores.float()).mean()})
    return stats


GENERATOR_LOSSES = {"bce": generator_nonsaturating_loss, "wasserstein": wasserstein_generator_loss,
                    "hinge": hinge_generator_loss}


def g_step(batch, ctx, *, G, D, opt_G, latent_dim: int, loss: str, n_critic: int = 1) -> dict:
    """One generator update against the just-improved critic, on a minibatch of fresh noise."""
    real, _ = batch
    z = torch.randn(real.shape[0] // n_critic, latent_dim, device=real.device)  # (B, latent_dim)
    with ctx.autocast():
        scores = D(G(z))  # (B,); no detach: the gradient flows through D into G
        loss_g = GENERATOR_LOSSES[loss](scores)
    ctx.backward_step(loss_g, opt_G)
    return {"loss_g": loss_g}


def _optimizers(recipe, G, D) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    if recipe.optimizer == "rmsprop":
        return (torch.optim.RMSprop(G.parameters(), lr=recipe.lr_g),
                torch.optim.RMSprop(D.parameters(), lr=recipe.lr_d))
    return (torch.optim.Adam(G.parameters(), lr=recipe.lr_g, betas=recipe.betas),
            torch.optim.Adam(D.parameters(), lr=recipe.lr_d, betas=recipe.betas))


def _steps(recipe, G, D, opt_G, opt_D, latent_dim: int):
    common = dict(G=G, D=D, latent_dim=latent_dim, loss=recipe.loss, n_critic=recipe.n_critic)
    return (partial(d_step, opt_D=opt_D, clip=recipe.clip, gp_weight=recipe.gp_weight,
                    gp_one_sided=recipe.gp_one_sided, r1_gamma=recipe.r1_gamma, **common),
            partial(g_step, opt_G=opt_G, **common))


TAG = "wgan"  # every method's checkpoints carry it; the recipe's settings (hparams) tell the methods apart


def build_wgan(recipe: WGANRecipe, device: torch.device, out_dir: str | Path | None, seed: int = 0, *,
               precision: str | None = None) -> Trainer:
    """Chapter 4's generator and data (padded to 32x32), a critic and a game chosen by ``recipe.method``."""
    arguments.recipe(recipe, (WGANRecipe,), "build_wgan", device, seed, precision)
    arguments.optional_path("out_dir", out_dir)
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=recipe.model.image_size, limit=recipe.train_limit)
    G = DCGANGenerator(recipe.model).to(device)
    D = DCGANCritic(recipe.model, recipe.critic).to(device)
    opt_G, opt_D = _optimizers(recipe, G, D)
    d, g = _steps(recipe, G, D, opt_G, opt_D, recipe.model.latent_dim)
    fixed_z = torch.randn(recipe.n_fixed, recipe.model.latent_dim,
                          generator=torch.Generator().manual_seed(seed + 1)).to(device)  # (64, 100)
    quality_z = quality_noise(recipe.quality_n, recipe.model.latent_dim, seed + 2, device)  # (1000, 100)
    return Trainer(
        modules={"G": G, "D": D}, optimizers={"G": opt_G, "D": opt_D}, d_step=d, g_step=g,
        batches=Batches(data, recipe.batch_size * recipe.n_critic, seed=seed),  # n_critic minibatches per step
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: G(fixed_z),
        quality=quality_probe(recipe, lambda: G(quality_z)),
        out_dir=out_dir, tag=TAG, hparams=model_hparams(recipe, seed), device=device,
        precision=precision_for(device, precision), roles=roles_of(recipe),
    )


def build_ring(recipe: RingRecipe, device: torch.device | str = "cpu", out_dir: str | Path | None = None,
               seed: int = 0, *, precision: str | None = None) -> Trainer:
    """Chapter 1's ring and networks (a critic for D), ``recipe.method``'s game and optimiser, in a Trainer."""
    arguments.recipe(recipe, (RingRecipe,), "build_ring", device, seed, precision)
    arguments.optional_path("out_dir", out_dir)
    device = check_device(device)
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)  # draws the training set, then the fixed noise
    data = ring_training_set(recipe, gen).to(device)  # (N, 2) points
    sizes = dict(data_dim=2, latent_dim=recipe.latent_dim, hidden=recipe.hidden, depth=recipe.depth)
    G = ToyGenerator(ToyConfig(**sizes)).to(device)
    D = ToyCritic(ToyConfig(**sizes), recipe.critic).to(device)
    opt_G, opt_D = _optimizers(recipe, G, D)
    d, g = _steps(recipe, G, D, opt_G, opt_D, recipe.latent_dim)
    z_fixed = torch.randn(recipe.n_eval, recipe.latent_dim, generator=gen).to(device)  # (n_eval, latent)
    return Trainer(
        modules={"G": G, "D": D}, optimizers={"G": opt_G, "D": opt_D}, d_step=d, g_step=g,
        batches=Batches(data, recipe.batch_size * recipe.n_critic, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.steps, log_every=50),
        sample_fn=lambda: G(z_fixed),  # (n_eval, 2)
        out_dir=out_dir, tag=f"ring-{TAG}", hparams=model_hparams(recipe, seed), roles=roles_of(recipe),
        device=device, precision=precision_for(device, precision),
    )


def train_ring(recipe: RingRecipe, seed: int = 0, out_dir: str | Path | None = None, *,
               device: torch.device | str = "cpu", precision: str | None = None) -> ToyRun:
    """Build ``recipe.method`` on chapter 1's ring of Gaussians (:func:`build_ring`), train it, keep what it measures."""
    trainer = build_ring(recipe, device, out_dir, seed, precision=precision)
    trainer.fit()
    return ToyRun.of(recipe, seed, trainer)


def run_ring_lab(methods: Sequence[str], seeds: Sequence[int], out_root: str | Path | None = None,
                 profile: str | None = None, **overrides) -> dict[str, LabResult]:
    """Every method on the ring, once per seed (checkpoints under ``out_root/method-seedS`` if given).

    Every argument is checked, and every method's recipe built, before the first run trains."""
    if isinstance(methods, str) or not isinstance(methods, (list, tuple)) or not methods \
            or not all(isinstance(m, str) for m in methods):
        raise CourseError(f"methods must be a non-empty list of method names from {', '.join(METHODS)}, got "
                          f"{arguments.shown(methods)}: pass e.g. ['nsgan', 'wgan-gp']")
    arguments.seeds("seeds", seeds)
    arguments.optional_path("out_root", out_root)
    for method in methods:
        RingRecipe.for_profile(profile, method=method, **overrides)  # an unknown method or setting: one line
    results = {}
    for method in methods:
        recipe = RingRecipe.for_profile(profile, method=method, **overrides)
        result = LabResult(method)
        for seed in seeds:
            out_dir = Path(out_root) / f"{method}-seed{seed}" if out_root is not None else None
            result.runs.append(train_ring(recipe, seed=seed, out_dir=out_dir))
        results[method] = result
    return results


def wgan_generator(hparams: dict) -> DCGANGenerator:
    return DCGANGenerator(config_from(DCGANConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=WGANRecipe, build=build_wgan, make_generator=wgan_generator,
                   sample=sample_unconditional, tag=TAG, chapter="09_making_gans_train")
