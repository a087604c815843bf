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
from ..runtime import check_device, precision_for, seed_everything
from ..steps import d_step, g_step
from ..training import TrainConfig, Trainer
from .common import Recipe, check_settings, roles_of, setting


@dataclass
class ToyGANRecipe(Recipe):
    """Chapter 1: a small GAN on a ring of 2-D Gaussians, the toy lab."""

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


def ring_training_set(recipe, generator: torch.Generator) -> ImageSet:
    """``recipe.n_data`` points around the ``recipe.modes`` centres of the ring, each labelled with its nearest
    mode.

    ``recipe`` is any recipe with the ring's settings (``modes``, ``radius``, ``std``, ``n_data``):
    chapter 1's, or chapter 9's :class:`~gan_course.recipes.wgan.RingRecipe`.
    """
    centers = ring_centers(recipe.modes, recipe.radius)  # (K, 2)
    points = sample_mixture(centers, recipe.n_data, recipe.std, generator=generator)  # (N, 2)
    return ImageSet(points, torch.cdist(points, centers).argmin(1))  # labels (N,): unused by the GAN


@dataclass
class ToyRun:
    """One trained toy GAN, with what the lab measures."""

    recipe: Recipe  # chapter 1's ToyGANRecipe, or chapter 9's RingRecipe: the ring, the steps, n_eval
    seed: int
    G: ToyGenerator
    D: torch.nn.Module  # chapter 1's ToyDiscriminator, or chapter 9's ToyCritic
    trainer: Trainer  # .history, .samples = [(step, (n_eval, 2) points)], .train_seconds
    data: torch.Tensor  # (n_data, 2) the training points, on the CPU
    centers: torch.Tensor  # (modes, 2) mode centres

    @classmethod
    def of(cls, recipe: Recipe, seed: int, trainer: Trainer) -> "ToyRun":
        """What a built (and trained) ring Trainer holds, with the ring it trained on."""
        return cls(recipe=recipe, seed=seed, G=trainer.modules["G"], D=trainer.modules["D"], trainer=trainer,
                   data=trainer.batches.data.images.cpu(), centers=ring_centers(recipe.modes, recipe.radius))

    @property
    def coverage(self) -> ModeCoverage:
        """Mode coverage of the last snapshot."""
        return mode_coverage(self.trainer.samples[-1][1], self.centers, self.recipe.std)

    def coverage_history(self) -> dict[str, list[float]]:
        """Modes covered and high-quality share at every snapshot."""
        covs = [(s, mode_coverage(x, self.centers, self.recipe.std)) for s, x in self.trainer.samples]
        return {"step": [s for s, _ in covs], "modes_covered": [c.modes_covered for _, c in covs],
                "high_quality": [c.high_quality for _, c in covs]}


def build_toy(recipe: ToyGANRecipe, device: torch.device | str = "cpu", out_dir: str | Path | None = None,
              seed: int = 0, *, tag: str = "toy-gan", precision: str | None = None) -> Trainer:
    """The ring's data, chapter 1's two small networks, Adam and the library steps, wired into a Trainer.

    The library steps (:func:`~gan_course.steps.d_step`, :func:`~gan_course.steps.g_step`
    with the non-saturating loss) work unchanged for PacGAN: ``ToyDiscriminator(pack=m)``
    reshapes a batch of B points into B/m packs itself. ``trainer.fit()`` trains.
    """
    arguments.recipe(recipe, (ToyGANRecipe,), "build_toy", device, seed, precision)
    arguments.optional_path("out_dir", out_dir)
    arguments.instance("tag", tag, str, "a run name, e.g. 'toy-gan'")
    device = check_device(device)
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)  # draws the training set, then the fixed noise
    data = ring_training_set(recipe, gen).to(device)  # (N, 2) points
    G = ToyGenerator(ToyConfig(data_dim=2, latent_dim=recipe.latent_dim, hidden=recipe.g_hidden,
                               depth=recipe.g_depth)).to(device)
    D = ToyDiscriminator(ToyConfig(data_dim=2, latent_dim=recipe.latent_dim, hidden=recipe.d_hidden,
                                   depth=recipe.d_depth, pack=recipe.pack)).to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr_g, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr_d, betas=recipe.betas)
    z_fixed = torch.randn(recipe.n_eval, recipe.latent_dim, generator=gen).to(device)  # (n_eval, latent)
    return Trainer(
        modules={"G": G, "D": D}, optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=recipe.latent_dim),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=recipe.latent_dim),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.steps, log_every=50),
        sample_fn=lambda: G(z_fixed),  # (n_eval, latent) -> (n_eval, 2)
        out_dir=out_dir, tag=tag, hparams={**to_plain(recipe), "seed": seed},
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


def train_toy_gan(recipe: ToyGANRecipe, seed: int = 0, out_dir: str | Path | None = None,
                  tag: str = "toy-gan", *, device: torch.device | str = "cpu",
                  precision: str | None = None) -> ToyRun:
    """Build chapter 1's toy GAN (:func:`build_toy`), train it, and keep what the lab measures."""
    arguments.recipe(recipe, (ToyGANRecipe,), "train_toy_gan", device, seed, precision)
    trainer = build_toy(recipe, device, out_dir, seed, tag=tag, precision=precision)
    trainer.fit()
    return ToyRun.of(recipe, seed, trainer)


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


def run_lab(name: str, recipe: ToyGANRecipe, seeds: Sequence[int], out_root: str | Path | None = None
            ) -> LabResult:
    """Train ``recipe`` once per seed (checkpoints under ``out_root/name-seedS`` if given)."""
    arguments.instance("name", name, str, "the configuration's name, e.g. 'baseline'")
    arguments.recipe(recipe, (ToyGANRecipe,), "run_lab")
    arguments.seeds("seeds", seeds)
    arguments.optional_path("out_root", out_root)
    result = LabResult(name)
    for seed in seeds:
        out_dir = Path(out_root) / f"{name}-seed{seed}" if out_root is not None else None
        result.runs.append(train_toy_gan(recipe, seed=seed, out_dir=out_dir, tag=f"toy-{name}"))
    return result
