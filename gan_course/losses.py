"""Adversarial losses, written on logits.

Conventions used throughout the course:

* ``D`` outputs a **logit** ``l``; the probability "real" is ``D(x) = sigmoid(l)``.
* Every loss here is something to **minimise** (PyTorch optimisers descend).
* Losses are built on ``binary_cross_entropy_with_logits`` (log-sum-exp inside),
  never on ``sigmoid`` followed by ``BCELoss``: the fused form is numerically
  stable and is the one autocast allows in float16 (``BCELoss`` raises there).

With ``BCE(l, y) = -[y log sigmoid(l) + (1 - y) log(1 - sigmoid(l))]``:

    BCE(l, 1) = -log D(x)          BCE(l, 0) = -log(1 - D(x))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    logits = logits.float()  # the loss is always accumulated in float32
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """The discriminator's side of the minimax game, real and fake terms apart.

    D *maximises* V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]; we minimise
    its negative, split in two for logging:

        loss_real = -E_x[log D(x)]            = BCE(D's logits on real, 1)
        loss_fake = -E_z[log(1 - D(G(z)))]    = BCE(D's logits on fake, 0)

    Returns ``(loss_real, loss_fake)``; D's loss is their sum. At the start, a
    coin-flipping D (D = 1/2 everywhere) scores ``log 2 ≈ 0.693`` on each term.
    """
    return _bce(real_logits, 1.0), _bce(fake_logits, 0.0)


def generator_saturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's loss *as the minimax game states it*: E_z[log(1 - D(G(z)))].

    G minimises it (so the value is ≤ 0, and -inf when D is fooled completely).
    Its gradient with respect to the logit is ``-D(G(z))``: when D confidently
    rejects the fakes (D(G(z)) ≈ 0, the situation early in training) the
    gradient vanishes. That is why it "saturates" and is rarely used.
    """
    return -_bce(fake_logits, 0.0)


def generator_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: -E_z[log D(G(z))] = BCE(logits, 1).

    Same fixed point as the saturating loss, but its gradient with respect to
    the logit is ``-(1 - D(G(z)))``: largest exactly when D rejects the fakes.
    This is "train G with the *real* label", the trick every GAN uses.
    """
    return _bce(fake_logits, 1.0)
