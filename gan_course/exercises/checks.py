"""Kept for older imports: the machinery now lives in :mod:`.core`, the exercises in one module per chapter."""

from .core import *  # noqa: F401,F403
from .core import _m, _randn, _gen  # noqa: F401
