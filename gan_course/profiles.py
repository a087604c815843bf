"""Compute profiles: ``smoke`` (seconds, for CI) and ``full`` (the real run).

One environment variable, ``GAN_COURSE_PROFILE``, chooses the profile. The code
path is the same in both; only sizes and step counts differ, so a green ``smoke``
run exercises every line a ``full`` run does.
"""

from __future__ import annotations

from typing import TypeVar

from .errors import CourseError
from .settings import PROFILE, read

ENV_VAR = PROFILE.name  # "GAN_COURSE_PROFILE"
PROFILES = PROFILE.values  # ("smoke", "full")
DEFAULT = PROFILE.default  # "full"

T = TypeVar("T")


def current_profile() -> str:
    """The active profile: ``$GAN_COURSE_PROFILE`` or ``full`` when unset (read by :mod:`gan_course.settings`)."""
    return read(PROFILE)


def check_profile(value: str) -> str:
    if value not in PROFILES:
        raise CourseError(
            f"unknown profile {value!r}: set {ENV_VAR} to one of {', '.join(PROFILES)} "
            f"(or unset it for {DEFAULT!r})"
        )
    return value


def pick(*, smoke: T, full: T, profile: str | None = None) -> T:
    """Return the value for the active profile: ``pick(smoke=50, full=8000)``."""
    if profile is not None and profile != "" and (not isinstance(profile, str) or profile not in PROFILES):
        raise CourseError(f"unknown profile {profile!r:.60}: profile must be one of {', '.join(PROFILES)}, or None "
                          "for the active one")
    return smoke if (check_profile(profile) if profile else current_profile()) == "smoke" else full
