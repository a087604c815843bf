"""The conditional GAN of chapter 3 (Mirza & Osindero, 2014): both players see the class.

The networks are chapter 2's fully connected ones with one change each: the
class label ``y`` enters as a learned **embedding** vector that is concatenated

* with the noise ``z`` at the generator's input: ``G(z, y)``;
* with the flattened image at the discriminator's input: ``D(x, y)``.

``nn.Embedding(10, d)`` is a one-hot vector times a ``(10, d)`` weight matrix,
done as a table lookup: with ``label_dim = num_classes`` and the embedding
fixed to the identity it *is* the one-hot vector of the paper.

``d_sees_label = False`` builds the ablation of the chapter: a discriminator
that ignores ``y``, so nothing forces G to respect it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..errors import CourseError
from .common import check_input


@dataclass
class CGANConfig:
    latent_dim: int = 100  # size of the noise vector z ~ N(0, I)
    num_classes: int = 10  # number of classes y can take (FashionMNIST: 10)
    label_dim: int = 10  # size of the learned label embedding concatenated to z (G) and to the image (D)
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) of the images
    g_hidden: tuple[int, ...] = (128, 256, 512, 1024)  # G's hidden widths, small to large (as chapter 2)
    d_hidden: tuple[int, ...] = (1024, 512, 256)  # D's hidden widths: one layer more than chapter 2 (D judges pairs)
    leaky_slope: float = 0.2  # negative slope of LeakyReLU in both networks
    d_dropout: float = 0.3  # dropout after each of D's hidden layers: keeps D from memorising (0 = none)
    d_sees_label: bool = True  # False: D ignores y (the chapter's ablation; G then has no reason to obey y)

    @property
    def image_size(self) -> int:
        return math.prod(self.image_shape)


def check_labels(y, batch: int, num_classes: int, model: str) -> None:
    """Raise a :class:`CourseError` unless ``y`` is ``(batch,)`` integer class indices in ``[0, num_classes)``."""
    if not isinstance(y, torch.Tensor):
        raise CourseError(f"{model} expects the labels as a tensor of class indices, got {type(y).__name__}: "
                          f"pass torch.tensor([...]) of integers 0..{num_classes - 1}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise CourseError(f"{model} expects integer class indices (torch.long), got {y.dtype}: "
                          f"pass y.long(), or y.argmax(1) for one-hot vectors")
    if y.dim() != 1 or y.shape[0] != batch:
        raise CourseError(f"{model} expects one label per image, shape ({batch},), got {tuple(y.shape)}: "
                          "pass a 1-D tensor with as many labels as noise vectors / images")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise CourseError(f"{model} got labels in [{int(y.min())}, {int(y.max())}], but the classes are "
                          f"0..{num_classes - 1}: pass class indices in that range "
                          f"(gan_course.data.CLASSES lists them)")


class ConditionalGenerator(nn.Module):
    """(z (B, latent_dim), y (B,)) -> image (B, C, H, W) in [-1, 1]."""

    def __init__(self, cfg: CGANConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.num_classes, cfg.label_dim)  # y -> a learned vector (B, label_dim)
        layers: list[nn.Module] = []
        width = cfg.latent_dim + cfg.label_dim  # the input is [z ; embed(y)]
        for i, hidden in enumerate(cfg.g_hidden):
            layers.append(nn.Linear(width, hidden))
            if i > 0:  # no batch norm right after the input, as in chapter 2
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(nn.LeakyReLU(cfg.leaky_slope))
            width = hidden
        layers += [nn.Linear(width, cfg.image_size), nn.Tanh()]  # tanh matches data in [-1, 1]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_input(z, (self.cfg.latent_dim,), "noise vectors", "ConditionalGenerator")
        check_labels(y, z.shape[0], self.cfg.num_classes, "ConditionalGenerator")
        h = torch.cat([z, self.embed(y).to(z.dtype)], dim=1)  # (B, latent_dim) + (B, label_dim) -> (B, latent + label)
        x = self.net(h)  # -> (B, C*H*W)
        return x.view(z.shape[0], *self.cfg.image_shape)  # -> (B, C, H, W)


class ConditionalDiscriminator(nn.Module):
    """(image (B, C, H, W), y (B,)) -> logit (B,): large means "a real image *of class y*"."""

    def __init__(self, cfg: CGANConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.num_classes, cfg.label_dim) if cfg.d_sees_label else None
        layers: list[nn.Module] = []
        width = cfg.image_size + (cfg.label_dim if cfg.d_sees_label else 0)  # [x flattened ; embed(y)]
        for hidden in cfg.d_hidden:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(cfg.leaky_slope)]
            if cfg.d_dropout > 0:
                layers.append(nn.Dropout(cfg.d_dropout))
            width = hidden
        layers.append(nn.Linear(width, 1))  # a logit: no sigmoid here (see gan_course.losses)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_input(x, self.cfg.image_shape, "images", "ConditionalDiscriminator")
        check_labels(y, x.shape[0], self.cfg.num_classes, "ConditionalDiscriminator")
        h = x.flatten(1)  # (B, C, H, W) -> (B, C*H*W)
        if self.embed is not None:  # the label sits right next to the pixels, before any nonlinearity
            h = torch.cat([h, self.embed(y).to(h.dtype)], dim=1)  # -> (B, C*H*W + label_dim)
        return self.net(h).squeeze(1)  # -> (B,)
