"""Chapter 10's exercises: the modulated convolution, truncation in W, the EMA update, augmenting D's inputs.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean).
"""

from __future__ import annotations

import copy
import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from ..augment import diff_augment
from ..ema import ema_update
from ..models.stylegan import StyleGANConfig, StyleGenerator, modulated_conv2d
from .core import Exercise, Question, _m


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _exercise(*args, **options) -> Exercise:
    known = {f.name for f in dataclasses.fields(Exercise)}
    return Exercise(*args, **{k: v for k, v in options.items() if k in known})


# ===================================================================== the modulated convolution
def modulated_conv(x, weight, styles, demodulate=True, eps=1e-8):
    """StyleGAN2's modulated 3x3 convolution (padding 1): :func:`gan_course.models.stylegan.modulated_conv2d`."""
    return modulated_conv2d(x, weight, styles, demodulate=demodulate, padding=1, eps=eps)


def _mod_cases():
    out = []
    for seed, (b, i, o, s), demod, eps in ((0, (3, 4, 5, 6), True, 1e-8), (1, (2, 6, 3, 5), True, 0.5),
                                            (2, (4, 3, 3, 4), False, 1e-8), (3, (2, 5, 4, 4), True, 1e-8)):
        g = _gen(300 + seed)
        x = torch.randn(b, i, s, s, generator=g)
        weight = torch.randn(o, i, 3, 3, generator=g)
        styles = torch.rand(b, i, generator=g) * 2 + 0.1
        if seed == 3:
            styles[0] = 0.0  # a sample whose style switches every input channel off: only ε keeps it finite
        out.append((x, weight, styles, demod, eps))
    return out


def _mod_wrong_axes(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]  # (B, O, I, k, k)
    if demodulate:
        w = w * (w.square().sum(dim=[1, 3, 4], keepdim=True) + eps).rsqrt()  # over output channels: wrong
    return _grouped(x, w)


def _mod_kernel_only(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]
    if demodulate:
        w = w * (w.square().sum(dim=[3, 4], keepdim=True) + eps).rsqrt()  # each kernel on its own: wrong
    return _grouped(x, w)


def _mod_no_eps(x, weight, styles, demodulate=True, eps=1e-8):
    w = weight.unsqueeze(0) * styles[:, None, :, None, None]
    if demodulate:
        w = w * w.square().sum(dim=[2, 3, 4], keepdim=True).rsqrt()  # no ε
    return _grouped(x, w)


def _mod_output(x, weight, styles, demodulate=True, eps=1e-8):
    out = F.conv2d(x, weight, padding=1)  # (B, O, H, W) with the shared weights
    if demodulate:
        out = out * (weight.square().sum(dim=[1, 2, 3]) + eps).rsqrt().reshape(1, -1, 1, 1)
    return out * styles.mean(dim=1).reshape(-1, 1, 1, 1)  # the style scales the output, not the weights


def _grouped(x, w):
    b, i = x.shape[:2]
    out = F.conv2d(x.reshape(1, b * i, *x.shape[2:]), w.reshape(-1, i, 3, 3), padding=1, groups=b)
    return out.reshape(b, -1, *out.shape[2:])


# ===================================================================== truncation in W
def truncate_w(G, z, psi):
    """The truncated w (B, w_dim) of noise z (B, latent_dim): map z to w, then w̄ + ψ (w − w̄) with G's w̄."""
    return G.truncate(G.mapping(z), psi)


def _small_G(seed: int) -> StyleGenerator:
    torch.manual_seed(seed)
    G = StyleGenerator(StyleGANConfig(latent_dim=8, w_dim=6, widths=(8, 4, 4, 4)))
    with torch.no_grad():
        G.w_avg.copy_(torch.randn(6, generator=_gen(seed)))  # a tracked w̄ away from the batch's mean
    return G.eval()


def _trunc_cases():
    return [(_small_G(10), torch.randn(5, 8, generator=_gen(400)), 0.7),
            (_small_G(11), torch.randn(3, 8, generator=_gen(401)), 0.0),
            (_small_G(12), torch.randn(4, 8, generator=_gen(402)) * 2, 0.3)]


def _trunc_z(G, z, psi):
    return G.mapping(psi * z)  # z scaled towards 0 (and the mapping's pixel norm undoes it)


def _trunc_swapped(G, z, psi):
    w = G.mapping(z)
    return w + psi * (G.w_avg - w)  # ψ weighs w̄: the wrong end


def _trunc_batch_mean(G, z, psi):
    w = G.mapping(z)
    centre = w.mean(dim=0)  # this batch's mean instead of the tracked w̄
    return centre + psi * (w - centre)


# ===================================================================== the EMA update
class _WithBuffer(nn.Module):
    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.lin = nn.Linear(3, 2)
        self.norm = nn.BatchNorm1d(2)
        self.register_buffer("centre", torch.randn(2))


def _ema_cases():
    out = []
    for seed, decay in ((0, 0.9), (1, 0.5), (2, 0.999)):
        ema, model = _WithBuffer(500 + seed), _WithBuffer(600 + seed)
        with torch.no_grad():
            model.norm.running_mean.normal_(generator=_gen(700 + seed))
            model.norm.num_batches_tracked.fill_(7)
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=_gen(800 + seed))  # a gradient left from G's last step
        out.append((ema, model, decay))
    return out


def _ema_observe(fn, args):
    ema, model, decay = copy.deepcopy(args[0]), args[1], args[2]
    with torch.no_grad():
        fn(ema, model, decay)
    return {f"the EMA model's {name}": t.detach().clone() for name, t in ema.state_dict().items()}


@torch.no_grad()
def _ema_swapped(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_((1 - decay) * pe + decay * p)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_(b)


@torch.no_grad()
def _ema_buffers_averaged(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_((decay * be + (1 - decay) * b).to(be.dtype))


@torch.no_grad()
def _ema_buffers_ignored(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p)


@torch.no_grad()
def _ema_of_gradients(ema, model, decay):
    for pe, p in zip(ema.parameters(), model.parameters()):
        pe.copy_(decay * pe + (1 - decay) * p.grad)
    for be, b in zip(ema.buffers(), model.buffers()):
        be.copy_(b)


# ===================================================================== augmenting D's inputs
def augmented_d_inputs(real, fake, policy, seed):
    """What D sees: DiffAugment of the real batch, then of the fake batch, both drawn from one generator seeded
    ``seed`` (real first); differentiable, so G's gradient flows back through the fake half."""
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), diff_augment(fake, policy, g)


def _aug_cases():
    out = []
    for seed, policy in ((0, "color,translation,cutout"), (1, "translation"), (2, "color,cutout")):
        g = _gen(900 + seed)
        real = torch.rand(4, 1, 8, 8, generator=g) * 2 - 1
        fake = (torch.rand(4, 1, 8, 8, generator=g) * 2 - 1).requires_grad_(True)
        out.append((real, fake, policy, 50 + seed))
    return out


def _aug_observe(fn, args):
    real, fake, policy, seed = args
    fake = fake.detach().clone().requires_grad_(True)
    out = fn(real, fake, policy, seed)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("return a pair: (D's real input, D's fake input)")
    real_in, fake_in = out
    weights = torch.linspace(-1, 1, fake_in.numel()).reshape(fake_in.shape)
    grad = (torch.autograd.grad((fake_in * weights).sum(), fake, allow_unused=True)[0]
            if isinstance(fake_in, torch.Tensor) and fake_in.requires_grad else None)
    return {"D's real input": real_in.detach(), "D's fake input": fake_in.detach(),
            "the gradient that reaches the fake images": torch.zeros_like(fake) if grad is None else grad}


def _aug_real_only(real, fake, policy, seed):
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), fake


def _aug_detached(real, fake, policy, seed):
    g = torch.Generator().manual_seed(seed)
    return diff_augment(real, policy, g), diff_augment(fake.detach(), policy, g)  # as PIL/NumPy would: no gradient


EXERCISES = {
    "ch10.modulated_conv": _exercise(
        10, "a modulated convolution with demodulation", modulated_conv,
        [_m(_mod_wrong_axes, "the demodulation divides by a norm taken across the output channels: each OUTPUT "
                             "filter (one sample, one output channel) is normalised over its input channels and "
                             "its kernel positions"),
         _m(_mod_kernel_only, "each kernel is normalised on its own: a filter's norm runs over ALL its input "
                              "channels and kernel positions together, so the styles' relative sizes survive"),
         _m(_mod_no_eps, "ε is missing from the demodulation: a style that switches a filter's inputs off gives a "
                         "zero norm, and dividing by it gives NaN"),
         _m(_mod_output, "the style scales the convolution's output: StyleGAN2 scales the WEIGHTS' input channels "
                         "per sample, then normalises each resulting filter")],
        _mod_cases,
        hint="modulation scales each input channel of the weights by the sample's style; demodulation rescales "
             "each resulting output filter to unit norm, so the output's expected scale does not depend on the style",
        hints=("Build each sample's weights (B, O, I, k, k) from the shared ones and the styles, then divide each "
               "(sample, output channel) filter by the root of its sum of squares plus ε",
               "Run the per-sample weights as one grouped convolution (the batch folded into the channels), or "
               "scale x's channels, convolve with the shared weights and scale the output channels by the "
               "demodulation factors: both are the same numbers"),
        section="Modulated convolution"),
    "ch10.truncate_w": _exercise(
        10, "the truncation trick in W", truncate_w,
        [_m(_trunc_z, "z was truncated: scaling z does nothing here (the mapping network normalises z first), and "
                      "StyleGAN truncates the intermediate latent w towards the average w̄"),
         _m(_trunc_swapped, "ψ weighs the wrong end: ψ = 1 must leave w unchanged and ψ = 0 give the average w̄"),
         _m(_trunc_batch_mean, "the centre is this batch's mean w: truncation pulls towards w̄, the average the "
                               "generator tracked over training (G.w_avg)")],
        _trunc_cases,
        hint="map z to w, then move w along the line towards the average w̄: ψ is the share of w's distance from "
             "the centre that is kept",
        hints=("The centre is the generator's tracked average of w, not anything computed from this batch",
               "ψ = 1 keeps w, ψ = 0 gives the centre; in between, a straight line"),
        section="Truncation in $W$"),
    "ch10.ema_update": _exercise(
        10, "an EMA update of G's weights", ema_update,
        [_m(_ema_swapped, "the decay is on the wrong side: with decay 0.999 the average keeps 99.9% of ITSELF and "
                          "takes 0.1% of the current weights"),
         _m(_ema_buffers_averaged, "the buffers are averaged: buffers are statistics the model tracks (w̄, running "
                                   "means, counters), not weights; the EMA model copies the current ones"),
         _m(_ema_buffers_ignored, "the buffers are never updated: the EMA model must take the current model's "
                                  "buffers (its w̄, running statistics), else it truncates and normalises with stale ones"),
         _m(_ema_of_gradients, "the gradients were averaged: the EMA is of the WEIGHTS themselves; a gradient "
                               "average is what Adam's momentum keeps")],
        _ema_cases, observe=_ema_observe,
        hint="after each G step the averaged model moves a small share (1 − decay) of the way towards the current "
             "weights; it is never trained itself",
        hints=("Parameters: decay times the average plus (1 − decay) times the current weight, in place, without "
               "gradients",
               "Buffers: copied from the current model, not averaged"),
        section="An average of $G$'s weights", side_effects=False),
    "ch10.augmented_d_inputs": _exercise(
        10, "augmenting both of D's inputs", augmented_d_inputs,
        [_m(_aug_real_only, "only the real images are augmented: D then learns that augmented means real, G is "
                            "rewarded for making augmented-looking images, and the augmentation leaks into the "
                            "samples; D must see real and fake images through the same transformations"),
         _m(_aug_detached, "the fake images' augmentation cuts the gradient: G learns through D's score of the "
                           "AUGMENTED fakes, so the augmentation must be differentiable and stay in the graph")],
        _aug_cases, observe=_aug_observe,
        hint="D compares T(real) with T(fake): the same kind of random transformation on both sides, done with "
             "differentiable tensor operations",
        hints=("One private generator seeded with the seed; draw the real batch's augmentation first, then the "
               "fake batch's",
               "Keep the fake images in the graph: no detach, no NumPy or PIL on the way"),
        section="Training on little data"),
}


QUESTIONS: dict[str, Question] = {
    "ch10.adain_droplets": Question(
        10, "Why did StyleGAN2 replace AdaIN by weight demodulation?",
        "c", "AdaIN normalises each feature map of each image by its own statistics, which erases the maps' "
             "relative sizes; the network smuggled them past it in a local spike (the droplets). Demodulation "
             "normalises by the expected statistics, through the weights.",
        choices={"a": "AdaIN was too slow to run on a GPU",
                 "b": "AdaIN cannot take a style vector as input",
                 "c": "normalising each feature map by its own statistics erased information that G then hid in "
                      "droplet-shaped artefacts",
                 "d": "AdaIN made the mapping network unnecessary"},
        wrong={"a": "Speed was not the reason; demodulation's grouped convolution is not faster.",
               "b": "AdaIN's scale and shift are exactly a style vector's output.",
               "d": "Both keep the mapping network."},
        section="Modulated convolution"),
    "ch10.ema_half_life": Question(
        10, "With decay 0.995, after how many G steps has the weight of a past step in the EMA fallen to half? "
            "(a number; ln 2 / −ln 0.995)",
        138.3, "Each step multiplies an old step's weight by 0.995, so it halves after ln 2 / −ln 0.995 ≈ 138 steps.",
        rtol=0.02, section="An average of $G$'s weights"),
    "ch10.truncation_z_vs_w": Question(
        10, "This chapter's mapping network starts with pixel norm (z / rms(z)). What does multiplying z by "
            "ψ = 0.5 do to the images?",
        "a", "Pixel norm divides z by its own root-mean-square, so ψz and z give the same w: nothing changes. "
             "Truncation must act on w (StyleGAN) or resample z's large components (BigGAN).",
        choices={"a": "nothing: the normalisation undoes the scaling",
                 "b": "the same as truncation in W with ψ = 0.5",
                 "c": "it makes the images more varied",
                 "d": "every image becomes the average image"},
        section="Truncation in $W$"),
    "ch10.leaking": Question(
        10, "Augmenting D's real AND fake inputs with random 90° rotations applied to every image (p = 1): what "
            "can G learn?",
        "b", "If every image is rotated by a random multiple of 90°, an upright and a rotated data set look the "
             "same to D: the augmentation is not invertible in distribution, so it can leak (ADA keeps p < 1, "
             "below about 0.8, so the clean distribution stays identifiable).",
        choices={"a": "only upright clothes, as in the data",
                 "b": "clothes in any of the four orientations: D cannot tell an orientation from the data's",
                 "c": "nothing: rotations are not differentiable",
                 "d": "only images rotated by 90°"},
        section="Training on little data"),
}
