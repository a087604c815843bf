"""Chapter 2's recipe: the fully connected GAN on FashionMNIST."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..data import Batches, load_fashion_mnist
from ..losses import generator_nonsaturating_loss
from ..models import MLPConfig, MLPDiscriminator, MLPGenerator
from ..runtime import eval_mode, precision_for, seed_everything
from ..steps import d_step, g_step  # this recipe's two steps (the library's, shown in chapter 2)
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, config_from, model_hparams, quality_noise, quality_probe,
                     recipe_for, roles_of, setting)


@dataclass
class VanillaRecipe(Recipe):
    """Chapter 2: a fully connected GAN on FashionMNIST."""

    model: MLPConfig = setting("network", factory=MLPConfig)  # network sizes (latent 100, 28x28 images)
    batch_size: int = setting("size", 64)  # images per step
    steps: int = setting("length", 12_000)  # training iterations (one D and one G update each): ~13 epochs
    lr: float = setting("lr", 2e-4)  # Adam learning rate for both networks
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas; beta1 = 0.5 damps momentum (DCGAN)
    n_fixed: int = setting("size", 64)  # fixed noise vectors behind every sample grid
    sample_every: int = setting("cadence", 500)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 2_000)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 500)  # steps between course-FD measurements of fixed samples (0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    @classmethod
    def for_profile(cls, profile: str | None = None) -> "VanillaRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        return recipe_for(cls, profile, SMOKE["gan"])


def build_vanilla(recipe: VanillaRecipe, device: torch.device, out_dir: str | Path | None, seed: int = 0, *,
                  networks=(MLPGenerator, MLPDiscriminator), pad_to: int | None = None,
                  tag: str = "vanilla-mlp", generator_loss=generator_nonsaturating_loss,
                  lr_g: float | None = None, lr_decay_from: int | None = None,
                  discriminator_loss=None, precision: str | None = None) -> Trainer:
    """Data, networks, optimisers and step functions for chapter 2, wired into a Trainer.

    ``networks`` are the classes of G and D, each built from ``recipe.model``;
    ``pad_to`` pads the images (e.g. to 32x32), ``tag`` names the run and
    ``generator_loss`` is G's loss (the troubleshooting page passes the saturating one);
    ``lr_g`` is G's learning rate when it differs from D's ``recipe.lr``, and ``lr_decay_from`` the step
    after which both rates fall linearly towards 0 (chapter 4's recipe uses both).
    Chapter 4 calls this with its DCGAN networks: the same game, other players.
    ``discriminator_loss`` replaces D's loss (``None``: the course's) and ``generator_loss=None`` means the
    non-saturating one: chapter 2 passes the learner's own losses once they pass their checks.
    """
    from .dcgan import DCGANRecipe  # chapter 4 builds through here

    arguments.recipe(recipe, (VanillaRecipe, DCGANRecipe), "build_vanilla", device, seed, precision)
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=pad_to, limit=recipe.train_limit)  # (N, 1, H, W)
    make_G, make_D = networks
    G = make_G(recipe.model).to(device)
    D = make_D(recipe.model).to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=lr_g or recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    fixed_z = torch.randn(recipe.n_fixed, recipe.model.latent_dim,
                          generator=torch.Generator().manual_seed(seed + 1)).to(device)  # (64, 100)
    quality_z = quality_noise(recipe.quality_n, recipe.model.latent_dim, seed + 2, device)  # (1000, 100)
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=recipe.model.latent_dim,
                       **({} if discriminator_loss is None else {"discriminator_loss": discriminator_loss})),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=recipe.model.latent_dim,
                       generator_loss=generator_loss or generator_nonsaturating_loss),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every,
                           lr_decay_from=lr_decay_from),
        sample_fn=lambda: G(fixed_z),
        quality=quality_probe(recipe, lambda: G(quality_z)),  # the course FD of 1,000 fixed samples
        out_dir=out_dir,
        tag=tag,
        hparams=model_hparams(recipe, seed),
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


@torch.no_grad()
def sample_unconditional(G: torch.nn.Module, n: int, device: torch.device, batch: int = 500) -> dict:
    """``{"images": (n, C, H, W)}`` in [-1, 1] on the CPU, drawn in batches (no labels), G in eval mode."""
    arguments.sampler(G, n, device, batch, "sample_unconditional")
    latent = G.cfg.latent_dim
    with eval_mode(G):  # batch norm on its running statistics; G comes back in the mode it had
        chunks = [G(torch.randn(min(batch, n - i), latent, device=device)).float().cpu()
                  for i in range(0, n, batch)]
    return {"images": torch.cat(chunks)}


def mlp_generator(hparams: dict) -> MLPGenerator:
    return MLPGenerator(config_from(MLPConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=VanillaRecipe, build=build_vanilla, make_generator=mlp_generator,
                   sample=sample_unconditional, tag="vanilla-mlp", chapter="02_vanilla_gan")
