"""Chapter 6 (pix2pix): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import losses
from ..models import patchgan
from .core import Exercise, Question, _m, _randn


def skip_connection(h, skip):
    """A U-Net decoder level's input: [decoder activation ; encoder activation] on channels (UNetGenerator)."""
    return torch.cat([h, skip], dim=1)  # (B, c, s, s) + (B, c, s, s) -> (B, 2c, s, s)


def _skip_cases():
    return [(_randn(2, 4, 8, 8, seed=80), _randn(2, 4, 8, 8, seed=81)),
            (_randn(3, 8, 2, 2, seed=82), _randn(3, 8, 2, 2, seed=83)),
            (_randn(1, 3, 4, 6, seed=84), _randn(1, 5, 4, 6, seed=85))]  # not square, channels differ


def _skip_added(h, skip):
    return h + skip


def _skip_reversed(h, skip):
    return torch.cat([skip, h], dim=1)


def _skip_batch_dim(h, skip):
    return torch.cat([h, skip], dim=0)


def _rf_cases():
    return [(n,) for n in (0, 1, 2, 3, 4, 5)]  # 0: the PixelGAN


def _pixelgan_free_layers(n_layers):
    return [(4, 2)] * n_layers + [(4, 1), (4, 1)]


def _rf_pixelgan_forgotten(n_layers):
    r = 1
    for k, s in reversed(_pixelgan_free_layers(n_layers)):
        r = (r - 1) * s + k
    return r


def _rf_forward_walk(n_layers):
    r = 1
    for k, s in _pixelgan_free_layers(n_layers):
        r = (r - 1) * s + k
    return r


def _rf_no_minus_one(n_layers):
    r = 1
    for k, s in reversed(_pixelgan_free_layers(n_layers)):
        r = r * s + k
    return r


def _rf_ignores_stride(n_layers):
    r = 1
    for k, _ in _pixelgan_free_layers(n_layers):
        r += k - 1
    return r


def _pix2pix_cases():
    out = []
    for seed, (b, h, w) in enumerate([(2, 8, 8), (2, 8, 8), (1, 6, 10)]):  # the last: one wide image
        target = _randn(b, 1, h, w, seed=90 + seed).tanh()
        output = (target + _randn(b, 1, h, w, seed=92 + seed, scale=0.3)).clamp(-1, 1)
        out.append((_randn(b, 1, h // 2 - 1, w // 2 - 1, seed=94 + seed, scale=2.0), target, output))
    return out


def pix2pix_generator_loss(fake_logits, target, output):
    """The package's pix2pix G loss with its defaults (λ = 100): ``(total, adversarial, l1)``."""
    return losses.pix2pix_generator_loss(fake_logits, target, output)


def _p2p_lambda_on_adversarial(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l1 = (output - target).abs().mean()
    return 100 * adv + l1, adv, l1


def _p2p_l2(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l2 = ((output - target) ** 2).mean()
    return adv + 100 * l2, adv, l2


def _p2p_fake_label(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    l1 = (output - target).abs().mean()
    return adv + 100 * l1, adv, l1


EXERCISES: dict[str, Exercise] = {
    "ch6.skip_connection": Exercise(
        6, "a U-Net decoder level's input with its skip", skip_connection,
        [_m(_skip_added, "the skip is added instead of stacked: a U-Net puts the encoder's maps next to the "
                         "decoder's, so the channels add up", "added"),
         _m(_skip_reversed, "the order is reversed: the decoder's activation comes first, as the next layer's "
                            "weights expect", "reversed"),
         _m(_skip_batch_dim, "stacked on the batch axis: the channels are the second axis", "batch axis")],
        _skip_cases,
        hint="a U-Net level hands the next layer the decoder's maps and the encoder's maps of the same size side "
             "by side, as channels",
        hints=("The output has the channels of both inputs and the size of either",
               "The decoder's activation comes first; stack along the channel axis"),
        section="The generator: a U-Net", reveals=("UNetGenerator",)),
    "ch6.receptive_field": Exercise(
        6, "the PatchGAN's receptive field", patchgan.receptive_field,
        [_m(_rf_forward_walk, "wrong direction: walk from the OUTPUT back to the input, one layer at a time",
            "forward walk"),
         _m(_rf_no_minus_one, "off by one stride: r cells of a layer's output are r - 1 strides apart in its input",
            "no minus one"),
         _m(_rf_ignores_stride, "the strides are ignored: each layer's kernel adds cells in units of the strides "
                                "after it", "strides ignored"),
         _m(_rf_pixelgan_forgotten, "n_layers = 0 is the PixelGAN, whose layers are all 1×1: each output sees "
                                    "only its own pixel", "PixelGAN forgotten")],
        _rf_cases,
        hint="start from one output cell and walk back through the layers, from the last to the first, asking how "
             "many input cells each span of cells depends on",
        hints=("A span of r cells of a layer's output, with kernel k and stride s, depends on the r - 1 gaps of "
               "s cells between them plus one kernel",
               "The layers are listed in “Which patch does each output judge?”; n_layers = 0 builds a different "
               "network"),
        section="Which patch does each output judge?", reveals=("patch_span",)),
    "ch6.pix2pix_generator_loss": Exercise(
        6, "the pix2pix generator loss, cGAN + λ·L1", pix2pix_generator_loss,
        [_m(_p2p_lambda_on_adversarial, "λ is on the wrong term: the weight 100 multiplies the reconstruction "
                                        "term", "λ on the adversarial term"),
         _m(_p2p_l2, "that is a squared error; pix2pix uses the mean ABSOLUTE error, which blurs less", "L2"),
         _m(_p2p_fake_label, "the adversarial term uses the fake label: G wants D to call its output real",
            "fake label")],
        _pix2pix_cases,
        hint="the pix2pix objective for G is the non-saturating adversarial loss of chapter 2 plus a weighted mean "
             "absolute error between G's output and the target",
        hints=("Return three things: the total and its two parts, before and after the weight",
               "The weight λ = 100 multiplies only the reconstruction term"),
        section="The objective: cGAN loss plus λ·L1", reveals=("pix2pix_generator_loss",)),
}

QUESTIONS: dict[str, Question] = {
    "ch6.receptive_field_n4": Question(
        6, "One more downsampling layer than the paper's default: how many pixels wide is the patch that one "
           "output of a PatchGAN with n_layers = 4 judges? (a number)",
        142, "Walking back from one output through the 4×4 convolutions (strides 1, 1, 2, 2, 2, 2) gives "
             "1 → 4 → 7 → 16 → 34 → 70 → 142: each stride-2 layer roughly doubles the patch.",
        rtol=0.0, atol=0.0, section="Which patch does each output judge?"),
}
