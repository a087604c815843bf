"""Chapter 5's recipe: InfoGAN on FashionMNIST, with its two update steps.

The steps are the GAN's two steps plus one term each: the information loss
``λ_cat · CE + λ_cont · Gaussian NLL`` of Q reading the code back from the fakes.
D's step trains Q (it shares D's trunk and optimiser); G's step trains G to make
its code readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..data import Batches, load_fashion_mnist
from ..losses import (categorical_info_loss, discriminator_loss, gaussian_info_loss,
                      generator_nonsaturating_loss)
from ..models import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator, sample_codes
from ..runtime import eval_mode, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import SMOKE, ModelEntry, Recipe, config_from, model_hparams, quality_probe, recipe_for, roles_of, setting


@dataclass
class InfoGANRecipe(Recipe):
    """Chapter 5: InfoGAN with a 10-way categorical code and 2 continuous codes."""

    model: InfoGANConfig = setting("network", factory=InfoGANConfig)  # network sizes and the code's layout
    batch_size: int = setting("size", 64)  # images per step
    steps: int = setting("length", 10_000)  # training iterations (one D/Q and one G update each): ~11 epochs
    lr_d: float = setting("lr", 2e-4)  # Adam learning rate of D and Q (the paper's value)
    lr_g: float = setting("lr", 1e-3)  # Adam learning rate of G (the paper's value: G learns faster than D)
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas (DCGAN)
    lambda_cat: float = setting("weight", 1.0)  # weight λ of the categorical information term (the paper: 1)
    lambda_cont: float = setting("weight", 0.1)  # weight of the continuous term (smaller: its NLL has another scale)
    n_fixed: int = setting("size", 10)  # fixed noise vectors per category in the sample grids (10 x 10 = 100 images)
    sample_every: int = setting("cadence", 500)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 1_000)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 500)  # steps between course-FD measurements of fixed samples (0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    @classmethod
    def for_profile(cls, profile: str | None = None) -> "InfoGANRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        return recipe_for(cls, profile, SMOKE["gan"])  # smoke: the same networks, far fewer and smaller steps


def info_terms(out, category, continuous, *, lambda_cat: float, lambda_cont: float):
    """Q's two information losses on a batch of fakes and their weighted sum (what is added to a GAN loss)."""
    arguments.number("lambda_cat", lambda_cat, minimum=0.0), arguments.number("lambda_cont", lambda_cont, minimum=0.0)
    loss_cat = categorical_info_loss(out.cat_logits, category)
    loss_cont = gaussian_info_loss(out.cont_mean, out.cont_log_std, continuous)
    return loss_cat, loss_cont, lambda_cat * loss_cat + lambda_cont * loss_cont


def _info(out, category, continuous, info_losses, **weights):
    """``info_terms``, or ``info_losses(q, category, continuous, **weights)`` on Q's raw head output q (B, K + 2m)."""
    if info_losses is None:
        return info_terms(out, category, continuous, **weights)
    q = torch.cat([out.cat_logits, out.cont_mean, out.cont_log_std], dim=1).float()  # Q's head output, in float32
    # (the course's losses also compute in float32 under mixed precision)
    return info_losses(q, category, continuous, **weights)


def d_step(batch, ctx, *, G, D, opt_D, lambda_cat: float, lambda_cont: float, info_losses=None) -> dict:
    """One D/Q update: the usual real-vs-fake loss, plus Q reading the code back from the fakes."""
    real, _ = batch  # (B, 1, 28, 28); the class labels are never used
    z, category, continuous = sample_codes(G.cfg, real.shape[0], real.device)  # (B, 62), (B,), (B, 2)
    with ctx.autocast():
        fake = G(z, category, continuous).detach()  # (B, 1, 28, 28); only D and Q move in this step
        out_real, out_fake = D(real), D(fake)  # one trunk: D's logits and Q's code posterior
        loss_real, loss_fake = discriminator_loss(out_real.logit, out_fake.logit)
        loss_cat, loss_cont, info = _info(out_fake, category, continuous, info_losses,
                                          lambda_cat=lambda_cat, lambda_cont=lambda_cont)
    ctx.backward_step(loss_real + loss_fake + info, opt_D)  # opt_D holds D's and Q's parameters
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "loss_q_cat": loss_cat, "loss_q_cont": loss_cont,
            "q_accuracy": (out_fake.cat_logits.argmax(1) == category).float().mean(),  # Q reads c_cat right
            "d_real": torch.sigmoid(out_real.logit.float()).mean(),
            "d_fake": torch.sigmoid(out_fake.logit.float()).mean()}


def g_step(batch, ctx, *, G, D, opt_G, lambda_cat: float, lambda_cont: float, info_losses=None) -> dict:
    """One G update: fool D *and* make the code readable by Q (minus λ times the bound on I(c; G(z, c)))."""
    real, _ = batch
    z, category, continuous = sample_codes(G.cfg, real.shape[0], real.device)  # fresh noise and codes
    with ctx.autocast():
        out = D(G(z, category, continuous))  # no detach: gradients reach G through D's and Q's heads
        loss_gan = generator_nonsaturating_loss(out.logit)
        loss_cat, loss_cont, info = _info(out, category, continuous, info_losses,
                                          lambda_cat=lambda_cat, lambda_cont=lambda_cont)
    ctx.backward_step(loss_gan + info, opt_G)  # steps G only
    return {"loss_g": loss_gan, "loss_g_info": info}


def fixed_codes(cfg: InfoGANConfig, per_category: int, seed: int):
    """The sample grids' inputs: row k = category k, the same ``per_category`` noise vectors in every row,
    continuous codes at 0. Returns z (K * n, noise_dim), category (K * n,), continuous (K * n, n_continuous)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(per_category, cfg.noise_dim, generator=g).repeat(cfg.n_categories, 1)  # (K * n, 62)
    category = torch.arange(cfg.n_categories).repeat_interleave(per_category)  # (K * n,): 0 0 .. 1 1 ..
    continuous = torch.zeros(len(category), cfg.n_continuous)  # (K * n, 2)
    return z, category, continuous


def quality_codes_for(recipe: "InfoGANRecipe", seed: int):
    """Fixed inputs of the quality record, as the model is sampled: noise, every category alike, continuous codes
    uniform in [-1, 1], all from a private generator. Returns z (n, noise_dim), category (n,), continuous (n, c)."""
    cfg, n = recipe.model, recipe.quality_n
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, cfg.noise_dim, generator=g)  # (n, 62)
    category = torch.arange(n) % cfg.n_categories  # (n,)
    continuous = torch.rand(n, cfg.n_continuous, generator=g) * 2 - 1  # (n, 2)
    return z, category, continuous


def build_infogan(recipe: InfoGANRecipe, device: torch.device, out_dir: str | Path | None,
                  seed: int = 0, *, info_losses=None, precision: str | None = None) -> Trainer:
    """Data, networks, optimisers and step functions for chapter 5, wired into a Trainer.

    ``info_losses(q, category, continuous, lambda_cat=, lambda_cont=) -> (loss_cat, loss_cont, weighted sum)``,
    when given, computes the information terms from Q's raw head output (chapter 5 trains with the learner's own
    once it passes its check).
    """
    arguments.recipe(recipe, (InfoGANRecipe,), "build_infogan", device, seed, precision)
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, limit=recipe.train_limit)
    G = InfoGANGenerator(recipe.model).to(device)
    D = InfoGANDiscriminator(recipe.model).to(device)  # D and Q: one network, two heads
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr_g, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr_d, betas=recipe.betas)
    weights = {"lambda_cat": recipe.lambda_cat, "lambda_cont": recipe.lambda_cont}
    if info_losses is not None:
        weights["info_losses"] = info_losses
    fixed = [t.to(device) for t in fixed_codes(recipe.model, recipe.n_fixed, seed + 1)]
    quality_codes = [t.to(device) for t in quality_codes_for(recipe, seed + 2)]
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, **weights),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, **weights),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: G(*fixed),
        quality=quality_probe(recipe, lambda: G(*quality_codes)),
        out_dir=out_dir,
        tag="infogan",
        hparams=model_hparams(recipe, seed),
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


@torch.no_grad()
def sample_infogan(G: InfoGANGenerator, n: int, device: torch.device, batch: int = 500) -> dict:
    """``{"images": (n, C, H, W), "labels": (n,)}``: labels are the categorical codes used, balanced
    (``arange(n) % K``); z and the continuous codes are drawn from their priors."""
    labels = torch.arange(n) % G.cfg.n_categories  # (n,) int64: 0, 1, ..., K-1, 0, 1, ...
    chunks = []
    with eval_mode(G):
        for i in range(0, n, batch):
            category = labels[i:i + batch]
            z, _, continuous = sample_codes(G.cfg, len(category), device)
            chunks.append(G(z, category.to(device), continuous).float().cpu())
    return {"images": torch.cat(chunks), "labels": labels}


def extra_scores(G: InfoGANGenerator, samples: dict, device: torch.device) -> dict:
    """How well the categorical code matches the FashionMNIST classes the course classifier sees."""
    from ..metrics import purity_and_nmi

    purity, nmi = purity_and_nmi(samples["images"], samples["labels"], device=device)
    return {"code_purity": float(purity), "code_nmi": float(nmi)}


def infogan_generator(hparams: dict) -> InfoGANGenerator:
    return InfoGANGenerator(config_from(InfoGANConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=InfoGANRecipe, build=build_infogan, make_generator=infogan_generator,
                   sample=sample_infogan, tag="infogan", chapter="05_infogan", extra_scores=extra_scores)
