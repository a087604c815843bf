"""Hands-on exercises: the checkers behind every chapter's "Your turn" cells.

They are course furniture, not part of the GAN library, so they sit in their own
folder: :mod:`.checks` holds the exercises, their reference answers and the
recorded mistakes. The chapters use ``from gan_course import exercises`` and
``exercises.check("chN.name", my_function)``.
"""

from .checks import (NOT_DONE, Mistake, Exercise, diagnose, get, check, d_step_loss, discriminator_input,
                     projection_logit, skip_connection, pix2pix_generator_loss,
                     cycle_and_identity_losses, frechet_distance_from_features, SIGMOID_BCE,
                     EXERCISES)

__all__ = ["NOT_DONE", "Mistake", "Exercise", "diagnose", "get", "check", "d_step_loss", "discriminator_input",
           "projection_logit", "skip_connection", "pix2pix_generator_loss",
           "cycle_and_identity_losses", "frechet_distance_from_features", "SIGMOID_BCE", "EXERCISES"]
from .ch09 import EXERCISES as _CH09  # noqa: E402 (chapter 9's exercises, defined in their own module)
EXERCISES.update(_CH09)
