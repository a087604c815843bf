"""Chapter 5 (InfoGAN): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import losses
from .core import Exercise, Question, _gen, _m, _randn


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


EXERCISES: dict[str, Exercise] = {
    "ch5.categorical_info_loss": Exercise(
        5, "InfoGAN's categorical Q loss", losses.categorical_info_loss,
        [_m(_cat_nll_on_logits, "the negative log-likelihood loss expects log-probabilities and was given raw "
                                "logits", "NLL on logits"),
         _m(_cat_double_softmax, "softmax applied twice: the cross-entropy loss already includes the softmax, so "
                                 "give it the logits", "double softmax"),
         _m(_cat_one_hot_mse, "a squared error on one-hot codes is not the negative log-likelihood of the code",
            "squared error")],
        _cat_cases,
        hint="the categorical Q loss is the negative log-probability Q gives the category that was drawn, "
             "averaged over the batch: a classification loss on Q's logits",
        hints=("This is the same loss as for any classifier that outputs logits",
               "PyTorch's classification loss takes the logits and the class indices and does the log-softmax "
               "itself"),
        section="The information losses"),
    "ch5.gaussian_info_loss": Exercise(
        5, "InfoGAN's Gaussian Q loss (negative log-likelihood)", losses.gaussian_info_loss,
        [_m(_gauss_log_std_as_std, "log_std is the LOG of the standard deviation, not the standard deviation",
            "log std used as std"),
         _m(_gauss_no_log_std_term, "the log-σ term is missing: without it Q is never charged for being unsure",
            "no log σ term"),
         _m(_gauss_mean_over_codes, "the negative log-likelihood is summed over the codes of one sample, then "
                                    "averaged over the batch", "mean over codes"),
         _m(_gauss_mse, "a squared error ignores Q's predicted spread: write the Gaussian negative "
                        "log-likelihood", "squared error")],
        _gauss_cases,
        hint="the Gaussian Q loss is the negative log-density of the drawn code under Q's predicted Gaussian: "
             "a constant, a term for the spread, and the squared standardised error",
        hints=("Write the log-density of a normal distribution with mean μ and standard deviation σ, then negate "
               "it; σ is the exponential of log_std",
               "The codes of one sample are independent: add their terms, then average over the batch"),
        section="The information losses"),
}

QUESTIONS: dict[str, Question] = {
    "ch5.what_q_does": Question(
        5, "What does InfoGAN's Q network estimate?",
        "a", "Q predicts the code c from the image G(z, c); its log-likelihood is a lower bound on the mutual "
             "information between the code and the image, which G and Q maximise together.",
        choices={"a": "the code c that G was given, from the generated image",
                 "b": "whether the image is real or fake",
                 "c": "the noise z that G was given",
                 "d": "the class label of a real image"},
        wrong={"b": "That is D's job; Q shares D's body but has its own head.",
               "c": "The noise z is the part of G's input that is left free; only the code is predicted."},
        section="Mutual information between the code and the image"),
}
