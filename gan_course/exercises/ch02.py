"""Chapter 2 (a vanilla GAN): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch02.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from .core import Check, _randn


def _logit_cases():
    """Logits of an undecided D, of a D that is right, and of a confident D that is completely fooled."""
    return [
        (_randn(16, seed=1), _randn(16, seed=2)),
        (torch.tensor([3.0, 5.0, 2.5, 4.0]), torch.tensor([-3.0, -6.0, -2.0, -4.5])),
        (torch.tensor([-40.0, -120.0, 2.0, 0.5]), torch.tensor([40.0, 120.0, -1.0, 0.0])),
        (torch.tensor([0.7]), torch.tensor([-0.2])),  # a batch of one
    ]


def _d_loss_sigmoid_bce(real_logits, fake_logits):
    bce = nn.BCELoss()
    return (bce(torch.sigmoid(real_logits), torch.ones_like(real_logits)),
            bce(torch.sigmoid(fake_logits), torch.zeros_like(fake_logits)))


def _d_loss_swapped_labels(real_logits, fake_logits):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits)),
            F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits)))


def _d_loss_value_sign(real_logits, fake_logits):
    return (-F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)),
            -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def _g_loss_cases():
    return [(_randn(16, seed=3),), (torch.tensor([-6.0, -4.0, -5.0, -3.0]),),
            (torch.tensor([-120.0, -40.0, 1.0, 0.0]),), (_randn(4, 1, seed=4),)]


def _g_loss_saturating(fake_logits):
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def _g_loss_fake_label(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def _g_loss_sigmoid_bce(fake_logits):
    return nn.BCELoss()(torch.sigmoid(fake_logits), torch.ones_like(fake_logits))


def _d_step_nets(seed: int):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 6), nn.Tanh())  # z (B, 4) -> x (B, 6)
    D = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))  # (B, 6) -> (B,)
    return G, D


def _d_step_cases():
    out = []
    for seed, batch in ((0, 8), (1, 8), (2, 1)):  # a batch of one too
        G, D = _d_step_nets(seed)
        out.append((G, D, _randn(batch, 6, seed=10 + seed).tanh(), _randn(batch, 4, seed=20 + seed)))
    return out


def _d_step_observe(fn, args):
    G, D, real, z = args
    loss = fn(G, D, real, z)
    if not (isinstance(loss, torch.Tensor) and loss.numel() == 1):
        what = f"shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise TypeError(f"return D's loss as one scalar tensor (loss_real + loss_fake), not a {what}")
    for p in list(G.parameters()) + list(D.parameters()):
        p.grad = None
    loss.backward()
    g_norm = sum(float(p.grad.norm()) for p in G.parameters() if p.grad is not None)
    return {"D's loss": loss,
            "the gradient reaching G's weights (its norm)": g_norm,
            "D's gradients": [p.grad if p.grad is not None else torch.zeros_like(p) for p in D.parameters()]}


def d_step_loss(G, D, real, z):
    """D's loss for one step, with G's fakes detached (what :func:`gan_course.steps.d_step` minimises)."""
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(G(z).detach()))
    return loss_real + loss_fake


def _d_step_no_detach(G, D, real, z):
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(G(z)))
    return loss_real + loss_fake


def _d_step_swapped(G, D, real, z):
    real_logits, fake_logits = D(real), D(G(z).detach())
    return (F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits)))


def _d_step_real_only(G, D, real, z):
    return losses.discriminator_loss(D(real), D(G(z).detach()))[0]




def _d_step_freezes_g(G, D, real, z):
    G.requires_grad_(False)  # keeps the gradient off G, but G stays frozen for the G step
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(G(z)))
    return loss_real + loss_fake


SIGMOID_BCE = ("sigmoid followed by BCELoss on logits: for a confident D, sigmoid rounds to exactly 0 or 1 "
               "in float32 and BCELoss clips log 0 at -100, so the loss is wrong; compute the "
               "cross-entropy from the logits with the loss made for logits")


EXERCISES: dict[str, Check] = {  # the texts: ch02.toml
    "ch2.discriminator_loss": Check(
        losses.discriminator_loss, [_d_loss_sigmoid_bce, _d_loss_swapped_labels, _d_loss_value_sign], _logit_cases),
    "ch2.d_step_loss": Check(
        d_step_loss, [_d_step_no_detach, _d_step_swapped, _d_step_real_only, _d_step_freezes_g], _d_step_cases,
        observe=_d_step_observe, reveals=("d_step",)),
    "ch2.generator_loss": Check(
        losses.generator_nonsaturating_loss, [_g_loss_saturating, _g_loss_fake_label, _g_loss_sigmoid_bce],
        _g_loss_cases),
}
