"""Chapter 3 (a conditional GAN): its exercises.

``EXERCISES`` is merged into :mod:`gan_course.exercises` when it is imported (see
:mod:`gan_course.exercises.core` for what the fields mean); the texts the learner reads are in
``ch03.toml``, the concept questions in ``questions.toml``."""

from __future__ import annotations

import torch
from torch import nn

from .core import Check, _randn


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


EXERCISES: dict[str, Check] = {  # the texts: ch03.toml
    "ch3.discriminator_input": Check(
        discriminator_input, [_d_input_label_number, _d_input_maps_first, _d_input_added, _d_input_square],
        _d_input_cases),
    "ch3.projection_logit": Check(
        projection_logit, [_projection_added, _projection_no_squeeze, _projection_only], _projection_cases,
        reveals=("ConditionalDiscriminator",)),
}
