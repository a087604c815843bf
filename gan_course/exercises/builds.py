"""The "build" exercises: one substantial piece per chapter (10 to 40 lines), checked like the small ones.

Each is an :class:`~gan_course.exercises.core.Exercise`: a reference that is the
package's own code or tested to agree with it (``tests/test_build_exercises.py``),
at least four recorded mistakes with a hint that names the concept and the
chapter's section, and seeded cases. Chapters 2 to 7 then *train* with the
learner's piece when it passes (:func:`yours_or_course`).

=========================  =====================================================
id                         what the learner writes
=========================  =====================================================
``ch2.gan_step``           one iteration of the plain loop: D's step, then G's
``ch3.conditional_logit``  the conditional discriminator's forward pass
``ch4.dcgan_generator``    the DCGAN generator's layers, from the rules
``ch5.info_terms``         reading Q's head, InfoGAN's two losses and their sum
``ch6.patchgan``           the PatchGAN's layers
``ch7.generator_objective`` CycleGAN's full generator objective
``ch8.stable_frechet``     the Fréchet distance through symmetric square roots
=========================  =====================================================
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from ..models.cgan import CGANConfig, ConditionalDiscriminator
from ..models.layers import init_weights, norm_layer
from .core import Check, _gen, _randn, diagnose, get


# ===================================================================== chapter 2: one GAN iteration
def gan_step(G, D, opt_G, opt_D, real, z_d, z_g):
    """One iteration of chapter 2's plain loop (the hand-written loop, and what ``steps.d_step`` then
    ``steps.g_step`` do on the CPU): D's step on ``real`` and ``G(z_d)``, then G's step on fresh fakes ``G(z_g)``.
    Returns ``(loss_real, loss_fake, loss_g)``, the losses each step minimised."""
    fake = G(z_d).detach()  # D's step must not reach G
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(fake))
    d_loss = loss_real + loss_fake
    opt_D.zero_grad()
    d_loss.backward()
    opt_D.step()
    g_loss = losses.generator_nonsaturating_loss(D(G(z_g)))  # through the updated D, no detach
    opt_G.zero_grad()
    g_loss.backward()
    opt_G.step()
    return loss_real, loss_fake, g_loss


def _step_nets(seed: int):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 6), nn.Tanh())  # z (B, 4) -> x (B, 6)
    D = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))  # (B, 6) -> (B,)
    opt_G = torch.optim.Adam(G.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-2, betas=(0.5, 0.999))
    return G, D, opt_G, opt_D


def _gan_step_cases():
    out = []
    for seed in (0, 1):
        batches = [(_randn(8, 6, seed=200 + 10 * seed + i).tanh(), _randn(8, 4, seed=300 + 10 * seed + i),
                    _randn(8, 4, seed=400 + 10 * seed + i)) for i in range(2)]
        out.append((*_step_nets(seed), batches))
    return out


def _gan_step_observe(fn, args):
    G, D, opt_G, opt_D, batches = args
    returned = {}
    for i, (real, z_d, z_g) in enumerate(batches, start=1):
        result = fn(G, D, opt_G, opt_D, real, z_d, z_g)
        if not (isinstance(result, (tuple, list)) and len(result) == 3):
            raise TypeError("return the three losses (loss_real, loss_fake, loss_g)")
        returned[f"iteration {i}'s losses (loss_real, loss_fake, loss_g)"] = [
            r.detach() if isinstance(r, torch.Tensor) else r for r in result]
    return {"G's weights after two iterations": [p.detach().clone() for p in G.parameters()],
            "D's weights after two iterations": [p.detach().clone() for p in D.parameters()],
            "the number of weight tensors left with requires_grad=False": sum(
                int(not p.requires_grad) for p in [*G.parameters(), *D.parameters()]),
            **returned}


def _d_half(G, D, opt_D, real, z_d, detach=True, zero=True):
    fake = G(z_d).detach() if detach else G(z_d)
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(fake))
    if zero:
        opt_D.zero_grad()
    (loss_real + loss_fake).backward()
    opt_D.step()
    return loss_real, loss_fake


def _g_half(G, D, opt_G, z, loss_fn=losses.generator_nonsaturating_loss, zero=True, detach=False):
    fake = G(z).detach() if detach else G(z)
    loss_g = loss_fn(D(fake))
    if zero:
        opt_G.zero_grad()
    loss_g.backward()
    opt_G.step()
    return loss_g


def _step_zero_once_no_detach(G, D, opt_G, opt_D, real, z_d, z_g):
    opt_D.zero_grad()
    opt_G.zero_grad()
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d, detach=False, zero=False)
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_g, zero=False)


def _step_same_noise(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d)
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_d)


def _step_no_zero_grad(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d, zero=False)
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_g, zero=False)


def _step_g_first(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_g = _g_half(G, D, opt_G, z_g)
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d)
    return loss_real, loss_fake, loss_g


def _step_saturating(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d)
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_g, loss_fn=losses.generator_saturating_loss)


def _step_d_left_frozen(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d)
    D.requires_grad_(False)  # no gradients for D in G's step ... and never switched back on
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_g)


def _step_g_detached(G, D, opt_G, opt_D, real, z_d, z_g):
    loss_real, loss_fake = _d_half(G, D, opt_D, real, z_d)
    return loss_real, loss_fake, _g_half(G, D, opt_G, z_g, detach=True)


# ===================================================================== chapter 3: the conditional D's forward
def conditional_logit(D, x, y):
    """D(x, y) of :class:`~gan_course.models.ConditionalDiscriminator` (with the label maps and the projection),
    from its layers ``D.embed``, ``D.features``, ``D.judge`` and ``D.projection``: a logit per image, (B,)."""
    B, _, H, W = x.shape
    maps = D.embed(y).to(x.dtype)[:, :, None, None].expand(B, D.embed.embedding_dim, H, W)  # (B, label_dim, H, W)
    h = D.features(torch.cat([x, maps], dim=1)).flatten(1)  # φ(x): (B, n_features)
    return D.judge(h).squeeze(1) + (D.projection(y).to(h.dtype) * h).sum(dim=1)  # w·φ(x) + b + v_y·φ(x)


def _cgan_d(seed: int, **cfg) -> ConditionalDiscriminator:
    torch.manual_seed(seed)
    D = ConditionalDiscriminator(CGANConfig(**cfg))
    with torch.no_grad():  # larger weights than the N(0, 0.02) start, so that every term is visible
        for p in D.parameters():
            p.add_(torch.randn(p.shape, generator=_gen(seed + 7)) * 0.2)
    return D


def _conditional_cases():
    return [
        (_cgan_d(0, num_classes=5, label_dim=3, image_shape=(1, 8, 8), d_width=4),
         _randn(4, 1, 8, 8, seed=500), torch.tensor([0, 4, 2, 2])),
        (_cgan_d(1, num_classes=10, label_dim=4, image_shape=(2, 12, 12), d_width=3),
         _randn(5, 2, 12, 12, seed=501), torch.tensor([9, 1, 1, 0, 7])),
    ]


def _cond_maps(D, x, y):
    B, _, H, W = x.shape
    return D.embed(y)[:, :, None, None].expand(B, D.embed.embedding_dim, H, W)


def _cond_maps_first(D, x, y):
    h = D.features(torch.cat([_cond_maps(D, x, y), x], dim=1)).flatten(1)
    return D.judge(h).squeeze(1) + (D.projection(y) * h).sum(dim=1)


def _cond_label_value_maps(D, x, y):
    B, _, H, W = x.shape
    maps = y.to(x.dtype)[:, None, None, None].expand(B, D.embed.embedding_dim, H, W)
    h = D.features(torch.cat([x, maps], dim=1)).flatten(1)
    return D.judge(h).squeeze(1) + (D.projection(y) * h).sum(dim=1)


def _cond_no_projection(D, x, y):
    h = D.features(torch.cat([x, _cond_maps(D, x, y)], dim=1)).flatten(1)
    return D.judge(h).squeeze(1)


def _cond_projection_added(D, x, y):
    h = D.features(torch.cat([x, _cond_maps(D, x, y)], dim=1)).flatten(1)
    return D.judge(h).squeeze(1) + D.projection(y).sum(dim=1)


def _cond_no_squeeze(D, x, y):
    h = D.features(torch.cat([x, _cond_maps(D, x, y)], dim=1)).flatten(1)
    return D.judge(h) + (D.projection(y) * h).sum(dim=1)


# ===================================================================== chapter 4 and 6: networks from layer lists
def _layers_observe(make_input):
    """observe(fn, args): build fn(*args) into a Sequential, give it seeded weights, run it on a seeded input."""

    def observe(fn, args):
        layers = fn(*args)
        if isinstance(layers, nn.Module) and not isinstance(layers, nn.Sequential):
            layers = [layers]
        net = nn.Sequential(*layers)
        n_weights = sum(p.numel() for p in net.parameters())
        torch.manual_seed(1234)
        init_weights(net, 0.2)  # the same seeded values for the same layers
        net.train()
        out = net(make_input(args))
        return {"the output's shape": list(out.shape), "the number of learned weights": n_weights,
                "the output (training mode, seeded weights)": out}

    return observe


def dcgan_generator_layers(latent_dim, widths, channels):
    """The layers of :class:`~gan_course.models.DCGANGenerator`, first to last, for noise reshaped to
    (B, latent_dim, 1, 1): a 4x4 start with ``widths[0]`` channels, one doubling block per further width,
    then an output layer to ``channels`` maps in [-1, 1]. Returns a list of modules."""
    layers = [nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=False),  # 1x1 -> 4x4
              nn.BatchNorm2d(widths[0]), nn.ReLU()]
    for c_in, c_out in zip(widths, widths[1:]):  # each block doubles the side
        layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]  # no batch norm on the output
    return layers


def _dcgan_cases():
    return [(8, [16, 8], 1), (5, [12, 6, 3], 3)]


def _dcgan_input(args):
    latent_dim = args[0]
    return _randn(4, latent_dim, 1, 1, seed=600 + latent_dim)


def _dcgan_variant(latent_dim, widths, channels, *, bias=False, out_bn=False, act=nn.ReLU, out_act=nn.Tanh,
                   first=(1, 0), first_bn=True, bn_after_act=False):
    def block(c_in, c_out, s, p, bn=True):
        conv = nn.ConvTranspose2d(c_in, c_out, 4, s, p, bias=bias)
        if not bn:
            return [conv, act()]
        return [conv, act(), nn.BatchNorm2d(c_out)] if bn_after_act else [conv, nn.BatchNorm2d(c_out), act()]

    layers = block(latent_dim, widths[0], *first, bn=first_bn)
    for c_in, c_out in zip(widths, widths[1:]):
        layers += block(c_in, c_out, 2, 1)
    layers.append(nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1))
    if out_bn:
        layers.append(nn.BatchNorm2d(channels))
    return layers + [out_act()]


def _dcgan_conv_bias(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, bias=True)


def _dcgan_output_bn(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, out_bn=True)


def _dcgan_leaky(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, act=lambda: nn.LeakyReLU(0.2))


def _dcgan_sigmoid(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, out_act=nn.Sigmoid)


def _dcgan_first_strided(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, first=(2, 1))


def _dcgan_bn_after_relu(latent_dim, widths, channels):
    return _dcgan_variant(latent_dim, widths, channels, bn_after_act=True)


def patchgan_layers(in_channels, base_channels, n_layers, norm):
    """The layers of :class:`~gan_course.models.PatchGANDiscriminator` for ``n_layers >= 1``, first to last:
    ``n_layers`` halving layers (the first without normalisation), one more at stride 1, then one logit per
    patch. ``norm`` is "batch", "instance" or "none" (build it with ``norm_layer(norm, channels,
    instance_affine=False)``). Returns a list of modules."""
    use_bias = norm != "batch"  # batch norm's shift makes a conv bias redundant
    layers = [nn.Conv2d(in_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2)]  # C64: no normalisation
    width = base_channels
    for i in range(1, n_layers):  # C128, C256, ...: halve the side, double the width (at most 8x)
        out = base_channels * min(2 ** i, 8)
        layers += [nn.Conv2d(width, out, 4, 2, 1, bias=use_bias), norm_layer(norm, out, instance_affine=False),
                   nn.LeakyReLU(0.2)]
        width = out
    out = base_channels * min(2 ** n_layers, 8)  # stride 1 from here on
    layers += [nn.Conv2d(width, out, 4, 1, 1, bias=use_bias), norm_layer(norm, out, instance_affine=False),
               nn.LeakyReLU(0.2)]
    layers.append(nn.Conv2d(out, 1, 4, 1, 1))  # one logit per patch, no sigmoid
    return layers


def _patchgan_cases():
    return [(2, 4, 3, "batch"), (3, 2, 1, "instance"), (1, 2, 4, "none")]


_PATCH_INPUTS = {3: (2, 32, 40), 1: (2, 16, 16), 4: (2, 64, 48)}  # n_layers -> (B, H, W): non-square images


def _patchgan_input(args):
    in_channels, _, n_layers, _ = args
    B, H, W = _PATCH_INPUTS[n_layers]
    return _randn(B, in_channels, H, W, seed=700 + n_layers)


def _patch_variant(in_channels, base_channels, n_layers, norm, *, first_norm=False, last_stride=1, cap=8,
                   bias=None, act=lambda: nn.LeakyReLU(0.2), sigmoid=False, last_padding=1):
    use_bias = (norm != "batch") if bias is None else bias

    def nrm(c):
        return norm_layer(norm, c, instance_affine=False)

    layers = [nn.Conv2d(in_channels, base_channels, 4, 2, 1, bias=use_bias if first_norm else True)]
    layers += [nrm(base_channels), act()] if first_norm else [act()]
    width = base_channels
    for i in range(1, n_layers):
        out = base_channels * min(2 ** i, cap)
        layers += [nn.Conv2d(width, out, 4, 2, 1, bias=use_bias), nrm(out), act()]
        width = out
    out = base_channels * min(2 ** n_layers, cap)
    layers += [nn.Conv2d(width, out, 4, last_stride, 1, bias=use_bias), nrm(out), act()]
    layers.append(nn.Conv2d(out, 1, 4, 1, last_padding))
    return layers + ([nn.Sigmoid()] if sigmoid else [])


def _patch_first_norm(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, first_norm=True)


def _patch_all_strided(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, last_stride=2)


def _patch_no_cap(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, cap=2 ** 10)


def _patch_bias_with_bn(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, bias=True)


def _patch_relu(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, act=nn.ReLU)


def _patch_sigmoid(in_channels, base_channels, n_layers, norm):
    return _patch_variant(in_channels, base_channels, n_layers, norm, sigmoid=True)


# ===================================================================== chapter 5: Q's head and its two losses
def info_terms(q, category, continuous, lambda_cat, lambda_cont):
    """InfoGAN's information losses from Q's raw head output ``q`` (B, K + 2m): the K categorical logits, then
    m Gaussian means, then m log standard deviations. ``category`` (B,) and ``continuous`` (B, m) are the codes
    G was given. Returns ``(loss_cat, loss_cont, lambda_cat * loss_cat + lambda_cont * loss_cont)``."""
    m = continuous.shape[1]
    k = q.shape[1] - 2 * m
    cat_logits, mean, log_std = q[:, :k], q[:, k:k + m], q[:, k + m:]
    loss_cat = F.cross_entropy(cat_logits, category)  # -log Q(c_cat | x), averaged over the batch
    z = (continuous - mean) * torch.exp(-log_std)  # standardised error
    nll = 0.5 * math.log(2 * math.pi) + log_std + 0.5 * z ** 2  # Gaussian NLL per code
    loss_cont = nll.sum(dim=1).mean()  # summed over the codes, averaged over the batch
    return loss_cat, loss_cont, lambda_cat * loss_cat + lambda_cont * loss_cont


def _info_cases():
    out = []
    for seed, (B, k, m, lam_cat, lam_cont) in enumerate([(6, 4, 2, 1.0, 0.1), (5, 10, 1, 0.5, 2.0)]):
        q = _randn(B, k + 2 * m, seed=800 + seed, scale=1.5)
        category = torch.randint(0, k, (B,), generator=_gen(810 + seed))
        continuous = torch.rand(B, m, generator=_gen(820 + seed)) * 2 - 1
        out.append((q, category, continuous, lam_cat, lam_cont))
    return out


def _info_observe(fn, args):
    q, category, continuous, lambda_cat, lambda_cont = args
    return fn(q, category, continuous, lambda_cat=lambda_cat, lambda_cont=lambda_cont)


def _info_parts(q, continuous, swap=False):
    m = continuous.shape[1]
    k = q.shape[1] - 2 * m
    a, b = q[:, k:k + m], q[:, k + m:]
    return (q[:, :k], b, a) if swap else (q[:, :k], a, b)


def _nll(mean, log_std, value, reduce="sum"):
    z = (value - mean) * torch.exp(-log_std)
    nll = 0.5 * math.log(2 * math.pi) + log_std + 0.5 * z ** 2
    return nll.mean() if reduce == "mean" else nll.sum(dim=1).mean()


def _info_split_swapped(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous, swap=True)
    cat, cont = F.cross_entropy(logits, category), _nll(mean, log_std, continuous)
    return cat, cont, lambda_cat * cat + lambda_cont * cont


def _info_log_std_as_std(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous)
    z = (continuous - mean) / log_std
    cont = (0.5 * math.log(2 * math.pi) + torch.log(log_std.abs()) + 0.5 * z ** 2).sum(dim=1).mean()
    cat = F.cross_entropy(logits, category)
    return cat, cont, lambda_cat * cat + lambda_cont * cont


def _info_mean_over_codes(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous)
    cat, cont = F.cross_entropy(logits, category), _nll(mean, log_std, continuous, reduce="mean")
    return cat, cont, lambda_cat * cat + lambda_cont * cont


def _info_lambdas_swapped(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous)
    cat, cont = F.cross_entropy(logits, category), _nll(mean, log_std, continuous)
    return cat, cont, lambda_cont * cat + lambda_cat * cont


def _info_double_softmax(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous)
    cat, cont = F.cross_entropy(torch.softmax(logits, dim=1), category), _nll(mean, log_std, continuous)
    return cat, cont, lambda_cat * cat + lambda_cont * cont


def _info_no_log_std(q, category, continuous, lambda_cat, lambda_cont):
    logits, mean, log_std = _info_parts(q, continuous)
    z = (continuous - mean) * torch.exp(-log_std)
    cont = (0.5 * math.log(2 * math.pi) + 0.5 * z ** 2).sum(dim=1).mean()
    cat = F.cross_entropy(logits, category)
    return cat, cont, lambda_cat * cat + lambda_cont * cont


# ===================================================================== chapter 7: CycleGAN's generator objective
def generator_objective(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    """CycleGAN's generator loss, as chapter 7's ``g_step`` computes it: the two least-squares adversarial terms,
    the two cycle terms weighted by ``lambda_cycle`` and the two identity terms weighted by
    ``identity_weight * lambda_cycle`` (left out when ``identity_weight`` is 0).
    Returns ``(total, adversarial, cycle, identity)``, each term summed over both directions."""
    fake_b, fake_a = G_AB(real_a), G_BA(real_b)  # translations
    rec_a, rec_b = G_BA(fake_b), G_AB(fake_a)  # round trips
    adv = losses.lsgan_generator_loss(D_B(fake_b)) + losses.lsgan_generator_loss(D_A(fake_a))
    cycle = losses.cycle_consistency_loss(real_a, rec_a) + losses.cycle_consistency_loss(real_b, rec_b)
    if identity_weight > 0:
        ident = losses.identity_loss(real_b, G_AB(real_b)) + losses.identity_loss(real_a, G_BA(real_a))
    else:
        ident = torch.zeros((), device=real_a.device)
    total = adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident
    return total, adv, cycle, ident


def _cycle_nets(seed: int):
    torch.manual_seed(seed)
    G_AB = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())
    G_BA = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())
    D_A = nn.Conv2d(1, 1, 3)  # a score per patch, no sigmoid
    D_B = nn.Conv2d(1, 1, 3)
    return G_AB, G_BA, D_A, D_B


def _objective_cases():
    out = []
    for seed, weights in enumerate([(10.0, 0.5), (5.0, 0.0), (2.0, 1.0)]):
        a = _randn(2, 1, 6, 5, seed=900 + seed).tanh()  # non-square images
        b = _randn(2, 1, 6, 5, seed=910 + seed).tanh()
        out.append((*_cycle_nets(seed), a, b, *weights))
    return out


def _objective_observe(fn, args):
    G_AB, G_BA, D_A, D_B = args[:4]
    result = fn(*args)
    if not (isinstance(result, (tuple, list)) and len(result) == 4):
        raise TypeError("return the four values (total, adversarial, cycle, identity)")
    total = result[0]
    params = [*G_AB.parameters(), *G_BA.parameters()]
    for p in params:
        p.grad = None
    grads = torch.autograd.grad(total, params, allow_unused=True)
    return {"(total, adversarial, cycle, identity)": [r.detach() if isinstance(r, torch.Tensor) else r
                                                     for r in result],
            "the gradient of the total reaching G_AB and G_BA": [
                torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]}


def _l1(a, b):
    return (a - b).abs().mean()


def _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b, *, swap_d=False, adv_fn=None, cycle_pairs=None,
                     ident_pairs=None):
    fake_b, fake_a = G_AB(real_a), G_BA(real_b)
    adv_fn = adv_fn or losses.lsgan_generator_loss
    d_for_b, d_for_a = (D_A, D_B) if swap_d else (D_B, D_A)
    adv = adv_fn(d_for_b(fake_b)) + adv_fn(d_for_a(fake_a))
    if cycle_pairs == "translation":
        cycle = _l1(real_a, fake_b) + _l1(real_b, fake_a)
    else:
        cycle = _l1(real_a, G_BA(fake_b)) + _l1(real_b, G_AB(fake_a))
    if ident_pairs == "wrong domain":
        ident = _l1(real_a, G_AB(real_a)) + _l1(real_b, G_BA(real_b))
    else:
        ident = _l1(real_b, G_AB(real_b)) + _l1(real_a, G_BA(real_a))
    return adv, cycle, ident


def _obj_swapped_ds(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b, swap_d=True)
    return adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident, adv, cycle, ident


def _obj_identity_without_lambda(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b)
    return adv + lambda_cycle * cycle + identity_weight * ident, adv, cycle, ident


def _obj_bce(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b,
                                         adv_fn=losses.generator_nonsaturating_loss)
    return adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident, adv, cycle, ident


def _obj_lsgan_target_zero(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b,
                                         adv_fn=lambda s: s.pow(2).mean())
    return adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident, adv, cycle, ident


def _obj_cycle_translation(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b, cycle_pairs="translation")
    return adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident, adv, cycle, ident


def _obj_identity_wrong_domain(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight):
    adv, cycle, ident = _objective_parts(G_AB, G_BA, D_A, D_B, real_a, real_b, ident_pairs="wrong domain")
    return adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident, adv, cycle, ident


# ===================================================================== chapter 8: a stable Fréchet distance
def stable_frechet_distance(features_a, features_b):
    """The Fréchet distance between two feature sets (N, d) and (M, d), with the cross term computed through
    symmetric matrices only: Tr((Σa Σb)^½) = Tr((Σa^½ Σb Σa^½)^½), square roots from eigendecompositions of
    symmetric matrices, negative round-off eigenvalues treated as 0. In float64."""
    a, b = features_a.double(), features_b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)  # unbiased (N - 1)
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T  # Σa^½, symmetric
    inner = root_a @ cov_b @ root_a
    cross = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()  # Tr((Σa^½ Σb Σa^½)^½)
    return (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross


def _stable_fd_cases():
    a = _randn(64, 4, seed=1000)
    mix = torch.tensor([[1.0, 0.3, 0.0, 0.0], [0.0, 0.8, 0.2, 0.0], [0.0, 0.0, 1.5, 0.0], [0.4, 0.0, 0.0, 0.5]])
    b = _randn(48, 4, seed=1001) @ mix + torch.tensor([0.5, -0.2, 0.0, 0.3])
    few = _randn(5, 8, seed=1002)  # fewer samples than features: singular covariances, round-off below zero
    return [(a.double(), b.double()), (few.double(), (_randn(6, 8, seed=1003) * 2 + 1).double()),
            (b.double(), b.double())]


def _fd_stats(a, b, unbiased=True):
    a, b = a.double(), b.double()
    correction = 1 if unbiased else 0
    return a.mean(0), b.mean(0), torch.cov(a.T, correction=correction), torch.cov(b.T, correction=correction)


def _sym_root(cov):
    values, vectors = torch.linalg.eigh(cov)
    return vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T


def _fd_elementwise_sqrt(a, b):
    ma, mb, ca, cb = _fd_stats(a, b)
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * (ca @ cb).sqrt().trace()


def _fd_no_clamp(a, b):
    ma, mb, ca, cb = _fd_stats(a, b)
    values, vectors = torch.linalg.eigh(ca)
    root_a = vectors @ torch.diag(values.sqrt()) @ vectors.T
    inner = root_a @ cb @ root_a
    cross = torch.linalg.eigvalsh((inner + inner.T) / 2).sqrt().sum()
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * cross


def _fd_half_root(a, b):
    ma, mb, ca, cb = _fd_stats(a, b)
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * (_sym_root(ca) @ cb).trace()


def _fd_biased(a, b):
    ma, mb, ca, cb = _fd_stats(a, b, unbiased=False)
    inner = _sym_root(ca) @ cb @ _sym_root(ca)
    cross = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * cross


def _fd_distance_not_squared(a, b):
    ma, mb, ca, cb = _fd_stats(a, b)
    inner = _sym_root(ca) @ cb @ _sym_root(ca)
    cross = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    return (ma - mb).norm() + ca.trace() + cb.trace() - 2 * cross


def _fd_no_two(a, b):
    ma, mb, ca, cb = _fd_stats(a, b)
    inner = _sym_root(ca) @ cb @ _sym_root(ca)
    cross = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - cross


# ===================================================================== the list
BUILD_EXERCISES: dict[str, Check] = {  # the texts: ch02.toml ... ch08.toml
    "ch2.gan_step": Check(
        gan_step,
        [_step_zero_once_no_detach, _step_same_noise, _step_no_zero_grad, _step_g_first, _step_saturating,
         _step_d_left_frozen, _step_g_detached],
        _gan_step_cases, observe=_gan_step_observe, reveals=("d_step", "g_step"),
        side_effects=False),  # it updates G and D by design; requires_grad left off is compared in observe
    "ch3.conditional_logit": Check(
        conditional_logit,
        [_cond_maps_first, _cond_label_value_maps, _cond_no_projection, _cond_projection_added, _cond_no_squeeze],
        _conditional_cases, reveals=("ConditionalDiscriminator",)),
    "ch4.dcgan_generator": Check(
        dcgan_generator_layers,
        [_dcgan_conv_bias, _dcgan_output_bn, _dcgan_leaky, _dcgan_sigmoid, _dcgan_first_strided,
         _dcgan_bn_after_relu],
        _dcgan_cases, observe=_layers_observe(_dcgan_input), reveals=("DCGANGenerator",)),
    "ch5.info_terms": Check(
        info_terms,
        [_info_split_swapped, _info_log_std_as_std, _info_mean_over_codes, _info_lambdas_swapped,
         _info_double_softmax, _info_no_log_std],
        _info_cases, observe=_info_observe, reveals=("info_terms",)),
    "ch6.patchgan": Check(
        patchgan_layers,
        [_patch_first_norm, _patch_all_strided, _patch_no_cap, _patch_bias_with_bn, _patch_relu, _patch_sigmoid],
        _patchgan_cases, observe=_layers_observe(_patchgan_input), reveals=("PatchGANDiscriminator",)),
    "ch7.generator_objective": Check(
        generator_objective,
        [_obj_swapped_ds, _obj_identity_without_lambda, _obj_bce, _obj_lsgan_target_zero, _obj_cycle_translation,
         _obj_identity_wrong_domain],
        _objective_cases, observe=_objective_observe),
    "ch8.stable_frechet": Check(
        stable_frechet_distance,
        [_fd_elementwise_sqrt, _fd_no_clamp, _fd_half_root, _fd_biased, _fd_distance_not_squared, _fd_no_two],
        _stable_fd_cases, rtol=1e-6, atol=1e-8),
}

# ===================================================================== training with the learner's code
def yours_or_course(exercise_id: str, fn: Callable | None, what: str | None = None):
    """The learner's ``fn`` when it passes ``exercise_id``'s check, else ``None`` (the course's version); prints which.

    The chapters pass the result to a ``build_*`` keyword (``None`` keeps the course's code path), so the model
    is trained with the learner's code exactly when it is correct. A name bound to the reference by a failed
    check cell counts as "not yours".
    """
    ex = get(exercise_id)
    name = what or getattr(fn, "__name__", exercise_id)
    if fn is None or fn is ex.reference:
        print(f"training with the course's version: your function has not passed the check {exercise_id} yet")
        return None
    status, mistake = diagnose(exercise_id, fn)
    if status == "pass":
        print(f"training with your {name} (it passes {exercise_id})")
        return fn
    why = ("is not written yet" if status == "not done" else
           f"does not pass the check yet{f' (it looks like the recorded mistake {mistake})' if mistake else ''}")
    print(f"training with the course's version: your {name} {why}; exercises.check({exercise_id!r}, {name}) "
          "says where it differs")
    return None
