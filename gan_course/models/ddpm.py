"""Chapter 11: the noise-predicting U-Net ε_θ(x_t, t) of a small DDPM (Ho et al., 2020).

The shape is chapter 6's U-Net: an encoder that halves the image, a decoder that
doubles it back, and skip connections that concatenate each encoder activation to
the decoder activation of the same size. Three things change, as in the DDPM code:

* the network also sees the **time step** t: a sinusoidal embedding (as in the
  Transformer's positions) through a small MLP, added inside every residual block,
  so one network serves every noise level;
* **group norm** instead of batch norm: a batch mixes images at every noise level,
  and batch statistics would mix them too (and tie each output to its batch);
* residual blocks of 3x3 convolutions at each resolution instead of one 4x4
  stride-2 layer, and no tanh: the output is noise, not an image.

With the defaults (32x32, widths 16-32-32, one block per level)::

    x_t (B, 1, 32, 32) -> (B, 16, 32, 32) -> (B, 32, 16, 16) -> (B, 32, 8, 8) -> ... -> ε̂ (B, 1, 32, 32)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from ..diffusion import SCHEDULES


@dataclass
class DDPMConfig:
    image_size: int = 32  # side of the square images (FashionMNIST padded to 32); divisible by 2 ** (levels - 1)
    channels: int = 1  # image channels
    base_channels: int = 16  # width of the first level; level i has base_channels * channel_mults[i] (CPU-sized)
    channel_mults: tuple[int, ...] = (1, 2, 2)  # one entry per resolution: 32x32, 16x16, 8x8
    groups: int = 8  # groups of the group norms
    timesteps: int = 1000  # T, the length of the forward process (the DDPM paper's)
    schedule: str = "linear"  # β schedule: "linear" (Ho et al.) or "cosine" (Nichol & Dhariwal)
    beta_start: float = 1e-4  # β_1 of the linear schedule
    beta_end: float = 0.02  # β_T of the linear schedule

    def __post_init__(self):
        levels = len(self.channel_mults)
        if self.schedule not in SCHEDULES:
            raise CourseError(f"DDPMConfig.schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if levels < 1 or self.image_size % (2 ** (levels - 1)):
            raise CourseError(f"image_size {self.image_size} cannot be halved {levels - 1} times: pad the images "
                              "(load_fashion_mnist(pad_to=32)) or use fewer channel_mults")
        if any(self.base_channels * m % self.groups for m in self.channel_mults):
            raise CourseError(f"every level's width must be divisible by groups={self.groups}")


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps (B,) -> (B, dim): sin and cos at geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, device=t.device) * -(math.log(10000.0) / (half - 1)))  # (half,)
    args = t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv, + the time embedding, GroupNorm-SiLU-conv, + a (1x1) shortcut: (B, c_in, s, s) -> (B, c_out, s, s)."""

    def __init__(self, c_in: int, c_out: int, temb_dim: int, groups: int):
        for name, value in (("c_in", c_in), ("c_out", c_out), ("temb_dim", temb_dim), ("groups", groups)):
            arguments.whole(name, value, 1, 65_536, example=32 if name != "groups" else 8)
        for name, value in (("c_in", c_in), ("c_out", c_out)):
            if value % groups:
                raise CourseError(f"{name} must be divisible by groups = {groups} (the group norm splits the "
                                  f"channels into equal groups), got {value}: e.g. {groups * max(1, value // groups)}")
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.temb_proj = nn.Linear(temb_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(groups, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.temb_proj(nn.functional.silu(temb))[:, :, None, None]  # one shift per channel and image
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return self.shortcut(x) + h


class DDPMUNet(nn.Module):
    """ε_θ(x_t, t): (B, C, S, S) noisy images and (B,) steps in 0..T-1 -> (B, C, S, S) predicted noise."""

    def __init__(self, cfg: DDPMConfig):
        arguments.config(cfg, DDPMConfig, "DDPMUNet")
        super().__init__()
        self.cfg = cfg
        ch, widths = cfg.base_channels, [cfg.base_channels * m for m in cfg.channel_mults]
        self.temb = nn.Sequential(nn.Linear(ch, 4 * ch), nn.SiLU(), nn.Linear(4 * ch, 4 * ch))
        self.conv_in = nn.Conv2d(cfg.channels, ch, 3, padding=1)
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        c = ch
        for i, w in enumerate(widths):  # one block per level, then halve (not after the last level)
            self.down.append(ResBlock(c, w, 4 * ch, cfg.groups))
            c = w
            if i < len(widths) - 1:
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
        self.mid = ResBlock(c, c, 4 * ch, cfg.groups)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for i, w in reversed(list(enumerate(widths))):  # concatenate the skip of the same size, then double
            self.up.append(ResBlock(c + w, w, 4 * ch, cfg.groups))
            c = w
            if i > 0:
                self.upsample.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                   nn.Conv2d(c, c, 3, padding=1)))
        self.out = nn.Sequential(nn.GroupNorm(cfg.groups, c), nn.SiLU(), nn.Conv2d(c, cfg.channels, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)  # start by predicting zero noise, as the DDPM code does
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (cfg.channels, cfg.image_size,
                                                                                     cfg.image_size):
            raise CourseError(f"DDPMUNet expects images (B, {cfg.channels}, {cfg.image_size}, {cfg.image_size}), got "
                              f"{tuple(getattr(x, 'shape', ()))}: pad FashionMNIST to 32 (load_fashion_mnist(pad_to=32))")
        temb = self.temb(timestep_embedding(t, cfg.base_channels))  # (B,) -> (B, 4 * ch)
        h = self.conv_in(x)  # (B, 1, 32, 32) -> (B, 16, 32, 32)
        skips = []
        for i, block in enumerate(self.down):  # (B, 16, 32, 32) -> (B, 32, 16, 16) -> (B, 32, 8, 8)
            h = block(h, temb)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid(h, temb)  # (B, 32, 8, 8)
        for j, block in enumerate(self.up):  # back up: (B, 32, 8, 8) -> (B, 32, 16, 16) -> (B, 16, 32, 32)
            h = block(torch.cat([h, skips.pop()], dim=1), temb)
            if j < len(self.upsample):
                h = self.upsample[j](h)
        return self.out(h)  # (B, 16, 32, 32) -> (B, 1, 32, 32)
