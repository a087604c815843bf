"""Walking the latent space: straight and spherical interpolation between noise vectors."""

from __future__ import annotations

import torch


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Straight line: (1 - t) z0 + t z1. ``z0, z1``: (D,); ``t``: (T,) -> (T, D)."""
    t = t.reshape(-1, 1).to(z0)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (White 2016): follow the great circle from z0 to z1.

    A Gaussian z in high dimension lives near the sphere of radius sqrt(D); the
    straight path's midpoint is shorter (norm ≈ sqrt(D/2) for independent ends),
    a region G never saw in training. ``z0, z1``: (D,); ``t``: (T,) -> (T, D).
    """
    t = t.reshape(-1, 1).to(z0)
    cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:  # (anti)parallel ends: the straight line is the arc
        return lerp(z0, z1, t)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
