"""Quality as training goes: the course FD of a fixed set of samples, every N steps.

A :class:`QualityProbe` holds a ``draw`` function that makes images from
*fixed* inputs (noise drawn once from a private ``torch.Generator``, or fixed
held-out items), and the statistics of a reference set of real images, computed
once and cached. The :class:`~gan_course.training.Trainer` calls
:meth:`QualityProbe.measure` every ``quality_every`` steps and keeps
``(step, train_seconds, fd)`` in ``trainer.quality_record``; the time spent
measuring is not training time.

The measurement leaves training exactly as it was: it runs without gradients, in
eval mode (batch norm uses, and does not update, its running statistics), puts
every network's mode back afterwards, and draws nothing from the global random
number generators (:func:`~gan_course.runtime.preserved_rng` guards even the first load of
the classifier, whose construction would otherwise draw initial weights).

The FD is the course's (:func:`~gan_course.metrics.frechet_distance`,
torchmetrics' formula on the classifier's 128 features). It is measured on fewer
samples (e.g. 1,000) than ``evaluate`` uses (5,000), and FD is biased upwards for
small samples, so a record's values sit somewhat above ``evaluate``'s: compare
records with records.
"""

from __future__ import annotations

import functools
from typing import Callable

import torch

from .images import feature_statistics, frechet_from_statistics, image_features, real_images

from .. import arguments
from ..errors import CourseError
from ..runtime import eval_mode, preserved_rng
from ..records import QUALITY_KEYS  # ("step", "train_seconds", "fd")
REFERENCE_N = 5_000  # real FashionMNIST test images behind the reference statistics (computed once)


def image_statistics(images: torch.Tensor, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`~gan_course.metrics.images.feature_statistics` of the classifier's features of ``images``."""
    return feature_statistics(image_features(images, device))


@functools.lru_cache(maxsize=4)
def _real_test_statistics(n: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    return image_statistics(real_images("test", n), device)


class QualityProbe:
    """The course FD of ``draw()``'s images against a fixed reference, measured without side effects.

    ``draw`` makes (N, C, H, W) images in [-1, 1] from fixed inputs (the same on
    every call); ``reference`` is the real side: ``None`` for ``REFERENCE_N`` real
    FashionMNIST test images (what ``evaluate`` compares with), or a tensor of
    real images (e.g. CycleGAN's held-out items of the target domain).
    """

    def __init__(self, draw: Callable[[], torch.Tensor], reference: torch.Tensor | None = None,
                 reference_n: int = REFERENCE_N):
        self.draw = draw
        self.reference = reference
        self.reference_n = reference_n
        self._stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def reference_statistics(self, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, covariance) of the reference's features; computed once (per process for real test images)."""
        device = torch.device(device)
        if self._stats is None:
            with preserved_rng():  # loading the classifier builds (randomly initialised) layers
                if self.reference is None:
                    self._stats = _real_test_statistics(self.reference_n, str(device))
                else:
                    self._stats = image_statistics(self.reference, device)
        return self._stats

    @torch.no_grad()
    def measure(self, modules: dict[str, torch.nn.Module], device="cpu") -> float:
        """FD of ``draw()`` with every module in eval mode (modes restored); NaN if the images are not finite."""
        device = torch.device(device)
        mu_r, sigma_r = self.reference_statistics(device)
        with preserved_rng(), eval_mode(*modules.values()):
            images = self.draw().detach().float()
            if not bool(torch.isfinite(images).all()):
                return float("nan")  # the run diverged: the trainer's NaN check stops it at the next flush
            mu, sigma = image_statistics(images, device)
        return frechet_from_statistics(mu_r, sigma_r, mu, sigma)


def measurements(record: dict) -> list[dict]:
    """A quality record's measurements in order, each as ``{"step", "train_seconds", "fd"}``."""
    return [{"step": int(step), "train_seconds": float(seconds), "fd": float(fd)}
            for step, seconds, fd in zip(*(record.get(k, []) for k in QUALITY_KEYS))]


def quality_at(record: dict, seconds: float) -> dict | None:
    """The last measurement at or before ``seconds`` of training, as ``{"step", "train_seconds", "fd"}``;
    ``None`` if the first came later. Compares runs at equal training time (chapter 10's little-data arms)."""
    if not isinstance(record, dict):
        raise CourseError(f"record must be a quality record (a dict with {', '.join(QUALITY_KEYS)}), got "
                          f"{arguments.shown(record)}")
    seconds = arguments.number("seconds", seconds, minimum=0.0)
    before = [m for m in measurements(record) if m["train_seconds"] <= seconds]
    return before[-1] if before else None


def minutes_to_reach(record: dict, bar: float) -> dict | None:
    """The first measurement with ``fd <= bar``, as ``{"step", "train_seconds", "fd"}``; ``None`` if none."""
    return next((m for m in measurements(record) if m["fd"] <= bar), None)
