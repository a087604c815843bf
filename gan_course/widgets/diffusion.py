"""Chapter 11's widget: scrub the reverse process from pure noise to images (kernel-free)."""

from __future__ import annotations

import torch

from .. import arguments
from ..errors import CourseError
from ..plotting.images import png_from_images
from .players import frame_player


@torch.no_grad()
def reverse_process_player(G, n: int = 16, steps: int = 50, seed: int = 0, device="cpu", scale: int = 3):
    """A slider over x_t for deterministic DDIM from fixed noise: frame 0 is x_T (noise), the last x_0.

    Every frame is rendered now, so the player also works on the static website.
    """
    from ..models.ddpm import DDPMUNet
    from ..recipes.ddpm import diffusion_of
    from ..runtime import check_device, eval_mode

    if not isinstance(G, DDPMUNet):
        raise CourseError(f"reverse_process_player needs G to be the DDPM's noise predictor (a DDPMUNet), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")
    arguments.whole("n", n, 1, 64, example=16)
    arguments.whole("steps", steps, 1, min(G.cfg.timesteps, 1_000), example=min(50, G.cfg.timesteps))
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    check_device(device)
    arguments.whole("scale", scale, 1, 32, example=3)
    diffusion = diffusion_of(G)
    shape = (n, G.cfg.channels, G.cfg.image_size, G.cfg.image_size)
    x_T = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)
    with eval_mode(G):
        _, kept = diffusion.ddim_sample_loop(G, shape, steps, device=device, x_T=x_T, clip_denoised=True,
                                             keep=lambda t: True)
    frames = [(diffusion.num_timesteps, x_T)] + [(max(t, 0), x) for t, x in kept]
    pngs = [png_from_images(x.clamp(-1, 1).cpu(), nrow=8, scale=scale) for _, x in frames]
    labels = [f"x_{t}" + (" (noise)" if k == 0 else " (image)" if k == len(frames) - 1 else "")
              for k, (t, _) in enumerate(frames)]
    return frame_player(pngs, labels, description="step", start=len(frames) - 1)
