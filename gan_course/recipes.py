"""Recipes: one per model, shared by its chapter and by ``python -m gan_course``.

A recipe is a ``@dataclass`` of every training setting plus a ``build`` function
that turns it into a ready :class:`~gan_course.training.Trainer`. The chapter
shows the recipe and the step functions, then calls ``build``; the command line
calls the same ``build``, so a model trained either way is the same model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import torch

from .data import Batches, load_fashion_mnist
from .errors import CourseError
from .models import MLPConfig, MLPDiscriminator, MLPGenerator
from .profiles import check_profile, current_profile
from .runtime import seed_everything
from .steps import d_step, g_step
from .training import TrainConfig, Trainer


@dataclass
class VanillaRecipe:
    """Chapter 2: the seed notes' fully connected GAN on FashionMNIST."""

    model: MLPConfig = field(default_factory=MLPConfig)  # network sizes (latent 100, 28x28 images)
    batch_size: int = 64  # images per step, as in the seed notes
    steps: int = 12_000  # training iterations (one D and one G update each): ~13 epochs
    lr: float = 2e-4  # Adam learning rate for both networks
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas; beta1 = 0.5 damps momentum (DCGAN)
    n_fixed: int = 64  # fixed noise vectors behind every sample grid
    sample_every: int = 500  # steps between sample grids
    checkpoint_every: int = 2_000  # steps between checkpoints
    train_limit: int | None = None  # use only the first N training images (None: all 60,000)

    @classmethod
    def for_profile(cls, profile: str | None = None) -> "VanillaRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        if check_profile(profile or current_profile()) == "full":
            return cls()
        return cls(batch_size=16, steps=24, sample_every=8, checkpoint_every=12, train_limit=2_048)


def build_vanilla(recipe: VanillaRecipe, device: torch.device, out_dir: str | Path | None,
                  seed: int = 0) -> Trainer:
    """Data, networks, optimisers and step functions for chapter 2, wired into a Trainer."""
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, limit=recipe.train_limit)
    G = MLPGenerator(recipe.model).to(device)
    D = MLPDiscriminator(recipe.model).to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    fixed_z = torch.randn(recipe.n_fixed, recipe.model.latent_dim,
                          generator=torch.Generator().manual_seed(seed + 1)).to(device)  # (64, 100)
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=recipe.model.latent_dim),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=recipe.model.latent_dim),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every),
        sample_fn=lambda: G(fixed_z),
        out_dir=out_dir,
        tag="vanilla-mlp",
        hparams=model_hparams(recipe, seed),
        device=device,
    )


def model_hparams(recipe, seed: int) -> dict:
    """What a checkpoint must match to be resumed: everything but the step counts."""
    cadence = {"steps", "sample_every", "checkpoint_every"}
    return {**{k: v for k, v in dataclasses.asdict(recipe).items() if k not in cadence}, "seed": seed}


def _mlp_config(hparams: dict) -> MLPConfig:
    fields = {f.name for f in dataclasses.fields(MLPConfig)}
    return MLPConfig(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in hparams["model"].items() if k in fields})


@torch.no_grad()
def sample_unconditional(G: torch.nn.Module, n: int, device: torch.device, batch: int = 500) -> torch.Tensor:
    """n images from G, drawn in batches: (n, C, H, W) in [-1, 1] on the CPU."""
    latent = G.cfg.latent_dim
    chunks = [G(torch.randn(min(batch, n - i), latent, device=device)).float().cpu()
              for i in range(0, n, batch)]
    return torch.cat(chunks)


@dataclass(frozen=True)
class ModelEntry:
    """How the command line trains and samples one model."""

    recipe: type  # the recipe dataclass (with .for_profile)
    build: Callable  # build(recipe, device, out_dir, seed) -> Trainer
    make_generator: Callable  # make_generator(hparams) -> an untrained G of that configuration
    sample: Callable  # sample(G, n, device) -> (n, C, H, W) images in [-1, 1]
    tag: str  # the Trainer tag its checkpoints carry

    def generator_from_checkpoint(self, state: dict, path) -> torch.nn.Module:
        """The generator stored in a Trainer checkpoint, or a clear error."""
        if state.get("tag") != self.tag:
            raise CourseError(f"{path} holds a {state.get('tag')!r} checkpoint, not {self.tag!r}: "
                              "pass a checkpoint of this model")
        try:
            G = self.make_generator(state["hparams"])
            G.load_state_dict(state["modules"]["G"])
        except (KeyError, TypeError, RuntimeError) as exc:
            raise CourseError(f"{path} does not fit this model's generator ({type(exc).__name__}): "
                              "pass a checkpoint written by `train` for this model") from exc
        return G


MODELS: dict[str, ModelEntry] = {
    "vanilla": ModelEntry(VanillaRecipe, build_vanilla, lambda h: MLPGenerator(_mlp_config(h)),
                          sample_unconditional, tag="vanilla-mlp"),
}


def get_model(name: str) -> ModelEntry:
    if name not in MODELS:
        raise CourseError(f"unknown model {name!r}: choose one of {', '.join(sorted(MODELS))}")
    return MODELS[name]
