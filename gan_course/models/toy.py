"""Small MLPs for low-dimensional data (chapter 1: 1-D Gaussians, 2-D rings and grids)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from .common import check_input


@dataclass
class ToyConfig:
    data_dim: int = 2  # dimension of a data point (1 or 2 in chapter 1)
    latent_dim: int = 2  # dimension of the noise z ~ N(0, I)
    hidden: int = 128  # width of every hidden layer
    depth: int = 3  # number of hidden layers
    pack: int = 1  # D judges `pack` samples at once (PacGAN); 1 = the standard GAN

    def __post_init__(self):
        for name, low in (("data_dim", 1), ("latent_dim", 1), ("hidden", 1), ("depth", 0), ("pack", 1)):
            arguments.whole(name, getattr(self, name), low, 10**6, example=max(low, 2))


def _mlp(n_in: int, hidden: int, depth: int, n_out: int, act: nn.Module) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), act]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class ToyGenerator(nn.Module):
    """z (B, latent_dim) -> point (B, data_dim)."""

    def __init__(self, cfg: ToyConfig):
        arguments.config(cfg, ToyConfig, "ToyGenerator")
        super().__init__()
        self.cfg = cfg
        self.net = _mlp(cfg.latent_dim, cfg.hidden, cfg.depth, cfg.data_dim, nn.ReLU())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_input(z, (self.cfg.latent_dim,), "noise vectors", "ToyGenerator")
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """points (B, data_dim) -> logits (B // pack,).

    With ``pack = m > 1`` (PacGAN, Lin et al. 2018) D sees m samples concatenated
    and decides whether *all* are real. A collapsed generator produces packs of
    near-identical points, which real packs almost never are, so collapse
    becomes easy to detect and is penalised.
    """

    def __init__(self, cfg: ToyConfig):
        arguments.config(cfg, ToyConfig, "ToyDiscriminator")
        super().__init__()
        self.cfg = cfg
        self.net = _mlp(cfg.data_dim * cfg.pack, cfg.hidden, cfg.depth, 1, nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (self.cfg.data_dim,), "points", "ToyDiscriminator")
        m = self.cfg.pack
        if x.shape[0] % m:
            raise CourseError(f"batch size {x.shape[0]} is not a multiple of pack={m}: use a multiple of {m}")
        packed = x.reshape(x.shape[0] // m, m * self.cfg.data_dim)  # (B, d) -> (B/m, m*d)
        return self.net(packed).squeeze(1)  # -> (B/m,)
