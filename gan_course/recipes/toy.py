"""Chapter 1's recipe: a small GAN on a ring of 2-D Gaussians (the toy lab), and several seeds of it.

The same :class:`~gan_course.training.Trainer` and library steps as the image
models; mode coverage (:mod:`gan_course.metrics.modes`) says how many of the
ring's modes a run found. Not a command-line model: the chapter trains it in
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Sequence

import torch

from .. import arguments
from ..data import Batches, ImageSet, ring_centers, sample_mixture
from ..errors import CourseError
from ..io import to_plain
from ..metrics import ModeCoverage, mode_coverage
from ..models import ToyConfig, ToyDiscriminator, ToyGenerator
from ..runtime import seed_everything
from ..steps import d_step, g_step
from ..training import TrainConfig, Trainer
from .common import Recipe, check_settings, roles_of, setting


@dataclass
class ToyGANConfig(Recipe):
    modes: int = setting("data", 8)  # number of Gaussians on the ring
    radius: float = setting("data", 2.0)  # ring radius
    std: float = setting("data", 0.02)  # std of each Gaussian (the "3σ" of the metric uses it)
    n_data: int = setting("data", 20_000)  # size of the fixed training set
    latent_dim: int = setting("network", 2)  # size of z ~ N(0, I): a free choice, unrelated to the data's size
    g_hidden: int = setting("network", 128)  # G's hidden width
    g_depth: int = setting("network", 3)  # G's hidden layers
    d_hidden: int = setting("network", 128)  # D's hidden width
    d_depth: int = setting("network", 3)  # D's hidden layers
    pack: int = setting("network", 1)  # PacGAN packing degree m (1 = standard GAN)
    batch_size: int = setting("size", 256)  # real (and fake) *samples* per step; D sees batch_size / pack packs
    lr_g: float = setting("lr", 1e-3)  # Adam learning rate of G
    lr_d: float = setting("lr", 1e-3)  # Adam learning rate of D
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas (beta1 = 0.5 as in DCGAN)
    steps: int = setting("length", 3000)  # training iterations (one D and one G update each)
    sample_every: int = setting("cadence", 250)  # snapshot G(z_fixed) every N steps
    n_eval: int = setting("size", 2500)  # generated points per snapshot (the metric is computed on these)

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        if self.batch_size % self.pack:
            raise CourseError(f"batch_size={self.batch_size} must be a multiple of pack={self.pack}: "
                              f"use e.g. batch_size={self.pack * max(1, self.batch_size // self.pack)}")


@dataclass
class ToyRun:
    """One trained toy GAN, with what the lab measures."""

    cfg: ToyGANConfig
    seed: int
    G: ToyGenerator
    D: ToyDiscriminator
    trainer: Trainer  # .history, .samples = [(step, (n_eval, 2) points)], .train_seconds
    data: torch.Tensor  # (n_data, 2) the training points
    centers: torch.Tensor  # (modes, 2) mode centres

    @property
    def coverage(self) -> ModeCoverage:
        """Mode coverage of the last snapshot."""
        return mode_coverage(self.trainer.samples[-1][1], self.centers, self.cfg.std)

    def coverage_history(self) -> dict[str, list[float]]:
        """Modes covered and high-quality share at every snapshot."""
        covs = [(s, mode_coverage(x, self.centers, self.cfg.std)) for s, x in self.trainer.samples]
        return {"step": [s for s, _ in covs], "modes_covered": [c.modes_covered for _, c in covs],
                "high_quality": [c.high_quality for _, c in covs]}


def train_toy_gan(cfg: ToyGANConfig, seed: int = 0, out_dir: str | Path | None = None,
                  tag: str = "toy-gan") -> ToyRun:
    """Train a small GAN on the ring of Gaussians with the course's Trainer.

    The library steps (:func:`~gan_course.steps.d_step`, :func:`~gan_course.steps.g_step`
    with the non-saturating loss) work unchanged for PacGAN: ``ToyDiscriminator(pack=m)``
    reshapes a batch of B points into B/m packs itself.
    """
    arguments.instance("cfg", cfg, ToyGANConfig, "a ToyGANConfig, e.g. ToyGANConfig()")
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
    arguments.optional_path("out_dir", out_dir)
    arguments.instance("tag", tag, str, "a run name, e.g. 'toy-gan'")
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)
    centers = ring_centers(cfg.modes, cfg.radius)  # (K, 2)
    data = sample_mixture(centers, cfg.n_data, cfg.std, generator=gen)  # (N, 2)
    labels = torch.cdist(data, centers).argmin(1)  # (N,) nearest mode, unused by the GAN
    G = ToyGenerator(ToyConfig(data_dim=2, latent_dim=cfg.latent_dim, hidden=cfg.g_hidden, depth=cfg.g_depth))
    D = ToyDiscriminator(ToyConfig(data_dim=2, latent_dim=cfg.latent_dim, hidden=cfg.d_hidden,
                                   depth=cfg.d_depth, pack=cfg.pack))
    opt_G = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    z_fixed = torch.randn(cfg.n_eval, cfg.latent_dim, generator=gen)  # (n_eval, latent)
    trainer = Trainer(
        modules={"G": G, "D": D}, optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=cfg.latent_dim),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=cfg.latent_dim),
        batches=Batches(ImageSet(data, labels), cfg.batch_size, seed=seed),
        config=TrainConfig(steps=cfg.steps, sample_every=cfg.sample_every,
                           checkpoint_every=cfg.steps, log_every=50),
        sample_fn=lambda: G(z_fixed),  # (n_eval, latent) -> (n_eval, 2)
        out_dir=out_dir, tag=tag, hparams={**to_plain(cfg), "seed": seed},
        roles=roles_of(cfg),  # a resume may change the learning rates only
    )
    trainer.fit()
    return ToyRun(cfg=cfg, seed=seed, G=G, D=D, trainer=trainer, data=data, centers=centers)


@dataclass
class LabResult:
    """Several seeds of one configuration."""

    name: str
    runs: list[ToyRun] = field(default_factory=list)

    @property
    def coverages(self) -> list[ModeCoverage]:
        return [r.coverage for r in self.runs]

    @property
    def train_seconds(self) -> float:
        return sum(r.trainer.train_seconds for r in self.runs)


def run_lab(name: str, cfg: ToyGANConfig, seeds: Sequence[int], out_root: str | Path | None = None
            ) -> LabResult:
    """Train ``cfg`` once per seed (checkpoints under ``out_root/name-seedS`` if given)."""
    arguments.instance("name", name, str, "the configuration's name, e.g. 'baseline'")
    arguments.instance("cfg", cfg, ToyGANConfig, "a ToyGANConfig, e.g. ToyGANConfig()")
    arguments.seeds("seeds", seeds)
    arguments.optional_path("out_root", out_root)
    result = LabResult(name)
    for seed in seeds:
        out_dir = Path(out_root) / f"{name}-seed{seed}" if out_root is not None else None
        result.runs.append(train_toy_gan(cfg, seed=seed, out_dir=out_dir, tag=f"toy-{name}"))
    return result
