"""InfoGAN (chapter 5): a small convolutional GAN whose generator takes a *code* beside the noise.

G(z, c) receives the incompressible noise ``z`` and a structured code
``c = (c_cat, c_cont)``: one of ``n_categories`` values (a 10-way categorical
code, fed as a one-hot vector) and ``n_continuous`` real numbers drawn from
Uniform(-1, 1). Nothing tells G what the code should mean. An auxiliary network
Q, which shares its convolutional trunk with D, tries to read the code back from
G's image; G and Q are rewarded when it succeeds, which makes the code
*informative* about the image (Chen et al., 2016).

Choices that differ from many InfoGAN tutorials, and why:

* D's head returns a **logit** and Q's categorical head returns **logits**: no
  ``Sigmoid`` / ``Softmax`` layers. The losses apply them inside
  ``binary_cross_entropy_with_logits`` and ``cross_entropy``, which is stable and
  allowed under fp16 autocast.
* Q's continuous head returns a mean *and* a log standard deviation per code (a
  factored Gaussian); many tutorials compute only the mean (a fixed sigma).
* The code is an explicit argument, ``G(z, category, continuous)``, checked for
  shape, type and range, instead of being sliced out of one long latent vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from .. import arguments
from ..errors import CourseError
from ..runtime import check_device, in_engine_step
from .common import check_input


@dataclass
class InfoGANConfig:
    noise_dim: int = 62  # size of the incompressible noise z ~ N(0, I) (62, as in the InfoGAN paper's MNIST model)
    n_categories: int = 10  # values of the categorical code c_cat (fed to G one-hot)
    n_continuous: int = 2  # number of continuous codes c_cont ~ Uniform(-1, 1)
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W); H = W must be divisible by 4
    g_channels: tuple[int, int] = (32, 16)  # G's feature maps at H/4 and H/2 (7x7 and 14x14 for 28x28 images)
    d_channels: tuple[int, int] = (16, 32)  # D's feature maps at H/2 and H/4
    trunk_dim: int = 128  # width of the fully connected layer that D and Q share
    q_hidden: int = 64  # width of Q's own hidden layer
    leaky_slope: float = 0.1  # negative slope of D's LeakyReLUs (0.1, as in the paper)

    def __post_init__(self):
        c, h, w = self.image_shape
        if h != w or h % 4:
            raise CourseError(f"InfoGANConfig needs square images with a side divisible by 4, got {self.image_shape}: "
                              "use (1, 28, 28) or pad the images")
        if self.n_categories < 2 or self.n_continuous < 0 or self.noise_dim < 1:
            raise CourseError("InfoGANConfig needs n_categories >= 2, n_continuous >= 0 and noise_dim >= 1: "
                              "fix the config")

    @property
    def code_dim(self) -> int:
        """Numbers G receives for the code: a one-hot category plus the continuous values."""
        return self.n_categories + self.n_continuous

    @property
    def input_dim(self) -> int:
        return self.noise_dim + self.code_dim


def sample_codes(cfg: InfoGANConfig, n: int, device=None, generator: torch.Generator | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The prior p(z, c): ``z`` (n, noise_dim) ~ N(0, I), ``category`` (n,) uniform over
    ``n_categories``, ``continuous`` (n, n_continuous) ~ Uniform(-1, 1), independent.

    Checked before any draw; cheap enough for every training step (a device the step
    takes from a tensor, a ``torch.device``, is not looked up again)."""
    if not isinstance(cfg, InfoGANConfig):
        raise CourseError(f"sample_codes needs cfg to be an InfoGANConfig (e.g. G.cfg), got {cfg!r:.60} "
                          f"({type(cfg).__name__})")
    arguments.whole("n", n, 1, arguments.MAX_SAMPLES, example=64)
    if device is not None and not isinstance(device, torch.device):
        check_device(device)
    if generator is not None:
        arguments.instance("generator", generator, torch.Generator, "None or a torch.Generator")
    z = torch.randn(n, cfg.noise_dim, generator=generator)  # (n, 62)
    category = torch.randint(cfg.n_categories, (n,), generator=generator)  # (n,) int64
    continuous = torch.rand(n, cfg.n_continuous, generator=generator) * 2 - 1  # (n, 2) in [-1, 1)
    return z.to(device), category.to(device), continuous.to(device)


class InfoGANGenerator(nn.Module):
    """(z, category, continuous) -> image (B, C, H, W) in [-1, 1]: a DCGAN-style decoder."""

    def __init__(self, cfg: InfoGANConfig):
        arguments.config(cfg, InfoGANConfig, "InfoGANGenerator")
        super().__init__()
        self.cfg = cfg
        c, side, _ = cfg.image_shape
        c4, c2 = cfg.g_channels
        self.side4 = side // 4
        self.project = nn.Sequential(  # (B, 74) -> (B, 32 * 7 * 7) with the default g_channels (32, 16)
            nn.Linear(cfg.input_dim, c4 * self.side4 ** 2, bias=False),
            nn.BatchNorm1d(c4 * self.side4 ** 2),
            nn.ReLU(),
        )
        self.decode = nn.Sequential(
            nn.ConvTranspose2d(c4, c2, 4, stride=2, padding=1, bias=False),  # (B, 32, 7, 7) -> (B, 16, 14, 14)
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.ConvTranspose2d(c2, c, 4, stride=2, padding=1),  # (B, 16, 14, 14) -> (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        check_input(z, (cfg.noise_dim,), "noise vectors", "InfoGANGenerator")
        check_input(continuous, (cfg.n_continuous,), "continuous codes", "InfoGANGenerator")
        one_hot = categorical_one_hot(category, cfg.n_categories, z.shape[0], "InfoGANGenerator")
        if continuous.shape[0] != z.shape[0]:
            raise CourseError(f"InfoGANGenerator got {z.shape[0]} noise vectors but {continuous.shape[0]} "
                              "continuous codes: pass one code per noise vector")
        inputs = torch.cat([z, one_hot.to(z.dtype), continuous.to(z.dtype)], dim=1)  # (B, 62 + 10 + 2)
        x = self.project(inputs).view(-1, cfg.g_channels[0], self.side4, self.side4)  # (B, 32, 7, 7)
        return self.decode(x)  # (B, 1, 28, 28)


def categorical_one_hot(category: torch.Tensor, n_categories: int, batch: int, model: str) -> torch.Tensor:
    """Check a categorical code (B,) of integer values in [0, n_categories) and one-hot it: (B, n_categories)."""
    if not isinstance(category, torch.Tensor) or category.dtype not in (torch.int64, torch.int32, torch.int16,
                                                                         torch.uint8):
        kind = category.dtype if isinstance(category, torch.Tensor) else type(category).__name__
        raise CourseError(f"{model} expects the categorical code as integer class indices (B,), got {kind}: "
                          "pass e.g. torch.arange(B) % 10 (int64), not a one-hot or float tensor")
    if category.dim() != 1 or category.shape[0] != batch:
        raise CourseError(f"{model} expects one category per image, shape ({batch},), got {tuple(category.shape)}: "
                          "pass a 1-D tensor of class indices")
    if batch and not in_engine_step() and (int(category.min()) < 0 or int(category.max()) >= n_categories):
        raise CourseError(f"{model}: categorical code values must lie in 0..{n_categories - 1}, got "
                          f"{int(category.min())}..{int(category.max())}: use values below n_categories")
    # (B,) -> (B, n_categories), int64 like F.one_hot, which on the CPU reads the codes' min and max back to the
    # host at every call (checked above, outside the engine): a comparison computes the same one-hot without it
    return (category.long()[:, None] == torch.arange(n_categories, device=category.device)).long()


class InfoGANOutput(NamedTuple):
    """What the shared D/Q network says about a batch of images."""

    logit: torch.Tensor  # (B,) D's real/fake logit
    cat_logits: torch.Tensor  # (B, n_categories) Q's logits for the categorical code
    cont_mean: torch.Tensor  # (B, n_continuous) Q's Gaussian mean for each continuous code
    cont_log_std: torch.Tensor  # (B, n_continuous) Q's Gaussian log standard deviation


class InfoGANDiscriminator(nn.Module):
    """image (B, C, H, W) -> :class:`InfoGANOutput`: D's logit and Q's code posterior, from one trunk.

    D and Q share every layer up to ``trunk_dim`` features, so Q costs one small
    head: reading the code back adds almost nothing to the price of a GAN.
    """

    def __init__(self, cfg: InfoGANConfig):
        arguments.config(cfg, InfoGANConfig, "InfoGANDiscriminator")
        super().__init__()
        self.cfg = cfg
        c, side, _ = cfg.image_shape
        c2, c4 = cfg.d_channels
        slope = cfg.leaky_slope
        self.trunk = nn.Sequential(
            nn.Conv2d(c, c2, 4, stride=2, padding=1),  # (B, 1, 28, 28) -> (B, 16, 14, 14); no BN on the input layer
            nn.LeakyReLU(slope),
            nn.Conv2d(c2, c4, 4, stride=2, padding=1, bias=False),  # -> (B, 32, 7, 7)
            nn.BatchNorm2d(c4),
            nn.LeakyReLU(slope),
            nn.Flatten(),  # -> (B, 32 * 7 * 7)
            nn.Linear(c4 * (side // 4) ** 2, cfg.trunk_dim, bias=False),  # -> (B, 128)
            nn.BatchNorm1d(cfg.trunk_dim),
            nn.LeakyReLU(slope),
        )
        self.d_head = nn.Linear(cfg.trunk_dim, 1)  # -> (B, 1): a logit, no sigmoid
        self.q_head = nn.Sequential(
            nn.Linear(cfg.trunk_dim, cfg.q_hidden, bias=False),  # -> (B, 64)
            nn.BatchNorm1d(cfg.q_hidden),
            nn.LeakyReLU(slope),
            nn.Linear(cfg.q_hidden, cfg.n_categories + 2 * cfg.n_continuous),  # -> (B, 10 + 2 + 2)
        )

    def forward(self, x: torch.Tensor) -> InfoGANOutput:
        check_input(x, self.cfg.image_shape, "images", "InfoGANDiscriminator")
        h = self.trunk(x)  # (B, 128): shared features
        q = self.q_head(h)  # (B, 14)
        k, m = self.cfg.n_categories, self.cfg.n_continuous
        return InfoGANOutput(
            logit=self.d_head(h).squeeze(1),  # (B,)
            cat_logits=q[:, :k],  # (B, 10)
            cont_mean=q[:, k:k + m],  # (B, 2)
            cont_log_std=q[:, k + m:],  # (B, 2)
        )
