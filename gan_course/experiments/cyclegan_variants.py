"""Chapter 7's extra CycleGAN runs: the no-identity ablation and the two shape pairs.

Each is a change of the appearance recipe (:data:`VARIANTS`); its result (measures,
thinned history, last translation grids) is small enough to commit, with its
SHA-256 in ``cyclegan_manifest.json``. Made with

    python -m gan_course experiment cyclegan-variants --profile full --out gan_course/assets/ablations --force

(``--force``: the folder holds shipped results, which the command otherwise refuses to replace.)
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import CourseError
from ..io import atomic_save, atomic_write_json, sha256_of
from ..pretrained import read_manifest
from ..profiles import pick
from ..recipes.cyclegan import CycleGANRecipe, build_cyclegan, measure_cyclegan
from ..records import run_dir
from ..training import Trainer
from . import ABLATIONS_DIR


VARIANTS = {  # name -> recipe fields that differ from the appearance run
    "no_identity": {"identity_weight": 0.0},  # the ablation: appearance pair without the identity loss
    "shoes": {"pair": "shoes"},  # a small change of shape: sneakers <-> ankle boots
    "trousers_bags": {"pair": "trousers_bags"},  # a large change of shape: trousers <-> bags
}




MANIFEST_NAME = "cyclegan_manifest.json"  # SHA-256 of each shipped result (the folder is shared)


def variant_file(name: str) -> str:
    """The file a variant's result is saved in (inside the results folder)."""
    return f"cyclegan_{name}.pt"


REPRODUCE = ("python -m gan_course experiment cyclegan-variants --profile full --out gan_course/assets/ablations "
             "--force")


def variant_recipe(name: str, profile: str | None = None) -> CycleGANRecipe:
    """The recipe of one of chapter 7's extra runs (see ``VARIANTS``)."""
    if name not in VARIANTS:
        raise CourseError(f"unknown CycleGAN variant {name!r}: use one of {', '.join(VARIANTS)}")
    return CycleGANRecipe.for_profile(profile, **VARIANTS[name])


def variant_result(trainer: Trainer, name: str, device, n: int = 1000, n_grids: int = 2) -> dict:
    """What the chapter needs from a finished run, small enough to commit (well under 1 MB).

    ``{"name", "hparams", "step", "train_seconds", "scores", "history", "grid_steps", "grids"}``:
    the measures of :func:`measure_cyclegan`, the logged history every 5th step
    (float32), and the translation grids (float16) of every snapshot.
    """
    G = trainer.modules["G"]
    keep = slice(None, None, 5)
    return {
        "name": name, "hparams": trainer.hparams, "step": trainer.step, "train_seconds": trainer.train_seconds,
        "scores": measure_cyclegan(G, device, n=n),  # n test items per domain (or all there are)
        "history": {k: torch.tensor(v[keep], dtype=torch.float32) for k, v in trainer.history.items()},
        "grid_steps": torch.tensor([s for s, _ in trainer.samples[-n_grids:]], dtype=torch.int64),
        "grids": [img.half().clone() for _, img in trainer.samples[-n_grids:]],
    }


def run_variant(name: str, device, runs_dir: str | Path | None = None, profile: str | None = None,
                seed: int = 0) -> dict:
    """Train (or resume) one variant in ``runs_dir/cyclegan_<name>`` and return :func:`variant_result`."""
    recipe = variant_recipe(name, profile)
    out = Path(runs_dir) / f"cyclegan_{name}" if runs_dir is not None else run_dir(f"cyclegan_{name}", profile)
    trainer = build_cyclegan(recipe, device, out, seed=seed)
    trainer.fit(resume=True)
    return variant_result(trainer, name, device, n=pick(smoke=50, full=1000, profile=profile))


def load_or_run_variant(name: str, device, use_committed: bool = True, profile: str | None = None,
                        directory: str | Path = ABLATIONS_DIR) -> dict:
    """The chapter's cell for an extra run: load its shipped result, or (``use_committed=False``) train it.

    The shipped results were made by ``{REPRODUCE}``
    (the full profile); like the pretrained generators they are checked against
    their SHA-256 in ``cyclegan_manifest.json``. Training instead resumes from, or
    writes, a checkpoint in ``run_dir("cyclegan_<name>")``.
    """
    if not use_committed:
        return run_variant(name, device, profile=profile)
    directory = Path(directory)
    record = read_manifest(directory / MANIFEST_NAME).get(f"cyclegan_{name}")
    path = directory / variant_file(name)
    if record is None or not path.is_file():
        raise CourseError(f"no shipped result for the {name} run in {directory}: set TRAIN_EXTRA_RUNS = True "
                          f"to train it, or make it with `{REPRODUCE}`")
    if sha256_of(path) != record["sha256"]:
        raise CourseError(f"{path} does not match its SHA-256 in {MANIFEST_NAME}: restore it with "
                          f"`git checkout {directory}` or remake it with `{REPRODUCE}`")
    result = torch.load(path, map_location="cpu", weights_only=True)
    print(f"loaded the shipped {name} run ({path.name}: {result['step']} steps, "
          f"{result['train_seconds']:.0f} s of training; SHA-256 verified)")
    return result


def save_variant(result: dict, directory: str | Path = ABLATIONS_DIR) -> Path:
    """Write a variant's result as ``cyclegan_<name>.pt`` (atomically) and record its SHA-256."""
    directory = Path(directory)
    path = atomic_save(result, directory / variant_file(result["name"]))
    size = path.stat().st_size
    if size > 2**20:
        path.unlink()
        raise CourseError(f"the {result['name']} result takes {size / 2**20:.1f} MB, over 1 MB: "
                          "keep fewer snapshots")
    manifest = read_manifest(directory / MANIFEST_NAME)
    manifest[f"cyclegan_{result['name']}"] = {"file": path.name, "sha256": sha256_of(path), "bytes": size,
                                              "step": int(result["step"])}
    atomic_write_json(manifest, directory / MANIFEST_NAME)
    return path


load_or_run_variant.__doc__ = load_or_run_variant.__doc__.format(REPRODUCE=REPRODUCE)
