"""The PatchGAN discriminator of pix2pix (chapter 6), also used by CycleGAN (chapter 7).

A PatchGAN does not return one "real or fake" logit per image: it is a fully
convolutional stack whose output is a grid of logits, one per overlapping patch
of the input. Each output cell sees only its *receptive field* (70x70 pixels
for the standard ``n_layers=3`` design), so the discriminator judges local
texture and sharpness, and the L1 term of pix2pix takes care of the
low-frequency layout (Isola et al., 2017).

The layers follow the pix2pix reference design C64-C128-C256-C512:

* ``n_layers`` 4x4 convolutions with stride 2 (widths 64, 128, 256, ... capped
  at 8x the base width); no normalisation on the first one;
* one 4x4 convolution with stride 1 (the next width);
* one 4x4 convolution with stride 1 to a single channel: the logits.

Every convolution uses padding 1 and is followed (except the last) by
LeakyReLU(0.2). ``n_layers=0`` is the *PixelGAN*: 1x1 convolutions only, so each
output cell judges a single pixel (receptive field 1).

For a conditional discriminator (pix2pix) ``in_channels`` counts the input
*and* the output image concatenated along the channel axis: 1 edge channel +
1 image channel = 2 for our FashionMNIST edges; CycleGAN uses an unconditional
PatchGAN with ``in_channels`` = the image channels.

The output is raw logits (no sigmoid): the losses apply the sigmoid inside
``binary_cross_entropy_with_logits`` (or use them directly for least squares).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from ..runtime import eval_mode

MAX_LAYERS = 24  # a PatchGAN's stride-2 layers: 2**24 pixels is far past any image
from .layers import NORMS as _NORMS
from .layers import init_weights, norm_layer


@dataclass
class PatchGANConfig:
    in_channels: int = 2  # channels seen by D: input + output concatenated for pix2pix (1 + 1)
    base_channels: int = 64  # width of the first conv layer (the "C64" of the paper)
    n_layers: int = 3  # stride-2 conv layers: 3 -> 70x70 patches; 0 -> PixelGAN (1x1)
    norm: str = "batch"  # "batch" (pix2pix), "instance" (CycleGAN) or "none"
    leaky_slope: float = 0.2  # negative slope of every LeakyReLU
    init_std: float = 0.02  # conv weights ~ N(0, init_std), as in DCGAN/pix2pix

    def __post_init__(self) -> None:
        if self.norm not in _NORMS:
            raise CourseError(f"PatchGANConfig.norm must be one of {_NORMS}, got {self.norm!r}: pick one of them")
        if self.n_layers < 0:
            raise CourseError(f"PatchGANConfig.n_layers must be >= 0, got {self.n_layers}: use 0 for a PixelGAN")
        if self.in_channels < 1 or self.base_channels < 1:
            raise CourseError("PatchGANConfig.in_channels and base_channels must be >= 1: fix the config")


def _conv_specs(n_layers: int) -> list[tuple[int, int, int]]:
    """(kernel, stride, padding) of every conv layer, first to last, as built below."""
    if n_layers == 0:
        return [(1, 1, 0)] * 3
    return [(4, 2, 1)] * n_layers + [(4, 1, 1), (4, 1, 1)]


def _check_n_layers(n_layers) -> int:
    return arguments.whole("n_layers", n_layers, 0, MAX_LAYERS, example="3, or 0 for a PixelGAN")


def receptive_field(n_layers: int) -> int:
    """Side in pixels of the input patch that one output logit depends on.

    Walk the layers from the output back to the input: a cell of a layer with
    kernel ``k`` and stride ``s`` whose outputs span ``r`` cells of that layer's
    output spans ``(r - 1) * s + k`` cells of its input. Starting from ``r = 1``:
    for ``n_layers=3``: 1 -> 4 -> 7 -> 16 -> 34 -> 70.
    """
    _check_n_layers(n_layers)
    r = 1
    for k, s, _ in reversed(_conv_specs(n_layers)):
        r = (r - 1) * s + k
    return r


def patch_span(n_layers: int, index: int) -> tuple[int, int]:
    """Input pixels ``[start, stop)`` (along one axis) seen by output cell ``index``.

    The same backward walk as :func:`receptive_field`, also tracking where the
    window starts: a layer with kernel ``k``, stride ``s`` and padding ``p`` maps
    output position ``i`` to input positions ``i*s - p .. i*s - p + k - 1``.
    Negative positions or positions past the image are zero padding.
    """
    start, size = index, 1
    for k, s, p in reversed(_conv_specs(n_layers)):
        start, size = start * s - p, (size - 1) * s + k
    return start, start + size


def measured_receptive_field(D: nn.Module, image_size: int) -> int:
    """The receptive field read off the network itself: which input pixels move the centre logit?

    Back-propagates from one output cell of ``D`` (in eval mode, on a random
    input) and returns the side of the square of input pixels with a non-zero
    gradient. Padding cuts the square at the border, so use an image larger
    than the receptive field (e.g. 256) to check :func:`receptive_field`.
    """
    if not isinstance(D, PatchGANDiscriminator):
        raise CourseError(f"measured_receptive_field needs D to be a PatchGANDiscriminator, got "
                          f"{arguments.shown(D)} ({type(D).__name__})")
    arguments.whole("image_size", image_size, 1, 1024, example=256)
    cfg = D.cfg
    with eval_mode(D):
        x = torch.randn(1, cfg.in_channels, image_size, image_size, requires_grad=True)
        y = D(x)  # (1, 1, h, h)
        c = y.shape[-1] // 2
        y[0, 0, c, c].backward()
    touched = (x.grad.abs().sum(dim=(0, 1)) > 0).nonzero()  # (n, 2) pixel coordinates
    return int((touched.max(0).values - touched.min(0).values + 1).max())


def patch_grid_size(image_size: int, n_layers: int) -> int:
    """Side of the (square) logit grid the PatchGAN returns for ``image_size`` inputs.

    Each conv maps a side ``n`` to ``(n + 2p - k) // s + 1``. With 4x4 kernels and
    padding 1, the stride-2 layers halve an even side and each stride-1 layer
    takes one off, so a 256x256 image gives 256/8 - 2 = 30 (a 30x30 grid of
    70x70 patches) and a 32x32 image gives 32/8 - 2 = 2.
    """
    arguments.whole("image_size", image_size, 1, 2**31 - 1, example=32)
    _check_n_layers(n_layers)
    n = image_size
    for k, s, p in _conv_specs(n_layers):
        n = (n + 2 * p - k) // s + 1
        if n < 1:
            raise CourseError(
                f"a PatchGAN with n_layers={n_layers} has no output for {image_size}x{image_size} images: "
                f"use fewer layers or larger images"
            )
    return n


class PatchGANDiscriminator(nn.Module):
    """(B, in_channels, H, W) -> logits (B, 1, H', W'): one logit per receptive-field patch."""

    def __init__(self, cfg: PatchGANConfig, layers=None):
        """``layers(in_channels, base_channels, n_layers, norm) -> [modules]``, when given (and ``n_layers >= 1``),
        builds ``self.net`` instead of the code below (chapter 6 trains the learner's own PatchGAN this way)."""
        arguments.config(cfg, PatchGANConfig, "PatchGANDiscriminator")
        super().__init__()
        self.cfg = cfg
        c, slope = cfg.base_channels, cfg.leaky_slope
        use_bias = cfg.norm != "batch"  # batch norm has its own shift: a conv bias would be redundant

        def norm(channels: int) -> nn.Module:  # instance norm without scale and shift, as in pix2pix's PatchGAN
            return norm_layer(cfg.norm, channels, instance_affine=False)

        if layers is not None and cfg.n_layers >= 1:
            layers = list(layers(cfg.in_channels, c, cfg.n_layers, cfg.norm))
        elif cfg.n_layers == 0:  # PixelGAN: every logit sees one pixel
            layers: list[nn.Module] = [
                nn.Conv2d(cfg.in_channels, c, 1), nn.LeakyReLU(slope),  # (B, in, H, W) -> (B, c, H, W)
                nn.Conv2d(c, 2 * c, 1, bias=use_bias), norm(2 * c), nn.LeakyReLU(slope),
                nn.Conv2d(2 * c, 1, 1),  # -> (B, 1, H, W)
            ]
        else:
            # C64: no normalisation on the first layer.  (B, in, H, W) -> (B, c, H/2, W/2)
            layers = [nn.Conv2d(cfg.in_channels, c, 4, stride=2, padding=1), nn.LeakyReLU(slope)]
            width = c
            for i in range(1, cfg.n_layers):  # C128, C256: (B, w, h, h) -> (B, 2w, h/2, h/2)
                out = c * min(2 ** i, 8)
                layers += [nn.Conv2d(width, out, 4, stride=2, padding=1, bias=use_bias),
                           norm(out), nn.LeakyReLU(slope)]
                width = out
            out = c * min(2 ** cfg.n_layers, 8)  # C512, stride 1: (B, w, h, h) -> (B, out, h-1, h-1)
            layers += [nn.Conv2d(width, out, 4, stride=1, padding=1, bias=use_bias),
                       norm(out), nn.LeakyReLU(slope)]
            layers.append(nn.Conv2d(out, 1, 4, stride=1, padding=1))  # -> (B, 1, h-2, h-2) logits
        self.net = nn.Sequential(*layers)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Conv weights ~ N(0, init_std), batch-norm scales ~ N(1, init_std), biases 0."""
        init_weights(self, self.cfg.init_std)

    @property
    def receptive_field(self) -> int:
        return receptive_field(self.cfg.n_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        name = "PatchGANDiscriminator"
        if not isinstance(x, torch.Tensor):
            raise CourseError(f"{name} expects a tensor of images, got {type(x).__name__}")
        if x.dim() != 4 or x.shape[1] != self.cfg.in_channels:
            raise CourseError(
                f"{name} expects images of shape (B, {self.cfg.in_channels}, H, W), got {tuple(x.shape)}: "
                f"for pix2pix concatenate input and output with torch.cat([a, b], dim=1), "
                f"or build the model with PatchGANConfig(in_channels=...) matching the input"
            )
        for side in x.shape[2:]:
            patch_grid_size(int(side), self.cfg.n_layers)  # raises a CourseError if the image is too small
        return self.net(x)  # (B, in, H, W) -> (B, 1, H', W')
