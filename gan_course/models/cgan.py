"""The conditional GAN of chapter 3 (Mirza & Osindero, 2014): both players see the class.

The label ``y`` enters each network as a learned **embedding** vector, as early
as possible:

* the generator concatenates it with the noise, ``[z ; e_G(y)]``, before its
  first layer, so every feature map it computes already knows the class;
* the discriminator spreads it over the image as ``label_dim`` constant
  feature maps and concatenates them with the pixels, ``[x ; e_D(y)]``, before
  its first convolution, so it can compare the class with every part of the
  image from the start.

``nn.Embedding(10, d)`` is a one-hot vector times a ``(10, d)`` weight matrix,
done as a table lookup: with ``label_dim = num_classes`` and the embedding
fixed to the identity it *is* the one-hot vector of the paper.

The discriminator also meets the label a second time, at its end, with the
**projection** of Miyato & Koyama (2018): with ``φ(x)`` its last features,

    D(x, y) = w·φ(x) + b  +  v_y·φ(x)

where ``v_y`` is a learned vector per class. The first term asks "is this a
real image?", the second "do these features look like class y?". It is a
*product* of label and features, so it can tell a matching pair from a
mismatched one, which a label merely added at the end could not (chapter 3,
exercise 1). ``d_projection = False`` removes it, leaving the input maps alone
(chapter 3, exercise 6 compares the two).

The networks are small and convolutional (chapter 4 explains convolutional
GANs properly)::

    G: [z ; e_G(y)] (B, 110) -> (B, 64, 7, 7) -> (B, 32, 14, 14) -> (B, 1, 28, 28)
    D: [x ; e_D(y) maps] (B, 1 + 10, 28, 28) -> (B, 64, 14, 14) -> (B, 128, 7, 7) = φ(x) -> logit (B,)

D is the wider of the two: judging whether an image matches its class is the
harder task, and a stronger judge gave better samples for the same time.

``d_sees_label = False`` builds the ablation of the chapter: a discriminator
that ignores ``y`` (no label maps, no projection), so nothing forces G to
respect it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from ..runtime import in_engine_step
from .common import check_input
from .layers import init_weights


@dataclass
class CGANConfig:
    latent_dim: int = 100  # size of the noise vector z ~ N(0, I)
    num_classes: int = 10  # number of classes y can take (FashionMNIST: 10)
    label_dim: int = 10  # size of each network's learned label embedding (G: next to z; D: as feature maps)
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) of the images; H = W divisible by 4
    g_width: int = 32  # channels of G's 14x14 layer; its 7x7 layer has twice as many
    d_width: int = 64  # channels of D's 14x14 layer; its 7x7 layer has twice as many
    leaky_slope: float = 0.2  # negative slope of D's LeakyReLU
    init_std: float = 0.02  # standard deviation of the N(0, std) weight initialisation (DCGAN)
    d_sees_label: bool = True  # False: D ignores y, no maps, no projection (the ablation: G need not obey y)
    d_projection: bool = True  # False: no v_y·φ(x) term; D sees the label only as maps at its input

    def __post_init__(self):
        c, h, w = self.image_shape
        if h != w or h % 4:
            raise CourseError(f"CGANConfig.image_shape must be (C, S, S) with S divisible by 4 (G doubles S/4 "
                              f"twice), got {tuple(self.image_shape)}: use (1, 28, 28) for FashionMNIST")

    @property
    def base(self) -> int:
        """Side of G's first feature map and of D's last one: a quarter of the image (7 for 28x28)."""
        return self.image_shape[1] // 4


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
    # the value check reads y on the host; inside the engine's steps the labels come from the data or randint
    if y.numel() and not in_engine_step() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise CourseError(f"{model} got labels in [{int(y.min())}, {int(y.max())}], but the classes are "
                          f"0..{num_classes - 1}: pass class indices in that range "
                          f"(gan_course.data.CLASSES lists them)")


class ConditionalGenerator(nn.Module):
    """(z (B, latent_dim), y (B,)) -> image (B, C, H, W) in [-1, 1]."""

    def __init__(self, cfg: CGANConfig):
        arguments.config(cfg, CGANConfig, "ConditionalGenerator")
        super().__init__()
        self.cfg = cfg
        c, s = cfg.image_shape[0], cfg.base
        wide = 2 * cfg.g_width
        self.embed = nn.Embedding(cfg.num_classes, cfg.label_dim)  # y -> a learned vector (B, label_dim), N(0, 1) start
        self.project = nn.Sequential(  # the vector [z ; e_G(y)] becomes a small image with many channels
            nn.Linear(cfg.latent_dim + cfg.label_dim, wide * s * s, bias=False),  # (B, 110) -> (B, 64*7*7)
            nn.BatchNorm1d(wide * s * s),
            nn.ReLU(),
        )
        self.upsample = nn.Sequential(  # each transposed convolution doubles the side
            nn.ConvTranspose2d(wide, cfg.g_width, 4, 2, 1, bias=False),  # (B, 64, 7, 7) -> (B, 32, 14, 14)
            nn.BatchNorm2d(cfg.g_width),
            nn.ReLU(),
            nn.ConvTranspose2d(cfg.g_width, c, 4, 2, 1),  # (B, 32, 14, 14) -> (B, 1, 28, 28)
            nn.Tanh(),  # no batch norm on the output; tanh matches data in [-1, 1]
        )
        init_weights(self, cfg.init_std)  # DCGAN's N(0, 0.02) (chapter 4)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_input(z, (self.cfg.latent_dim,), "noise vectors", "ConditionalGenerator")
        check_labels(y, z.shape[0], self.cfg.num_classes, "ConditionalGenerator")
        h = torch.cat([z, self.embed(y).to(z.dtype)], dim=1)  # (B, latent_dim) + (B, label_dim) -> (B, 110)
        s = self.cfg.base
        h = self.project(h).view(z.shape[0], 2 * self.cfg.g_width, s, s)  # -> (B, 64, 7, 7)
        return self.upsample(h)  # -> (B, C, H, W)


class ConditionalDiscriminator(nn.Module):
    """(image (B, C, H, W), y (B,)) -> logit (B,): large means "a real image *of class y*"."""

    def __init__(self, cfg: CGANConfig):
        arguments.config(cfg, CGANConfig, "ConditionalDiscriminator")
        super().__init__()
        self.cfg = cfg
        c, s = cfg.image_shape[0], cfg.base
        n_features = 2 * cfg.d_width * s * s  # size of φ(x), D's last features: 128 * 7 * 7 = 6272
        label_maps = cfg.label_dim if cfg.d_sees_label else 0
        self.embed = nn.Embedding(cfg.num_classes, cfg.label_dim) if cfg.d_sees_label else None  # e_D(y)
        self.features = nn.Sequential(  # φ(x): each strided convolution halves the side
            nn.Conv2d(c + label_maps, cfg.d_width, 4, 2, 1),  # (B, 1 + 10, 28, 28) -> (B, 64, 14, 14)
            nn.LeakyReLU(cfg.leaky_slope),  # no batch norm on D's input layer
            nn.Conv2d(cfg.d_width, 2 * cfg.d_width, 4, 2, 1, bias=False),  # -> (B, 128, 7, 7)
            nn.BatchNorm2d(2 * cfg.d_width),
            nn.LeakyReLU(cfg.leaky_slope),
        )
        self.judge = nn.Linear(n_features, 1)  # w·φ(x) + b: "a real image?" (a logit, no sigmoid)
        # v_y: one vector per class; v_y·φ(x) asks "do these features look like class y?"
        use_projection = cfg.d_sees_label and cfg.d_projection
        self.projection = nn.Embedding(cfg.num_classes, n_features) if use_projection else None
        init_weights(self, cfg.init_std)  # DCGAN's N(0, 0.02) (chapter 4)
        if self.projection is not None:
            nn.init.normal_(self.projection.weight, 0.0, cfg.init_std)  # small, like the other weights

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_input(x, self.cfg.image_shape, "images", "ConditionalDiscriminator")
        check_labels(y, x.shape[0], self.cfg.num_classes, "ConditionalDiscriminator")
        if self.embed is not None:  # the label sits right next to the pixels, before any nonlinearity
            B, _, H, W = x.shape
            maps = self.embed(y).to(x.dtype)[:, :, None, None].expand(B, self.cfg.label_dim, H, W)  # (B, 10, H, W)
            x = torch.cat([x, maps], dim=1)  # (B, 1, H, W) + (B, 10, H, W) -> (B, 11, H, W)
        h = self.features(x).flatten(1)  # (B, 128, 7, 7) -> φ(x) (B, 6272)
        logit = self.judge(h).squeeze(1)  # (B,)
        if self.projection is not None:  # + v_y·φ(x), one dot product per image
            logit = logit + (self.projection(y).to(h.dtype) * h).sum(dim=1)  # (B, 6272) * (B, 6272) -> (B,)
        return logit
