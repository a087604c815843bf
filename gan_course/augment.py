"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for training a GAN on little data.

With a few thousand images, D memorises them: it tells the training images from
everything else, G's images *and* real images it has not seen, and its gradient
stops teaching G about the data. Augmenting D's inputs gives it more varied real
images to learn from. Two rules make that work:

* **augment real and fake images alike, in both players' updates.** Augment only
  the real ones and D learns "augmented means real": G is then rewarded for
  producing augmented-looking images, and the augmentation *leaks* into the
  samples (shifted, cut-out clothes). Applied to both, D compares T(x) with
  T(G(z)), and T(G(z)) matches T(x) only where G(z) matches x, for
  augmentations that are invertible in distribution (ADA's non-leaking condition,
  Karras et al. 2020, which also sets the augmentation probability adaptively);
* **make T differentiable.** G's update back-propagates D's score of T(G(z))
  through T into G; an augmentation done with non-differentiable image
  operations (PIL, NumPy) cuts that path.

The three policies of the paper, all on (B, C, H, W) images in [-1, 1], every
draw from ``generator`` (a ``torch.Generator``; ``None``: the global RNG):

* ``color``: a random brightness shift, saturation and contrast factor per image;
* ``translation``: a shift by up to 1/8 of the size per axis, the gap filled with zeros;
* ``cutout``: a square of half the size set to zero, at a random place.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import arguments
from .errors import CourseError

POLICIES = ("color", "translation", "cutout")


def check_augment_input(x, generator) -> None:
    """An augmentation's ``x`` (B, C, H, W) float with B >= 1, and ``generator`` None or a ``torch.Generator``.

    Types and shapes only (it runs at every training step): no look at the values."""
    arguments.tensor("x", x, 4, "a batch of images (B, C, H, W)", floating=True)
    if 0 in x.shape:
        raise CourseError(f"x must be a batch of images (B, C, H, W) with at least one image and pixel, got shape "
                          f"{tuple(x.shape)}: pass e.g. real[:8]")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise CourseError(f"generator must be None (the global RNG) or a torch.Generator, got "
                          f"{arguments.shown(generator)} ({type(generator).__name__}): pass e.g. "
                          "torch.Generator().manual_seed(0)")


def _check_ratio(ratio) -> None:
    arguments.number("ratio", ratio, 0.0, 1.0)


def _rand(shape, x, generator):
    return torch.rand(shape, generator=generator, device="cpu" if generator is not None else x.device).to(x.device)


def _randint(low, high, shape, x, generator):
    return torch.randint(low, high, shape, generator=generator,
                         device="cpu" if generator is not None else x.device).to(x.device)


def augment_color(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Brightness (+U(-0.5, 0.5)), saturation (x U(0, 2) around the channel mean), contrast (x U(0.5, 1.5))."""
    check_augment_input(x, generator)
    b = x.shape[0]
    x = x + (_rand((b, 1, 1, 1), x, generator) - 0.5)  # brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_rand((b, 1, 1, 1), x, generator) * 2) + mean  # saturation (a no-op for grayscale)
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (_rand((b, 1, 1, 1), x, generator) + 0.5) + mean  # contrast


def augment_translation(x: torch.Tensor, ratio: float = 0.125, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size along each axis (whole pixels); the gap is zeros."""
    check_augment_input(x, generator)
    _check_ratio(ratio)
    b, _, h, w = x.shape
    sx, sy = int(h * ratio + 0.5), int(w * ratio + 0.5)
    tx = _randint(-sx, sx + 1, (b, 1, 1), x, generator)  # (B, 1, 1) shift per image
    ty = _randint(-sy, sy + 1, (b, 1, 1), x, generator)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")  # (B, H, W) each
    gx = torch.clamp(gx + tx + 1, 0, h + 1)  # +1: the index into the zero-padded image
    gy = torch.clamp(gy + ty + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])  # (B, C, H + 2, W + 2), a border of zeros
    return padded.permute(0, 2, 3, 1).contiguous()[gb, gx, gy].permute(0, 3, 1, 2)  # gather: differentiable


def augment_cutout(x: torch.Tensor, ratio: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero a square of ``ratio`` times the size, centred at a random place (it may stick out of the image)."""
    check_augment_input(x, generator)
    _check_ratio(ratio)
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ox = _randint(0, h + (1 - ch % 2), (b, 1, 1), x, generator)
    oy = _randint(0, w + (1 - cw % 2), (b, 1, 1), x, generator)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(ch, device=x.device),
                                torch.arange(cw, device=x.device), indexing="ij")
    gx = torch.clamp(gx + ox - ch // 2, 0, h - 1)
    gy = torch.clamp(gy + oy - cw // 2, 0, w - 1)
    mask = torch.ones(b, h, w, dtype=x.dtype, device=x.device)
    mask[gb, gx, gy] = 0
    return x * mask.unsqueeze(1)  # (B, C, H, W); the mask is a constant, so the product is differentiable


def diff_augment(x: torch.Tensor, policy: str = "color,translation,cutout",
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """DiffAugment: the comma-separated ``policy``'s augmentations in order, (B, C, H, W) -> (B, C, H, W).

    An empty ``policy`` returns ``x`` unchanged. Every random number comes from
    ``generator`` (the same seed gives the same augmentation) or the global RNG.
    """
    check_augment_input(x, generator)
    check_policy(policy, "policy")
    for name in [p for p in policy.split(",") if p]:
        if name == "color":
            x = augment_color(x, generator)
        elif name == "translation":
            x = augment_translation(x, generator=generator)
        else:
            x = augment_cutout(x, generator=generator)
    return x


def check_policy(policy: str, name: str = "augment") -> str:
    """``policy`` if every name in it is one of :data:`POLICIES`, else a clear error naming the argument ``name``."""
    if not isinstance(policy, str) or any(p not in POLICIES for p in policy.split(",") if p):
        raise CourseError(f"{name} must be a comma-separated subset of {','.join(POLICIES)} or '' (none), "
                          f"got {arguments.shown(policy)}: e.g. 'color,translation,cutout'")
    return policy
