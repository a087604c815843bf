"""Chapter 6's ablations: which part of pix2pix does what?

The objective (L1 only, cGAN only, both), the generator (U-Net vs the same
encoder-decoder without skips) and the discriminator (PatchGAN sizes from 1x1 to
the whole image), each a change of the chapter's main recipe at its full scale.
Run from the command line; the results are shipped and the chapter loads them:

    python -m gan_course experiment pix2pix-ablations --profile full --out gan_course/assets/ablations --force

(``--force``: the folder holds shipped results, which the command otherwise refuses to replace.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import torch

from ..data import unpad
from ..data.edges import load_edges2fashion
from ..errors import CourseError
from ..io import atomic_save, atomic_write_json
from ..metrics import score_images
from ..metrics.translation import paired_scores
from ..profiles import check_profile, current_profile
from ..recipes.common import recipe_settings
from ..recipes.pix2pix import Pix2PixRecipe, build_pix2pix
from ..runtime import describe_machine, eval_mode, in_chunks
from ..training import fast_adam_requested
from . import ABLATIONS_DIR


def _ablation_base(profile: str) -> Pix2PixRecipe:
    """The recipe every ablation run starts from: the chapter's main recipe, at its full scale (or the smoke one)."""
    return Pix2PixRecipe.for_profile(check_profile(profile))


def _with(recipe: Pix2PixRecipe, generator: dict | None = None, discriminator: dict | None = None,
          **fields) -> Pix2PixRecipe:
    return dataclasses.replace(
        recipe, generator=dataclasses.replace(recipe.generator, **(generator or {})),
        discriminator=dataclasses.replace(recipe.discriminator, **(discriminator or {})), **fields)


# name -> (group, changes from the base recipe). The base is "L1 + cGAN": U-Net, 16x16 PatchGAN.
ABLATIONS: dict[str, tuple[str, dict]] = {
    "L1 only": ("objective", {"adversarial_weight": 0.0}),
    "cGAN only": ("objective", {"l1_weight": 0.0}),
    "L1 + cGAN": ("objective", {}),
    "encoder-decoder (no skips)": ("generator", {"generator": {"skips": False}}),
    "PixelGAN 1x1": ("discriminator", {"discriminator": {"n_layers": 0}}),
    "PatchGAN 16x16": ("discriminator", {}),
    "PatchGAN 34x34 (whole image)": ("discriminator", {"discriminator": {"n_layers": 2}}),
}


def ablation_recipe(name: str, profile: str | None = None) -> Pix2PixRecipe:
    """The recipe of one ablation run (see :data:`ABLATIONS`)."""
    if name not in ABLATIONS:
        raise CourseError(f"unknown ablation {name!r}: use one of {', '.join(ABLATIONS)}")
    return _with(_ablation_base(profile or current_profile()), **ABLATIONS[name][1])


def run_ablations(out: str | Path, profile: str | None = None, device="cpu", n_eval: int | None = None,
                  n_show: int = 8, seed: int = 0, names: list[str] | None = None,
                  cache: str | Path | None = None) -> dict:
    """Train every ablation (runs with identical settings are trained once), measure and save them.

    Writes ``pix2pix_ablations.json`` (per run: group, settings, L1/PSNR/SSIM
    against the truth, FD/KID/precision/recall of the outputs on ``n_eval``
    held-out items, training seconds) and ``pix2pix_ablations.pt`` (the first
    ``n_show`` inputs, targets and every run's outputs, float16) under ``out``.
    With ``cache``, each run's result is also kept there and reused: an
    interrupted call resumes, and several processes can share the runs
    (``--only``), a last call without ``--only`` collecting them.
    """
    profile = check_profile(profile or current_profile())
    n_eval = n_eval or (1_000 if profile == "full" else 64)
    names = names or list(ABLATIONS)
    device = torch.device(device)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, outputs, trained = {}, {}, {}
    test = load_edges2fashion("test", limit=n_eval)
    adam = "fused" if fast_adam_requested() else "default"  # the engine's Adam (GAN_COURSE_FAST_ADAM=0: default)
    for name in names:
        recipe = ablation_recipe(name, profile)
        key = json.dumps(recipe_settings(recipe), sort_keys=True, default=str)  # the quality record's settings change no trained number
        cached = Path(cache) / f"{hashlib.sha1(f'{key}{n_eval}{n_show}{seed}{adam}'.encode()).hexdigest()[:16]}.pt" \
            if cache is not None else None
        if key not in trained and cached is not None and cached.is_file():
            trained[key] = tuple(torch.load(cached, weights_only=True).values())
        if key not in trained:  # "L1 + cGAN" and "PatchGAN 16x16" are the same run
            start = time.perf_counter()
            trainer = build_pix2pix(recipe, device, out_dir=None, seed=seed)
            trainer.fit(resume=False)
            G = trainer.modules["G"]
            with eval_mode(G), torch.no_grad():
                fake = in_chunks(G, test.inputs, device)  # (n_eval, 1, 32, 32)
            # the paired scores on the 28x28 picture (the padding is background, reproduced almost exactly)
            scores = {**paired_scores(unpad(fake), unpad(test.images)), **score_images(fake, device=device, n=n_eval)}
            scores["train_seconds"] = round(trainer.train_seconds, 1)
            trained[key] = (scores, fake[:n_show].clone())
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                atomic_save({"scores": scores, "shown": trained[key][1]}, cached, "cached ablation result")
            print(f"{name}: " + ", ".join(f"{k}={v:.3f}" for k, v in scores.items()),
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        scores, shown = trained[key]
        group, changes = ABLATIONS[name]
        results[name] = {"group": group, "changes": changes, **scores}
        outputs[name] = shown.half()
    base = _ablation_base(profile)
    meta = {"profile": profile, "n_eval": n_eval, "seed": seed, "steps": base.steps, "batch_size": base.batch_size,
            "generator_base_channels": base.generator.base_channels,
            "discriminator_base_channels": base.discriminator.base_channels,
            "command": ("" if adam == "fused" else "GAN_COURSE_FAST_ADAM=0 ")
            + f"python -m gan_course experiment pix2pix-ablations --profile {profile}",
            "adam": adam, "machine": describe_machine(device)}  # where the runs trained (run them all in one process)
    # the same JSON and PT formats as ever, written atomically: an interrupted run leaves the shipped results intact
    atomic_write_json({"meta": meta, "runs": results}, out / "pix2pix_ablations.json", "ablation results",
                      sort_keys=False)
    atomic_save({"inputs": test.inputs[:n_show].half(), "targets": test.images[:n_show].half(), "outputs": outputs},
               out / "pix2pix_ablations.pt")
    return {"meta": meta, "runs": results}


def load_ablations(directory: str | Path | None = None) -> tuple[dict, dict]:
    """The shipped ablation results: (the JSON dict, the samples dict with float32 tensors)."""
    directory = Path(directory) if directory is not None else ABLATIONS_DIR
    js, pt = directory / "pix2pix_ablations.json", directory / "pix2pix_ablations.pt"
    if not js.is_file() or not pt.is_file():
        raise CourseError(f"no pix2pix ablation results in {directory}: run `python -m gan_course experiment "
                          f"pix2pix-ablations --profile full --out {directory}` (with --force if that folder holds "
                          "shipped results)")
    samples = torch.load(pt, map_location="cpu", weights_only=True)
    samples = {"inputs": samples["inputs"].float(), "targets": samples["targets"].float(),
               "outputs": {k: v.float() for k, v in samples["outputs"].items()}}
    return json.loads(js.read_text()), samples

