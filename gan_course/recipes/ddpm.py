"""Chapter 11's recipe: a small DDPM on FashionMNIST padded to 32x32, trained by the course's Trainer.

One network and no game: the Trainer gets ``d_step=None`` and runs :func:`g_step`
alone, which regresses the noise added to a minibatch at random steps t (Ho et al.'s
simplified loss). The module called "G" everywhere (checkpoints, export, ``sample``)
is the noise predictor ε_θ; turning it into images takes a sampler: DDIM with
``steps`` network evaluations (:func:`sample_ddpm`), or all T of them, ancestrally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..data import Batches, load_fashion_mnist
from ..diffusion import GaussianDiffusion, ddpm_loss
from ..errors import CourseError
from ..models.ddpm import DDPMConfig, DDPMUNet
from ..runtime import eval_mode, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import SMOKE, ModelEntry, Recipe, config_from, model_hparams, quality_probe, recipe_for, roles_of, setting

TAG = "ddpm"
SAMPLE_STEPS = 50  # DDIM steps `sample ddpm` and `evaluate ddpm` take unless told (--steps)


@dataclass
class DDPMRecipe(Recipe):
    """Chapter 11: ε-prediction on FashionMNIST at 32x32 with Adam, T = 1000, the linear β schedule."""

    model: DDPMConfig = setting("network", factory=DDPMConfig)  # the U-Net's widths and the diffusion's schedule
    batch_size: int = setting("size", 64)  # images per step
    steps: int = setting("length", 700)  # training steps: about the time of chapter 4's DCGAN arm in chapter 11
    lr: float = setting("lr", 1e-3)  # Adam's learning rate (Ho et al. use 2e-4 for far longer runs)
    betas: tuple[float, float] = setting("optimizer", (0.9, 0.999))  # Adam's default betas, as in the DDPM code
    n_fixed: int = setting("size", 64)  # fixed noise images behind every sample grid
    sample_every: int = setting("cadence", 140)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 350)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 175)  # steps between course-FD measurements (0 = off)
    quality_n: int = setting("quality", 500)  # fixed samples behind each quality measurement
    # DDIM steps per quality sample (and per grid): the sampler `sample` and `evaluate` use, so that the
    # checkpoint the quality record calls best is best for them (at 10 steps the record chose another one)
    quality_steps: int = setting("quality", SAMPLE_STEPS)

    @classmethod
    def for_profile(cls, profile: str | None = None, **overrides) -> "DDPMRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        return recipe_for(cls, profile, SMOKE["ddpm"], **overrides)  # chapters 2-5's, with 4 DDIM steps


d_step = None  # no discriminator: the Trainer runs g_step alone


def g_step(batch, ctx, *, model, diffusion: GaussianDiffusion, opt) -> dict:
    """One update of ε_θ: noise a minibatch at random steps, regress the noise (the DDPM paper's Algorithm 1)."""
    x_start, _ = batch  # (B, 1, 32, 32) real images in [-1, 1]
    t = torch.randint(0, diffusion.num_timesteps, (x_start.shape[0],), device=x_start.device)  # (B,) uniform
    noise = torch.randn_like(x_start)  # (B, 1, 32, 32) ε ~ N(0, I)
    with ctx.autocast():
        loss = ddpm_loss(model, diffusion, x_start, t, noise)
    ctx.backward_step(loss, opt)
    return {"loss": loss}


def diffusion_of(model: DDPMUNet) -> GaussianDiffusion:
    """The forward process a network was trained for (its config holds T and the schedule)."""
    return GaussianDiffusion.from_config(model.cfg)


def build_ddpm(recipe: DDPMRecipe, device: torch.device, out_dir: str | Path | None, seed: int = 0, *,
               precision: str | None = None) -> Trainer:
    """ε_θ, Adam and FashionMNIST padded to 32x32 in the course's Trainer; grids and FD from fixed noise (DDIM)."""
    arguments.recipe(recipe, (DDPMRecipe,), "build_ddpm", device, seed, precision)
    arguments.optional_path("out_dir", out_dir)
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=recipe.model.image_size, limit=recipe.train_limit)
    model = DDPMUNet(recipe.model).to(device)
    diffusion = diffusion_of(model)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr, betas=recipe.betas)
    shape = (recipe.model.channels, recipe.model.image_size, recipe.model.image_size)

    def fixed_samples(n: int, noise_seed: int):  # the same x_T (and DDIM is deterministic): "fixed noise"
        x_T = torch.randn(n, *shape, generator=torch.Generator().manual_seed(noise_seed)).to(device)
        return diffusion.ddim_sample_loop(model, x_T.shape, recipe.quality_steps, device=device, x_T=x_T,
                                          clip_denoised=True).clamp(-1, 1)

    return Trainer(
        modules={"G": model}, optimizers={"G": opt}, d_step=d_step,
        g_step=partial(g_step, model=model, diffusion=diffusion, opt=opt),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: fixed_samples(recipe.n_fixed, seed + 1),
        quality=quality_probe(recipe, lambda: fixed_samples(recipe.quality_n, seed + 2)),
        out_dir=out_dir, tag=TAG, hparams=model_hparams(recipe, seed), device=device,
        precision=precision_for(device, precision), roles=roles_of(recipe),
    )


def sample_ddpm(G: DDPMUNet, n: int, device: torch.device, batch: int = 500, steps: int | None = None,
                eta: float = 0.0) -> dict:
    """``{"images": (n, 1, 32, 32)}`` in [-1, 1] on the CPU: DDIM with ``steps`` evaluations (default 50), or all
    T ancestral steps when ``steps`` is T and ``eta`` is 1. Draws x_T (and any fresh noise) from the global RNG."""
    arguments.sampler(G, n, device, batch, "sample_ddpm")
    if not isinstance(G, DDPMUNet):
        raise CourseError(f"sample_ddpm needs the DDPM's noise predictor (a DDPMUNet), got {type(G).__name__}")
    steps = SAMPLE_STEPS if steps is None else steps
    T = G.cfg.timesteps
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= T:
        raise CourseError(f"steps must be a whole number from 1 to T = {T} (network evaluations per image), got "
                          f"{steps!r}: e.g. 50")
    diffusion = diffusion_of(G)
    shape = (G.cfg.channels, G.cfg.image_size, G.cfg.image_size)
    chunks = []
    with eval_mode(G):
        for i in range(0, n, batch):
            size = (min(batch, n - i), *shape)
            if steps == T and eta == 1.0:
                x = diffusion.p_sample_loop(G, size, device=device)
            else:
                x = diffusion.ddim_sample_loop(G, size, steps, eta=eta, device=device, clip_denoised=True)
            chunks.append(x.clamp(-1, 1).float().cpu())
    return {"images": torch.cat(chunks)}


def ddpm_generator(hparams: dict) -> DDPMUNet:
    return DDPMUNet(config_from(DDPMConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=DDPMRecipe, build=build_ddpm, make_generator=ddpm_generator, sample=sample_ddpm,
                   tag=TAG, chapter="11_gans_diffusion_responsibility", sampling_steps=SAMPLE_STEPS)
