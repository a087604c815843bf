"""Chapter 10's measures of a style-based generator's latent spaces: truncation in W, and walks in Z and in W."""

from __future__ import annotations

from typing import Callable

import torch

from .. import arguments
from ..errors import CourseError
from ..runtime import check_device, eval_mode, in_chunks
from .codes import predicted_classes
from .images import score_images


@torch.no_grad()
def draw_truncated(G, n: int, psi: float, seed: int = 0, truncate_fn: Callable | None = None,
                   device="cpu") -> torch.Tensor:
    """``n`` images (n, C, 32, 32) from seeded z, truncated in W with ``psi`` and fixed per-layer noise.

    ``truncate_fn(G, z, psi) -> w`` computes the truncated w (default: ``G.truncate(G.mapping(z), psi)``);
    chapter 10 passes the learner's own.
    """
    _check_draw(G, seed, truncate_fn, device, "draw_truncated")
    arguments.whole("n", n, 1, arguments.MAX_SAMPLES, example=64)
    arguments.number("psi", psi, 0.0, 1.0)
    z = torch.randn(n, G.cfg.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)  # (n, latent)
    truncate_fn = truncate_fn or (lambda G, z, psi: G.truncate(G.mapping(z), psi))
    with eval_mode(G):
        return in_chunks(lambda chunk, i: G.synthesis(G.broadcast(truncate_fn(G, chunk, psi)), noise_seed=seed + i),
                         z, indexed=True)


def _check_draw(G, seed, truncate_fn, device, function: str) -> None:
    from ..models.stylegan import check_style_generator

    check_style_generator(G, function)
    arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)  # seed + i seeds chunk i's noise
    if truncate_fn is not None:
        arguments.function("truncate_fn", truncate_fn)
    check_device(device)


def w_truncation_sweep(G, psis, n: int, seed: int = 0, truncate_fn: Callable | None = None,
                       device="cpu") -> dict[float, dict[str, float]]:
    """``{ψ: scores}``: FD, KID, precision and recall (chapter 8's) of ``n`` samples truncated in W with each ψ.

    The same z and noise for every ψ, so the rows differ by ψ alone.
    """
    from .images import MIN_N

    _check_draw(G, seed, truncate_fn, device, "w_truncation_sweep")
    arguments.whole("n", n, MIN_N, 10_000, example=1000)  # score_images' range: up to the 10,000 test images
    arguments.values("psis", psis, "a list of truncations ψ from 0 to 1, e.g. (1.0, 0.7, 0.5)", minimum=0.0,
                     maximum=1.0)
    return {float(psi): score_images(draw_truncated(G, n, psi, seed, truncate_fn, device), device=device, n=n)
            for psi in psis}


@torch.no_grad()
def walk_class_changes(G, n_walks: int, n_points: int = 16, seed: int = 0, device="cpu") -> dict[str, dict]:
    """Straight walks between pairs of random latents, in Z and in W: how often the predicted class changes.

    For each pair (z0, z1), the Z walk draws G(lerp(z0, z1, t)) and the W walk
    synthesises from lerp(w0, w1, t), w = mapping(z), at ``n_points`` evenly spaced t
    with the same per-layer noise. The course classifier labels every image. A walk
    through a space where the classes are laid out simply changes class rarely
    (once, if the two ends differ). Returns ``{"Z": ..., "W": ...}``, each with
    ``mean_changes`` (class changes per walk), ``share_extra`` (walks that change
    class more often than their two ends require) and ``classes`` (n_walks, n_points).
    """
    _check_draw(G, seed, None, device, "walk_class_changes")
    arguments.whole("n_walks", n_walks, 1, 10_000, example=400)
    arguments.whole("n_points", n_points, 2, 1_000, example=16)
    if n_walks * n_points > arguments.MAX_SAMPLES:
        raise CourseError(f"n_walks x n_points must be at most {arguments.MAX_SAMPLES:,} images, got {n_walks:,} x "
                          f"{n_points} = {n_walks * n_points:,}: pass fewer walks, e.g. n_walks=400")
    gen = torch.Generator().manual_seed(seed)
    z0 = torch.randn(n_walks, G.cfg.latent_dim, generator=gen).to(device)
    z1 = torch.randn(n_walks, G.cfg.latent_dim, generator=gen).to(device)
    t = torch.linspace(0, 1, n_points, device=device).reshape(1, -1, 1)  # (1, T, 1)
    out = {}
    with eval_mode(G):
        w0, w1 = G.mapping(z0), G.mapping(z1)  # (n, w_dim) each
        for space, (a, b) in (("Z", (z0, z1)), ("W", (w0, w1))):
            path = (a.unsqueeze(1) + t * (b - a).unsqueeze(1)).reshape(n_walks * n_points, -1)  # (n*T, dim)
            ws = G.mapping(path) if space == "Z" else path  # (n*T, w_dim)
            images = torch.cat([G.synthesis(G.broadcast(chunk), noise_seed=seed) for chunk in ws.split(512)])
            classes = predicted_classes(images.cpu(), device).reshape(n_walks, n_points)  # (n, T)
            changes = (classes[:, 1:] != classes[:, :-1]).sum(dim=1)  # (n,)
            needed = (classes[:, 0] != classes[:, -1]).long()  # 1 if the ends differ
            out[space] = {"mean_changes": float(changes.float().mean()),
                          "share_extra": float((changes > needed).float().mean()),
                          "classes": classes}
    return out
