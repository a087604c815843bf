"""Chapter 1's toy-lab recipe (gan_course.recipes.toy)."""

import pytest

from gan_course.errors import CourseError
from gan_course.theory import Mixture1D
from gan_course.recipes.toy import ToyGANConfig


def test_toy_config_checks_pack():
    with pytest.raises(CourseError, match="multiple of pack"):
        ToyGANConfig(batch_size=100, pack=3)
    with pytest.raises(CourseError):
        Mixture1D(means=(0.0,), stds=(-1.0,))
