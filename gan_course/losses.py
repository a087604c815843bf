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

import math

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


def categorical_info_loss(cat_logits: torch.Tensor, category: torch.Tensor) -> torch.Tensor:
    """InfoGAN's categorical term: -E[log Q(c_cat | G(z, c))] = cross-entropy(Q's logits, c_cat).

    ``cat_logits`` (B, K) are Q's logits for the code G was given, ``category``
    (B,) the code itself. Minimised by G and Q together. With the entropy
    H(c_cat) = log K of a uniform code, ``log K - loss`` is a lower bound on the
    mutual information I(c_cat; G(z, c)) (in nats); loss = log K means Q guesses.
    """
    return F.cross_entropy(cat_logits.float(), category)


def gaussian_info_loss(mean: torch.Tensor, log_std: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """InfoGAN's continuous term: -E[log Q(c_cont | G(z, c))] for a factored Gaussian Q.

    Q predicts a mean μ and a log standard deviation s = log σ per code; the
    negative log-likelihood of the true value c, summed over the codes and
    averaged over the batch, is

        NLL = Σ_j [ ½ log(2π) + s_j + ½ ((c_j - μ_j) / e^{s_j})² ]

    Minimised by G and Q together. Predicting s rather than σ keeps σ > 0
    without a constraint; a confident Q (small σ) pays heavily when it is wrong.
    """
    mean, log_std, value = mean.float(), log_std.float(), value.float()
    z = (value - mean) * torch.exp(-log_std)  # (B, n_continuous): standardised error
    nll = 0.5 * math.log(2 * math.pi) + log_std + 0.5 * z ** 2
    return nll.sum(dim=1).mean()


# ------------------------------------------------------------------ CycleGAN (chapter 7)
def lsgan_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """The least-squares discriminator loss (Mao et al. 2017), as CycleGAN uses it.

    D outputs an unbounded score (no sigmoid) and is regressed onto 1 for real
    images and 0 for fakes; CycleGAN halves D's loss, meant to slow D down (with Adam a constant
    factor on the loss changes nothing, up to eps):

        loss_real = 1/2 · E_y[(D(y) - 1)²]        loss_fake = 1/2 · E_x[D(G(x))²]

    Both are minimised; returns ``(loss_real, loss_fake)``, D's loss is their
    sum. For a PatchGAN the mean runs over every cell of the score grid. A
    constant D = 1/2 scores 1/8 on each term.
    """
    real_scores, fake_scores = real_scores.float(), fake_scores.float()  # accumulate in float32
    return 0.5 * (real_scores - 1.0).pow(2).mean(), 0.5 * fake_scores.pow(2).mean()


def lsgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The least-squares generator loss: E_x[(D(G(x)) - 1)²], minimised by G.

    G wants D to score its images as real (1). Unlike the saturating BCE loss,
    the gradient ``2 (D(G(x)) - 1)`` grows the further a fake is from "real",
    even for fakes D rejects confidently, and it also penalises fakes that are
    already on the real side but far from the data (scores above 1).
    """
    return (fake_scores.float() - 1.0).pow(2).mean()


def cycle_consistency_loss(real: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    """Cycle consistency: E_x[‖F(G(x)) - x‖₁], the mean absolute pixel error of a round trip.

    ``real`` is x, ``reconstructed`` is F(G(x)) (or G(F(y)) for the other
    direction). Minimised by both generators; the course weights it by λ = 10.
    It discourages G from mapping several inputs to the same output (F could
    return only one of them), which is what makes unpaired training possible.
    It is a penalty, not a constraint: G can still keep inputs apart by
    differences too small to see, which F reads back ("steganography").
    """
    return (reconstructed.float() - real.float()).abs().mean()


def identity_loss(real: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
    """Identity mapping: E_y[‖G(y) - y‖₁], where y already belongs to G's *target* domain.

    ``real`` is y, ``mapped`` is G(y). Minimised by G; the course weights it by
    0.5·λ = 5. It asks G to leave images that are already in its output domain
    alone, which keeps tones and colours from drifting (Zhu et al. 2017).
    """
    return (mapped.float() - real.float()).abs().mean()


# ------------------------------------------------------------------ pix2pix (chapter 6)
def l1_loss(target: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    """pix2pix's reconstruction term: L_L1(G) = E_{x,y}[‖y - G(x)‖₁], the mean absolute pixel error.

    ``target`` is the true image y, ``output`` is G(x). Minimised by G. Alone,
    it is minimised by the per-pixel *median* of the plausible outputs: where the
    input leaves the answer uncertain, that median is a flat, blurry average.
    """
    return (output.float() - target.float()).abs().mean()


def pix2pix_generator_loss(fake_logits: torch.Tensor, target: torch.Tensor, output: torch.Tensor,
                           l1_weight: float = 100.0, adversarial_weight: float = 1.0
                           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """pix2pix's generator objective: L = L_cGAN(G, D) + λ · L_L1(G), with λ = 100 (Isola et al. 2017).

    ``fake_logits`` are the PatchGAN's logits on the pair (x, G(x)), one per patch;
    the adversarial term is the non-saturating one, averaged over every patch of
    every image: L_cGAN = -E_{x, patch}[log D(x, G(x))] = BCE(logits, 1).
    Returns ``(total, adversarial, l1)``; G minimises ``total =
    adversarial_weight · adversarial + l1_weight · l1``. The ablations set
    ``adversarial_weight = 0`` (L1 only) or ``l1_weight = 0`` (cGAN only).
    """
    adversarial = generator_nonsaturating_loss(fake_logits)
    l1 = l1_loss(target, output)
    return adversarial_weight * adversarial + l1_weight * l1, adversarial, l1
