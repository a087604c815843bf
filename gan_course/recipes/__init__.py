"""Recipes: one per model, shared by its chapter and by ``python -m gan_course``.

A recipe module holds the model's ``@dataclass`` of every training setting (a
:class:`~gan_course.recipes.common.Recipe`, each field declaring its role with
``setting(role, default)``: ``--lr-scale``, resumes and checkpoints read the roles), its two
step functions (always named ``d_step`` and ``g_step``), a ``build`` function that
turns the recipe into a ready :class:`~gan_course.training.Trainer`, and a sampler.
The chapter shows the recipe and the step functions, then calls ``build``; the
command line calls the same ``build``, so a model trained either way is the same model.

Each model's module defines ``ENTRY``, a :class:`ModelEntry`; ``MODELS`` is a plain dict
from the command line's model names to them, in chapter order.
"""

from __future__ import annotations

import importlib

from ..errors import CourseError
from .common import SMOKE, ModelEntry, config_from, model_hparams
from .vanilla import VanillaRecipe, build_vanilla, sample_unconditional

_MODULES = ("vanilla", "cgan", "dcgan", "infogan", "pix2pix", "cyclegan", "wgan", "stylegan",
            "ddpm")  # model name = module name, chapter order


# every model's entry, in chapter order (importing every recipe module costs well under 0.1 s)
MODELS: dict[str, ModelEntry] = {m: importlib.import_module(f"{__name__}.{m}").ENTRY for m in _MODULES}


def get_model(name: str) -> ModelEntry:
    """The registry entry for ``name``, or a clear error listing the models there are."""
    if not isinstance(name, str) or name not in MODELS:
        raise CourseError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    return MODELS[name]


__all__ = ["MODELS", "SMOKE", "ModelEntry", "VanillaRecipe", "build_vanilla", "config_from", "get_model",
           "model_hparams", "sample_unconditional"]
