"""DCGAN (Radford et al., 2016): the convolutional GAN, with its architecture rules.

The rules, as this module implements them:

* no pooling and no fully connected hidden layers: D *downsamples* with stride-2
  convolutions, G *upsamples* with stride-2 transposed convolutions, both
  learned;
* batch norm in every layer **except G's output layer and D's input layer**,
  placed between the convolution and the activation (conv -> BN -> activation);
* ReLU in G (tanh at its output, so images lie in [-1, 1] like the data),
  LeakyReLU(0.2) in D;
* weights drawn from N(0, 0.02) (batch norm scales from N(1, 0.02), shifts 0).

Where this differs from many DCGAN tutorials, and why:

* G's output layer has **no** batch norm (many tutorials put BN before the tanh):
  BN would pin every batch of generated pixels to the same mean and spread.
* G's blocks are conv -> BN -> ReLU (much tutorial code has ReLU -> BN, which
  re-centres the ReLU's output so that half of what the next layer sees is
  negative again).
* D returns a **logit** (no ``Sigmoid``): the loss applies the sigmoid inside
  ``binary_cross_entropy_with_logits``.

With ``image_size = 32`` (FashionMNIST padded, ``load_fashion_mnist(pad_to=32)``)
and the default widths the two networks are::

    G: z (B, 100) -> (B, 100, 1, 1) -> (B, 128, 4, 4) -> (B, 64, 8, 8) -> (B, 32, 16, 16) -> (B, 1, 32, 32)
    D: (B, 1, 32, 32) -> (B, 32, 16, 16) -> (B, 64, 8, 8) -> (B, 128, 4, 4) -> (B, 1, 1, 1) -> logit (B,)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from .common import check_input
from .layers import init_weights
from .sizes import conv_output_size, transposed_conv_output_size

KERNEL, STRIDE, PADDING = 4, 2, 1  # every resolution-doubling (or halving) layer: k=4, s=2, p=1


@dataclass
class DCGANConfig:
    latent_dim: int = 100  # size of the noise vector z ~ N(0, I)
    channels: int = 1  # image channels (1: grayscale)
    image_size: int = 32  # image height = width: 4 * 2**n, e.g. 32 (FashionMNIST with pad_to=32)
    g_width: int = 32  # channels of G's last hidden layer; doubles towards the input (32, 64, 128)
    d_width: int = 32  # channels of D's first layer; doubles towards the output (32, 64, 128)
    leaky_slope: float = 0.2  # negative slope of D's LeakyReLU
    init_std: float = 0.02  # standard deviation of the N(0, std) weight initialisation

    def __post_init__(self):
        size, n = self.image_size, 0
        while isinstance(size, int) and size > 4 and size % 2 == 0:
            size, n = size // 2, n + 1
        if size != 4 or n < 1:
            raise CourseError(f"DCGANConfig.image_size must be 4 times a power of two (8, 16, 32, 64, ...), got "
                              f"{self.image_size!r}: pad FashionMNIST with load_fashion_mnist(..., pad_to=32) "
                              "and use image_size=32")
        arguments.positive_whole_fields(self, ("latent_dim", "channels", "g_width", "d_width"), "DCGANConfig.")

    @property
    def n_up(self) -> int:
        """How many times the 4x4 start is doubled to reach ``image_size`` (3 for 32)."""
        return (self.image_size // 4).bit_length() - 1

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) -> image (B, C, S, S) in [-1, 1], by transposed convolutions."""

    def __init__(self, cfg: DCGANConfig, layers=None):
        """``layers(latent_dim, widths, channels) -> [modules]``, when given, builds ``self.net`` instead of the
        rules below (chapter 4 trains the learner's own layers this way); initialised the same way."""
        arguments.config(cfg, DCGANConfig, "DCGANGenerator")
        super().__init__()
        self.cfg = cfg
        widths = [cfg.g_width * 2 ** j for j in reversed(range(cfg.n_up))]  # e.g. [128, 64, 32]
        if layers is not None:
            self.net = nn.Sequential(*layers(cfg.latent_dim, widths, cfg.channels))
            init_weights(self, cfg.init_std)
            return
        # 1x1 -> 4x4: a transposed conv with k=4, s=1, p=0 is a fully connected "projection" of z
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(cfg.latent_dim, widths[0], 4, 1, 0, bias=False),  # (B, 100, 1, 1) -> (B, 128, 4, 4)
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        ]
        for c_in, c_out in zip(widths, widths[1:]):  # each block doubles the size: 4 -> 8 -> 16
            layers += [nn.ConvTranspose2d(c_in, c_out, KERNEL, STRIDE, PADDING, bias=False),  # bias: BN's shift
                       nn.BatchNorm2d(c_out),  # conv -> BN -> ReLU
                       nn.ReLU()]
        # output layer: no batch norm; tanh puts the pixels in [-1, 1]
        layers += [nn.ConvTranspose2d(widths[-1], cfg.channels, KERNEL, STRIDE, PADDING),  # 16x16 -> (B, 1, 32, 32)
                   nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_weights(self, cfg.init_std)  # N(0, 0.02): models/layers.py

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if isinstance(z, torch.Tensor) and z.dim() == 4:  # also accept (B, latent_dim, 1, 1)
            check_input(z, (self.cfg.latent_dim, 1, 1), "noise vectors", "DCGANGenerator")
        else:
            check_input(z, (self.cfg.latent_dim,), "noise vectors", "DCGANGenerator")
        return self.net(z.reshape(z.shape[0], self.cfg.latent_dim, 1, 1))  # (B, 100, 1, 1) -> (B, C, S, S)


class DCGANDiscriminator(nn.Module):
    """image (B, C, S, S) -> logit (B,), by strided convolutions (no pooling)."""

    def __init__(self, cfg: DCGANConfig):
        arguments.config(cfg, DCGANConfig, "DCGANDiscriminator")
        super().__init__()
        self.cfg = cfg
        widths = [cfg.d_width * 2 ** j for j in range(cfg.n_up)]  # e.g. [32, 64, 128]
        # input layer: no batch norm (D sees the raw images' statistics)
        layers: list[nn.Module] = [nn.Conv2d(cfg.channels, widths[0], KERNEL, STRIDE, PADDING),  # 32 -> 16
                                   nn.LeakyReLU(cfg.leaky_slope)]
        for c_in, c_out in zip(widths, widths[1:]):  # each block halves the size: 16 -> 8 -> 4
            layers += [nn.Conv2d(c_in, c_out, KERNEL, STRIDE, PADDING, bias=False),
                       nn.BatchNorm2d(c_out),  # conv -> BN -> LeakyReLU
                       nn.LeakyReLU(cfg.leaky_slope)]
        # 4x4 -> 1x1: a conv as large as its input is a fully connected layer to one logit (no sigmoid)
        layers.append(nn.Conv2d(widths[-1], 1, 4, 1, 0))  # (B, 128, 4, 4) -> (B, 1, 1, 1)
        self.net = nn.Sequential(*layers)
        init_weights(self, cfg.init_std)  # N(0, 0.02): models/layers.py

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (isinstance(x, torch.Tensor) and x.dim() == 4 and x.shape[1] == self.cfg.channels
                and x.shape[-1] == x.shape[-2] == 28 and self.cfg.image_size == 32):
            raise CourseError(f"DCGANDiscriminator expects images of shape (B, {self.cfg.channels}, 32, 32), got "
                              f"{tuple(x.shape)}: load FashionMNIST with load_fashion_mnist(..., pad_to=32)")
        check_input(x, self.cfg.image_shape, "images", "DCGANDiscriminator")
        return self.net(x).reshape(x.shape[0])  # (B, C, S, S) -> (B, 1, 1, 1) -> (B,)


def layer_sizes(module: nn.Module, size: int) -> list[tuple[str, int, int]]:
    """(layer, input size, output size) of every (transposed) convolution, by the formulas alone.

    Walks ``module`` in order and applies :func:`conv_output_size` or
    :func:`transposed_conv_output_size` to each convolution, starting from ``size``.
    """
    arguments.instance("module", module, nn.Module, "a torch module (a network or a layer)")
    arguments.whole("size", size, 1, 2**31 - 1, example=1)
    rows = []
    for name, m in module.named_modules():
        if isinstance(m, nn.ConvTranspose2d):
            out = transposed_conv_output_size(size, m.kernel_size[0], m.stride[0], m.padding[0],
                                              m.output_padding[0])
        elif isinstance(m, nn.Conv2d):
            out = conv_output_size(size, m.kernel_size[0], m.stride[0], m.padding[0])
        else:
            continue
        rows.append((f"{name}: {type(m).__name__}(k={m.kernel_size[0]}, s={m.stride[0]}, p={m.padding[0]})",
                     size, out))
        size = out
    return rows
