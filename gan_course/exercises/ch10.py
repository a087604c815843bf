"""Chapter 10's exercises: the modulated convolution, truncation in W, the EMA update, augmenting D's inputs.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch10.toml``, the concept questions in ``questions.toml``.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from ..augment import diff_augment
from ..ema import ema_update
from ..models.stylegan import StyleGANConfig, StyleGenerator, modulated_conv2d
from .core import Check, _gen



# ===================================================================== the modulated convolution
def modulated_conv(x, weight, styles, demodulate=True, eps=1e-8):
    """StyleGAN2's modulated 3x3 convolution (padding 1): :func:`gan_course.models.stylegan.modulated_conv2d`."""
    return modulated_conv2d(x, weight, styles, demodulate=demodulate, padding=1, eps=eps)


def _mod_cases():
    out = []
    for seed, (b, i, o, s), demod, eps in ((0, (3, 4, 5, 6), True, 1e-8), (1, (2, 6, 3, 5), True, 0.5),
                                            (2, (4, 3, 3, 4), False, 1e-8), (3, (2, 5, 4, 4), True, 1e-8)):
        g = _gen(300 + seed)
        x = torch.randn(b, i, s, s, generator=g)
        weight = torch.randn(o, i, 3, 3, generator=g)
        styles = torch.rand(b, i, generator=g) * 2 + 0.1
        if seed == 3:
            styles[0] = 0.0  # a sample whose style switches every input channel off: only ε keeps it finite
        out.append((x, weight, styles, demod, eps))
    return out


def _mod_wrong_axes(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]  # (B, O, I, k, k)
    if demodulate:
        w = w * (w.square().sum(dim=[1, 3, 4], keepdim=True) + eps).rsqrt()  # over output channels: wrong
    return _grouped(x, w)


def _mod_kernel_only(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]
    if demodulate:
        w = w * (w.square().sum(dim=[3, 4], keepdim=True) + eps).rsqrt()  # each kernel on its own: wrong
    return _grouped(x, w)


def _mod_no_eps(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]
    if demodulate:
        w = w * w.square().sum(dim=[2, 3, 4], keepdim=True).rsqrt()  # no ε
    return _grouped(x, w)


def _mod_output(x, weight, styles, demodulate=True, eps=1e-8):
    out = F.conv2d(x, weight, padding=1)  # (B, O, H, W) with the shared weights
    if demodulate:
        out = out * (weight.square().sum(dim=[1, 2, 3]) + eps).rsqrt().reshape(1, -1, 1, 1)
    return out * styles.mean(dim=1).reshape(-1, 1, 1, 1)  # the style scales the output, not the weights


def _grouped(x, w):
    b, i = x.shape[:2]
    out = F.conv2d(x.reshape(1, b * i, *x.shape[2:]), w.reshape(-1, i, 3, 3), padding=1, groups=b)
    return out.reshape(b, -1, *out.shape[2:])


# ===================================================================== truncation in W
def truncate_w(G, z, psi):
    """The truncated w (B, w_dim) of noise z (B, latent_dim): map z to w, then w̄ + ψ (w − w̄) with G's w̄."""
    return G.truncate(G.mapping(z), psi)


def _small_G(seed: int) -> StyleGenerator:
    torch.manual_seed(seed)
    G = StyleGenerator(StyleGANConfig(latent_dim=8, w_dim=6, widths=(8, 4, 4, 4)))
    with torch.no_grad():
        G.w_avg.copy_(torch.randn(6, generator=_gen(seed)))  # a tracked w̄ away from the batch's mean
    return G.eval()


def _trunc_cases():
    return [(_small_G(10), torch.randn(5, 8, generator=_gen(400)), 0.7),
            (_small_G(11), torch.randn(3, 8, generator=_gen(401)), 0.0),
            (_small_G(12), torch.randn(4, 8, generator=_gen(402)) * 2, 0.3)]


def _trunc_z(G, z, psi):
    return G.mapping(psi * z)  # z scaled towards 0 (and the mapping's pixel norm undoes it)


def _trunc_swapped(G, z, psi):
    w = G.mapping(z)
    return w + psi * (G.w_avg - w)  # ψ weighs w̄: the wrong end


def _trunc_batch_mean(G, z, psi):
    w = G.mapping(z)
    centre = w.mean(dim=0)  # this batch's mean instead of the tracked w̄
    return centre + psi * (w - centre)


# ===================================================================== the EMA update
class _WithBuffer(nn.Module):
    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.lin = nn.Linear(3, 2)
        self.norm = nn.BatchNorm1d(2)
        self.register_buffer("centre", torch.randn(2))


def _ema_cases():
    out = []
    for seed, decay in ((0, 0.9), (1, 0.5), (2, 0.999)):
        ema, model = _WithBuffer(500 + seed), _WithBuffer(600 + seed)
        with torch.no_grad():
            model.norm.running_mean.normal_(generator=_gen(700 + seed))
            model.norm.num_batches_tracked.fill_(7)
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=_gen(800 + seed))  # a gradient left from G's last step
        out.append((ema, model, decay))
    return out


def _ema_observe(fn, args):
    ema, model, decay = copy.deepcopy(args[0]), args[1], args[2]
    with torch.no_grad():
        fn(ema, model, decay)
    return {f"the EMA model's {name}": t.detach().clone() for name, t in ema.state_dict().items()}


@torch.no_grad()
def _ema_swapped(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_((1 - decay) * pe + decay * p)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_(b)


@torch.no_grad()
def _ema_buffers_averaged(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_((decay * be + (1 - decay) * b).to(be.dtype))


@torch.no_grad()
def _ema_buffers_ignored(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p)


@torch.no_grad()
def _ema_of_gradients(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p.grad)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_(b)


# ===================================================================== augmenting D's inputs
def augmented_d_inputs(real, fake, policy, seed):
    """What D sees: DiffAugment of the real batch, then of the fake batch, both drawn from one generator seeded
    ``seed`` (real first); differentiable, so G's gradient flows back through the fake half."""
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), diff_augment(fake, policy, g)


def _aug_cases():
    out = []
    for seed, policy in ((0, "color,translation,cutout"), (1, "translation"), (2, "color,cutout")):
        g = _gen(900 + seed)
        real = torch.rand(4, 1, 8, 8, generator=g) * 2 - 1
        fake = (torch.rand(4, 1, 8, 8, generator=g) * 2 - 1).requires_grad_(True)
        out.append((real, fake, policy, 50 + seed))
    return out


def _aug_observe(fn, args):
    real, fake, policy, seed = args
    fake = fake.detach().clone().requires_grad_(True)
    out = fn(real, fake, policy, seed)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("return a pair: (D's real input, D's fake input)")
    real_in, fake_in = out
    weights = torch.linspace(-1, 1, fake_in.numel()).reshape(fake_in.shape)
    grad = (torch.autograd.grad((fake_in * weights).sum(), fake, allow_unused=True)[0]
            if isinstance(fake_in, torch.Tensor) and fake_in.requires_grad else None)
    return {"D's real input": real_in.detach(), "D's fake input": fake_in.detach(),
            "the gradient that reaches the fake images": torch.zeros_like(fake) if grad is None else grad}


def _aug_real_only(real, fake, policy, seed):
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), fake


def _aug_detached(real, fake, policy, seed):
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), diff_augment(fake.detach(), policy, g)  # as PIL/NumPy would: no gradient


EXERCISES: dict[str, Check] = {  # the texts: ch10.toml
    "ch10.modulated_conv": Check(
        modulated_conv, [_mod_wrong_axes, _mod_kernel_only, _mod_no_eps, _mod_output], _mod_cases),
    "ch10.truncate_w": Check(
        truncate_w, [_trunc_z, _trunc_swapped, _trunc_batch_mean], _trunc_cases),
    "ch10.ema_update": Check(
        ema_update, [_ema_swapped, _ema_buffers_averaged, _ema_buffers_ignored, _ema_of_gradients], _ema_cases,
        observe=_ema_observe, side_effects=False),
    "ch10.augmented_d_inputs": Check(
        augmented_d_inputs, [_aug_real_only, _aug_detached], _aug_cases, observe=_aug_observe),
}
