"""Checks of the arguments that a notebook passes to the course's public functions.

Every public function that a chapter calls checks its arguments at the top with
these helpers, before it changes anything, and a wrong argument is one sentence,
:class:`~gan_course.errors.CourseError`, that names the argument, what it got and
what it accepts (the same care as the command line's options). Each kind of check
lives here once; the image checks of the metrics build on :func:`tensor`.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch

from .errors import CourseError

MAX_SEED = 2**64 - 1  # torch.manual_seed's range (NumPy gets the seed modulo 2**32)
MAX_RUN_SEED = 2**40  # a training run's seed: its data order derives a seed per epoch from it (Batches)


def shown(value, limit: int = 60) -> str:
    """``value`` as a short one-line repr for a message (a tensor or array by its type and shape)."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if type(value).__module__ == "numpy" and hasattr(value, "shape") and getattr(value, "ndim", 0):
        return f"a NumPy array of shape {tuple(value.shape)}"
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def whole(name: str, value, minimum: int | None = None, maximum: int | None = None, example=None) -> int:
    """``value`` as an ``int`` if it is a whole number in [minimum, maximum]; else one-sentence CourseError.

    ``True``/``False``, floats (even ``3.0``) and strings (even ``'10'``) are refused:
    a notebook that passes them has a bug that a conversion would hide.
    """
    if minimum is not None and maximum is not None:
        accepts = f"a whole number from {minimum:,} to {maximum:,}"
    elif minimum is not None:
        accepts = "a positive whole number" if minimum == 1 else f"a whole number of at least {minimum:,}"
    elif maximum is not None:
        accepts = f"a whole number of at most {maximum:,}"
    else:
        accepts = "a whole number"
    example = example if example is not None else (minimum if minimum is not None and minimum > 0 else 1)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise CourseError(f"{name} must be {accepts}, got {shown(value)} ({type(value).__name__}): "
                          f"pass an int such as {example}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        got = f"{value:,}" if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
        raise CourseError(f"{name} must be {accepts}, got {got}: pass an int such as {example}")
    return value


def held_out_items(name: str, value) -> int:
    """How many held-out test items to use: a whole number from 1 (its upper bound, the number of items there
    are, is checked once the data is loaded)."""
    value = whole(name, value, example=8)
    if not 1 <= value <= MAX_SAMPLES:
        raise CourseError(f"{name} must be between 1 and the number of held-out test items, got {value:,}")
    return value


def optional_whole(name: str, value, minimum: int | None = None, maximum: int | None = None, example=None):
    """:func:`whole`, or ``None`` when ``value`` is ``None`` (the function's default)."""
    return None if value is None else whole(name, value, minimum, maximum, example)


def number(name: str, value, minimum: float | None = None, maximum: float | None = None,
           above: float | None = None) -> float:
    """``value`` as a finite ``float`` in range (``above``: strictly greater); else one-sentence CourseError."""
    import math

    parts = (["above " + f"{above:g}"] if above is not None else []) \
        + ([f"at least {minimum:g}"] if minimum is not None else []) \
        + ([f"at most {maximum:g}"] if maximum is not None else [])
    accepts = "a finite number" + (" " + " and ".join(parts) if parts else "")
    def finite(v) -> bool:
        try:
            return math.isfinite(float(v))
        except OverflowError:  # an int too large for a float
            return False

    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not finite(value):
        raise CourseError(f"{name} must be {accepts}, got {shown(value)}: pass e.g. "
                          f"{minimum if minimum is not None else 1.0}")
    value = float(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum) \
            or (above is not None and value <= above):
        raise CourseError(f"{name} must be {accepts}, got {value:g}")
    return value


def instance(name: str, value, types, accepts: str):
    """``value`` if it is one of ``types``; else one-sentence CourseError naming what it accepts."""
    if not isinstance(value, types):
        raise CourseError(f"{name} must be {accepts}, got {shown(value)} ({type(value).__name__})")
    return value


def tensor(name: str, value, dims: int | tuple[int, ...] | None = None, what: str = "",
           min_len: int = 0, floating: bool = False) -> torch.Tensor:
    """``value`` if it is a usable tensor: real data (not ``meta``), ``dims`` dimensions, ``min_len`` rows."""
    what = what or (f"a tensor of {dims} dimensions" if isinstance(dims, int) else "a tensor")
    if type(value).__module__ == "numpy" and hasattr(value, "shape"):
        raise CourseError(f"{name} must be {what}, got {shown(value)}: convert it with torch.from_numpy(...)")
    if not isinstance(value, torch.Tensor):
        raise CourseError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    if value.is_meta:
        raise CourseError(f"{name} is a meta tensor (a shape without values): pass a tensor that holds data, "
                          "e.g. one created on the cpu or a GPU")
    allowed = (dims,) if isinstance(dims, int) else dims
    if allowed is not None and value.dim() not in allowed:
        raise CourseError(f"{name} must be {what}, got shape {tuple(value.shape)}")
    if floating and not (value.is_floating_point() or value.is_complex()):
        raise CourseError(f"{name} must hold floating-point values, got dtype {value.dtype}: convert with .float()"
                          + (" / 127.5 - 1 for uint8 pixels" if value.dtype == torch.uint8 else ""))
    if value.dim() and len(value) < min_len:
        raise CourseError(f"{name} must hold at least {min_len} rows, got {len(value)}")
    return value


def as_tensor(name: str, value, what: str = "a tensor") -> torch.Tensor:
    """``value`` as a tensor: a tensor that holds data, or a NumPy array or a list of numbers (converted)."""
    if isinstance(value, torch.Tensor):
        return tensor(name, value, what=what)
    if not (isinstance(value, (list, tuple)) or (type(value).__module__ == "numpy" and hasattr(value, "shape"))):
        raise CourseError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise CourseError(f"{name} must be {what}, got {shown(value)}, which is not a table of numbers") from None


def values(name: str, value, what: str = "an array of numbers", minimum: float | None = None,
           maximum: float | None = None, above: float | None = None, below: float | None = None,
           min_len: int = 1) -> np.ndarray:
    """``value`` as a float64 NumPy array (a list, an array or a CPU tensor of numbers): no NaN, at least
    ``min_len`` values, each in range (``above``/``below``: strictly). Infinities pass unless a bound refuses them."""
    if isinstance(value, torch.Tensor):
        value = tensor(name, value, what=what).detach().cpu().numpy()
    if value is None or isinstance(value, (str, bytes, dict)) or isinstance(value, bool):
        raise CourseError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CourseError(f"{name} must be {what}, got {shown(value)}, which is not all numbers") from None
    if array.size < min_len:
        raise CourseError(f"{name} must hold at least {min_len} value{'s' if min_len > 1 else ''}, got "
                          f"{array.size}: pass {what}")
    if np.isnan(array).any():
        raise CourseError(f"{name} holds {int(np.isnan(array).sum())} NaN value(s): pass {what} without NaN")
    bounds = [("at least", minimum, np.less), ("at most", maximum, np.greater),
              ("above", above, np.less_equal), ("below", below, np.greater_equal)]
    for words, bound, outside in bounds:
        if bound is not None and outside(array, bound).any():
            raise CourseError(f"{name} must be {what}, each {words} {bound:g}, got values in "
                              f"[{array.min():.4g}, {array.max():.4g}]")
    return array


def integers(name: str, value, n: int | None = None, low: int | None = None, high: int | None = None,
             what: str = "one integer per image") -> torch.Tensor:
    """``value`` as a (N,) int64 tensor on the CPU: class indices or codes, ``n`` of them, in [low, high]."""
    shape = f"shape ({n},)" if n is not None else "shape (N,)"
    codes = as_tensor(name, value, f"{what}, {shape}")
    if codes.dim() != 1 or (n is not None and len(codes) != n):
        raise CourseError(f"{name} must be {what}, {shape}, got shape {tuple(codes.shape)}")
    if codes.is_floating_point() or codes.is_complex() or codes.dtype == torch.bool:
        raise CourseError(f"{name} must be integers, got {codes.dtype}: pass class indices, not one-hot or logits")
    codes = codes.long().cpu()
    outside = len(codes) and ((low is not None and int(codes.min()) < low)
                              or (high is not None and int(codes.max()) > high))
    if outside:
        raise CourseError(f"{name} must be {what} (from {low} to {high}), got values in [{int(codes.min())}, "
                          f"{int(codes.max())}]")
    return codes


def mapping(name: str, value, what: str, keys: tuple[str, ...] = ()):
    """``value`` if it is a non-empty dict (a Mapping) holding ``keys``; else one sentence naming ``what``."""
    from collections.abc import Mapping

    if not isinstance(value, Mapping):
        raise CourseError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    if not value:
        raise CourseError(f"{name} is empty: pass {what}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise CourseError(f"{name} must be {what}, but it has no {missing[0]!r}: it has "
                          f"{', '.join(map(repr, value))}")
    return value


def sequence(name: str, value, what: str, min_len: int = 1):
    """``value`` as a list if it is a list, tuple or range of at least ``min_len`` items (not a string, a
    tensor or a dict); else one sentence naming ``what`` it must be."""
    if isinstance(value, (str, bytes, dict, torch.Tensor)) or not isinstance(value, (list, tuple, range)):
        raise CourseError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    if len(value) < min_len:
        raise CourseError(f"{name} must hold at least {min_len} item{'s' if min_len > 1 else ''}, got "
                          f"{len(value)}: pass {what}")
    return list(value)


def optional_path(name: str, value, what: str = "a folder"):
    """``value`` if it is ``None`` or a path (a ``str`` or ``Path``); a number or a list is one sentence."""
    import os

    blank = isinstance(value, str) and not value.strip()
    if value is not None and (not isinstance(value, (str, os.PathLike)) or blank):
        raise CourseError(f"{name} must be {what} (a str or Path) or None, got {shown(value)} "
                          f"({type(value).__name__})")
    return value


def seeds(name: str, value) -> list[int]:
    """``value`` as a list of run seeds: a non-empty list (or range) of whole numbers."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, range)) or not len(value):
        raise CourseError(f"{name} must be a non-empty list of whole numbers, got {shown(value)} "
                          f"({type(value).__name__}): pass e.g. [0, 1, 2]")
    return [whole(f"{name}[{i}]", s, 0, MAX_RUN_SEED, example=0) for i, s in enumerate(value)]


def scores(name: str, value) -> torch.Tensor:
    """A loss's input: a tensor that holds data (not ``meta``) and at least one value.

    Cheap enough for every training step: it reads the type, device kind and shape, never
    the values (a look at the values would wait for the GPU)."""
    value = tensor(name, value, what="a tensor (a batch of scores or images)")
    if value.numel() == 0:
        raise CourseError(f"{name} must hold at least one value, got an empty tensor of shape "
                          f"{tuple(value.shape)}: pass the batch's scores")
    return value


def same_shape(name: str, value: torch.Tensor, other_name: str, other: torch.Tensor) -> torch.Tensor:
    """``value`` if it has ``other``'s shape (two tensors compared value by value; no silent broadcasting)."""
    if value.shape != other.shape:
        raise CourseError(f"{name} must have the shape of {other_name}, {tuple(other.shape)}, got "
                          f"{tuple(value.shape)}: pass matching batches (no broadcasting)")
    return value


def same_rows(name: str, value: torch.Tensor, other_name: str, other: torch.Tensor) -> torch.Tensor:
    """``value`` if it has as many rows (samples) as ``other``."""
    if value.dim() == 0 or other.dim() == 0 or len(value) != len(other):
        got = len(value) if value.dim() else "a scalar"
        rows = len(other) if other.dim() else 0
        raise CourseError(f"{name} must have one row per row of {other_name} ({rows}), got {got}: pass the same "
                          "batch")
    return value


def flag(name: str, value) -> bool:
    """``value`` if it is ``True`` or ``False`` (not a word such as ``'no'``, not ``None`` nor ``0``)."""
    if not isinstance(value, bool):
        raise CourseError(f"{name} must be True or False, got {shown(value)} ({type(value).__name__})")
    return value


def function(name: str, value):
    """``value`` if it can be called (a model, a critic, a function)."""
    if not callable(value):
        raise CourseError(f"{name} must be a callable (a torch module or a function), got {shown(value)} "
                          f"({type(value).__name__})")
    return value


def warn_if_unit_range(images: torch.Tensor, name: str = "images") -> None:
    """Warn when images that should be in [-1, 1] look like [0, 1] (every value between 0 and 1).

    The course's images use [-1, 1] (background -1); a set in [0, 1] is mid-grey
    where it should be black and scores as very bad images (FD in the hundreds)."""
    if images.numel() == 0 or not images.is_floating_point():
        return
    low, high = torch.aminmax(images.detach().float())
    low, high = float(low), float(high)
    if low >= 0.0 and high <= 1.0 and high > low:
        warnings.warn(f"{name} look like they are in [0, 1] (min {low:.3g}, max {high:.3g}), but the course's "
                      "images are in [-1, 1]: rescale them with images * 2 - 1", UserWarning, stacklevel=3)



def config(value, cls: type, model: str, name: str = "cfg"):
    """``value`` if it is the ``cls`` configuration a model's constructor takes (e.g. a ``DCGANConfig``);
    checked before any layer is built (building one draws from the global RNG)."""
    if not isinstance(value, cls):
        got = article(type(value).__name__) if hasattr(value, "__dataclass_fields__") else \
            f"{shown(value)} ({type(value).__name__})"
        raise CourseError(f"{model} needs {name} to be {article(cls.__name__)}, got {got}: pass e.g. "
                          f"{cls.__name__}() or the chapter's recipe.model")
    return value


def article(name: str) -> str:
    """``"a CGANRecipe"``, ``"an InfoGANRecipe"``."""
    return ("an " if name[:1].upper() in "AEIOU" else "a ") + name


def positive_whole_fields(config, names, owner: str = "") -> None:
    """Each field ``names`` of a config dataclass must be a positive ``int`` (not a bool): else one
    :class:`CourseError` naming it (``owner`` is prefixed, e.g. ``"DCGANConfig."``)."""
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CourseError(f"{owner}{name} must be a positive whole number, got {value!r}")


def recipe(value, accepted: tuple[type, ...], function: str, device="cpu", seed: int = 0, precision=None):
    """``value`` if it is one of the ``accepted`` recipe classes (a build function's first argument);
    with the ``device``, ``seed`` and ``precision`` the function got checked too, before it seeds or loads
    anything."""
    from .runtime import check_device, precision_for

    if not isinstance(value, accepted):
        names = " or ".join(article(cls.__name__) for cls in accepted)
        got = (article(type(value).__name__) if hasattr(value, "__dataclass_fields__")
               else f"{shown(value)} ({type(value).__name__})")
        make = accepted[0].__name__ + (".for_profile()" if hasattr(accepted[0], "for_profile") else "()")
        raise CourseError(f"{function} needs recipe to be {names}, got {got}: pass the chapter's recipe, "
                          f"e.g. {make}")
    precision_for(check_device(device), precision)  # an unusable arithmetic is refused here, before any work
    whole("seed", seed, 0, MAX_RUN_SEED, example=0)
    return value


MAX_SAMPLES = 100_000  # the most images one sampling call draws (100,000 32x32 images: 400 MB of floats)


def sampler(G, n, device, batch, function: str) -> None:
    """A sampler's arguments: a generator with a ``cfg``, ``n`` images (1 to :data:`MAX_SAMPLES`), a device
    this machine has, a batch size; checked before any noise is drawn (the global RNG is left as it was)."""
    from .runtime import check_device

    if not isinstance(G, torch.nn.Module) or not hasattr(G, "cfg"):
        raise CourseError(f"{function} needs G to be one of the course's generators (a torch module with a cfg), "
                          f"got {shown(G)} ({type(G).__name__})")
    whole("n", n, 1, MAX_SAMPLES, example=64)
    check_device(device)
    whole("batch", batch, 1, MAX_SAMPLES, example=500)
