"""Chapter 6's recipe: pix2pix from FashionMNIST edge maps to FashionMNIST images.

The losses and the optimiser are the paper's (Isola et al., 2017): the
non-saturating cGAN loss on a conditional PatchGAN plus λ·L1 with λ = 100, D's
loss halved, Adam with lr 2e-4 and β₁ = 0.5. The networks are smaller (32x32
images, widths 32 to 128 instead of 64 to 512) so that a full run fits in
minutes on a CPU and the shipped generator in a few MB.

The chapter's ablations (L1 only, cGAN only, ...) are changes of this recipe,
run by :mod:`gan_course.experiments.pix2pix_ablations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..data import unpad
from ..data.edges import PairedBatches, load_edges2fashion
from ..errors import CourseError
from ..losses import discriminator_loss, pix2pix_generator_loss
from ..models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ..models.unet import UNetConfig, UNetGenerator
from ..runtime import check_device, eval_mode, in_chunks, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, check_settings, config_from, model_hparams, quality_probe, recipe_for,
                     roles_of, setting)


def _generator() -> UNetConfig:
    return UNetConfig(base_channels=32, max_mult=4)  # widths 32-64-128-128-128: 1.8 M parameters, 3.4 MB in fp16


def _discriminator() -> PatchGANConfig:
    return PatchGANConfig(in_channels=2, base_channels=32, n_layers=1)


@dataclass
class Pix2PixRecipe(Recipe):
    """Chapter 6: pix2pix, edges -> FashionMNIST at 32x32 (the paper's losses, smaller networks)."""

    generator: UNetConfig = setting("network", factory=_generator)  # U-Net 32x32 -> 1x1, widths 32 to 128
    discriminator: PatchGANConfig = setting("network", factory=_discriminator)  # sees (edges, image): 2 channels
    batch_size: int = setting("size", 32)  # pairs per step (the paper uses 1 to 10 at 256x256)
    steps: int = setting("length", 2_000)  # training iterations (one D update and one G update each)
    lr: float = setting("lr", 2e-4)  # Adam learning rate of both networks (the paper's)
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas (the paper's)
    l1_weight: float = setting("weight", 100.0)  # λ: weight of the L1 term (the paper's 100); 0 gives "cGAN only"
    adversarial_weight: float = setting("weight", 1.0)  # weight of the cGAN term; 0 gives "L1 only"
    n_fixed: int = setting("size", 16)  # held-out test edge maps behind every sample grid
    sample_every: int = setting("cadence", 200)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 500)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training pairs (None: all 60,000)
    quality_every: int = setting("quality", 100)  # steps between course FDs of translated held-out edge maps (0 = off)
    quality_n: int = setting("quality", 1_000)  # held-out test edge maps translated behind each quality measurement

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        if self.l1_weight < 0 or self.adversarial_weight < 0 or self.l1_weight + self.adversarial_weight == 0:
            raise CourseError("l1_weight and adversarial_weight must be >= 0 and not both 0: "
                              "use the paper's l1_weight=100, adversarial_weight=1")
        g, d = self.generator, self.discriminator
        if d.in_channels != g.in_channels + g.out_channels:
            raise CourseError(f"the conditional PatchGAN reads the input and the output concatenated "
                              f"({g.in_channels} + {g.out_channels} channels), but in_channels="
                              f"{d.in_channels}: set PatchGANConfig(in_channels={g.in_channels + g.out_channels})")

    @classmethod
    def for_profile(cls, profile: str | None = None, **overrides) -> "Pix2PixRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path.

        ``overrides`` replace fields, e.g. ``for_profile(l1_weight=0.0)``.
        """
        # smoke: G keeps the full architecture, so that the shipped pretrained weights fit it in either profile
        return recipe_for(cls, profile, SMOKE["pix2pix"], **overrides)


# ------------------------------------------------------------------ the two steps
def d_step(batch, ctx, *, G, D, opt_D) -> dict:
    """One discriminator update: call the pair (x, y) real and (x, G(x)) fake, patch by patch."""
    edges, real = batch  # (B, 1, 32, 32) each: the input x and its true image y
    with ctx.autocast():
        with torch.no_grad():
            fake = G(edges)  # (B, 1, 32, 32); no gradient to G in D's update
        real_logits = D(torch.cat([edges, real], dim=1))  # (B, 2, 32, 32) -> (B, 1, h, h): one logit per patch
        fake_logits = D(torch.cat([edges, fake], dim=1))  # D always sees the input it is judging
        loss_real, loss_fake = discriminator_loss(real_logits, fake_logits)  # means over all patches
    ctx.backward_step(0.5 * (loss_real + loss_fake), opt_D)  # halved, as in the paper (with Adam this changes nothing, up to eps)
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "d_real": torch.sigmoid(real_logits.float()).mean(),  # mean D over the patches of real pairs
            "d_fake": torch.sigmoid(fake_logits.float()).mean()}


def g_step(batch, ctx, *, G, D, opt_G, l1_weight: float, adversarial_weight: float) -> dict:
    """One generator update: fool the PatchGAN on every patch and stay within L1 of the truth."""
    edges, real = batch
    with ctx.autocast():
        fake = G(edges)  # (B, 1, 32, 32); dropout inside G is its only noise
        fake_logits = D(torch.cat([edges, fake], dim=1))  # (B, 1, h, h)
        loss, adversarial, l1 = pix2pix_generator_loss(fake_logits, real, fake, l1_weight, adversarial_weight)
    ctx.backward_step(loss, opt_G)  # steps G only
    return {"loss_g": adversarial, "loss_l1": l1, "loss_g_total": loss}


# ------------------------------------------------------------------ building
def build_pix2pix(recipe: Pix2PixRecipe, device: torch.device, out_dir: str | Path | None,
                  seed: int = 0, *, discriminator_layers=None, precision: str | None = None) -> Trainer:
    """Paired data, U-Net, PatchGAN, optimisers and step functions for chapter 6, wired into a Trainer.

    ``discriminator_layers(in_channels, base_channels, n_layers, norm) -> [modules]``, when given, builds the
    PatchGAN's layers (chapter 6 trains with the learner's own once it passes its check).
    """
    arguments.recipe(recipe, (Pix2PixRecipe,), "build_pix2pix", device, seed, precision)
    seed_everything(seed)
    data = load_edges2fashion("train", device=device, limit=recipe.train_limit)  # (60000, 1, 32, 32) x 2
    fixed = load_edges2fashion("test", device=device, limit=recipe.n_fixed).inputs  # (16, 1, 32, 32) edges
    held_out = load_edges2fashion("test", device=device, limit=recipe.quality_n).inputs  # (1000, 1, 32, 32)
    G = UNetGenerator(recipe.generator).to(device)
    D = PatchGANDiscriminator(recipe.discriminator, layers=discriminator_layers).to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, l1_weight=recipe.l1_weight,
                       adversarial_weight=recipe.adversarial_weight),
        batches=PairedBatches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: G(fixed),  # eval mode: dropout off, batch norm on its running statistics
        quality=quality_probe(recipe, lambda: G(held_out)),  # as `evaluate`: translations vs real test images
        out_dir=out_dir,
        tag="pix2pix",
        hparams=model_hparams(recipe, seed),
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


def unet_generator(hparams: dict) -> UNetGenerator:
    return UNetGenerator(config_from(UNetConfig, hparams["generator"]))


@torch.no_grad()
def translate_test_items(G: UNetGenerator, n: int, direction: str = "AtoB", device="cpu") -> dict:
    """The first ``n`` held-out test edge maps translated by ``G`` (in eval mode: deterministic).

    Returns ``{"inputs", "outputs", "targets"}``: edge maps x, translations G(x)
    and true images y, each float32 ``(n, 1, 32, 32)`` in [-1, 1] on the CPU.
    pix2pix learns one direction only, edges -> images ("AtoB").
    """
    if not isinstance(G, UNetGenerator):
        raise CourseError(f"translate_test_items needs G to be a UNetGenerator (chapter 6's pix2pix generator), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")
    arguments.held_out_items("n", n)
    check_device(device)
    if direction != "AtoB":
        raise CourseError(f"pix2pix translates edges to images only (direction AtoB), not {direction!r}: "
                          "drop --direction or train a second pix2pix on the swapped pairs")
    test = load_edges2fashion("test", limit=None if n > 10_000 else n)
    if not 0 < n <= len(test):
        raise CourseError(f"n must be between 1 and {len(test)} (the held-out test pairs), got {n}")
    with eval_mode(G):
        outputs = in_chunks(G, test.inputs, device)  # (n, 1, 32, 32)
    return {"inputs": test.inputs.float(), "outputs": outputs, "targets": test.images.float()}


def sample_translations(G: UNetGenerator, n: int, device) -> dict:
    """``{"images": G(x)}`` for the first ``n`` held-out test edge maps.

    No labels: pix2pix is conditioned on an image, not on a class.
    """
    return {"images": translate_test_items(G, n, "AtoB", device)["outputs"]}


def extra_scores(G: UNetGenerator, samples: dict, device) -> dict:
    """L1, PSNR and SSIM of the sampled outputs against their own true images (see ``paired_scores``),
    on the 28x28 picture: the padding's background border would flatter every per-pixel average."""
    from ..metrics.translation import paired_scores

    outputs = samples["images"]
    targets = load_edges2fashion("test", limit=len(outputs)).images
    return paired_scores(unpad(outputs), unpad(targets))  # (N, 1, 32, 32) -> (N, 1, 28, 28)


ENTRY = ModelEntry(recipe=Pix2PixRecipe, build=build_pix2pix, make_generator=unet_generator,
                   sample=sample_translations, tag="pix2pix", chapter="06_pix2pix",
                   translate=translate_test_items, extra_scores=extra_scores)

