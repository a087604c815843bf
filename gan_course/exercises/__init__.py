"""Hands-on exercises and concept questions: the checkers behind every chapter's "Your turn" cells.

The chapters use ``from gan_course import exercises`` and

* ``exercises.check("chN.name", my_function)``: compare a function with the course's, and say where it
  differs, which recorded mistake it matches and where to reread (never the code);
* ``exercises.hint("chN.name")``: the next hint, each more specific than the last, still no code;
* ``exercises.solution("chN.name")``: the worked solution, only when asked for;
* ``exercises.ask("chN.question", answer)``: a concept question (``ask(id)`` prints it).

:mod:`.core` holds the machinery. Each chapter's module ``chNN.py`` (``ch01`` ... ``ch09`` ...) defines
``EXERCISES: dict[str, Exercise]`` and ``QUESTIONS: dict[str, Question]``, ids ``"chN.name"``; every
module named ``chNN`` in this folder is found and merged here with :func:`~.core.register`, in order.
"""

import importlib
import pkgutil
import re

from . import core
from .core import (GENERAL_HINT, NOT_DONE, Exercise, Mistake, Question, ask, check, diagnose, get, get_question,
                   grade, hint, register, solution, solution_text, EXERCISES, QUESTIONS)

CHAPTER_MODULES = sorted(info.name for info in pkgutil.iter_modules(__path__) if re.fullmatch(r"ch\d\d", info.name))
for _name in CHAPTER_MODULES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    register(getattr(_module, "EXERCISES", {}), getattr(_module, "QUESTIONS", {}), where=_module.__name__)

# the exercises' own restatements of what a model computes inside (tested to agree with the models)
from .ch02 import SIGMOID_BCE, d_step_loss  # noqa: E402
from .ch03 import discriminator_input, projection_logit  # noqa: E402
from .ch06 import pix2pix_generator_loss, skip_connection  # noqa: E402
from .ch07 import cycle_and_identity_losses  # noqa: E402
from .ch08 import frechet_distance_from_features  # noqa: E402

# the build exercises (one per chapter), more concept questions, and the wiring that trains with the learner's code
from .builds import BUILD_EXERCISES, yours_or_course  # noqa: E402
from .questions_content import QUESTIONS as _MORE_QUESTIONS  # noqa: E402
register(BUILD_EXERCISES, _MORE_QUESTIONS, where=f"{__name__}.builds")

__all__ = ["NOT_DONE", "GENERAL_HINT", "Mistake", "Exercise", "Question", "diagnose", "get", "get_question", "check",
           "hint", "solution", "solution_text", "ask", "grade", "register", "d_step_loss", "discriminator_input",
           "projection_logit", "skip_connection", "pix2pix_generator_loss", "cycle_and_identity_losses",
           "frechet_distance_from_features", "SIGMOID_BCE", "EXERCISES", "QUESTIONS", "CHAPTER_MODULES", "BUILD_EXERCISES", "yours_or_course"]
