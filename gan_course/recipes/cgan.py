"""Chapter 3's recipe: the conditional GAN on FashionMNIST, with its two update steps.

The steps, ``d_step`` and ``g_step`` as in every recipe, are chapter 2's with a
label next to every image: real images keep their own labels, fakes are generated
*for* labels drawn uniformly from the ten classes, and D judges every (image, label) pair.
The losses are unchanged (``gan_course.losses``); only the inputs differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from .. import arguments
from ..data import Batches, load_fashion_mnist
from ..errors import CourseError
from ..losses import discriminator_loss, generator_nonsaturating_loss
from ..metrics.codes import per_class_accuracy  # noqa: F401 (chapter 3 imports it from here)
from ..models import CGANConfig, ConditionalDiscriminator, ConditionalGenerator, check_labels
from ..runtime import eval_mode, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, config_from, model_hparams, quality_noise, quality_probe,
                     recipe_for, roles_of, setting)


@dataclass
class CGANRecipe(Recipe):
    """Chapter 3: a small convolutional GAN, conditioned on the class, with chapter 2's optimiser settings."""

    model: CGANConfig = setting("network", factory=CGANConfig)  # network widths, label embedding, ablation switch
    batch_size: int = setting("size", 64)  # images per step (as chapter 2)
    steps: int = setting("length", 3_000)  # training iterations (one D and one G update each): 3.2 epochs
    lr: float = setting("lr", 2e-4)  # Adam learning rate for both networks
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas; beta1 = 0.5 damps momentum (DCGAN)
    n_fixed: int = setting("size", 8)  # fixed noise vectors behind the sample grids; each is drawn in all classes
    sample_every: int = setting("cadence", 250)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 500)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # use only the first N training images (None: all 60,000)
    quality_every: int = setting("quality", 150)  # steps between course-FD measurements of fixed samples (0 = off)
    quality_n: int = setting("quality", 1_000)  # fixed samples behind each quality measurement

    @classmethod
    def for_profile(cls, profile: str | None = None) -> "CGANRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path."""
        # smoke: the same networks (so the shipped generator loads in both profiles), far fewer steps
        return recipe_for(cls, profile, {**SMOKE["gan"], "n_fixed": 2})


def random_labels(n: int, num_classes: int, device) -> torch.Tensor:
    """``n`` class indices drawn uniformly: the classes G is asked to draw. (n,) int64."""
    return torch.randint(num_classes, (n,), device=device)


def d_step(batch, ctx, *, G, D, opt_D, latent_dim: int, num_classes: int) -> dict:
    """One discriminator update on (image, label) pairs: real pairs up, generated pairs down."""
    real, real_labels = batch  # (B, C, H, W) in [-1, 1], (B,) int64: this time the labels are used
    B = real.shape[0]
    z = torch.randn(B, latent_dim, device=real.device)  # (B, latent_dim)
    fake_labels = random_labels(B, num_classes, real.device)  # (B,): the classes G must draw
    with ctx.autocast():
        fake = G(z, fake_labels).detach()  # (B, C, H, W); detach: this update must not reach G
        real_logits = D(real, real_labels)  # (B,): "is this a real image of this class?"
        fake_logits = D(fake, fake_labels)  # (B,): judged against the label G was given
        loss_real, loss_fake = discriminator_loss(real_logits, fake_logits)
    ctx.backward_step(loss_real + loss_fake, opt_D)
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "d_real": torch.sigmoid(real_logits.float()).mean(),  # mean D(x, y)
            "d_fake": torch.sigmoid(fake_logits.float()).mean()}  # mean D(G(z, y), y) before the update


def g_step(batch, ctx, *, G, D, opt_G, latent_dim: int, num_classes: int,
                generator_loss=generator_nonsaturating_loss) -> dict:
    """One generator update: fresh fakes for fresh labels, which D (now improved) should accept."""
    real, _ = batch  # only its size and device are used
    B = real.shape[0]
    z = torch.randn(B, latent_dim, device=real.device)  # fresh noise (B, latent_dim)
    labels = random_labels(B, num_classes, real.device)  # (B,)
    with ctx.autocast():
        fake_logits = D(G(z, labels), labels)  # no detach: the gradient flows through D into G
        loss = generator_loss(fake_logits)
    ctx.backward_step(loss, opt_G)
    return {"loss_g": loss}


def fixed_class_inputs(cfg: CGANConfig, n_rows: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs of a class grid: ``n_rows`` noise vectors, each repeated for every class.

    Returns z ``(n_rows * K, latent_dim)`` and y ``(n_rows * K,)``, row-major: row r
    holds noise vector r drawn as class 0, 1, ..., K-1 (``show_grid(G(z, y), nrow=K)``
    then has one row per noise vector and one column per class).
    """
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n_rows, cfg.latent_dim, generator=g)  # (n_rows, latent_dim)
    z = z.repeat_interleave(cfg.num_classes, dim=0)  # (n_rows * K, latent_dim): z0 z0 .. z1 z1 ..
    y = torch.arange(cfg.num_classes).repeat(n_rows)  # (n_rows * K,): 0 1 .. K-1 0 1 ..
    return z, y


@torch.no_grad()
def _check_conditional(G, function: str) -> None:
    if not isinstance(G, torch.nn.Module) or not hasattr(getattr(G, "cfg", None), "num_classes"):
        raise CourseError(f"{function} needs G to be a conditional generator (ConditionalGenerator), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")


def class_grid(G: ConditionalGenerator, z: torch.Tensor) -> torch.Tensor:
    """Every noise vector of ``z`` (R, latent_dim) drawn in every class: (R * K, C, H, W) on the CPU, row-major.

    G runs in eval mode (batch norm uses its running statistics) and is put back as it was.
    """
    _check_conditional(G, "class_grid")
    arguments.tensor("z", z, what="noise (R, latent_dim), e.g. torch.randn(8, G.cfg.latent_dim)", min_len=1)
    if z.dim() != 2 or z.shape[1] != G.cfg.latent_dim:
        raise CourseError(f"z must be noise of shape (R, latent_dim={G.cfg.latent_dim}), got {tuple(z.shape)}: "
                          "pass e.g. torch.randn(8, G.cfg.latent_dim)")
    K = G.cfg.num_classes
    device = next(G.parameters()).device
    with eval_mode(G):
        y = torch.arange(K, device=device).repeat(z.shape[0])  # (R * K,)
        return G(z.to(device).repeat_interleave(K, dim=0), y).float().cpu()  # (R * K, C, H, W)


def build_cgan(recipe: CGANRecipe, device: torch.device, out_dir: str | Path | None, seed: int = 0, *,
               d_forward=None, precision: str | None = None) -> Trainer:
    """Data (with labels), networks, optimisers and step functions for chapter 3, wired into a Trainer.

    ``d_forward(D, x, y) -> logits (B,)``, when given, replaces D's forward pass (the same layers and weights):
    chapter 3 trains with the learner's own once it passes its check.
    """
    arguments.recipe(recipe, (CGANRecipe,), "build_cgan", device, seed, precision)
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, limit=recipe.train_limit)
    G = ConditionalGenerator(recipe.model).to(device)
    D = ConditionalDiscriminator(recipe.model).to(device)
    if d_forward is not None:
        D.forward = partial(d_forward, D)  # D(x, y) now runs d_forward(D, x, y)
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    sizes = {"latent_dim": recipe.model.latent_dim, "num_classes": recipe.model.num_classes}
    fixed_z, fixed_y = (t.to(device) for t in fixed_class_inputs(recipe.model, recipe.n_fixed, seed + 1))
    quality_z = quality_noise(recipe.quality_n, recipe.model.latent_dim, seed + 2, device)  # (1000, latent_dim)
    quality_y = (torch.arange(recipe.quality_n) % recipe.model.num_classes).to(device)  # (1000,): every class alike
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D, **sizes),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, **sizes),
        batches=Batches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: G(fixed_z, fixed_y),  # (n_fixed * 10, C, H, W): rows = noise, columns = classes
        quality=quality_probe(recipe, lambda: G(quality_z, quality_y)),
        out_dir=out_dir,
        tag="cgan",
        hparams=model_hparams(recipe, seed),
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


def requested_labels(labels, n: int, num_classes: int) -> torch.Tensor:
    """The labels to draw: ``None`` -> balanced ``arange(n) % K``; an int -> that class n times; a tensor as is."""
    if labels is None:
        return torch.arange(n) % num_classes  # (n,) int64: 0, 1, ..., K-1, 0, 1, ...
    if isinstance(labels, bool) or not isinstance(labels, (int, torch.Tensor)):
        raise CourseError(f"labels must be None, a class index or a tensor of class indices, got "
                          f"{type(labels).__name__}: pass e.g. labels=7 (a class of gan_course.data.CLASSES)")
    y = torch.full((n,), labels, dtype=torch.long) if isinstance(labels, int) else labels.cpu()
    check_labels(y, n, num_classes, "sample")  # out-of-range classes are refused here, with the fix
    return y.long()


@torch.no_grad()
def sample_conditional(G: ConditionalGenerator, n: int, device: torch.device, labels=None,
                       batch: int = 500) -> dict:
    """``{"images": (n, C, H, W) in [-1, 1] on the CPU, "labels": (n,) int64}``.

    ``labels``: ``None`` for a balanced set (``arange(n) % 10``), a class index for
    ``n`` images of one class, or a tensor of ``n`` class indices. The noise comes
    from the global RNG (``seed_everything`` first for reproducible samples).
    """
    _check_conditional(G, "sample_conditional")
    arguments.sampler(G, n, device, batch, "sample_conditional")
    y = requested_labels(labels, n, G.cfg.num_classes)  # (n,) on the CPU
    with eval_mode(G):
        chunks = [G(torch.randn(len(part), G.cfg.latent_dim, device=device), part.to(device)).float().cpu()
                  for part in y.split(batch)]
    return {"images": torch.cat(chunks), "labels": y}


def extra_scores(G: ConditionalGenerator, samples: dict, device: torch.device) -> dict:
    """Label accuracy: the share of samples that the course classifier puts in the class they were drawn for."""
    from ..metrics import label_accuracy

    return {"label_accuracy": float(label_accuracy(samples["images"], samples["labels"], device=device))}


def cgan_generator(hparams: dict) -> ConditionalGenerator:
    return ConditionalGenerator(config_from(CGANConfig, hparams["model"]))


ENTRY = ModelEntry(recipe=CGANRecipe, build=build_cgan, make_generator=cgan_generator, sample=sample_conditional,
                   tag="cgan", chapter="03_conditional_gan", conditional=True, extra_scores=extra_scores)
