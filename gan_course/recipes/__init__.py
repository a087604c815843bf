"""Recipes: one per model, shared by its chapter and by ``python -m gan_course``.

A recipe is a ``@dataclass`` of every training setting plus a ``build`` function
that turns it into a ready :class:`~gan_course.training.Trainer`. The chapter
shows the recipe and the step functions, then calls ``build``; the command line
calls the same ``build``, so a model trained either way is the same model.

Each model's module defines ``ENTRY``, a :class:`ModelEntry`; the registry below
imports a module only when its model is asked for.
"""

from __future__ import annotations

import importlib

from ..errors import CourseError
from .common import ModelEntry, config_from, model_hparams
from .vanilla import VanillaRecipe, build_vanilla, sample_unconditional

# model name -> module (in this package) that defines ENTRY, in chapter order
_MODULES = {
    "vanilla": "vanilla",
    "cgan": "cgan",
    "dcgan": "dcgan",
    "infogan": "infogan",
    "pix2pix": "pix2pix",
    "cyclegan": "cyclegan",
}


def _available() -> list[str]:
    return [name for name, mod in _MODULES.items()
            if importlib.util.find_spec(f"{__name__}.{mod}") is not None]


class _Registry(dict):
    """``MODELS[name]`` -> :class:`ModelEntry`, importing the model's module on first use."""

    def __missing__(self, name):
        if name not in _MODULES or name not in _available():
            raise KeyError(name)
        entry = importlib.import_module(f"{__name__}.{_MODULES[name]}").ENTRY
        self[name] = entry
        return entry

    def __contains__(self, name):
        return name in _available()

    def __iter__(self):
        return iter(_available())

    def keys(self):
        return _available()

    def __len__(self):
        return len(_available())


MODELS: dict[str, ModelEntry] = _Registry()


def get_model(name: str) -> ModelEntry:
    """The registry entry for ``name``, or a clear error listing the models there are."""
    if name not in MODELS:
        raise CourseError(f"unknown model {name!r}: choose one of {', '.join(MODELS.keys())}")
    return MODELS[name]


__all__ = ["MODELS", "ModelEntry", "VanillaRecipe", "build_vanilla", "config_from", "get_model",
           "model_hparams", "sample_unconditional"]
