"""Walking the latent space: straight and spherical interpolation between noise vectors.

Both functions take two end points of the same shape ``(..., D)`` (one vector
``(D,)`` or a batch ``(N, D)``) and a tensor of positions ``t`` ``(T,)`` in
[0, 1], and return the path ``(T, ..., D)``: ``path[0]`` is ``z0`` and
``path[-1]`` is ``z1``.
"""

from __future__ import annotations

import math

import torch

from .errors import CourseError


def _check(z0: torch.Tensor, z1: torch.Tensor, t) -> torch.Tensor:
    """The positions ``t`` shaped to broadcast against the end points, after checking all three."""
    from . import arguments

    for name, z in (("z0", z0), ("z1", z1)):
        arguments.tensor(name, z, what="a noise tensor (D,) or (N, D)", floating=True)
        if not bool(torch.isfinite(z).all()):
            raise CourseError(f"{name} holds NaN or infinite values: draw it again with torch.randn")
    if z0.device != z1.device:
        raise CourseError(f"z0 and z1 must be on the same device, got {z0.device} and {z1.device}: "
                          "move one with .to(...)")
    if z0.shape != z1.shape or z0.dim() == 0:
        raise CourseError(f"the two end points must have the same shape (D,) or (N, D), got "
                          f"{tuple(z0.shape)} and {tuple(z1.shape)}: draw both with the same torch.randn call")
    if isinstance(t, (bool, str)) or not isinstance(t, (int, float, list, tuple, torch.Tensor)) \
            or (isinstance(t, torch.Tensor) and (t.is_meta or t.is_complex())):
        raise CourseError(f"t must be positions in [0, 1]: a number or a tensor such as torch.linspace(0, 1, 9), "
                          f"got {arguments.shown(t)} ({type(t).__name__})")
    try:
        t = torch.as_tensor(t, dtype=z0.dtype, device=z0.device).reshape(-1)  # (T,)
    except (TypeError, ValueError, RuntimeError):
        raise CourseError(f"t must be positions in [0, 1]: a number or a tensor such as torch.linspace(0, 1, 9), "
                          f"got {arguments.shown(t)}") from None
    if t.numel() == 0:
        raise CourseError("t is empty: pass at least one position in [0, 1], e.g. torch.linspace(0, 1, 9)")
    if not bool(torch.isfinite(t).all()):
        raise CourseError("t holds NaN or infinite values: pass positions in [0, 1], e.g. torch.linspace(0, 1, 9)")
    if float(t.min()) < 0 or float(t.max()) > 1:
        raise CourseError(f"t must be positions in [0, 1], got values from {float(t.min()):g} to "
                          f"{float(t.max()):g}: use e.g. torch.linspace(0, 1, 9)")
    return t.reshape(-1, *([1] * z0.dim()))  # (T, 1, ..., 1): broadcasts against (..., D)


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Straight line: (1 - t) z0 + t z1. ``z0, z1``: (..., D); ``t``: (T,) -> (T, ..., D)."""
    t = _check(z0, z1, t)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (White 2016): follow the great circle from z0 to z1.

        slerp(z0, z1; t) = [sin((1 - t) w) z0 + sin(t w) z1] / sin(w),   cos w = <z0, z1> / (|z0| |z1|)

    A Gaussian z in high dimension lives near the sphere of radius sqrt(D); the
    straight path's midpoint is shorter (norm ≈ sqrt(D/2) for independent ends),
    a region G never saw in training. Along the arc the norm stays between those
    of the ends (exactly constant when they are equal).

    ``z0, z1``: (..., D), each row interpolated on its own; ``t``: (T,) -> (T, ..., D).
    Where the ends are (anti)parallel the arc is not defined and the straight
    line is used for that row.
    """
    t = _check(z0, z1, t)  # (T, 1, ..., 1)
    u0, u1 = torch.nn.functional.normalize(z0, dim=-1), torch.nn.functional.normalize(z1, dim=-1)
    # the angle between the ends, (..., 1); atan2 stays accurate where arccos(cos w) does not (w near 0 or pi)
    omega = 2 * torch.atan2((u0 - u1).norm(dim=-1), (u0 + u1).norm(dim=-1)).unsqueeze(-1)
    sin = torch.sin(omega)
    degenerate = sin.abs() < 1e-4  # parallel or antiparallel ends
    safe_sin = torch.where(degenerate, torch.ones_like(sin), sin)
    arc = (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / safe_sin  # (T, ..., D)
    return torch.where(degenerate, (1 - t) * z0 + t * z1, arc)


def typical_norm(latent_dim: int) -> tuple[float, float]:
    """Mean and standard deviation of |z| for z ~ N(0, I_D) (the chi distribution).

    The mean is sqrt(2) Γ((D+1)/2) / Γ(D/2) ≈ sqrt(D - 1/2), the standard
    deviation is close to sqrt(1/2) for any large D: the norms crowd on a thin
    shell, which is why a path through the inside of the ball leaves the data G
    was trained on.
    """
    from . import arguments

    latent_dim = arguments.whole("latent_dim", latent_dim, 1, 10**9, example=64)
    mean = math.sqrt(2) * math.exp(math.lgamma((latent_dim + 1) / 2) - math.lgamma(latent_dim / 2))
    return mean, math.sqrt(max(latent_dim - mean**2, 0.0))
