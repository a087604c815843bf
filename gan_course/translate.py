"""Translate held-out test items with an image-to-image model (chapters 6 and 7), and score paired outputs.

``python -m gan_course translate MODEL --n N --out FILE.pt [--direction AtoB|BtoA]``
calls :func:`translate`, which loads the generator (the committed pretrained one,
or ``--checkpoint``) and hands it to the ``translate_test_items(G, n, direction,
device)`` function of the model's recipe module. pix2pix returns
``{"inputs", "outputs", "targets"}``; CycleGAN ``{"inputs", "outputs",
"reconstructions"}``; every value float32 ``(N, C, H, W)`` in [-1, 1] (32x32 for
both). The command line then crops every image to FashionMNIST's 28x28 before it
writes the file (``gan_course.cli._write_output``).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from .errors import CourseError


def _translator(model: str):
    from .recipes import get_model

    entry = get_model(model)
    if not entry.translates:
        raise CourseError(f"{model} is not an image-to-image model, so it cannot translate: "
                          "use `sample` for it, or `translate pix2pix` / `translate cyclegan`")
    return entry, entry.translate


@torch.no_grad()
def translate(model: str, n: int, direction: str = "AtoB", checkpoint: str | Path | None = None,
              seed: int = 0, device="cpu") -> dict[str, torch.Tensor]:
    """The first ``n`` held-out test items of ``model`` translated: a dict of float32 CPU tensors in [-1, 1]."""
    from .runtime import seed_everything
    from .training import load_checkpoint

    entry, fn = _translator(model)
    device = torch.device(device)
    if checkpoint is None:  # the committed generator, checked against its SHA-256
        from .pretrained import load_pretrained

        G = load_pretrained(model, device)
    else:
        state = load_checkpoint(checkpoint)
        G = entry.generator_from_checkpoint(state, checkpoint)
    G.to(device).eval()
    seed_everything(seed)
    out = fn(G, n, direction, device)
    return {k: v.float().cpu() for k, v in out.items()}


def paired_scores(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """How close each output is to *its own* true image, averaged over the set.

    Images in [-1, 1] are first mapped to [0, 1]. Then, per image,

    * ``l1``: mean |output - target| (on the [0, 1] scale);
    * ``psnr``: 10 · log10(1 / MSE) in dB (higher is better; identical images: ∞,
      capped here at 100 dB);
    * ``ssim``: the structural similarity of Wang et al. (2004), Gaussian window
      σ = 1.5 (11x11), data range 1; 1 means identical structure.

    These reward the *expected* image: a blurry average of the plausible outputs
    scores well on all three, which is why the chapter also reports the FD of
    the outputs as a set.
    """
    from torchmetrics.functional.image import structural_similarity_index_measure

    if outputs.shape != targets.shape or outputs.dim() != 4:
        raise CourseError(f"paired_scores needs outputs and targets of the same (N, C, H, W) shape, got "
                          f"{tuple(outputs.shape)} and {tuple(targets.shape)}: pass aligned pairs")
    from .metrics.images import check_finite

    check_finite(outputs.detach().float(), "paired_scores outputs")
    check_finite(targets.detach().float(), "paired_scores targets")
    a = (outputs.detach().float().cpu().clamp(-1, 1) + 1) / 2  # (N, C, H, W) in [0, 1]
    b = (targets.detach().float().cpu().clamp(-1, 1) + 1) / 2
    l1 = (a - b).abs().flatten(1).mean(1)  # (N,)
    mse = (a - b).pow(2).flatten(1).mean(1).clamp_min(1e-10)  # (N,)
    psnr = (10 * torch.log10(1.0 / mse)).clamp(max=100.0)
    ssim = structural_similarity_index_measure(a, b, data_range=1.0, reduction="none")  # (N,)
    scores = {"l1": l1.mean().item(), "psnr": psnr.mean().item(), "ssim": ssim.mean().item()}
    if not all(math.isfinite(v) for v in scores.values()):
        raise CourseError("paired_scores got non-finite values: check the outputs for NaNs")
    return scores
