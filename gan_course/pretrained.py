"""Pretrained generators for workshops: fp16 weights checked against a SHA-256 manifest.

A class with 90 minutes can skip training and still run every later cell:
``load_pretrained("vanilla")`` returns the generator that ``make pretrained``
trained with the chapter's own recipe. Each file holds the generator's weights
only, in float16 (a few MB), and ``assets/pretrained/manifest.json`` records its
SHA-256, which is checked on every load, so a damaged or swapped file is refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from .errors import CourseError
from .recipes import get_model
from .training import atomic_save, load_checkpoint, sha256_of

PRETRAINED_DIR = Path(__file__).resolve().parent / "assets" / "pretrained"
MANIFEST = PRETRAINED_DIR / "manifest.json"
FORMAT = 1
MAX_BYTES = 4 * 2**20  # the course's limit per generator file
REMAKE = "restore it with `git checkout gan_course/assets/pretrained` or rebuild it with `make pretrained`"


def read_manifest(path: Path = MANIFEST) -> dict:
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def export_generator(model: str, checkpoint: str | Path, out_dir: str | Path = PRETRAINED_DIR) -> dict:
    """Write ``MODEL.pt`` (G's weights in float16) from a Trainer checkpoint and record it in the manifest."""
    entry = get_model(model)
    state = load_checkpoint(checkpoint)
    G = entry.generator_from_checkpoint(state, checkpoint)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in G.state_dict().items()}
    out_dir = Path(out_dir)
    path = atomic_save({"format": FORMAT, "model": model, "tag": entry.tag, "hparams": state["hparams"],
                        "step": state["step"], "weights": weights}, out_dir / f"{model}.pt")
    size = path.stat().st_size
    if size > MAX_BYTES:
        path.unlink()
        raise CourseError(f"the {model} generator takes {size / 2**20:.1f} MB in float16, over the "
                          f"{MAX_BYTES / 2**20:.0f} MB limit: shrink the model")
    record = {"file": path.name, "sha256": sha256_of(path), "bytes": size, "step": int(state["step"]),
              "train_seconds": round(float(state.get("train_seconds", 0.0)), 1), "dtype": "float16"}
    manifest_path = out_dir / MANIFEST.name
    manifest = read_manifest(manifest_path)
    manifest[model] = record
    tmp = manifest_path.with_name(f".{manifest_path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, manifest_path)
    return record


def load_pretrained(model: str, device="cpu", directory: str | Path = PRETRAINED_DIR) -> torch.nn.Module:
    """The committed generator for ``model``, verified against the manifest, in eval mode (float32)."""
    entry = get_model(model)
    directory = Path(directory)
    record = read_manifest(directory / MANIFEST.name).get(model)
    if record is None:
        raise CourseError(f"no pretrained {model} generator is shipped: train one with "
                          f"`python -m gan_course train {model}` and pass --checkpoint, or run `make pretrained`")
    path = directory / record["file"]
    if not path.is_file():
        raise CourseError(f"the pretrained {model} generator {path} is missing: {REMAKE}")
    actual = sha256_of(path)
    if actual != record["sha256"]:
        raise CourseError(f"{path} does not match its SHA-256 in {MANIFEST.name} (file {actual[:12]}…, "
                          f"manifest {record['sha256'][:12]}…): the file is damaged or was replaced; {REMAKE}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    G = entry.make_generator(payload["hparams"])
    G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in payload["weights"].items()})
    return G.to(device).eval()


def use_pretrained_default() -> bool:
    """The chapters' ``USE_PRETRAINED`` switch: ``$GAN_COURSE_PRETRAINED`` set to 1/true/yes.

    An instructor sets it once (``%env GAN_COURSE_PRETRAINED=1`` or in the shell)
    and every chapter loads its committed generator instead of training.
    """
    return os.environ.get("GAN_COURSE_PRETRAINED", "").strip().lower() in {"1", "true", "yes", "on"}


def train_or_load(trainer, model: str, use_pretrained: bool, resume: bool = True):
    """The chapters' training cell: ``trainer.fit()``, or the committed generator instead.

    With ``use_pretrained`` the committed weights (SHA-256 checked) are copied
    *into the trainer's own generator*, so every later cell that uses ``G`` works
    unchanged; there is no training history then, and ``None`` is returned.
    Otherwise training runs (resuming from the run's checkpoint when there is
    one) and the history is returned.
    """
    if not use_pretrained:
        return trainer.fit(resume=resume)
    entry = get_model(model)
    G = trainer.modules[entry.generator_key]
    device = next(G.parameters()).device
    G.load_state_dict(load_pretrained(model, device).state_dict())
    G.eval()
    record = read_manifest()[model]
    print(f"loaded the pretrained {model} generator ({record['file']}, step {record['step']}, "
          f"SHA-256 verified); training skipped, so there is no loss history to plot")
    return None
