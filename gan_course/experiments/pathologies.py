"""Deliberately broken GAN runs for the troubleshooting page.

Each experiment changes *one* setting of a recipe the chapters use, trains it
next to the unchanged recipe with the course's own :class:`~gan_course.training.Trainer`,
and returns both runs, so the page can put their health plots side by side:

* :func:`d_wins_experiment`: chapter 2's MLP GAN on FashionMNIST, with D's
  learning rate 10x higher and G's 10x lower (D learns 100x faster than G),
  with G's non-saturating and its saturating loss;
* :func:`oscillation_experiment`: chapter 1's 2-D ring, with learning rate
  1e-2 and Adam's beta1 = 0.9 instead of 1e-3 and 0.5;
* :func:`collapse_experiment`: chapter 1's lab on the ring (G learns 5x
  faster than D), and the same with PacGAN packing as the fix;
* :func:`checkerboard_patterns`: no training at all: what a stride-2 transposed
  convolution does to a constant input with kernel 3 versus kernel 4
  (Odena et al., 2016), and the resize-then-convolve alternative.

Sizes come from the profile (``smoke``: seconds, every code path; ``full``: the
page's real runs), through :func:`~gan_course.profiles.pick`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from ..errors import CourseError
from ..losses import generator_nonsaturating_loss, generator_saturating_loss
from ..profiles import pick
from ..recipes.vanilla import VanillaRecipe, build_vanilla
from ..recipes.toy import ToyGANRecipe, ToyRun, train_toy_gan
from ..training import Trainer
# the checkerboard measure and the two figures live in metrics and plotting; the troubleshooting page imports them here
from ..metrics.health import unevenness  # noqa: F401
from ..plotting.convolution import plot_patterns  # noqa: F401
from ..plotting.toy import plot_toy_snapshots  # noqa: F401


# ------------------------------------------------------------- D wins too fast
def train_image_gan(lr_d_scale: float = 1.0, lr_g_scale: float = 1.0, profile: str | None = None,
                    device: torch.device | str = "cpu", seed: int = 0, saturating: bool = False) -> Trainer:
    """Chapter 2's MLP GAN with D's and G's learning rates multiplied; no checkpoints kept.

    ``saturating=True`` trains G with the saturating loss log(1 - D(G(z))) instead
    of the non-saturating one. Only the step count and the training subset shrink
    (the page needs the first few hundred steps, where the balance between the
    players is decided).
    """
    if lr_d_scale <= 0 or lr_g_scale <= 0:
        raise CourseError(f"learning-rate scales must be positive, got D x{lr_d_scale}, G x{lr_g_scale}")
    base = VanillaRecipe.for_profile(profile)
    recipe = dataclasses.replace(base, steps=pick(smoke=base.steps, full=600, profile=profile),
                                 sample_every=pick(smoke=base.sample_every, full=300, profile=profile),
                                 checkpoint_every=pick(smoke=base.checkpoint_every, full=600, profile=profile),
                                 train_limit=pick(smoke=base.train_limit, full=10_000, profile=profile))
    loss = generator_saturating_loss if saturating else generator_nonsaturating_loss
    trainer = build_vanilla(recipe, torch.device(device), out_dir=None, seed=seed, generator_loss=loss)
    for name, scale in (("D", lr_d_scale), ("G", lr_g_scale)):
        for group in trainer.optimizers[name].param_groups:
            group["lr"] = recipe.lr * scale  # (2e-4 in chapter 2) x scale
    trainer.fit()
    return trainer


def d_wins_experiment(profile: str | None = None, device: torch.device | str = "cpu",
                      seed: int = 0) -> dict[str, Trainer]:
    """Chapter 2's recipe; D learning 100x faster than G (lr x10 for D, /10 for G); and the same with G's
    saturating loss: the two usual causes of a discriminator that wins, alone and together."""
    return {"chapter 2 (both lr 2e-4)": train_image_gan(1.0, 1.0, profile, device, seed),
            "D lr x10, G lr /10": train_image_gan(10.0, 0.1, profile, device, seed),
            "D lr x10, G lr /10, saturating loss": train_image_gan(10.0, 0.1, profile, device, seed,
                                                                   saturating=True)}


# ---------------------------------------------------------- oscillation, collapse
def _toy(profile: str | None, **changes) -> ToyGANRecipe:
    sizes = dict(steps=pick(smoke=40, full=2000, profile=profile),
                 sample_every=pick(smoke=10, full=100, profile=profile),
                 n_eval=pick(smoke=200, full=1000, profile=profile),
                 n_data=pick(smoke=2000, full=20_000, profile=profile))
    return ToyGANRecipe(**{**sizes, **changes})


def oscillation_experiment(profile: str | None = None, seed: int = 0) -> dict[str, ToyRun]:
    """The 2-D ring with the course's defaults (lr 1e-3, beta1 0.5) and with lr 1e-2, beta1 0.9."""
    return {"lr 1e-3, beta1 0.5": train_toy_gan(_toy(profile), seed=seed, tag="toy-calm"),
            "lr 1e-2, beta1 0.9": train_toy_gan(_toy(profile, lr_g=1e-2, lr_d=1e-2, betas=(0.9, 0.999)),
                                                seed=seed, tag="toy-oscillating")}


def collapse_experiment(profile: str | None = None, seed: int = 1) -> dict[str, ToyRun]:
    """Chapter 1's lab (equal learning rates 1e-3, 6 000 steps) on the ring, without and with PacGAN (pack=2).

    In the ``full`` profile this is exactly chapter 1's run of seed ``seed``.
    """
    collapse = _toy(profile, lr_g=1e-3, lr_d=1e-3, steps=pick(smoke=40, full=6000, profile=profile),
                    sample_every=pick(smoke=10, full=500, profile=profile),
                    n_eval=pick(smoke=200, full=2500, profile=profile))
    return {"standard GAN": train_toy_gan(collapse, seed=seed, tag="toy-collapse"),
            "PacGAN, pack=2": train_toy_gan(dataclasses.replace(collapse, pack=2), seed=seed, tag="toy-pacgan")}


def snapshot_drift(run: ToyRun) -> np.ndarray:
    """Mean distance each fixed-noise point moved between consecutive snapshots, one value per interval.

    A calm run settles (the drift shrinks); an oscillating one keeps moving its
    output around the plane. Units are those of the data (the ring has radius 2).
    """
    points = [x for _, x in run.trainer.samples]  # each (n_eval, 2), from the same fixed z
    if len(points) < 2:
        raise CourseError("snapshot_drift needs at least two snapshots: lower sample_every")
    return np.array([float((b - a).norm(dim=1).mean()) for a, b in zip(points, points[1:])])


def swing(history: dict, key: str = "d_real", window: int = 50) -> float:
    """Standard deviation over time of the ``window``-step moving average of ``history[key]``.

    How far the *smoothed* curve wanders: near 0 for a run that settles, large
    for one that swings back and forth.
    """
    values = np.asarray(history[key], dtype=float)
    if len(values) < window:
        window = max(1, len(values))
    smooth = np.convolve(values, np.ones(window) / window, mode="valid")
    return float(smooth.std())


# ------------------------------------------------------------------ checkerboard
def _constant_layer(layer: nn.Module) -> nn.Module:
    """All weights equal, no bias: the output then counts how many inputs reach each pixel."""
    with torch.no_grad():
        layer.weight.fill_(1.0)
        if layer.bias is not None:
            layer.bias.zero_()
    return layer


def checkerboard_patterns(layers: int = 2, size: int = 8) -> dict[str, torch.Tensor]:
    """What ``layers`` 2x up-sampling layers make of a constant image, with constant weights.

    Returns ``{name: (H, W)}`` maps, each divided by its mean (1 everywhere would be
    perfectly even), starting from a ``size x size`` image of ones:

    * ``"transposed conv, kernel 3, stride 2"``: the kernel does not divide by the
      stride, so neighbouring pixels receive 1 or 2 overlapping contributions per
      axis: a checkerboard (Odena et al., 2016);
    * ``"transposed conv, kernel 4, stride 2"``: every interior pixel receives
      the same number (DCGAN's choice);
    * ``"nearest up-sampling + conv 3x3"``: resize, then convolve: even by construction.
    """
    if layers < 1 or size < 2:
        raise CourseError(f"need layers >= 1 and size >= 2, got layers={layers}, size={size}")
    makers = {
        "transposed conv, kernel 3, stride 2":
            lambda: nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False),
        "transposed conv, kernel 4, stride 2":
            lambda: nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1, bias=False),
        "nearest up-sampling + conv 3x3":
            lambda: nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                  nn.Conv2d(1, 1, 3, padding=1, padding_mode="replicate", bias=False)),
    }
    out = {}
    with torch.no_grad():
        for name, make in makers.items():
            x = torch.ones(1, 1, size, size)  # (1, 1, size, size)
            for _ in range(layers):
                layer = make()
                for m in layer.modules():
                    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                        _constant_layer(m)
                x = layer(x)  # (1, 1, H, W) -> (1, 1, 2H, 2W)
                x = x / x.mean()  # keep values near 1, layer after layer
            out[name] = x[0, 0]  # (size * 2**layers, size * 2**layers)
    return out


__all__ = ["train_image_gan", "d_wins_experiment", "oscillation_experiment", "collapse_experiment",
           "snapshot_drift", "swing", "checkerboard_patterns", "unevenness", "plot_patterns",
           "plot_toy_snapshots"]
