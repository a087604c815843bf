"""Chapter 10's recipe: a small style-based generator, an EMA of its weights, and DiffAugment for little data.

G is :class:`~gan_course.models.stylegan.StyleGenerator`; D is chapter 9's
critic (chapter 4's discriminator without batch norm) and the game chapter 9's
non-saturating loss with R1 (StyleGAN2's). Three things are new in the steps:

* **style mixing regularisation**: with probability ``mixing_prob`` a batch's
  images take their styles from two w's, switching at a random layer, so that
  neighbouring layers' styles do not learn to depend on each other;
* **DiffAugment**: ``augment`` (a policy of :mod:`gan_course.augment`) transforms
  real *and* fake images before every D call, in both players' updates;
* **an EMA of G's weights** (``G_ema``, :mod:`gan_course.ema`) updated after every
  G step. It is what the run samples from, exports and measures (``fd``); G's own
  FD goes beside it in the quality record (``fd_G``).

Every step also records how often D calls real images real: on the (unaugmented)
training batch (``d_acc_train``) and on a batch of held-out test images
(``d_acc_heldout``). A gap between them is D memorising its training set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..augment import check_policy, diff_augment
from ..data import Batches, load_fashion_mnist
from ..ema import ema_update, make_ema
from ..errors import CourseError
from ..losses import (discriminator_loss, generator_nonsaturating_loss, hinge_discriminator_loss,
                      hinge_generator_loss, r1_penalty)
from ..metrics import QualityProbe
from ..models import DCGANConfig, DCGANCritic
from ..models.stylegan import StyleGANConfig, StyleGenerator, check_style_generator
from ..runtime import eval_mode, in_chunks, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, check_settings, config_from, model_hparams, quality_noise,
                     quality_probe, recipe_for, roles_of, setting)

TAG = "stylegan"
LOSSES = ("bce", "hinge")
HELDOUT_N = 2_000  # held-out (test) images D's accuracy is measured on, a random batch of them per step


@dataclass
class StyleGANRecipe(Recipe):
    """Chapter 10: the style-based G against chapter 9's critic, non-saturating loss + R1, EMA, optional DiffAugment."""

    model: StyleGANConfig = setting("network", factory=StyleGANConfig)  # G: latent 64, w 64, widths 128-32
    critic_model: DCGANConfig = setting("network", factory=DCGANConfig)  # D: chapter 4's sizes (32x32, 32-128)
    critic: str = setting("method", "plain")  # chapter 9's critic kind: "plain" (no batch norm) or "spectral"
    loss: str = setting("method", "bce")  # "bce" (non-saturating, StyleGAN2's) or "hinge"
    r1_gamma: float = setting("weight", 1.0)  # γ: D's loss adds γ/2 · E‖∇D(x)‖² on (augmented) real images
    mixing_prob: float = setting("method", 0.9)  # share of batches whose styles come from two w's (StyleGAN's 0.9)
    ema_decay: float = setting("method", 0.995)  # G_ema <- decay G_ema + (1 - decay) G after each step (0: a copy)
    augment: str = setting("method", "")  # DiffAugment policy on real and fake before D, e.g. "color,translation,cutout"
    batch_size: int = setting("size", 32)  # images per D update and per G update
    steps: int = setting("length", 800)  # training iterations (one D and one G update each): 0.4 epochs
    lr_g: float = setting("lr", 1e-3)  # G's Adam rate (StyleGAN2 uses one rate for both, 2.5e-3 at its scale)
    lr_d: float = setting("lr", 1e-3)  # D's Adam rate, the same as G's
    betas: tuple[float, float] = setting("optimizer", (0.0, 0.99))  # Adam betas (StyleGAN2's)
    n_fixed: int = setting("size", 64)  # fixed noise vectors behind every sample grid
    sample_every: int = setting("cadence", 100)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 200)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 100)  # steps between course-FD measurements (G_ema and G; 0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        arguments.instance("StyleGANRecipe.model", self.model, StyleGANConfig, "a StyleGANConfig")
        arguments.instance("StyleGANRecipe.critic_model", self.critic_model, DCGANConfig, "a DCGANConfig")
        arguments.optional_whole("StyleGANRecipe.train_limit", self.train_limit, 1, 60_000, example=2_048)
        arguments.whole("StyleGANRecipe.quality_every", self.quality_every, 0, 10**9, example=100)
        arguments.whole("StyleGANRecipe.quality_n", self.quality_n, 1, 10_000, example=1_000)
        check_policy(self.augment)
        if self.loss not in LOSSES:
            raise CourseError(f"loss={self.loss!r} is not one of {', '.join(LOSSES)}")
        if self.critic not in ("plain", "spectral"):
            raise CourseError(f"critic={self.critic!r}: use 'plain' or 'spectral' (R1 needs a per-sample D: "
                              "no batch norm)")
        for name in ("mixing_prob", "ema_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise CourseError(f"{name} must be a number from 0 to 1, got {value!r}")

    @classmethod
    def for_profile(cls, profile: str | None = None, **overrides) -> "StyleGANRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path; then ``overrides``."""
        return recipe_for(cls, profile, SMOKE["gan"], **overrides)


# ------------------------------------------------------------------ the two steps
def generate(G: StyleGenerator, z: torch.Tensor, mixing_prob: float = 0.0) -> torch.Tensor:
    """G(z) for training (B, C, 32, 32), with style mixing regularisation.

    A second z and a crossover layer are always drawn (so the random stream does
    not depend on chance); with probability ``mixing_prob`` the layers from the
    crossover on take their style from the second w. Only the first w moves w̄.
    """
    _check_noise(G, z, "generate")  # types and shapes only: it runs at every step
    arguments.number("mixing_prob", mixing_prob, 0.0, 1.0)
    w = G.mapping(z)  # (B, w_dim); in training mode moves w_avg
    w2 = G.mapping_net(torch.randn_like(z))  # (B, w_dim); not counted in w̄ (as the official code)
    num_ws = G.cfg.num_ws
    crossover = torch.randint(1, num_ws, (), device=z.device)  # () in 1 .. num_ws - 1
    mixing = torch.rand((), device=z.device) < mixing_prob  # () True with probability mixing_prob
    # mix_styles(w, w2, num_ws, crossover), with the drawn layer kept on the device (no host read at every step)
    from_w = (torch.arange(num_ws, device=z.device) < crossover) | ~mixing  # (num_ws,): no mixing -> w everywhere
    ws = torch.where(from_w[None, :, None], w.unsqueeze(1), w2.unsqueeze(1))  # (B, num_ws, w_dim)
    return G.synthesis(ws)  # (B, C, 32, 32)


def d_step(batch, ctx, *, G, D, opt_D, latent_dim: int, loss: str, r1_gamma: float, mixing_prob: float,
           augment: str, heldout: torch.Tensor, augment_fn=diff_augment) -> dict:
    """One D update on augmented real and fake images, + γ/2·R1; and D's accuracy on training vs held-out reals."""
    real, _ = batch  # (B, C, 32, 32)
    z = torch.randn(real.shape[0], latent_dim, device=real.device)  # (B, latent_dim)
    with ctx.autocast():
        fake = generate(G, z, mixing_prob).detach()  # (B, C, 32, 32); this update must not reach G
        real_aug, fake_aug = augment_fn(real, augment), augment_fn(fake, augment)  # the same T for both
        real_scores, fake_scores = D(real_aug), D(fake_aug)  # (B,), (B,) logits
        if loss == "bce":
            loss_real, loss_fake = discriminator_loss(real_scores, fake_scores)
        else:
            loss_real, loss_fake = hinge_discriminator_loss(real_scores, fake_scores)
        total = loss_real + loss_fake
    penalty = r1_penalty(D, real_aug.detach()) if r1_gamma else real.new_zeros(())  # outside autocast
    ctx.backward_step(total + 0.5 * r1_gamma * penalty, opt_D)
    with torch.no_grad():  # how often D says "real" to real images it trains on / has never seen
        pick = torch.randint(0, heldout.shape[0], (real.shape[0],), device=heldout.device)
        acc_train = (D(real) > 0).float().mean()  # the training batch, unaugmented
        acc_heldout = (D(heldout[pick]) > 0).float().mean()  # (B,) held-out test images
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake, "r1": penalty,
            "d_real": torch.sigmoid(real_scores.float()).mean(), "d_fake": torch.sigmoid(fake_scores.float()).mean(),
            "d_acc_train": acc_train, "d_acc_heldout": acc_heldout}


def g_step(batch, ctx, *, G, D, opt_G, G_ema, ema_decay: float, latent_dim: int, loss: str, mixing_prob: float,
           augment: str, augment_fn=diff_augment, ema_fn=ema_update) -> dict:
    """One G update through D of augmented fakes (the augmentation is differentiable); then the EMA update."""
    real, _ = batch
    z = torch.randn(real.shape[0], latent_dim, device=real.device)  # (B, latent_dim)
    with ctx.autocast():
        scores = D(augment_fn(generate(G, z, mixing_prob), augment))  # (B,); the gradient flows through T into G
        loss_g = generator_nonsaturating_loss(scores) if loss == "bce" else hinge_generator_loss(scores)
    ctx.backward_step(loss_g, opt_G)
    ema_fn(G_ema, G, ema_decay)  # the average of G's recent weights; buffers (w̄) copied
    return {"loss_g": loss_g}


# ------------------------------------------------------------------ the run
def _check_noise(G, z, function: str) -> None:
    """``G`` a StyleGenerator and ``z`` noise (N, latent_dim) with N >= 1."""
    check_style_generator(G, function)
    arguments.tensor("z", z, 2, f"noise (N, latent_dim = {G.cfg.latent_dim})", floating=True)
    if z.shape[0] == 0 or z.shape[1] != G.cfg.latent_dim:
        raise CourseError(f"z must be noise (N, latent_dim = {G.cfg.latent_dim}) with N >= 1, got shape "
                          f"{tuple(z.shape)}: pass e.g. torch.randn(8, G.cfg.latent_dim)")


def fixed_draw(G: StyleGenerator, z: torch.Tensor, seed: int, psi: float = 1.0) -> torch.Tensor:
    """G(z) (N, C, 32, 32), float32 on the CPU, with per-layer noise from a private generator seeded ``seed``
    (``seed + i`` for the ``i``-th chunk of 500): the same images every call."""
    _check_noise(G, z, "fixed_draw")
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
    arguments.number("psi", psi, 0.0, 1.0)
    return in_chunks(lambda chunk, i: G(chunk, psi=psi, noise_seed=seed + i), z, indexed=True)


def build_stylegan(recipe: StyleGANRecipe, device: torch.device, out_dir: str | Path | None, seed: int = 0, *,
                   augment_fn=diff_augment, ema_fn=ema_update, precision: str | None = None) -> Trainer:
    """Data (first ``train_limit`` images, padded to 32x32), G, G_ema, chapter 9's critic, steps, Trainer.

    ``augment_fn(images, policy)`` and ``ema_fn(ema, model, decay)`` default to the course's;
    chapter 10 passes the learner's own once they pass their checks (``None``: the course's).
    """
    arguments.recipe(recipe, (StyleGANRecipe,), "build_stylegan", device, seed, precision)
    arguments.optional_path("out_dir", out_dir)
    for name, fn in (("augment_fn", augment_fn), ("ema_fn", ema_fn)):
        if fn is not None:
            arguments.function(name, fn)
    augment_fn, ema_fn = augment_fn or diff_augment, ema_fn or ema_update
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=recipe.model.image_size, limit=recipe.train_limit)
    heldout = load_fashion_mnist("test", device=device, pad_to=recipe.model.image_size, limit=HELDOUT_N).images
    G = StyleGenerator(recipe.model).to(device)
    D = DCGANCritic(recipe.critic_model, recipe.critic).to(device)
    G_ema = make_ema(G)  # a frozen copy; averaged into after every G step
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr_g, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr_d, betas=recipe.betas)
    common = dict(G=G, D=D, latent_dim=recipe.model.latent_dim, loss=recipe.loss, mixing_prob=recipe.mixing_prob,
                  augment=recipe.augment, augment_fn=augment_fn)
    fixed_z = torch.randn(recipe.n_fixed, recipe.model.latent_dim,
                          generator=torch.Generator().manual_seed(seed + 1)).to(device)  # (64, 64)
    quality_z = quality_noise(recipe.quality_n, recipe.model.latent_dim, seed + 2, device)  # (1000, 64)
    probe = quality_probe(recipe, lambda: fixed_draw(G_ema, quality_z, seed + 3))  # what the run samples with
    raw = {"G": QualityProbe(lambda: fixed_draw(G, quality_z, seed + 3), reference_n=probe.reference_n)} if probe else {}
    return Trainer(
        modules={"G": G, "D": D, "G_ema": G_ema}, optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, opt_D=opt_D, r1_gamma=recipe.r1_gamma, heldout=heldout, **common),
        g_step=partial(g_step, opt_G=opt_G, G_ema=G_ema, ema_decay=recipe.ema_decay, ema_fn=ema_fn, **common),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: fixed_draw(G_ema, fixed_z, seed + 3),
        quality=probe, quality_extra=raw,  # fd: G_ema's; fd_G: G's own, at the same steps
        out_dir=out_dir, tag=TAG, hparams=model_hparams(recipe, seed), roles=roles_of(recipe), device=device,
        precision=precision_for(device, precision),
    )


@torch.no_grad()
def sample_stylegan(G: StyleGenerator, n: int, device: torch.device, batch: int = 500, psi: float = 1.0) -> dict:
    """``{"images": (n, C, 32, 32)}`` in [-1, 1] on the CPU from the global RNG, truncated in W with ``psi``."""
    arguments.sampler(G, n, device, batch, "sample_stylegan")
    check_psi(psi)
    with eval_mode(G):
        chunks = [G(torch.randn(min(batch, n - i), G.cfg.latent_dim, device=device), psi=psi).float().cpu()
                  for i in range(0, n, batch)]
    return {"images": torch.cat(chunks)}


def check_psi(psi) -> float:
    """ψ if it is a number from 0 to 1, else a clear error."""
    if isinstance(psi, bool) or not isinstance(psi, (int, float)) or not 0 <= psi <= 1:
        raise CourseError(f"the truncation ψ must be a number from 0 (every sample the average image) to 1 "
                          f"(no truncation), got {psi!r}: e.g. --truncation 0.7")
    return float(psi)


def stylegan_generator(hparams: dict) -> StyleGenerator:
    return StyleGenerator(config_from(StyleGANConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=StyleGANRecipe, build=build_stylegan, make_generator=stylegan_generator,
                   sample=sample_stylegan, tag=TAG, chapter="10_style_and_little_data", generator_key="G_ema",
                   truncation=True)
