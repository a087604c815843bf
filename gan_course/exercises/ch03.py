"""Chapter 3 (a conditional GAN): its exercises and concept questions.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import torch
from torch import nn

from .core import Exercise, Question, _m, _randn


def _cgan_embed(seed: int, num_classes: int = 10, dim: int = 3) -> nn.Embedding:
    torch.manual_seed(seed)
    return nn.Embedding(num_classes, dim)


def discriminator_input(x, y, embed):
    """[x ; e_D(y)]: the label's embedding spread into constant maps next to the pixels (ConditionalDiscriminator)."""
    B, _, H, W = x.shape
    maps = embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, W)  # (B, label_dim, H, W)
    return torch.cat([x, maps], dim=1)  # (B, C + label_dim, H, W)


def _d_input_cases():
    return [(_randn(4, 1, 6, 6, seed=30), torch.tensor([0, 3, 9, 3]), _cgan_embed(0)),
            (_randn(3, 2, 5, 5, seed=31), torch.tensor([7, 7, 1]), _cgan_embed(1, dim=4)),
            (_randn(2, 1, 4, 7, seed=32), torch.tensor([2, 5]), _cgan_embed(2)),  # not square
            (_randn(1, 3, 6, 3, seed=33), torch.tensor([8]), _cgan_embed(3, dim=2))]  # one tall image


def _d_input_label_number(x, y, embed):
    B, _, H, W = x.shape
    return torch.cat([x, y.float()[:, None, None, None].expand(B, 1, H, W)], dim=1)


def _d_input_maps_first(x, y, embed):
    B, _, H, W = x.shape
    return torch.cat([embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, W), x], dim=1)


def _d_input_added(x, y, embed):
    return x + embed(y).mean(dim=1)[:, None, None, None]


def projection_logit(features, y, judge, projection):
    """D(x, y) = w·φ(x) + b + v_y·φ(x): ConditionalDiscriminator's end, from its features φ(x) (B, n)."""
    return judge(features).squeeze(1) + (projection(y) * features).sum(dim=1)  # (B,)


def _projection_cases():
    out = []
    for seed, y in ((0, [1, 4, 4, 0, 9]), (1, [1, 4, 4, 0, 9]), (2, [6])):  # a batch of one too
        torch.manual_seed(40 + seed)
        judge, projection = nn.Linear(12, 1), nn.Embedding(10, 12)
        out.append((_randn(len(y), 12, seed=50 + seed), torch.tensor(y), judge, projection))
    return out


def _projection_added(features, y, judge, projection):
    return judge(features).squeeze(1) + projection(y).sum(dim=1)


def _projection_no_squeeze(features, y, judge, projection):
    return judge(features) + (projection(y) * features).sum(dim=1)


def _projection_only(features, y, judge, projection):
    return (projection(y) * features).sum(dim=1)




def _d_input_square(x, y, embed):
    B, _, H, W = x.shape
    return torch.cat([x, embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, H)], dim=1)


EXERCISES: dict[str, Exercise] = {
    "ch3.discriminator_input": Exercise(
        3, "the label as feature maps next to the pixels", discriminator_input,
        [_m(_d_input_label_number, "the class number as one extra channel says 9 is 'more' than 1; use the "
                                   "label's learned embedding, one constant map per embedding dimension",
            "class number as a channel"),
         _m(_d_input_maps_first, "the label maps come first: the image's channels go first, as the "
                                 "discriminator's first convolution expects", "maps first"),
         _m(_d_input_added, "the label is added to the pixels instead of stacked next to them as extra channels",
            "added, not stacked"),
         _m(_d_input_square, "the label maps are square: they must have the image's height AND its width, and "
                             "the test images are not all square", "square maps")],
        _d_input_cases,
        hint="embed each label, spread each embedding dimension into a constant map of the image's size, and stack "
             "the maps after the image's channels",
        hints=("The result has the image's channels plus one channel per embedding dimension, and the image's "
               "height and width",
               "Give the (B, label_dim) embedding two extra axes of size one, then expand them to the image's size "
               "before stacking on the channel axis"),
        section="One-hot vectors and embeddings"),
    "ch3.projection_logit": Exercise(
        3, "the projection discriminator's logit", projection_logit,
        [_m(_projection_added, "the label is merely added at the end, so D cannot tell a matching pair from a "
                               "mismatched one: the label's vector must interact with the features", "label added"),
         _m(_projection_no_squeeze, "judge(features) is (B, 1); added to a (B,) tensor it broadcasts to (B, B): "
                                    "drop its size-one axis first", "broadcast to (B, B)"),
         _m(_projection_only, "the unconditional term (the linear judge of the features) is missing",
            "projection term only")],
        _projection_cases,
        hint="the projection logit is an unconditional score of the features plus the inner product of the "
             "label's vector with the same features, one number per image",
        hints=("The result has shape (B,): one logit per image",
               "The inner product of two (B, n) tensors, row by row, is an elementwise product summed over the "
               "feature axis"),
        section="The two players", reveals=("ConditionalDiscriminator",)),
}

QUESTIONS: dict[str, Question] = {
    "ch3.why_embedding": Question(
        3, "Why does the conditional discriminator see the label through a learned embedding rather than as "
           "the class number in one extra channel?",
        "c", "Class numbers are names, not amounts: an embedding gives every class its own learned vector, with "
             "no order between classes.",
        choices={"a": "an embedding uses less memory than one channel",
                 "b": "a class number cannot be put in a tensor",
                 "c": "a single number would impose an order (9 'more' than 1) that the classes do not have",
                 "d": "the embedding makes the discriminator's output a probability"},
        section="One-hot vectors and embeddings"),
}
