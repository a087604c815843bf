"""Chapter 9's exercises: the gradient penalty, the spectral norm, the hinge losses, R1 and a clipped WGAN update.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in ``ch09.toml``.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import losses, wasserstein
from .core import Check, _gen


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


# the recorded mistakes: one critic update and one clamp, each with one thing wrong
def _critic_step(G, D, opt_D, real, z, sign: float = 1.0):
    loss = sign * losses.wasserstein_critic_loss(D(real), D(G(z).detach()))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()


def _clamp(net, clip):
    with torch.no_grad():
        for p in net.parameters():
            p.clamp_(-clip, clip)


def _clip_generator(G, D, opt_D, real, z, clip):
    _critic_step(G, D, opt_D, real, z)
    _clamp(G, clip)  # the wrong network


def _clip_before_step(G, D, opt_D, real, z, clip):
    _clamp(D, clip)
    _critic_step(G, D, opt_D, real, z)


def _clip_sign(G, D, opt_D, real, z, clip):
    _critic_step(G, D, opt_D, real, z, sign=-1.0)  # pushes real scores down
    _clamp(D, clip)


EXERCISES: dict[str, Check] = {  # the texts: ch09.toml
    "ch9.gradient_penalty": Check(
        gradient_penalty_at,
        [_gp_on_real, _gp_on_fake, _gp_no_create_graph, _gp_norm_wrong_dim, _gp_always_two_sided], _gp_cases,
        observe=_penalty_observe),
    "ch9.spectral_norm": Check(
        spectral_norm_estimate, [_sn_frobenius, _sn_no_normalising, _sn_wrong_reshape], _sn_cases),
    "ch9.hinge_losses": Check(
        hinge_losses, [_hinge_sigmoid, _hinge_fake_sign, _hinge_margin_in_g, _hinge_no_relu], _hinge_cases),
    "ch9.r1_penalty": Check(
        losses.r1_penalty, [_r1_no_create_graph, _r1_mean_over_pixels, _r1_norm_not_squared], _r1_cases,
        observe=_penalty_observe),
    "ch9.wgan_critic_update": Check(
        wgan_critic_update, [_clip_generator, _clip_before_step, _clip_sign], _clip_cases, observe=_clip_observe,
        side_effects=False),  # it updates D's weights: that is the exercise
}
