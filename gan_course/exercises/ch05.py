"""Chapter 5 (InfoGAN): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch05.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import losses
from .core import Check, _gen, _randn


def _cat_cases():
    return [(_randn(8, 10, seed=60, scale=2.0), torch.randint(0, 10, (8,), generator=_gen(61))),
            (torch.tensor([[8.0, -2.0, 0.0], [0.0, 0.0, 0.0], [-5.0, 5.0, 1.0]]), torch.tensor([0, 2, 0])),
            (torch.tensor([[0.3, -1.0, 2.0, 0.0]]), torch.tensor([3]))]  # a batch of one


def _cat_nll_on_logits(cat_logits, category):
    return F.nll_loss(cat_logits, category)


def _cat_double_softmax(cat_logits, category):
    return F.cross_entropy(torch.softmax(cat_logits, dim=1), category)


def _cat_one_hot_mse(cat_logits, category):
    return F.mse_loss(torch.softmax(cat_logits, dim=1), F.one_hot(category, cat_logits.shape[1]).float())


def _gauss_cases():
    return [(_randn(6, 2, seed=70), _randn(6, 2, seed=71, scale=0.5), _randn(6, 2, seed=72)),
            (torch.zeros(3, 1), torch.tensor([[-1.0], [0.0], [1.0]]), torch.tensor([[0.5], [2.0], [-1.0]])),
            (_randn(4, 3, seed=73), _randn(4, 3, seed=74, scale=0.3), _randn(4, 3, seed=75))]


def _gauss_log_std_as_std(mean, log_std, value):
    z = (value - mean) / log_std
    return (0.5 * math.log(2 * math.pi) + torch.log(log_std.abs()) + 0.5 * z ** 2).sum(dim=1).mean()


def _gauss_no_log_std_term(mean, log_std, value):
    z = (value - mean) * torch.exp(-log_std)
    return (0.5 * math.log(2 * math.pi) + 0.5 * z ** 2).sum(dim=1).mean()


def _gauss_mean_over_codes(mean, log_std, value):
    z = (value - mean) * torch.exp(-log_std)
    return (0.5 * math.log(2 * math.pi) + log_std + 0.5 * z ** 2).mean()


def _gauss_mse(mean, log_std, value):
    return F.mse_loss(mean, value)


EXERCISES: dict[str, Check] = {  # the texts: ch05.toml
    "ch5.categorical_info_loss": Check(
        losses.categorical_info_loss, [_cat_nll_on_logits, _cat_double_softmax, _cat_one_hot_mse], _cat_cases),
    "ch5.gaussian_info_loss": Check(
        losses.gaussian_info_loss,
        [_gauss_log_std_as_std, _gauss_no_log_std_term, _gauss_mean_over_codes, _gauss_mse], _gauss_cases),
}
