"""Hands-on exercises and concept questions: the checkers behind every chapter's "Your turn" cells.

The chapters use ``from gan_course import exercises`` and

* ``exercises.check("chN.name", my_function)``: compare a function with the course's, and say where it
  differs, which recorded mistake it matches and where to reread (never the code);
* ``exercises.hint("chN.name")``: the next hint, each more specific than the last, still no code;
* ``exercises.solution("chN.name")``: the worked solution, only when asked for;
* ``exercises.ask("chN.question", answer)``: a concept question (``ask(id)`` prints it).

:mod:`.core` holds the machinery. Each chapter's module ``chNN.py`` (``ch01`` ... ``ch09`` ...) defines
``EXERCISES: dict[str, Check]``, ids ``"chN.name"``: the code half of each exercise (the reference, the
recorded mistakes, the cases). Its text half, what the learner reads (the title, the hints, each mistake's
hint), is in ``chNN.toml`` beside it. Every module named ``chNN`` in this folder is found, each check is
joined with its text (:func:`~.core.exercises_from`) and registered here, in order. The concept questions
are all in ``questions.toml``.
"""

import importlib
import pkgutil
import re

from . import core
from .core import (EXERCISE_TEXTS, GENERAL_HINT, NOT_DONE, QUESTIONS_FILE, Check, Exercise, Mistake, Question, ask,
                   check, diagnose, exercises_from, get, get_question, grade, hint, load_questions, register, solution,
                   solution_text, EXERCISES, QUESTIONS)

CHAPTER_MODULES = sorted(info.name for info in pkgutil.iter_modules(__path__) if re.fullmatch(r"ch\d\d", info.name))
_CHECKS = {}  # every exercise's code half, by id; its text half is in chNN.toml
for _name in CHAPTER_MODULES:
    _CHECKS.update(importlib.import_module(f"{__name__}.{_name}").EXERCISES)

# the exercises' own restatements of what a model computes inside (tested to agree with the models)
from .ch02 import SIGMOID_BCE, d_step_loss  # noqa: E402
from .ch03 import discriminator_input, projection_logit  # noqa: E402
from .ch06 import pix2pix_generator_loss, skip_connection  # noqa: E402
from .ch07 import cycle_and_identity_losses  # noqa: E402
from .ch08 import frechet_distance_from_features  # noqa: E402

# the build exercises (one per chapter) and the wiring that trains with the learner's code; the concept questions
from .builds import BUILD_EXERCISES, yours_or_course  # noqa: E402
_CHECKS.update(BUILD_EXERCISES)
register(exercises_from(_CHECKS, sorted(EXERCISE_TEXTS.glob("ch[0-9][0-9].toml"))), where="the chapters' chNN.toml")
register(questions=load_questions(QUESTIONS_FILE), where=QUESTIONS_FILE.name)

__all__ = ["NOT_DONE", "GENERAL_HINT", "Mistake", "Exercise", "Question", "diagnose", "get", "get_question",
           "check", "hint", "solution", "solution_text", "ask", "grade", "register", "d_step_loss",
           "discriminator_input", "projection_logit", "skip_connection", "pix2pix_generator_loss",
           "cycle_and_identity_losses", "frechet_distance_from_features", "SIGMOID_BCE", "EXERCISES", "QUESTIONS",
           "CHAPTER_MODULES", "BUILD_EXERCISES", "yours_or_course", "load_questions", "QUESTIONS_FILE", "Check",
           "exercises_from", "EXERCISE_TEXTS"]
