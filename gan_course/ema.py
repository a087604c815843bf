"""An exponential moving average (EMA) of a generator's weights (Karras et al. 2018; every StyleGAN since).

G's weights jump around from step to step: each update follows the last
minibatch's gradient against a moving discriminator. Sampling from an average
of the recent weights, not from the last ones, smooths that noise away for free:
the average is never trained, only kept. After every G update::

    ema_p <- decay * ema_p + (1 - decay) * p        for every parameter p

``decay`` close to 1 remembers long (its half-life is ln 2 / (1 - decay) steps:
139 steps at 0.995). **Buffers are copied, not averaged**: a buffer is a
statistic the model tracks (the style generator's w̄, batch norm's running
statistics), not a weight that gradients move; the EMA model takes the
current model's value, as the official StyleGAN2-ADA code does.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from . import arguments
from .errors import CourseError


def make_ema(model: nn.Module) -> nn.Module:
    """A frozen copy of ``model`` to average into: same weights now, no gradients, eval mode."""
    arguments.instance("model", model, nn.Module, "a torch module (the generator to average), e.g. G")
    ema = copy.deepcopy(model).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """``ema``'s parameters <- decay * ema + (1 - decay) * model's (in place); ``ema``'s buffers <- model's.

    ``decay`` in [0, 1]: 0 copies the model, 1 never changes the average.
    """
    _check_pair(ema, model)
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay <= 1:
        raise CourseError(f"the EMA decay must be a number from 0 to 1, got {decay!r}: e.g. 0.995")
    for p_ema, p in zip(ema.parameters(), model.parameters(), strict=True):
        p_ema.lerp_(p, 1.0 - decay)  # p_ema + (1 - decay) (p - p_ema) = decay p_ema + (1 - decay) p
    for b_ema, b in zip(ema.buffers(), model.buffers(), strict=True):
        b_ema.copy_(b)


def _check_pair(ema, model) -> None:
    """``ema`` and ``model`` torch modules with parameters and buffers of the same shapes (types and shapes only:
    it runs after every G step)."""
    arguments.instance("ema", ema, nn.Module, "a torch module, the copy make_ema(model) made")
    arguments.instance("model", model, nn.Module, "a torch module (the generator being trained), e.g. G")
    for kind in ("parameters", "buffers"):
        ours, theirs = list(getattr(ema, kind)()), list(getattr(model, kind)())
        if len(ours) != len(theirs) or any(a.shape != b.shape for a, b in zip(ours, theirs)):
            raise CourseError(f"ema must be a copy of model (make_ema(model)), but their {kind} differ in number or "
                              f"shape ({len(ours)} and {len(theirs)} tensors): pass the EMA copy of this same model")
