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
MAX_SECONDS = 7 * 24 * 3600  # the longest training budget train_for_seconds takes (a week)


def _check_images(name: str, images, what: str = "FashionMNIST-sized images (N, 1, 28|32, 28|32)") -> None:
    """``images`` a tensor (N, 1, 28 or 32, 28 or 32) with N >= 1 (shape only: no look at the values)."""
    arguments.tensor(name, images, 4, what, floating=True)
    if len(images) == 0 or images.shape[1] != 1 or images.shape[2] not in (28, 32) or images.shape[3] not in (28, 32):
        raise CourseError(f"{name} must be {what} with N >= 1, got shape {tuple(images.shape)}: pass e.g. "
                          "load_fashion_mnist('test').images[:100] or a sampler's images")


def train_for_seconds(trainer: Trainer, seconds: float, calibration_steps: int = 50, rounds: int = 4) -> Trainer:
    """Train ``trainer`` for about ``seconds`` of training time: ``calibration_steps`` steps first, then as many
    more as the pace so far says fit in what is left, re-measured after each ``fit()`` (at most ``rounds`` of
    them; the quality record keeps its cadence), until the budget is within 1%.

    The time is the Trainer's own ``train_seconds`` (measuring FD is not counted), so two models trained this way
    had the same budget on this machine, whatever each step costs. The first steps are slower (warm-up), so one
    estimate from them alone stops short.
    """
    if not all(hasattr(trainer, a) for a in ("fit", "config", "step", "train_seconds")):
        raise CourseError(f"trainer must be a Trainer (with fit(), config, step and train_seconds), e.g. "
                          f"build_dcgan(...)'s, got {arguments.shown(trainer)} ({type(trainer).__name__})")
    arguments.number("seconds", seconds, above=0.0, maximum=MAX_SECONDS)
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
    from ..runtime import check_device

    arguments.function("sample", sample)
    arguments.instance("G", G, nn.Module, "a generator (a torch module), e.g. trainer.modules['G']")
    arguments.whole("n", n, 1, arguments.MAX_SAMPLES, example=1000)
    check_device(device)
    start = time.perf_counter()
    images = sample(G, n, device, **kwargs)["images"]
    return images, time.perf_counter() - start


def to_28(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28|32, 28|32) -> (N, 1, 28, 28): padded images cropped back to FashionMNIST's size."""
    _check_images("images", images)
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
    from ..runtime import check_device, seed_everything

    if model not in IMAGE_MODELS + ("stylegan",):
        raise CourseError(f"model must be one of the shipped models that draw images from noise, "
                          f"{', '.join(IMAGE_MODELS + ('stylegan',))}, got {arguments.shown(model)}")
    arguments.whole("n", n, 1, arguments.MAX_SAMPLES, example=1000)
    check_device(device)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    if G is not None:
        arguments.instance("G", G, nn.Module, "None (the shipped generator) or a generator (a torch module)")
    entry = get_model(model)
    G = load_pretrained(model, device) if G is None else G
    seed_everything(seed)
    return to_28(entry.sample(G, n, device, **kwargs)["images"])


def skewed_subset(data: ImageSet, shares, n: int, seed: int = 0) -> ImageSet:
    """About ``n`` images of ``data`` whose class c makes up ``shares[c]`` of them (shares sum to 1), drawn at random."""
    arguments.instance("data", data, ImageSet, "an ImageSet, e.g. load_fashion_mnist('train', pad_to=32)")
    array = arguments.values("shares", shares, "10 non-negative numbers that sum to 1 (one per class)", minimum=0.0)
    if array.shape != (10,) or abs(float(array.sum()) - 1) > 1e-6:
        raise CourseError(f"shares must be 10 non-negative numbers that sum to 1 (one per class), got "
                          f"{arguments.shown(shares)}: e.g. [0.3] + [0.7 / 9] * 9")
    arguments.whole("n", n, 1, len(data), example=min(1_000, len(data)))
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    shares = torch.as_tensor(shares, dtype=torch.float64)
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
    """(10,) float64: the share of ``images`` the course classifier puts in each class; ``images`` (N, 1, H, W)."""
    from ..metrics import predicted_classes
    from ..runtime import check_device

    _check_images("images", images, "a batch of images (N, 1, 28|32, 28|32) in [-1, 1]")
    check_device(device)

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

    _check_images("real", real), _check_images("fake", fake)
    arguments.whole("steps", steps, 1, 10**6, example=300)
    arguments.whole("batch_size", batch_size, 1, len(real) + len(fake), example=min(64, len(real) + len(fake)))
    arguments.number("lr", lr, above=0.0, maximum=1.0)
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
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

    arguments.instance("detector", detector, nn.Module, "a torch module, e.g. build_detector(...).modules['D']")
    _check_images("real", real), _check_images("fake", fake)
    with eval_mode(detector):
        on_real = float((detector(to_32(real.float().cpu())) > 0).double().mean())
        on_fake = float((detector(to_32(fake.float().cpu())) <= 0).double().mean())
    return {"real": on_real, "generated": on_fake, "balanced": (on_real + on_fake) / 2}
