"""Chapter 11's experiments: equal-time training, sampling cost, copying, detection and class balance.

Everything here measures the course's generators with the course's own tools
(the classifier's FD, precision/recall and predicted classes; the Trainer):

* :func:`train_for_seconds`: keep training a Trainer until its training time reaches a budget;
* :func:`time_sampling`: seconds to draw ``n`` images with a model's sampler;
* :func:`generated_images`: samples of a shipped generator, at FashionMNIST's 28x28;
* :func:`skewed_subset`: training images whose classes follow given shares (the bias experiment);
* :func:`build_detector` / :func:`detector_accuracy`: a small real-versus-generated classifier;
* :func:`class_shares`: the share of each class among images, by the course classifier.
"""

from __future__ import annotations

import dataclasses
import time
from functools import partial

import torch
from torch import nn

from .. import arguments
from ..data import Batches, ImageSet, pad, unpad
from ..errors import CourseError
from ..training import TrainConfig, Trainer

IMAGE_MODELS = ("vanilla", "cgan", "dcgan", "infogan", "wgan", "ddpm")  # the shipped models that draw images from noise


def train_for_seconds(trainer: Trainer, seconds: float, calibration_steps: int = 50, rounds: int = 4) -> Trainer:
    """Train ``trainer`` for about ``seconds`` of training time: ``calibration_steps`` steps first, then as many
    more as the pace so far says fit in what is left, re-measured after each ``fit()`` (at most ``rounds`` of
    them; the quality record keeps its cadence), until the budget is within 1%.

    The time is the Trainer's own ``train_seconds`` (measuring FD is not counted), so two models trained this way
    had the same budget on this machine, whatever each step costs. The first steps are slower (warm-up), so one
    estimate from them alone stops short.
    """
    if not seconds > 0:
        raise CourseError(f"seconds must be positive, got {seconds!r}")
    calibration_steps = arguments.whole("calibration_steps", calibration_steps, 1, example=50)
    rounds = arguments.whole("rounds", rounds, 1, 100, example=4)
    full = trainer.config
    if trainer.step < calibration_steps:
        trainer.config = dataclasses.replace(full, steps=calibration_steps)
        trainer.fit()
    for _ in range(rounds):
        left = seconds - trainer.train_seconds
        if left < 0.01 * seconds:
            break
        start_step, start_seconds = trainer.step, trainer.train_seconds
        per_step = trainer.train_seconds / max(trainer.step, 1)  # the pace so far
        trainer.config = dataclasses.replace(full, steps=trainer.step + max(1, round(left / per_step)))
        trainer.fit()
        if trainer.step == start_step or trainer.train_seconds == start_seconds:
            break  # a resumed trainer that was already finished
    return trainer


@torch.no_grad()
def time_sampling(sample, G: nn.Module, n: int, device="cpu", **kwargs) -> tuple[torch.Tensor, float]:
    """``(images, seconds)``: ``sample(G, n, device, **kwargs)["images"]`` and the wall time it took."""
    start = time.perf_counter()
    images = sample(G, n, device, **kwargs)["images"]
    return images, time.perf_counter() - start


def to_28(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28|32, 28|32) -> (N, 1, 28, 28): padded images cropped back to FashionMNIST's size."""
    return unpad(images.float().cpu(), 28)


def to_32(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28|32, ...) -> (N, 1, 32, 32): 28x28 images padded with background (-1), as the data loader does."""
    return pad(images, 32)


@torch.no_grad()
def generated_images(model: str, n: int, device="cpu", seed: int = 0, G: nn.Module | None = None,
                     **kwargs) -> torch.Tensor:
    """``n`` samples (N, 1, 28, 28) of a registry model: its shipped generator, or ``G``; seeded."""
    from ..pretrained import load_pretrained
    from ..recipes import get_model
    from ..runtime import seed_everything

    entry = get_model(model)
    G = load_pretrained(model, device) if G is None else G
    seed_everything(seed)
    return to_28(entry.sample(G, n, device, **kwargs)["images"])


def skewed_subset(data: ImageSet, shares, n: int, seed: int = 0) -> ImageSet:
    """About ``n`` images of ``data`` whose class c makes up ``shares[c]`` of them (shares sum to 1), drawn at random."""
    shares = torch.as_tensor(shares, dtype=torch.float64)
    if shares.shape != (10,) or bool((shares < 0).any()) or abs(float(shares.sum()) - 1) > 1e-6:
        raise CourseError("shares must be 10 non-negative numbers that sum to 1 (one per class)")
    gen = torch.Generator().manual_seed(seed)
    picked = []
    for c in range(10):
        where = (data.labels.cpu() == c).nonzero().squeeze(1)
        count = int(round(float(shares[c]) * n))
        if count > len(where):
            raise CourseError(f"class {c} has {len(where)} images, fewer than the {count} asked for: lower n")
        picked.append(where[torch.randperm(len(where), generator=gen)[:count]])
    index = torch.cat(picked)
    index = index[torch.randperm(len(index), generator=gen)]
    return ImageSet(data.images[index.to(data.images.device)], data.labels[index.to(data.labels.device)])


def class_shares(images: torch.Tensor, device="cpu") -> torch.Tensor:
    """(10,) float64: the share of ``images`` the course classifier puts in each class."""
    from ..metrics import predicted_classes

    return torch.bincount(predicted_classes(images, device), minlength=10).double() / len(images)


# ------------------------------------------------------------------ a real-versus-generated detector
def detector_step(batch, ctx, *, detector, opt) -> dict:
    """One update of the detector: binary cross-entropy on logits, label 1 = real, 0 = generated."""
    images, labels = batch  # (B, 1, 32, 32), (B,) 1 real / 0 generated
    with ctx.autocast():
        logits = detector(images)  # (B,)
        loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float())
    ctx.backward_step(loss, opt)
    return {"loss_detector": loss, "accuracy": ((logits > 0).long() == labels).float().mean()}


def build_detector(real: torch.Tensor, fake: torch.Tensor, steps: int = 300, batch_size: int = 64,
                   lr: float = 2e-4, seed: int = 0) -> Trainer:
    """A Trainer for chapter 4's discriminator without batch norm as a real (1) / generated (0) classifier.

    ``real`` and ``fake`` (N, 1, 28|32, ...) are the training images; one network, so ``g_step`` is ``None``.
    """
    from ..models import DCGANConfig, DCGANCritic
    from ..runtime import seed_everything

    seed_everything(seed)
    images = torch.cat([to_32(real.float().cpu()), to_32(fake.float().cpu())])  # (N_r + N_f, 1, 32, 32)
    labels = torch.cat([torch.ones(len(real), dtype=torch.long), torch.zeros(len(fake), dtype=torch.long)])
    detector = DCGANCritic(DCGANConfig(), "plain")  # per-image scores: no batch statistics
    opt = torch.optim.Adam(detector.parameters(), lr=lr, betas=(0.5, 0.999))
    return Trainer(modules={"D": detector}, optimizers={"D": opt},
                   d_step=partial(detector_step, detector=detector, opt=opt), g_step=None,
                   batches=Batches(ImageSet(images, labels), batch_size, seed=seed),
                   config=TrainConfig(steps=steps, sample_every=steps, checkpoint_every=steps, log_every=25),
                   tag="detector")


@torch.no_grad()
def detector_accuracy(detector: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    """Accuracy of ``detector`` on held-out real and generated images: on each side, and balanced (their mean)."""
    from ..runtime import eval_mode

    with eval_mode(detector):
        on_real = float((detector(to_32(real.float().cpu())) > 0).double().mean())
        on_fake = float((detector(to_32(fake.float().cpu())) <= 0).double().mean())
    return {"real": on_real, "generated": on_fake, "balanced": (on_real + on_fake) / 2}
