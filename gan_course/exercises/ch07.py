"""Chapter 7 (CycleGAN): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import torch
from torch import nn

from .. import losses
from .core import Exercise, Question, _m, _randn


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


EXERCISES: dict[str, Exercise] = {
    "ch7.lsgan_discriminator_loss": Exercise(
        7, "the least-squares D loss", losses.lsgan_discriminator_loss,
        [_m(_lsgan_no_half, "CycleGAN halves D's loss: each squared term carries a factor one half", "no half"),
         _m(_lsgan_swapped, "the targets are swapped: real scores are regressed onto 1, fakes onto 0", "swapped"),
         _m(_lsgan_bce, "that is the cross-entropy loss of chapter 2; the least-squares GAN regresses the raw "
                        "scores with squared errors", "BCE")],
        _score_cases,
        hint="the least-squares loss regresses D's raw scores onto targets, 1 for real and 0 for fake, with a mean "
             "squared error over every score of the grid, halved",
        hints=("Return the real and the fake term apart",
               "Every score of the PatchGAN grid counts: average over all of them"),
        section="Least-squares adversarial loss"),
    "ch7.cycle_and_identity_losses": Exercise(
        7, "the cycle and identity losses", cycle_and_identity_losses,
        [_m(_cycle_wrong_pair, "the cycle loss is on the wrong pair: compare the round trip with the image it "
                               "started from, not with an image of the other domain", "wrong pair"),
         _m(_cycle_translation_vs_input, "the cycle loss compares the one-way translation with its input, which "
                                         "forbids translating at all; compare the ROUND TRIP with its input",
            "translation vs input"),
         _m(_identity_wrong_domain, "the identity loss is fed the wrong domain: a generator must leave images that "
                                    "are ALREADY in its output domain alone", "identity on the wrong domain")],
        _cycle_cases,
        hint="each of the four terms is a mean absolute difference between an image and what the generators make "
             "of it: a round trip for the cycle terms, one generator for the identity terms",
        hints=("A → B → A should give back the A image, and B → A → B the B image",
               "The identity terms feed each generator an image from its OUTPUT domain"),
        section="Cycle consistency, $\\lambda = 10$"),
}

QUESTIONS: dict[str, Question] = {
    "ch7.identity_cycle": Question(
        7, "Two generators that both return their input unchanged (G(x) = x, F(y) = y): what is their cycle "
           "loss?",
        "a", "The round trip of the identity gives back every image exactly, so the cycle loss is zero: the cycle "
             "loss alone does not force any translation; the adversarial loss does.",
        choices={"a": "zero", "b": "λ = 10", "c": "the mean absolute difference between the two domains",
                 "d": "it cannot be computed without pairs"},
        wrong={"c": "The cycle loss never compares an image with the other domain, only with its own round trip.",
               "d": "The cycle loss needs no pairs: that is the point of CycleGAN."},
        section="Cycle consistency, $\\lambda = 10$"),
}
