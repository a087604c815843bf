"""Chapter 9's exercises: the gradient penalty, the spectral norm, the hinge losses, R1 and a clipped WGAN update.

Self-contained: it uses only ``Exercise`` and ``Mistake`` and defines ``EXERCISES`` (ids ``"ch9.name"``),
which the package's ``__init__`` merges into the course's registry. It registers nothing itself.
"""

from __future__ import annotations

import torch
from torch import nn

import dataclasses

from .. import losses, wasserstein
from .checks import Exercise, Mistake


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _critic(seed: int, scale: float = 1.0) -> nn.Module:
    """A small critic on (B, 1, 4, 4) images -> (B,) scores, seeded; ``scale`` sets how steep it is."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.LeakyReLU(0.2), nn.Linear(12, 1), nn.Flatten(0))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(scale)
    return net


def _weight_grads(value: torch.Tensor, net: nn.Module) -> list[torch.Tensor]:
    """d value / d weights of ``net`` (zeros where the value does not reach them: e.g. a graph not kept)."""
    params = list(net.parameters())
    if not (isinstance(value, torch.Tensor) and value.requires_grad):
        return [torch.zeros_like(p) for p in params]
    grads = torch.autograd.grad(value, params, allow_unused=True)
    return [g if g is not None else torch.zeros_like(p) for g, p in zip(grads, params)]


def _penalty_observe(fn, args):
    critic = args[0]
    value = fn(*args)
    if not (isinstance(value, torch.Tensor) and value.numel() == 1):
        raise TypeError("return the penalty as one scalar tensor (a mean over the batch)")
    return {"the penalty": value.reshape(()),
            "its gradient with respect to the critic's weights": _weight_grads(value, critic)}


# ===================================================================== the gradient penalty
def gradient_penalty_at(critic, real, fake, eps, one_sided=False):
    """WGAN-GP's penalty with the mixing weights given: :func:`gan_course.losses.gradient_penalty` at ``eps``."""
    return losses.gradient_penalty(critic, real, fake, one_sided=one_sided, eps=eps)


def _gp_cases():
    out = []
    for seed, scale, one_sided in ((0, 3.0, False), (1, 2.0, True), (2, 1.5, False)):
        g = _gen(100 + seed)
        real = torch.randn(6, 1, 4, 4, generator=g)
        fake = torch.randn(6, 1, 4, 4, generator=g) + 1.0
        eps = torch.rand(6, 1, 1, 1, generator=g)
        out.append((_critic(seed, scale), real, fake, eps, one_sided))
    return out


def _gp_on_real(critic, real, fake, eps, one_sided=False):
    return gradient_penalty_at(critic, real, real, eps, one_sided)


def _gp_on_fake(critic, real, fake, eps, one_sided=False):
    return gradient_penalty_at(critic, fake, fake, eps, one_sided)


def _gp_no_create_graph(critic, real, fake, eps, one_sided=False):
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(mixed).sum(), mixed)  # create_graph=False: a constant for backward
    gap = grads.flatten(1).norm(2, dim=1) - 1
    return (gap.clamp(min=0) if one_sided else gap).pow(2).mean()


def _gp_norm_wrong_dim(critic, real, fake, eps, one_sided=False):
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    gap = grads.flatten(1).norm(2, dim=0) - 1  # over the batch: one "norm" per pixel
    return (gap.clamp(min=0) if one_sided else gap).pow(2).mean()


def _gp_always_two_sided(critic, real, fake, eps, one_sided=False):
    return gradient_penalty_at(critic, real, fake, eps, one_sided=False)


# ===================================================================== the spectral norm
def spectral_norm_estimate(weight, u, n_iter):
    """σ(W) by ``n_iter`` rounds of power iteration from ``u``: :func:`gan_course.wasserstein.power_iteration`."""
    return wasserstein.power_iteration(weight, n_iter, u)[0]


def _sn_cases():
    out = []
    for seed, shape, n_iter in ((0, (8, 5), 1), (1, (6, 3, 2, 2), 2), (2, (4, 10), 5)):
        g = _gen(200 + seed)
        out.append((torch.randn(*shape, generator=g), torch.randn(shape[0], generator=g), n_iter))
    return out


def _sn_frobenius(weight, u, n_iter):
    return weight.reshape(weight.shape[0], -1).double().norm()


def _sn_no_normalising(weight, u, n_iter):
    W = weight.reshape(weight.shape[0], -1).double()
    u = u.double()
    for _ in range(n_iter):
        v = W.T @ u
        u = W @ v
    return u @ W @ v


def _sn_wrong_reshape(weight, u, n_iter):
    W = weight.transpose(0, 1).reshape(weight.shape[1], -1).double()  # the input channels as rows
    v = torch.ones(W.shape[1], dtype=torch.float64)
    for _ in range(n_iter):
        u = W @ v
        u = u / u.norm()
        v = W.T @ u
        v = v / v.norm()
    return u @ W @ v


# ===================================================================== the hinge losses
def hinge_losses(real_scores, fake_scores):
    """(D's real term, D's fake term, G's loss) of the hinge GAN, on the critic's raw scores."""
    loss_real, loss_fake = losses.hinge_discriminator_loss(real_scores, fake_scores)
    return loss_real, loss_fake, losses.hinge_generator_loss(fake_scores)


def _hinge_cases():
    out = []
    for seed in (0, 1):
        g = _gen(300 + seed)
        out.append((torch.randn(16, generator=g) * 2 + 0.5, torch.randn(16, generator=g) * 2 - 0.5))
    return out


def _hinge_sigmoid(real_scores, fake_scores):
    return hinge_losses(torch.sigmoid(real_scores), torch.sigmoid(fake_scores))


def _hinge_fake_sign(real_scores, fake_scores):
    return (torch.relu(1 - real_scores).mean(), torch.relu(1 - fake_scores).mean(), -fake_scores.mean())


def _hinge_margin_in_g(real_scores, fake_scores):
    return (torch.relu(1 - real_scores).mean(), torch.relu(1 + fake_scores).mean(),
            torch.relu(1 - fake_scores).mean())


def _hinge_no_relu(real_scores, fake_scores):
    return ((1 - real_scores).mean(), (1 + fake_scores).mean(), -fake_scores.mean())


# ===================================================================== R1
def _r1_cases():
    out = []
    for seed, scale in ((0, 2.0), (1, 4.0)):
        out.append((_critic(seed, scale), torch.randn(6, 1, 4, 4, generator=_gen(400 + seed))))
    return out


def _r1_no_create_graph(critic, real):
    real = real.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(real).sum(), real)
    return grads.flatten(1).pow(2).sum(dim=1).mean()


def _r1_mean_over_pixels(critic, real):
    real = real.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(real).sum(), real, create_graph=True)
    return grads.pow(2).mean()  # a mean over the pixels too: 16x too small here


def _r1_norm_not_squared(critic, real):
    real = real.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(real).sum(), real, create_graph=True)
    return grads.flatten(1).norm(2, dim=1).mean()


# ===================================================================== a clipped WGAN critic update
def wgan_critic_update(G, D, opt_D, real, z, clip):
    """One WGAN critic update: minimise E[f(G(z))] - E[f(x)], step, then clamp D's weights to [-clip, clip]."""
    loss = losses.wasserstein_critic_loss(D(real), D(G(z).detach()))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    with torch.no_grad():
        for p in D.parameters():
            p.clamp_(-clip, clip)


def _clip_nets(seed: int):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))  # z (B, 3) -> x (B, 4)
    D = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Flatten(0))  # (B, 4) -> (B,)
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(0.05)  # a critic that starts inside [-clip, clip]... almost
    return G, D


def _clip_cases():
    out = []
    for seed in (0, 1):
        G, D = _clip_nets(seed)
        g = _gen(500 + seed)
        out.append((G, D, torch.optim.RMSprop(D.parameters(), lr=0.05), torch.randn(8, 4, generator=g),
                    torch.randn(8, 3, generator=g), 0.02))
    return out


def _clip_observe(fn, args):
    G, D = args[0], args[1]
    fn(*args)
    return {"the critic's weights after the update": [p.detach().clone() for p in D.parameters()],
            "the generator's weights after the update": [p.detach().clone() for p in G.parameters()]}


def _clip_generator(G, D, opt_D, real, z, clip):
    loss = losses.wasserstein_critic_loss(D(real), D(G(z).detach()))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    with torch.no_grad():
        for p in G.parameters():  # the wrong network
            p.clamp_(-clip, clip)


def _clip_before_step(G, D, opt_D, real, z, clip):
    with torch.no_grad():
        for p in D.parameters():
            p.clamp_(-clip, clip)
    loss = losses.wasserstein_critic_loss(D(real), D(G(z).detach()))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()


def _clip_sign(G, D, opt_D, real, z, clip):
    loss = D(real).mean() - D(G(z).detach()).mean()  # pushes real scores down
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    with torch.no_grad():
        for p in D.parameters():
            p.clamp_(-clip, clip)


def _m(fn, hint: str) -> Mistake:
    return Mistake(fn, hint)


def _exercise(*args, **options) -> Exercise:
    """``Exercise(*args, **options)``, leaving out options this version of ``Exercise`` does not have
    (``section``, ``side_effects``: newer fields), so the module works with either."""
    known = {f.name for f in dataclasses.fields(Exercise)}
    return Exercise(*args, **{k: v for k, v in options.items() if k in known})


EXERCISES = {
    "ch9.gradient_penalty": _exercise(
        9, "WGAN-GP's gradient penalty on interpolates", gradient_penalty_at,
        [_m(_gp_on_real, "the penalty is taken at the real points: WGAN-GP takes it at random points on the straight lines "
                         "between real and fake samples, where the critic's slope matters for G"),
         _m(_gp_on_fake, "the penalty is taken at the fake points: WGAN-GP takes it at random points on the lines between "
                         "real and fake samples"),
         _m(_gp_no_create_graph, "the value is right but it cannot train the critic: the gradient must itself be "
                                 "differentiable (keep its graph), else the penalty is a constant for the weights"),
         _m(_gp_norm_wrong_dim, "the norm runs over the batch: take one gradient norm per SAMPLE, over all of "
                                "its pixels, then average the penalties over the batch"),
         _m(_gp_always_two_sided, "the one-sided option is ignored: one-sided, only norms ABOVE 1 are penalised, "
                                  "a norm below 1 costs nothing")],
        _gp_cases, observe=_penalty_observe,
        hint="a 1-Lipschitz critic has gradients of norm 1 almost everywhere between the two distributions; the "
             "penalty measures how far the critic's gradient norm is from 1 there",
        hints=("Where: at random mixtures of a real and a fake sample, one random weight per pair, and the "
               "gradient is with respect to those mixed inputs",
               "How much: per sample, the squared distance of the gradient norm from 1, averaged over the batch; "
               "the gradient must stay differentiable so that the penalty can train the critic"),
        section="2. The gradient penalty (WGAN-GP)"),
    "ch9.spectral_norm": _exercise(
        9, "the spectral norm by power iteration", spectral_norm_estimate,
        [_m(_sn_frobenius, "that is the Frobenius norm, the root of the sum of squared weights: an upper bound on the "
                           "largest singular value, not the value itself"),
         _m(_sn_no_normalising, "u and v are never normalised: power iteration rescales each vector to unit length "
                                "after every product, else the estimate grows with every iteration"),
         _m(_sn_wrong_reshape, "the weight is laid out the wrong way round, or the iteration starts from the other "
                               "vector: one row per output channel, and start from the given u")],
        _sn_cases,
        hint="power iteration: alternately multiply a vector by the matrix and by its transpose, rescaling to unit "
             "length each time; the two vectors line up with the top singular vectors",
        hints=("First flatten the weight into a matrix with one row per output channel",
               "After the iterations, the largest singular value is the product of the left vector, the matrix "
               "and the right vector"),
        section="3. Spectral normalisation (SN-GAN)"),
    "ch9.hinge_losses": _exercise(
        9, "the hinge losses of D and G", hinge_losses,
        [_m(_hinge_sigmoid, "a sigmoid is left on the critic: the hinge loss works on the raw scores, which must "
                            "be able to pass the margins ±1"),
         _m(_hinge_fake_sign, "the fake term's sign is wrong: fakes are pushed BELOW -1, relu(1 + D(G(z)))"),
         _m(_hinge_margin_in_g, "G's loss has a margin: G minimises -E[D(G(z))], with no relu"),
         _m(_hinge_no_relu, "the relu is missing: a sample already past its margin must contribute nothing")],
        _hinge_cases,
        hint="the hinge loss asks D to push real scores above +1 and fake scores below -1, and ignores samples "
             "already past their margin; G simply pushes the fake scores up",
        hints=("Each of D's two terms is a margin violation, zero for a sample beyond its margin, averaged over "
               "the batch",
               "G's term has no margin: it is the negative of the mean fake score"),
        section="4. The R1 penalty and the hinge loss"),
    "ch9.r1_penalty": _exercise(
        9, "the R1 penalty on real data", losses.r1_penalty,
        [_m(_r1_no_create_graph, "the value is right but it cannot train the critic: the gradient must itself stay "
                                 "differentiable (keep its graph)"),
         _m(_r1_mean_over_pixels, "the squared gradient is averaged over the pixels: R1 uses each sample's squared "
                                  "gradient NORM, the sum over its pixels, then the batch average"),
         _m(_r1_norm_not_squared, "the norm is not squared: R1 is E‖∇D(x)‖², the squared norm")],
        _r1_cases, observe=_penalty_observe,
        hint="R1 penalises the critic's slope on REAL data only: the squared norm of its gradient with respect to "
             "each real input",
        hints=("The gradient is taken with respect to the real images themselves, and must stay differentiable",
               "Per sample, sum the squared gradient over all its pixels; then average over the batch"),
        section="4. The R1 penalty and the hinge loss"),
    "ch9.wgan_critic_update": _exercise(
        9, "one WGAN critic update with weight clipping", wgan_critic_update,
        [_m(_clip_generator, "the generator's weights were clipped: the Lipschitz constraint is on the CRITIC; "
                             "clamp D's parameters, leave G alone"),
         _m(_clip_before_step, "the weights are clipped before the optimiser step, so the step can take them out "
                               "of the allowed range again: clip after the update"),
         _m(_clip_sign, "the loss has the wrong sign: the critic maximises the gap between its mean score on "
                        "real and on fake samples")],
        _clip_cases, observe=_clip_observe,
        hint="one ordinary critic update on the Wasserstein loss, then force every critic weight back into a small "
             "box, the crude way the WGAN paper keeps the critic Lipschitz",
        hints=("The critic's loss is its mean score on fakes minus its mean score on real images, with the fakes "
               "cut from G's graph",
               "Clip after the optimiser's step, and only the critic's weights"),
        section="1. Weight clipping", side_effects=False),  # it updates D's weights: that is the exercise
}
