"""The fully connected GAN of chapter 2, avoiding two common mistakes of MLP GAN tutorials.

The choices, and why:

* D ends in a plain ``nn.Linear``: it returns a **logit**, and the loss applies
  the sigmoid inside ``binary_cross_entropy_with_logits``. A ``Sigmoid`` +
  ``BCELoss`` pair is numerically fragile and is refused under fp16 autocast.
* Images stay 28x28 (no resize to 32): an MLP has no use for a power-of-two size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from .common import check_input


@dataclass
class MLPConfig:
    latent_dim: int = 100  # size of the noise vector z ~ N(0, I)
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) of the images
    g_hidden: tuple[int, ...] = (128, 256, 512, 1024)  # G's hidden widths, small to large
    d_hidden: tuple[int, ...] = (512, 256)  # D's hidden widths, large to small
    leaky_slope: float = 0.2  # negative slope of LeakyReLU in both networks

    def __post_init__(self):
        arguments.whole("latent_dim", self.latent_dim, 1, 10**6, example=100)
        for name in ("image_shape", "g_hidden", "d_hidden"):
            sizes = arguments.sequence(name, getattr(self, name), "a tuple of positive widths, e.g. (128, 256)")
            for i, size in enumerate(sizes):
                arguments.whole(f"{name}[{i}]", size, 1, 10**6, example=128)
        if len(self.image_shape) != 3:
            raise CourseError(f"image_shape must be (C, H, W), e.g. (1, 28, 28), got {self.image_shape}")
        arguments.number("leaky_slope", self.leaky_slope, minimum=0.0)

    @property
    def image_size(self) -> int:
        return math.prod(self.image_shape)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> image (B, C, H, W) in [-1, 1]."""

    def __init__(self, cfg: MLPConfig):
        arguments.config(cfg, MLPConfig, "MLPGenerator")
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = []
        width = cfg.latent_dim
        for i, hidden in enumerate(cfg.g_hidden):
            layers.append(nn.Linear(width, hidden))
            if i > 0:  # no batch norm right after the noise input
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(nn.LeakyReLU(cfg.leaky_slope))
            width = hidden
        layers += [nn.Linear(width, cfg.image_size), nn.Tanh()]  # tanh matches data in [-1, 1]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_input(z, (self.cfg.latent_dim,), "noise vectors", "MLPGenerator")
        x = self.net(z)  # (B, latent_dim) -> (B, C*H*W)
        return x.view(z.shape[0], *self.cfg.image_shape)  # -> (B, C, H, W)


class MLPDiscriminator(nn.Module):
    """image (B, C, H, W) -> logit (B,): large means "real"."""

    def __init__(self, cfg: MLPConfig):
        arguments.config(cfg, MLPConfig, "MLPDiscriminator")
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = []
        width = cfg.image_size
        for hidden in cfg.d_hidden:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(cfg.leaky_slope)]
            width = hidden
        layers.append(nn.Linear(width, 1))  # a logit: no sigmoid here (see the losses)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.cfg.image_shape, "images", "MLPDiscriminator")
        return self.net(x.flatten(1)).squeeze(1)  # (B, C, H, W) -> (B, C*H*W) -> (B,)
