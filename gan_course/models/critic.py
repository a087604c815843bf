"""Chapter 9's critics: chapter 4's DCGAN discriminator and chapter 1's toy discriminator, made Lipschitz-friendly.

A WGAN *critic* scores samples with an unbounded number (no sigmoid) and must be
(close to) 1-Lipschitz. Two changes to the discriminators of chapters 1 and 4:

* **no batch norm.** Batch norm makes each sample's score depend on the other
  samples of its batch. The gradient penalty is defined per sample (the gradient
  of f at one interpolate x̂) and assumes f(x̂) depends on x̂ alone; with batch
  statistics it does not, and the penalty constrains the wrong function. The
  WGAN-GP paper drops batch norm from the critic (layer norm is its suggestion
  where a normalisation is wanted); SN-GAN divides each weight by its largest
  singular value instead, which bounds the Lipschitz constant of every layer,
  while batch norm's division by a batch's spread can multiply it without bound.
* **optional spectral normalisation** (Miyato et al. 2018): every convolution and
  linear layer's weight W is used as W / σ(W), σ(W) its largest singular value,
  estimated by one step of power iteration per training step
  (``torch.nn.utils.parametrizations.spectral_norm``). With 1-Lipschitz
  activations (LeakyReLU), the whole critic is then at most 1-Lipschitz (in the
  reshaped-kernel norm SN-GAN uses).
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ..errors import CourseError
from .dcgan import KERNEL, PADDING, STRIDE, DCGANConfig, DCGANDiscriminator
from .layers import init_weights
from .toy import ToyConfig, ToyDiscriminator

CRITICS = ("batchnorm", "plain", "spectral")  # chapter 4's D with batch norm; no normalisation; spectral norm


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap every ``Conv2d`` and ``Linear`` in ``module`` with spectral normalisation (in place; returns it).

    Each wrapped layer keeps its weight as ``parametrizations.weight.original`` and a
    power-iteration vector ``u`` (a buffer, saved in checkpoints); in train mode every
    forward pass runs one power-iteration step, in eval mode none.
    """
    if not isinstance(module, nn.Module):
        raise CourseError(f"module must be a torch module (a critic or a layer), got {module!r:.60} "
                          f"({type(module).__name__})")
    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module


def check_critic(kind: str) -> str:
    """``kind`` if it is one of :data:`CRITICS`, else a clear error."""
    if not isinstance(kind, str) or kind not in CRITICS:
        raise CourseError(f"kind must be one of {', '.join(CRITICS)}, got unknown critic {kind!r}")
    return kind


class DCGANCritic(DCGANDiscriminator):
    """Chapter 4's discriminator without batch norm: image (B, C, S, S) -> score (B,), optionally spectrally normalised.

    ``kind="batchnorm"`` is chapter 4's discriminator unchanged (for the standard GAN
    arm), ``"plain"`` drops batch norm (WGAN with clipping, WGAN-GP, R1), ``"spectral"``
    drops it and normalises every layer spectrally (SN-GAN).
    """

    def __init__(self, cfg: DCGANConfig, kind: str = "plain"):
        check_critic(kind)
        super().__init__(cfg)  # chapter 4's layers (and its checks in forward)
        self.kind = kind
        if kind == "batchnorm":
            return
        widths = [cfg.d_width * 2 ** j for j in range(cfg.n_up)]  # e.g. [32, 64, 128]
        layers: list[nn.Module] = [nn.Conv2d(cfg.channels, widths[0], KERNEL, STRIDE, PADDING),  # 32 -> 16
                                   nn.LeakyReLU(cfg.leaky_slope)]
        for c_in, c_out in zip(widths, widths[1:]):  # 16 -> 8 -> 4, no batch norm: a per-sample function
            layers += [nn.Conv2d(c_in, c_out, KERNEL, STRIDE, PADDING),  # a bias again: no BN shift to replace it
                       nn.LeakyReLU(cfg.leaky_slope)]
        layers.append(nn.Conv2d(widths[-1], 1, 4, 1, 0))  # (B, 128, 4, 4) -> (B, 1, 1, 1): an unbounded score
        self.net = nn.Sequential(*layers)
        init_weights(self, cfg.init_std)  # N(0, 0.02), as chapter 4
        if kind == "spectral":
            apply_spectral_norm(self.net)  # W -> W / σ(W) in every layer


class ToyCritic(ToyDiscriminator):
    """Chapter 1's toy discriminator, points (B, data_dim) -> score (B,); ``kind="spectral"`` normalises its layers.

    It has no batch norm to begin with, so ``"plain"`` and ``"batchnorm"`` are chapter 1's network.
    """

    def __init__(self, cfg: ToyConfig, kind: str = "plain"):
        check_critic(kind)
        super().__init__(cfg)
        self.kind = kind
        if kind == "spectral":
            apply_spectral_norm(self.net)  # W -> W / σ(W) in every linear layer


def layer_weight_grad_norms(critic: nn.Module) -> list[float]:
    """The norm of each weighted layer's weight gradient, input layer first (after a backward pass).

    The WGAN-GP paper's figure 1b: with weight clipping, these explode or vanish
    geometrically through the layers, depending on the clipping threshold.
    """
    norms = []
    for m in critic.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
            norms.append(float(w.grad.norm()) if w.grad is not None else 0.0)
    return norms
