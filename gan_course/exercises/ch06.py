"""Chapter 6 (pix2pix): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch06.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import losses
from ..models import patchgan
from .core import Check, _randn


def skip_connection(h, skip):
    """A U-Net decoder level's input: [decoder activation ; encoder activation] on channels (UNetGenerator)."""
    return torch.cat([h, skip], dim=1)  # (B, c, s, s) + (B, c, s, s) -> (B, 2c, s, s)


def _skip_cases():
    return [(_randn(2, 4, 8, 8, seed=80), _randn(2, 4, 8, 8, seed=81)),
            (_randn(3, 8, 2, 2, seed=82), _randn(3, 8, 2, 2, seed=83)),
            (_randn(1, 3, 4, 6, seed=84), _randn(1, 5, 4, 6, seed=85))]  # not square, channels differ


def _skip_added(h, skip):
    return h + skip


def _skip_reversed(h, skip):
    return torch.cat([skip, h], dim=1)


def _skip_batch_dim(h, skip):
    return torch.cat([h, skip], dim=0)


def _rf_cases():
    return [(n,) for n in (0, 1, 2, 3, 4, 5)]  # 0: the PixelGAN


def _pixelgan_free_layers(n_layers):
    return [(4, 2)] * n_layers + [(4, 1), (4, 1)]


def _rf_pixelgan_forgotten(n_layers):
    r = 1
    for k, s in reversed(_pixelgan_free_layers(n_layers)):
        r = (r - 1) * s + k
    return r


def _rf_forward_walk(n_layers):
    r = 1
    for k, s in _pixelgan_free_layers(n_layers):
        r = (r - 1) * s + k
    return r


def _rf_no_minus_one(n_layers):
    r = 1
    for k, s in reversed(_pixelgan_free_layers(n_layers)):
        r = r * s + k
    return r


def _rf_ignores_stride(n_layers):
    r = 1
    for k, _ in _pixelgan_free_layers(n_layers):
        r += k - 1
    return r


def _pix2pix_cases():
    out = []
    for seed, (b, h, w) in enumerate([(2, 8, 8), (2, 8, 8), (1, 6, 10)]):  # the last: one wide image
        target = _randn(b, 1, h, w, seed=90 + seed).tanh()
        output = (target + _randn(b, 1, h, w, seed=92 + seed, scale=0.3)).clamp(-1, 1)
        out.append((_randn(b, 1, h // 2 - 1, w // 2 - 1, seed=94 + seed, scale=2.0), target, output))
    return out


def pix2pix_generator_loss(fake_logits, target, output):
    """The package's pix2pix G loss with its defaults (λ = 100): ``(total, adversarial, l1)``."""
    return losses.pix2pix_generator_loss(fake_logits, target, output)


def _p2p_lambda_on_adversarial(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l1 = (output - target).abs().mean()
    return 100 * adv + l1, adv, l1


def _p2p_l2(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l2 = ((output - target) ** 2).mean()
    return adv + 100 * l2, adv, l2


def _p2p_fake_label(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    l1 = (output - target).abs().mean()
    return adv + 100 * l1, adv, l1


EXERCISES: dict[str, Check] = {  # the texts: ch06.toml
    "ch6.skip_connection": Check(
        skip_connection, [_skip_added, _skip_reversed, _skip_batch_dim], _skip_cases, reveals=("UNetGenerator",)),
    "ch6.receptive_field": Check(
        patchgan.receptive_field, [_rf_forward_walk, _rf_no_minus_one, _rf_ignores_stride, _rf_pixelgan_forgotten],
        _rf_cases, reveals=("patch_span",)),
    "ch6.pix2pix_generator_loss": Check(
        pix2pix_generator_loss, [_p2p_lambda_on_adversarial, _p2p_l2, _p2p_fake_label], _pix2pix_cases,
        reveals=("pix2pix_generator_loss",)),
}
