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

from .arguments import flag, function, instance, number, same_rows, same_shape, scores, tensor
from .errors import CourseError

# The checks below read types and shapes only, never values: these functions run at every training
# step, and a look at the values (NaN, range) would make the step wait for the GPU.


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
    scores("real_logits", real_logits), scores("fake_logits", fake_logits)
    return _bce(real_logits, 1.0), _bce(fake_logits, 0.0)


def generator_saturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's loss *as the minimax game states it*: E_z[log(1 - D(G(z)))].

    G minimises it (so the value is ≤ 0, and -inf when D is fooled completely).
    Its gradient with respect to the logit is ``-D(G(z))``: when D confidently
    rejects the fakes (D(G(z)) ≈ 0, the situation early in training) the
    gradient vanishes. That is why it "saturates" and is rarely used.
    """
    scores("fake_logits", fake_logits)
    return -_bce(fake_logits, 0.0)


def generator_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: -E_z[log D(G(z))] = BCE(logits, 1).

    Same fixed point as the saturating loss, but its gradient with respect to
    the logit is ``-(1 - D(G(z)))``: largest exactly when D rejects the fakes.
    This is "train G with the *real* label", the trick every GAN uses.
    """
    scores("fake_logits", fake_logits)
    return _bce(fake_logits, 1.0)


def categorical_info_loss(cat_logits: torch.Tensor, category: torch.Tensor) -> torch.Tensor:
    """InfoGAN's categorical term: -E[log Q(c_cat | G(z, c))] = cross-entropy(Q's logits, c_cat).

    ``cat_logits`` (B, K) are Q's logits for the code G was given, ``category``
    (B,) the code itself. Minimised by G and Q together. With the entropy
    H(c_cat) = log K of a uniform code, ``log K - loss`` is a lower bound on the
    mutual information I(c_cat; G(z, c)) (in nats); loss = log K means Q guesses.
    """
    tensor("cat_logits", cat_logits, 2, "a (batch, categories) tensor of logits", min_len=1)
    tensor("category", category, 1, "a (batch,) tensor of category indices")
    if category.is_floating_point() or category.dtype == torch.bool:
        raise CourseError(f"category must hold category indices (integers), got dtype {category.dtype}: "
                          "pass the codes G was given, e.g. torch.randint(0, K, (B,))")
    same_rows("category", category, "cat_logits", cat_logits)
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
    tensor("mean", mean, 2, "a (batch, codes) tensor", min_len=1)
    same_shape("log_std", tensor("log_std", log_std, 2, "a (batch, codes) tensor"), "mean", mean)
    same_shape("value", tensor("value", value, 2, "a (batch, codes) tensor"), "mean", mean)
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
    scores("real_scores", real_scores), scores("fake_scores", fake_scores)
    real_scores, fake_scores = real_scores.float(), fake_scores.float()  # accumulate in float32
    return 0.5 * (real_scores - 1.0).pow(2).mean(), 0.5 * fake_scores.pow(2).mean()


def lsgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The least-squares generator loss: E_x[(D(G(x)) - 1)²], minimised by G.

    G wants D to score its images as real (1). Unlike the saturating BCE loss,
    the gradient ``2 (D(G(x)) - 1)`` grows the further a fake is from "real",
    even for fakes D rejects confidently, and it also penalises fakes that are
    already on the real side but far from the data (scores above 1).
    """
    scores("fake_scores", fake_scores)
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
    scores("real", real)
    same_shape("reconstructed", scores("reconstructed", reconstructed), "real", real)
    return (reconstructed.float() - real.float()).abs().mean()


def identity_loss(real: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
    """Identity mapping: E_y[‖G(y) - y‖₁], where y already belongs to G's *target* domain.

    ``real`` is y, ``mapped`` is G(y). Minimised by G; the course weights it by
    0.5·λ = 5. It asks G to leave images that are already in its output domain
    alone, which keeps tones and colours from drifting (Zhu et al. 2017).
    """
    scores("real", real)
    same_shape("mapped", scores("mapped", mapped), "real", real)
    return (mapped.float() - real.float()).abs().mean()


# ------------------------------------------------------------------ pix2pix (chapter 6)
def l1_loss(target: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    """pix2pix's reconstruction term: L_L1(G) = E_{x,y}[‖y - G(x)‖₁], the mean absolute pixel error.

    ``target`` is the true image y, ``output`` is G(x). Minimised by G. Alone,
    it is minimised by the per-pixel *median* of the plausible outputs: where the
    input leaves the answer uncertain, that median is a flat, blurry average.
    """
    scores("target", target)
    same_shape("output", scores("output", output), "target", target)
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
    number("l1_weight", l1_weight, minimum=0.0), number("adversarial_weight", adversarial_weight, minimum=0.0)
    adversarial = generator_nonsaturating_loss(fake_logits)
    l1 = l1_loss(target, output)
    return adversarial_weight * adversarial + l1_weight * l1, adversarial, l1


# ------------------------------------------------------------------ making GANs train (chapter 9)
# A *critic* returns an unbounded score per sample (no sigmoid, no logit reading): higher means "more real".
def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The WGAN critic's loss (Arjovsky et al. 2017): E_z[f(G(z))] - E_x[f(x)], minimised by the critic f.

    By the Kantorovich-Rubinstein duality, W1(p_data, p_g) = sup over 1-Lipschitz f of
    E_x[f(x)] - E_z[f(G(z))]. The critic climbs that gap, so it minimises its negative;
    ``-loss`` is the critic's current estimate of W1 (a lower bound, and only up to the
    Lipschitz constant the critic actually has). ``real_scores`` (B,), ``fake_scores`` (B,).
    """
    scores("real_scores", real_scores), scores("fake_scores", fake_scores)
    return fake_scores.float().mean() - real_scores.float().mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The WGAN generator's loss: -E_z[f(G(z))], minimised by G (push the critic's score of fakes up).

    Only the fake term of the gap depends on G, so E_x[f(x)] is dropped.
    """
    scores("fake_scores", fake_scores)
    return -fake_scores.float().mean()


def hinge_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """The hinge loss for D (Lim & Ye 2017; SN-GAN, SAGAN, BigGAN), real and fake terms apart:

        loss_real = E_x[max(0, 1 - D(x))]        loss_fake = E_z[max(0, 1 + D(G(z)))]

    D's raw score is pushed above +1 on real data and below -1 on fakes, and a sample
    already past its margin contributes nothing (no gradient): D stops sharpening
    what it already gets right. Returns ``(loss_real, loss_fake)``; D's loss is their sum.
    """
    scores("real_scores", real_scores), scores("fake_scores", fake_scores)
    real_scores, fake_scores = real_scores.float(), fake_scores.float()
    return F.relu(1.0 - real_scores).mean(), F.relu(1.0 + fake_scores).mean()


def hinge_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The hinge GAN's generator loss: -E_z[D(G(z))], minimised by G (the WGAN generator loss; no margin)."""
    scores("fake_scores", fake_scores)
    return -fake_scores.float().mean()


def input_gradients(critic, points: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    """∇_x f(x) at each of ``points`` (B, ...), same shape as ``points``.

    ``create_graph=True`` keeps the graph of the gradient itself, so a penalty built
    on it can be back-propagated into the critic's weights (a "double backward").
    """
    function("critic", critic), _check_points("points", points), flag("create_graph", create_graph)
    points = points.detach().requires_grad_(True)  # (B, ...) a fresh leaf: the gradient is taken w.r.t. it
    scores = critic(points)  # (B,)
    (grads,) = torch.autograd.grad(scores.float().sum(), points, create_graph=create_graph)  # (B, ...)
    return grads


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False,
                     generator: torch.Generator | None = None, eps: torch.Tensor | None = None) -> torch.Tensor:
    """WGAN-GP's penalty (Gulrajani et al. 2017): E_x̂[(‖∇_x̂ f(x̂)‖₂ - 1)²] on random interpolates.

    x̂ = ε x + (1 - ε) x̃, with x real, x̃ = G(z) fake and ε ~ U[0, 1] drawn once per
    sample. An optimal critic has gradient norm 1 almost everywhere on the lines
    between the two distributions, so the penalty asks for exactly that there.
    ``one_sided=True`` penalises only norms above 1: E[max(0, ‖∇f(x̂)‖ - 1)²] (the
    paper's appendix; the Lipschitz condition itself only bounds the norm).
    Returned unweighted; WGAN-GP adds λ = 10 times it to the critic's loss. ``eps`` (B, 1, 1, 1)
    gives the mixing weights instead of drawing them (chapter 9's exercise compares at fixed ε).
    """
    function("critic", critic)
    _check_points("real", real)
    same_shape("fake", _check_points("fake", fake), "real", real)
    flag("one_sided", one_sided)
    if generator is not None:
        instance("generator", generator, torch.Generator, "None or a torch.Generator")
    if eps is not None:
        tensor("eps", eps, real.dim(), f"a tensor of {real.dim()} dimensions, (B, 1, 1, 1) for images")
        if len(eps) not in (1, len(real)) or any(size != 1 for size in eps.shape[1:]):
            wanted = (len(real),) + (1,) * (real.dim() - 1)
            raise CourseError(f"eps must hold one mixing weight per sample, shape {wanted}, got {tuple(eps.shape)}")
    real, fake = real.detach(), fake.detach()  # (B, C, H, W) each; the penalty trains the critic only
    if eps is None:
        eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)  # (B, 1, 1, 1): one ε per sample
        eps = torch.rand(eps_shape, device=real.device, generator=generator, dtype=real.dtype)
    mixed = eps * real + (1 - eps) * fake  # (B, C, H, W) points on the lines between real and fake
    grads = input_gradients(critic, mixed, create_graph=True)  # (B, C, H, W)
    norms = grads.float().flatten(1).norm(2, dim=1)  # (B,) one gradient norm per sample
    gap = (norms - 1).clamp(min=0) if one_sided else norms - 1  # (B,)
    return gap.pow(2).mean()


def r1_penalty(critic, real: torch.Tensor) -> torch.Tensor:
    """The R1 penalty (Mescheder et al. 2018): E_x[‖∇_x D(x)‖₂²] on *real* data only.

    It pushes D's gradient to zero on the data, so at equilibrium (p_g = p_data) D has
    no slope that could push G away again. Returned unweighted: D's loss adds γ/2 times it.
    """
    function("critic", critic), _check_points("real", real)
    grads = input_gradients(critic, real, create_graph=True)  # (B, C, H, W)
    return grads.float().flatten(1).pow(2).sum(dim=1).mean()  # sum over pixels, mean over the batch


def _check_points(name: str, value) -> torch.Tensor:
    """Points to take the critic's input gradient at: a batch (at least one dimension) of floating-point data."""
    value = scores(name, value)
    if value.dim() == 0 or not value.is_floating_point():
        raise CourseError(f"{name} must be a batch of floating-point samples (B, ...), got "
                          + (f"dtype {value.dtype}: convert with .float()" if value.dim() else "a scalar"))
    return value
