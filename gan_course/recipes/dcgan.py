"""Chapter 4's recipe: DCGAN on FashionMNIST padded to 32x32.

The training loop is chapter 2's, unchanged: the library ``d_step`` / ``g_step``
(:mod:`gan_course.steps`, this recipe's steps under the names every recipe uses)
with the same losses on logits. Only the networks differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..models import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from ..steps import d_step, g_step  # noqa: F401 (this recipe's two steps: chapter 2's)
from ..training import Trainer
from .common import SMOKE, ModelEntry, Recipe, config_from, lr_decay_from, recipe_for, setting
from .vanilla import build_vanilla, sample_unconditional


@dataclass
class DCGANRecipe(Recipe):
    """Chapter 4: a small DCGAN (4x4 -> 8 -> 16 -> 32); the paper's Adam, G learning 5x faster, then a decay."""

    model: DCGANConfig = setting("network", factory=DCGANConfig)  # network sizes (latent 100, 32x32, widths 32-128)
    batch_size: int = setting("size", 64)  # images per step (the DCGAN paper uses 128)
    steps: int = setting("length", 3_600)  # training iterations (one D and one G update each): 3.8 epochs
    lr: float = setting("lr", 2e-4)  # D's Adam learning rate (the DCGAN paper's, for both networks)
    lr_g: float = setting("lr", 1e-3)  # G's Adam rate: 5x D's, as in chapter 5's InfoGAN (a given FD in fewer steps)
    lr_decay: float = setting("fraction", 0.35)  # the last 35% of the steps: both learning rates fall linearly to 0
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas; beta1 = 0.5 (DCGAN)
    n_fixed: int = setting("size", 64)  # fixed noise vectors behind every sample grid
    sample_every: int = setting("cadence", 500)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 500)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 300)  # steps between course-FD measurements of fixed samples (0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    @classmethod
    def for_profile(cls, profile: str | None = None) -> "DCGANRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        return recipe_for(cls, profile, SMOKE["gan"])


def build_dcgan(recipe: DCGANRecipe, device: torch.device, out_dir: str | Path | None,
                seed: int = 0, *, generator_layers=None, precision: str | None = None) -> Trainer:
    """Chapter 2's training run (``build_vanilla``) with the DCGAN networks, on images padded to their size.

    ``generator_layers(latent_dim, widths, channels) -> [modules]``, when given, builds G's layers (chapter 4
    trains the learner's own generator once it passes its check).
    """
    arguments.recipe(recipe, (DCGANRecipe,), "build_dcgan", device, seed, precision)
    make_G = DCGANGenerator if generator_layers is None else partial(DCGANGenerator, layers=generator_layers)
    return build_vanilla(recipe, device, out_dir, seed, precision=precision,
                         networks=(make_G, DCGANDiscriminator),  # initialised from N(0, 0.02)
                         pad_to=recipe.model.image_size,  # (N, 1, 28, 28) -> (N, 1, 32, 32), background-padded
                         tag="dcgan",
                         lr_g=recipe.lr_g,  # G learns 5x faster than D
                         lr_decay_from=lr_decay_from(recipe))  # then both slow down to settle


def dcgan_generator(hparams: dict) -> DCGANGenerator:
    return DCGANGenerator(config_from(DCGANConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=DCGANRecipe, build=build_dcgan, make_generator=dcgan_generator,
                   sample=sample_unconditional, tag="dcgan", chapter="04_dcgan")
