"""The U-Net generator of pix2pix (chapter 6), and the same network without its skips.

An image-to-image generator maps an input picture ``x`` (here an edge map) to an
output picture ``G(x)`` of the same size. pix2pix uses an encoder-decoder:

* the **encoder** halves the image ``n_down`` times with 4x4 stride-2
  convolutions (C64-C128-C256-C512-C512..., LeakyReLU 0.2, batch norm except on
  the first and the innermost layer), down to a 1x1 bottleneck;
* the **decoder** doubles it back with 4x4 stride-2 transposed convolutions
  (ReLU, batch norm) and ends in ``tanh``.

In a **U-Net** each decoder layer also receives, concatenated on the channel
axis, the encoder activation of the same size (a *skip connection*): low-level
information such as the position of the edges can go straight from input to
output instead of squeezing through the 1x1 bottleneck. ``skips=False`` gives
the plain encoder-decoder of the ablation: identical layers, no concatenation.

There is no noise vector ``z``. Isola et al. (2017) found that a Gaussian ``z``
fed to G was simply ignored; the only randomness is **dropout** (p = 0.5) in the
first ``n_dropout`` decoder layers. The paper keeps it active at test time too;
:func:`sample_with_dropout` does that, and the chapter measures how little the
outputs vary.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from ..runtime import eval_mode
from .layers import NORMS as _NORMS
from .layers import init_weights, norm_layer


@dataclass
class UNetConfig:
    in_channels: int = 1  # channels of the input picture (1: an edge map)
    out_channels: int = 1  # channels of the output picture (1: a grey FashionMNIST image)
    image_size: int = 32  # side of the square images; must be divisible by 2 ** n_down
    base_channels: int = 64  # width of the first encoder layer (the paper's C64)
    n_down: int = 5  # stride-2 halvings: 32 -> 16 -> 8 -> 4 -> 2 -> 1 for n_down = 5
    max_mult: int = 8  # widths grow 64, 128, 256, 512 and stay at base_channels * max_mult
    dropout: float = 0.5  # dropout probability in the first n_dropout decoder layers (G's only noise)
    n_dropout: int = 3  # how many decoder layers (from the bottleneck) use dropout
    skips: bool = True  # True: U-Net; False: the same encoder-decoder without skip connections
    norm: str = "batch"  # "batch" (pix2pix), "instance" or "none"
    init_std: float = 0.02  # weights ~ N(0, init_std), as in pix2pix

    def __post_init__(self) -> None:
        if self.norm not in _NORMS:
            raise CourseError(f"UNetConfig.norm must be one of {_NORMS}, got {self.norm!r}: pick one of them")
        if self.n_down < 1:
            raise CourseError(f"UNetConfig.n_down must be >= 1, got {self.n_down}: use e.g. 5 for 32x32 images")
        if self.image_size % (2 ** self.n_down) != 0:
            good = self.image_size // (2 ** self.n_down) * (2 ** self.n_down) or 2 ** self.n_down
            raise CourseError(
                f"a U-Net with n_down={self.n_down} halves the image {self.n_down} times, so image_size must be "
                f"divisible by {2 ** self.n_down}; {self.image_size} is not: pad the images (e.g. to {good} or "
                f"{good + 2 ** self.n_down}, as load_edges2fashion pads 28 to 32) or lower n_down"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise CourseError(f"UNetConfig.dropout must be in [0, 1), got {self.dropout}: use 0.5 as in pix2pix")

    def widths(self) -> list[int]:
        """Encoder widths, outermost first: 64, 128, 256, 512, 512 for the defaults."""
        return [self.base_channels * min(2 ** i, self.max_mult) for i in range(self.n_down)]


class UNetGenerator(nn.Module):
    """(B, in_channels, S, S) -> (B, out_channels, S, S) in [-1, 1]; a U-Net, or a plain encoder-decoder."""

    def __init__(self, cfg: UNetConfig):
        arguments.config(cfg, UNetConfig, "UNetGenerator")
        super().__init__()
        self.cfg = cfg
        widths = cfg.widths()
        bias = cfg.norm != "batch"  # batch norm has its own shift
        # Encoder: down[i] maps (B, c_{i-1}, s, s) -> (B, c_i, s/2, s/2).
        self.down = nn.ModuleList()
        for i, out in enumerate(widths):
            first, innermost = i == 0, i == cfg.n_down - 1
            layers: list[nn.Module] = [] if first else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(cfg.in_channels if first else widths[i - 1], out, 4, 2, 1,
                                    bias=bias or first or innermost))
            if not (first or innermost):  # no norm on the raw input layer nor the 1x1 bottleneck
                layers.append(norm_layer(cfg.norm, out))
            self.down.append(nn.Sequential(*layers))
        # Decoder: up[j] (j = 0 at the bottleneck) doubles the size; with skips its input is
        # [decoder activation, encoder activation of the same size] concatenated on channels.
        self.up = nn.ModuleList()
        for j in range(cfg.n_down):
            i = cfg.n_down - 1 - j  # the encoder level this decoder layer mirrors
            c_in = widths[i] * (2 if cfg.skips and j > 0 else 1)
            last = i == 0
            c_out = cfg.out_channels if last else widths[i - 1]
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias or last)]
            if last:
                layers.append(nn.Tanh())  # outputs in [-1, 1], like the data
            else:
                layers.append(norm_layer(cfg.norm, c_out))
                if j < cfg.n_dropout and cfg.dropout > 0:
                    layers.append(nn.Dropout(cfg.dropout))
            self.up.append(nn.Sequential(*layers))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Conv weights ~ N(0, init_std), norm scales ~ N(1, init_std), biases 0."""
        init_weights(self, self.cfg.init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg, name = self.cfg, "UNetGenerator"
        if not isinstance(x, torch.Tensor):
            raise CourseError(f"{name} expects a tensor of images, got {type(x).__name__}")
        expected = (cfg.in_channels, cfg.image_size, cfg.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            hint = ("pad the images so the U-Net can halve them (load_edges2fashion pads 28 to 32)"
                    if x.dim() == 4 and x.shape[1] == cfg.in_channels
                    else "reshape the input or build the model with a UNetConfig that matches it")
            raise CourseError(f"{name} expects images of shape (B, {', '.join(map(str, expected))}), "
                              f"got {tuple(x.shape)}: {hint}")
        skips = []
        h = x  # (B, 1, 32, 32)
        for layer in self.down:  # (B, 1, 32, 32) -> (B, 64, 16, 16) -> ... -> (B, 512, 1, 1)
            h = layer(h)
            skips.append(h)
        for j, layer in enumerate(self.up):  # (B, 512, 1, 1) -> (B, 512, 2, 2) -> ... -> (B, 1, 32, 32)
            if cfg.skips and j > 0:
                h = torch.cat([h, skips[cfg.n_down - 1 - j]], dim=1)  # (B, c, s, s) -> (B, 2c, s, s)
            h = layer(h)
        return h


@torch.no_grad()
def sample_with_dropout(G: UNetGenerator, x: torch.Tensor, k: int) -> torch.Tensor:
    """``k`` outputs per input with dropout *on* (as pix2pix does at test time) and norms in eval mode.

    (B, C, S, S) -> (k, B, C_out, S, S). Draws from the global RNG.
    """
    if not isinstance(G, UNetGenerator):
        raise CourseError(f"sample_with_dropout needs G to be a UNetGenerator, got {arguments.shown(G)} "
                          f"({type(G).__name__})")
    arguments.tensor("x", x, 4, "a batch of input images (B, C, S, S)", min_len=1)
    arguments.whole("k", k, 1, 1000, example=4)
    with eval_mode(G):  # G and its dropout layers come back in the modes they had
        for m in G.modules():
            if isinstance(m, nn.Dropout):
                m.train()
        return torch.stack([G(x) for _ in range(k)])
