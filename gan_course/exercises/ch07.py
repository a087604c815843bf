"""Chapter 7 (CycleGAN): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch07.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch
from torch import nn

from .. import losses
from .core import Check, _randn


def _score_cases():
    return [(_randn(2, 1, 4, 4, seed=100), _randn(2, 1, 4, 4, seed=101)),
            (torch.tensor([0.9, 1.2, 0.4]), torch.tensor([0.1, -0.3, 0.8])),
            (_randn(1, 1, 3, 5, seed=102), _randn(1, 1, 3, 5, seed=103))]


def _lsgan_no_half(real_scores, fake_scores):
    return (real_scores - 1).pow(2).mean(), fake_scores.pow(2).mean()


def _lsgan_swapped(real_scores, fake_scores):
    return 0.5 * real_scores.pow(2).mean(), 0.5 * (fake_scores - 1).pow(2).mean()


def _lsgan_bce(real_scores, fake_scores):
    return losses.discriminator_loss(real_scores, fake_scores)


def _cycle_nets(seed: int):
    torch.manual_seed(seed)
    G_AB = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())  # A -> B
    G_BA = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())  # B -> A
    return G_AB, G_BA


def _cycle_cases():
    out = []
    for seed, (b, h, w) in enumerate([(2, 6, 6), (2, 6, 6), (1, 4, 7)]):  # the last: one wide image
        G_AB, G_BA = _cycle_nets(seed)
        out.append((G_AB, G_BA, _randn(b, 1, h, w, seed=110 + seed).tanh(), _randn(b, 1, h, w, seed=113 + seed).tanh()))
    return out


def cycle_and_identity_losses(G_AB, G_BA, real_a, real_b):
    """CycleGAN's reconstruction terms, as its G step computes them.

    Returns ``(cycle_a, cycle_b, identity_ab, identity_ba)``: L1(a, G_BA(G_AB(a))), L1(b, G_AB(G_BA(b))),
    L1(b, G_AB(b)) and L1(a, G_BA(a)).
    """
    return (losses.cycle_consistency_loss(real_a, G_BA(G_AB(real_a))),
            losses.cycle_consistency_loss(real_b, G_AB(G_BA(real_b))),
            losses.identity_loss(real_b, G_AB(real_b)),
            losses.identity_loss(real_a, G_BA(real_a)))


def _l1(a, b):
    return (a - b).abs().mean()


def _cycle_wrong_pair(G_AB, G_BA, real_a, real_b):
    return (_l1(real_b, G_BA(G_AB(real_a))), _l1(real_a, G_AB(G_BA(real_b))),
            _l1(real_b, G_AB(real_b)), _l1(real_a, G_BA(real_a)))


def _cycle_translation_vs_input(G_AB, G_BA, real_a, real_b):
    return (_l1(real_a, G_AB(real_a)), _l1(real_b, G_BA(real_b)),
            _l1(real_b, G_AB(real_b)), _l1(real_a, G_BA(real_a)))


def _identity_wrong_domain(G_AB, G_BA, real_a, real_b):
    return (_l1(real_a, G_BA(G_AB(real_a))), _l1(real_b, G_AB(G_BA(real_b))),
            _l1(real_a, G_AB(real_a)), _l1(real_b, G_BA(real_b)))


EXERCISES: dict[str, Check] = {  # the texts: ch07.toml
    "ch7.lsgan_discriminator_loss": Check(
        losses.lsgan_discriminator_loss, [_lsgan_no_half, _lsgan_swapped, _lsgan_bce], _score_cases),
    "ch7.cycle_and_identity_losses": Check(
        cycle_and_identity_losses, [_cycle_wrong_pair, _cycle_translation_vs_input, _identity_wrong_domain],
        _cycle_cases),
}
