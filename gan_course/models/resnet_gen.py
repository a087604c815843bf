"""CycleGAN's generator: downsample, residual blocks, upsample (Johnson et al. 2016).

This is the network of the CycleGAN paper, not a U-Net: a stride-2 encoder,
a stack of residual blocks at the lowest resolution, and a transposed-conv
decoder, with no skip connections from the encoder to the decoder. In the
paper's notation, for 256x256 images: ``c7s1-64, d128, d256, R256 x 9, u128,
u64, c7s1-3``. We keep the layout and shrink the widths and block count for
32x32 FashionMNIST on a CPU.

Shapes for the default config (B images, base width k = 16, 32x32):

    (B, 1, 32, 32) -c7s1-k-> (B, 16, 32, 32) -d2k-> (B, 32, 16, 16) -d4k-> (B, 64, 8, 8)
    -R x n_blocks-> (B, 64, 8, 8) -u2k-> (B, 32, 16, 16) -uk-> (B, 16, 32, 32) -c7s1-1 + tanh-> (B, 1, 32, 32)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from .common import check_input
from .layers import norm_layer


@dataclass
class ResnetGeneratorConfig:
    in_channels: int = 1  # channels of the input image (1 for FashionMNIST)
    out_channels: int = 1  # channels of the translated image
    base_channels: int = 16  # width k of the first conv; the paper uses 64 (we shrink for CPU)
    n_downsample: int = 2  # stride-2 convs down (and transposed convs back up), as in the paper
    n_blocks: int = 4  # residual blocks at the bottleneck; the paper uses 9 (256 px) or 6 (128 px)
    image_size: int = 32  # height = width of the images (a multiple of 2 ** n_downsample)
    norm: str = "instance"  # "instance" (CycleGAN: each image normalised on its own) or "batch"

    def __post_init__(self):
        arguments.positive_whole_fields(self, ("in_channels", "out_channels", "base_channels", "n_blocks", "image_size"),
                                        "ResnetGeneratorConfig.")
        if not isinstance(self.n_downsample, int) or self.n_downsample < 0:
            raise CourseError(f"n_downsample must be 0 or more, got {self.n_downsample!r}")
        if self.image_size % (2 ** self.n_downsample):
            raise CourseError(f"image_size={self.image_size} cannot be halved {self.n_downsample} times: "
                              f"use a multiple of {2 ** self.n_downsample} (pad FashionMNIST to 32)")
        if self.norm not in ("instance", "batch"):
            raise CourseError(f"unknown norm {self.norm!r}: use 'instance' or 'batch'")


class ResidualBlock(nn.Module):
    """``x + F(x)`` with F = reflect-pad, conv3x3, norm, ReLU, reflect-pad, conv3x3, norm.

    The block only has to learn a *change* to its input; with F = 0 it is the
    identity, which suits translation, where most of the input should survive.
    """

    def __init__(self, channels: int, norm: str = "instance"):
        arguments.whole("channels", channels, 1, 2**31 - 1, example=64)
        norm_layer(norm, channels)  # checks norm (draws nothing) before the convolutions draw their weights
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=False), norm_layer(norm, channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=False), norm_layer(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)  # (B, C, h, w) -> (B, C, h, w)


class ResnetGenerator(nn.Module):
    """Image -> image of the same size: encoder, residual blocks, decoder, ``tanh``."""

    def __init__(self, cfg: ResnetGeneratorConfig | None = None):
        if cfg is not None:
            arguments.config(cfg, ResnetGeneratorConfig, "ResnetGenerator")
        super().__init__()
        self.cfg = cfg = cfg or ResnetGeneratorConfig()
        k = cfg.base_channels
        layers: list[nn.Module] = [  # c7s1-k: (B, in, S, S) -> (B, k, S, S)
            nn.ReflectionPad2d(3), nn.Conv2d(cfg.in_channels, k, 7, bias=False), norm_layer(cfg.norm, k), nn.ReLU(True)]
        channels = k
        for _ in range(cfg.n_downsample):  # d2k, d4k: halve the size, double the width
            layers += [nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=False),
                       norm_layer(cfg.norm, channels * 2), nn.ReLU(True)]
            channels *= 2
        layers += [ResidualBlock(channels, cfg.norm) for _ in range(cfg.n_blocks)]  # R x n_blocks
        for _ in range(cfg.n_downsample):  # u2k, uk: double the size, halve the width
            layers += [nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1,
                                          bias=False),
                       norm_layer(cfg.norm, channels // 2), nn.ReLU(True)]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, cfg.out_channels, 7), nn.Tanh()]  # c7s1-out
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        check_input(x, (cfg.in_channels, cfg.image_size, cfg.image_size), "images", "ResnetGenerator")
        return self.net(x)  # (B, in, S, S) -> (B, out, S, S) in [-1, 1]


class CycleGenerators(nn.Module):
    """CycleGAN's two generators in one module: ``G_AB`` (A -> B) and ``G_BA`` (B -> A).

    Kept together so that a checkpoint, the pretrained file and the command line
    see both. ``pair`` names the domains they were trained on (see
    :mod:`gan_course.data.domains`).
    """

    def __init__(self, cfg: ResnetGeneratorConfig | None = None, pair: str = "negative"):
        super().__init__()
        self.cfg, self.pair = cfg or ResnetGeneratorConfig(), pair
        self.G_AB = ResnetGenerator(self.cfg)  # A -> B
        self.G_BA = ResnetGenerator(self.cfg)  # B -> A

    def forward(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        if direction == "AtoB":
            return self.G_AB(x)
        if direction == "BtoA":
            return self.G_BA(x)
        raise CourseError(f"unknown direction {direction!r}: use 'AtoB' or 'BtoA'")
