"""A small style-based generator (StyleGAN, Karras et al. 2019; StyleGAN2, Karras et al. 2020) for 32x32 images.

Three ideas separate it from chapter 4's DCGAN generator:

* **a mapping network** z -> w: a few fully connected layers turn the Gaussian
  noise z (normalised first, "pixel norm") into an intermediate latent w. The
  data need not be a warped Gaussian in W, so W can be less entangled than Z;
* **a learned constant** 4x4 input: the image is not grown from z; it is grown
  from the same learned tensor every time, and w enters every layer as a
  *style* that scales the layer's input channels;
* **modulated convolutions with demodulation** (StyleGAN2): the style scales the
  convolution's *weights* per sample (modulation), then each output filter is
  divided by its norm (demodulation), so the output has unit expected scale
  whatever the style. StyleGAN 1 used AdaIN instead (normalise each feature map
  of the activations, then scale and shift it by the style); normalising every
  map on its own erases the maps' relative magnitudes, and the network learned to
  smuggle information past it in a strong local spike, the "water droplet"
  artefacts. Demodulation normalises by the *expected* statistics, through the
  weights, and the droplets went away.

Per layer, random noise (B, 1, H, W) times a learned strength per layer adds
stochastic detail. Each resolution has a toRGB layer (a modulated 1x1 convolution
without demodulation); their images are upsampled and summed (StyleGAN2's "skip"
generator). Weights use the "equalised learning rate": stored N(0, 1), scaled at
run time by 1/sqrt(fan_in) (and the mapping's by ``mapping_lr_mul`` too), so
Adam moves every layer at the same relative speed.

With the default config and 32x32 FashionMNIST::

    z (B, 64) -> pixel norm -> mapping (2 x [Linear 64 -> 64, LeakyReLU]) -> w (B, 64)
    w -> ws (B, 8, 64): the same w for each of the 8 layers (style mixing gives them different ones)
    const (1, 64, 4, 4) -> modconv 3x3 -> (B, 64, 4, 4)                    -> toRGB -> (B, 1, 4, 4)
    up x2 -> modconv, modconv -> (B, 64, 8, 8)                             -> toRGB -> (B, 1, 8, 8)   + up(rgb)
    up x2 -> modconv, modconv -> (B, 32, 16, 16)                            -> toRGB -> (B, 1, 16, 16) + up(rgb)
    up x2 -> modconv, modconv -> (B, 16, 32, 32)                            -> toRGB -> (B, 1, 32, 32) + up(rgb)
    tanh -> image (B, 1, 32, 32) in [-1, 1]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .. import arguments
from ..errors import CourseError
from .common import check_input

LRELU_GAIN = math.sqrt(2.0)  # LeakyReLU(0.2) times sqrt(2) keeps the activations' scale (StyleGAN's bias_act)
DEMOD_EPS = 1e-8  # added to the squared filter norm before the square root (the official code's value)


@dataclass
class StyleGANConfig:
    latent_dim: int = 64  # size of z ~ N(0, I)
    w_dim: int = 64  # size of w (and of every style vector's source)
    mapping_layers: int = 2  # fully connected layers z -> w (StyleGAN: 8; StyleGAN2-ADA's small configs: 2)
    mapping_lr_mul: float = 0.01  # the mapping network learns 100x slower (StyleGAN's setting)
    channels: int = 1  # image channels (1: grayscale)
    image_size: int = 32  # output height = width: 4 * 2**n (32 for FashionMNIST with pad_to=32)
    widths: tuple[int, ...] = (64, 64, 32, 16)  # feature maps at 4x4, 8x8, 16x16, 32x32 (one per resolution)
    w_avg_beta: float = 0.995  # training forward passes track w̄ as w_avg <- beta w_avg + (1 - beta) mean(w)

    def __post_init__(self):
        for name in ("latent_dim", "w_dim", "mapping_layers", "channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CourseError(f"StyleGANConfig.{name} must be a positive whole number, got {value!r}")
        arguments.number("StyleGANConfig.mapping_lr_mul", self.mapping_lr_mul, above=0.0, maximum=1.0)
        arguments.whole("StyleGANConfig.image_size", self.image_size, 4, 4096, example=32)
        arguments.sequence("StyleGANConfig.widths", self.widths, "a tuple of feature-map counts, one per resolution "
                           "from 4x4 up, e.g. (64, 64, 32, 16)")
        for i, width in enumerate(self.widths):
            arguments.whole(f"StyleGANConfig.widths[{i}]", width, 1, 65_536, example=64)
        self.widths = tuple(self.widths)
        if self.image_size != 4 * 2 ** (len(self.widths) - 1):
            raise CourseError(f"StyleGANConfig.image_size {self.image_size!r} needs one width per resolution from "
                              f"4x4 up ({len(self.widths)} widths give {4 * 2 ** (len(self.widths) - 1)}): "
                              "pad FashionMNIST with load_fashion_mnist(..., pad_to=32) and use 4 widths")
        arguments.number("StyleGANConfig.w_avg_beta", self.w_avg_beta, 0.0, 1.0)
        if self.w_avg_beta == 1:
            raise CourseError("StyleGANConfig.w_avg_beta must be in [0, 1), got 1 (w̄ would never move): e.g. 0.995")

    @property
    def num_ws(self) -> int:
        """How many w vectors the synthesis network takes: one per convolution, plus one for the last toRGB."""
        return 1 + 2 * (len(self.widths) - 1) + 1  # 4x4: 1 conv; each larger resolution: 2 convs; + last toRGB

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)


# ------------------------------------------------------------------ the operations
# The checks below read types and shapes only, never values: these functions run in every forward pass.
def _check_modulation(weight, styles, x=None) -> None:
    """A modulated convolution's weight (O, I, k, k), styles (B, I) with B >= 1, and x (B, I, H, W)."""
    arguments.tensor("weight", weight, 4, "convolution weights (O, I, k, k)", floating=True)
    arguments.tensor("styles", styles, 2, "styles (B, I), one scale per input channel", floating=True)
    if styles.shape[1] != weight.shape[1] or styles.shape[0] == 0:
        raise CourseError(f"styles must be (B, I = {weight.shape[1]}) with B >= 1, one scale per input channel of "
                          f"weight {tuple(weight.shape)}, got shape {tuple(styles.shape)}: pass e.g. affine(w)")
    if x is not None:
        arguments.tensor("x", x, 4, "features (B, I, H, W)", floating=True)
        if x.shape[:2] != (styles.shape[0], weight.shape[1]):
            raise CourseError(f"x must be features (B = {styles.shape[0]}, I = {weight.shape[1]}, H, W): one "
                              f"image per row of styles, weight's input channels, got shape {tuple(x.shape)}")


def pixel_norm(z: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each vector scaled to unit root-mean-square: z / sqrt(mean(z²) + eps), over the last axis."""
    arguments.tensor("z", z, what="latent vectors (..., dim), e.g. torch.randn(8, 64)", floating=True)
    if z.dim() == 0 or z.shape[-1] == 0:
        raise CourseError(f"z must be latent vectors (..., dim) with dim >= 1, got shape {tuple(z.shape)}: "
                          "pass e.g. torch.randn(8, 64)")
    arguments.number("eps", eps, minimum=0.0)
    return z * (z.square().mean(dim=-1, keepdim=True) + eps).rsqrt()


def modulated_weights(weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True,
                      eps: float = DEMOD_EPS) -> torch.Tensor:
    """Each sample's own convolution weights: (O, I, k, k) and styles (B, I) -> (B, O, I, k, k).

    Modulation scales input channel i of every filter by the sample's style s_i;
    demodulation then divides each output filter (one sample b, one output channel o)
    by sqrt(sum over i, kh, kw of w² + eps), so it has unit norm.
    """
    _check_modulation(weight, styles)
    arguments.flag("demodulate", demodulate), arguments.number("eps", eps, minimum=0.0)
    w = weight.unsqueeze(0) * styles.reshape(styles.shape[0], 1, -1, 1, 1)  # (B, O, I, k, k)
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + eps).rsqrt()  # (B, O): 1 / each filter's norm
        w = w * dcoefs.reshape(*dcoefs.shape, 1, 1, 1)
    return w


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True,
                     padding: int = 1, eps: float = DEMOD_EPS, fused: bool = False) -> torch.Tensor:
    """StyleGAN2's convolution: (B, I, H, W) with (O, I, k, k) weights and (B, I) styles -> (B, O, H', W').

    Every sample gets its own weights (:func:`modulated_weights`). ``fused=True`` runs
    them as one grouped convolution, the batch folded into the channels; ``fused=False``
    (the default: several times faster on a CPU) computes the same numbers the way the
    official code does in training: scale the input channels by the styles, convolve
    with the shared weights, scale each output channel by the demodulation factor.
    """
    _check_modulation(weight, styles, x)
    arguments.flag("demodulate", demodulate), arguments.flag("fused", fused)
    arguments.whole("padding", padding, 0, 64, example=1), arguments.number("eps", eps, minimum=0.0)
    batch, in_channels = x.shape[:2]
    if not fused:
        out = F.conv2d(x * styles.reshape(batch, -1, 1, 1), weight, padding=padding)  # (B, O, H', W')
        if demodulate:
            w = weight.unsqueeze(0) * styles.reshape(batch, 1, -1, 1, 1)  # (B, O, I, k, k)
            dcoefs = (w.square().sum(dim=[2, 3, 4]) + eps).rsqrt()  # (B, O)
            out = out * dcoefs.reshape(batch, -1, 1, 1)
        return out
    w = modulated_weights(weight, styles, demodulate, eps)  # (B, O, I, k, k)
    x = x.reshape(1, batch * in_channels, *x.shape[2:])  # (1, B*I, H, W)
    w = w.reshape(-1, in_channels, *weight.shape[2:])  # (B*O, I, k, k)
    out = F.conv2d(x, w, padding=padding, groups=batch)  # (1, B*O, H', W')
    return out.reshape(batch, -1, *out.shape[2:])  # (B, O, H', W')


def truncate(w: torch.Tensor, w_avg: torch.Tensor, psi: float) -> torch.Tensor:
    """The truncation trick in W: w̄ + ψ (w − w̄). ψ = 1 leaves w, ψ = 0 gives w̄ for every w.

    Works for w (B, w_dim) and for per-layer ws (B, L, w_dim); ``w_avg`` is (w_dim,).
    """
    arguments.tensor("w", w, (2, 3), "w vectors (B, w_dim) or per-layer ws (B, L, w_dim)", floating=True)
    arguments.tensor("w_avg", w_avg, 1, f"the average w̄ (w_dim = {w.shape[-1]},), e.g. G.w_avg", floating=True)
    if w_avg.shape[0] != w.shape[-1]:
        raise CourseError(f"w_avg must be the average w̄ of shape (w_dim = {w.shape[-1]},), w's last axis, got "
                          f"shape {tuple(w_avg.shape)}: pass G.w_avg of the generator that made w")
    arguments.number("psi", psi, 0.0, 1.0)
    return w_avg + psi * (w - w_avg)


# ------------------------------------------------------------------ the layers
def _check_sizes(**sizes) -> None:
    """A layer's sizes: whole numbers from 1 (a size of 0 or 2**40 channels is refused before any weight is drawn)."""
    for name, value in sizes.items():
        arguments.whole(name, value, 1, 65_536, example=64)


class EqualLinear(nn.Module):
    """A linear layer with the equalised learning rate: weights N(0, 1/lr_mul²) used times lr_mul/sqrt(fan_in)."""

    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul))
        self.weight_gain, self.lr_mul, self.activation = lr_mul / math.sqrt(in_features), lr_mul, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_mul)  # (B, in) -> (B, out)
        return F.leaky_relu(out, 0.2) * LRELU_GAIN if self.activation else out


class MappingNetwork(nn.Module):
    """z (B, latent_dim) -> w (B, w_dim): pixel norm, then ``mapping_layers`` x [linear, LeakyReLU]."""

    def __init__(self, cfg: StyleGANConfig):
        super().__init__()
        sizes = [cfg.latent_dim] + [cfg.w_dim] * cfg.mapping_layers
        self.net = nn.Sequential(*[EqualLinear(a, b, lr_mul=cfg.mapping_lr_mul, activation=True)
                                   for a, b in zip(sizes, sizes[1:])])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(pixel_norm(z))  # (B, latent_dim) -> (B, w_dim)


class StyleLayer(nn.Module):
    """One synthesis layer: [upsample x2], modulated 3x3 conv from w's style, + noise, + bias, LeakyReLU."""

    def __init__(self, w_dim: int, in_channels: int, out_channels: int, up: bool = False):
        _check_sizes(w_dim=w_dim, in_channels=in_channels, out_channels=out_channels)  # before any weight is drawn
        arguments.flag("up", up)
        super().__init__()
        self.up = up
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # w -> style (B, I), starts at 1
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))  # equalised: N(0, 1)
        self.noise_strength = nn.Parameter(torch.zeros(()))  # learned; starts with no noise (StyleGAN2)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_gen: torch.Generator | None = None) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)  # (B, I, 2H, 2W)
        styles = self.affine(w)  # (B, w_dim) -> (B, I)
        x = modulated_conv2d(x, self.weight, styles, demodulate=True)  # (B, I, H, W) -> (B, O, H, W)
        noise = torch.randn(x.shape[0], 1, *x.shape[2:], generator=noise_gen,
                            device="cpu" if noise_gen is not None else x.device).to(x.device)  # (B, 1, H, W)
        x = x + noise * self.noise_strength + self.bias.reshape(1, -1, 1, 1)
        return F.leaky_relu(x, 0.2) * LRELU_GAIN


class ToRGB(nn.Module):
    """Features (B, I, H, W) -> image (B, C, H, W): a modulated 1x1 conv *without* demodulation, + bias."""

    def __init__(self, w_dim: int, in_channels: int, channels: int):
        _check_sizes(w_dim=w_dim, in_channels=in_channels, channels=channels)  # before any weight is drawn
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain  # (B, I); the 1/sqrt(fan_in) goes on the styles
        return modulated_conv2d(x, self.weight, styles, demodulate=False, padding=0) + self.bias.reshape(1, -1, 1, 1)


class StyleGenerator(nn.Module):
    """z (B, latent_dim) -> image (B, C, 32, 32) in [-1, 1]: mapping, then synthesis from a learned constant.

    ``mapping(z)`` gives w (B, w_dim) (and, in training mode, moves ``w_avg`` towards the batch's mean w);
    ``synthesis(ws)`` draws images from per-layer ws (B, num_ws, w_dim);
    ``truncate(w, psi)`` pulls w towards ``w_avg``; ``forward(z, psi=1)`` does all three.
    """

    def __init__(self, cfg: StyleGANConfig):
        arguments.config(cfg, StyleGANConfig, "StyleGenerator")
        super().__init__()
        self.cfg = cfg
        self.mapping_net = MappingNetwork(cfg)
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))  # w̄, the centre truncation pulls towards
        widths = cfg.widths
        self.const = nn.Parameter(torch.randn(widths[0], 4, 4))  # the learned constant input
        self.layers = nn.ModuleList([StyleLayer(cfg.w_dim, widths[0], widths[0])])  # 4x4
        self.to_rgbs = nn.ModuleList([ToRGB(cfg.w_dim, widths[0], cfg.channels)])
        for c_in, c_out in zip(widths, widths[1:]):  # each resolution: up + conv, conv, toRGB
            self.layers.extend([StyleLayer(cfg.w_dim, c_in, c_out, up=True), StyleLayer(cfg.w_dim, c_out, c_out)])
            self.to_rgbs.append(ToRGB(cfg.w_dim, c_out, cfg.channels))

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, latent_dim) -> w (B, w_dim); in training mode also w_avg <- lerp(mean w, w_avg, beta)."""
        check_input(z, (self.cfg.latent_dim,), "noise vectors", "StyleGenerator")
        w = self.mapping_net(z)  # (B, w_dim)
        if self.training:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().float().mean(0).lerp(self.w_avg, self.cfg.w_avg_beta))  # float32
        return w

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        """w̄ + ψ (w − w̄) with this generator's tracked w̄ (:func:`truncate`)."""
        return truncate(w, self.w_avg, psi)

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """One w per sample (B, w_dim) -> the same w for every layer (B, num_ws, w_dim)."""
        return w.unsqueeze(1).expand(-1, self.cfg.num_ws, -1)

    def synthesis(self, ws: torch.Tensor, noise_seed: int | None = None) -> torch.Tensor:
        """Per-layer ws (B, num_ws, w_dim) -> images (B, C, 32, 32) in [-1, 1].

        ``noise_seed``: draw the per-layer noise from a private generator with this seed
        (the same images on every call, the global RNG untouched); ``None``: from the global RNG.
        """
        check_input(ws, (self.cfg.num_ws, self.cfg.w_dim), "per-layer w vectors", "StyleGenerator.synthesis")
        gen = torch.Generator().manual_seed(noise_seed) if noise_seed is not None else None
        x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)  # (B, 64, 4, 4)
        x = self.layers[0](x, ws[:, 0], gen)  # (B, 64, 4, 4)
        rgb = self.to_rgbs[0](x, ws[:, 1])  # (B, C, 4, 4); the toRGB shares the next conv's w
        for i, to_rgb in enumerate(self.to_rgbs[1:]):
            j = 1 + 2 * i  # this resolution's two layers use ws j and j + 1, its toRGB ws j + 2
            x = self.layers[j](x, ws[:, j], gen)  # up: (B, I, H, W) -> (B, O, 2H, 2W)
            x = self.layers[j + 1](x, ws[:, j + 1], gen)
            rgb = F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False) + to_rgb(x, ws[:, j + 2])
        return torch.tanh(rgb)  # (B, C, 32, 32) in [-1, 1]

    def forward(self, z: torch.Tensor, psi: float = 1.0, noise_seed: int | None = None) -> torch.Tensor:
        w = self.mapping(z)  # (B, w_dim)
        if psi != 1.0:
            w = self.truncate(w, psi)
        return self.synthesis(self.broadcast(w), noise_seed)  # (B, C, 32, 32)


def check_style_generator(G, function: str) -> None:
    """``G`` if it is a :class:`StyleGenerator` (e.g. chapter 10's ``G_ema``); else one sentence naming ``G``."""
    if not isinstance(G, StyleGenerator):
        raise CourseError(f"{function} needs G to be a style-based generator (StyleGenerator), e.g. "
                          f"trainer.modules['G_ema'], got {arguments.shown(G)} ({type(G).__name__})")


def mix_styles(w1: torch.Tensor, w2: torch.Tensor, num_ws: int, crossover: int) -> torch.Tensor:
    """Style mixing: ws (B, num_ws, w_dim) taking w1 for layers < ``crossover`` and w2 from it on.

    ``crossover`` 0 gives w2 everywhere, ``num_ws`` gives w1 everywhere; a small crossover
    takes the coarse (low-resolution) styles from w1 and the fine ones from w2.
    """
    arguments.tensor("w1", w1, 2, "w vectors (B, w_dim)", floating=True)
    arguments.tensor("w2", w2, 2, "w vectors (B, w_dim)", floating=True)
    arguments.same_shape("w2", w2, "w1", w1)
    num_ws = arguments.whole("num_ws", num_ws, 1, 1024, example=8)
    if isinstance(crossover, bool) or not isinstance(crossover, int) or not 0 <= crossover <= num_ws:
        raise CourseError(f"crossover must be a whole number from 0 to {num_ws}, got {crossover!r}: e.g. "
                          f"{num_ws // 2}")
    ws = w2.unsqueeze(1).repeat(1, num_ws, 1)  # (B, num_ws, w_dim)
    ws[:, :crossover] = w1.unsqueeze(1)
    return ws
