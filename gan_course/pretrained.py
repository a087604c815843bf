"""Pretrained generators for workshops: fp16 weights checked against a SHA-256 manifest.

A class with 90 minutes can skip training and still run every later cell:
``load_pretrained("vanilla")`` returns the generator that ``make pretrained``
trained with the chapter's own recipe. Each file holds the generator's weights
only, in float16 (a few MB), and ``assets/pretrained/manifest.json`` records its
SHA-256, which is checked on every load, so a damaged or swapped file is refused.
"""

from __future__ import annotations

from pathlib import Path

import torch

from . import arguments
from .errors import CourseError
from .io import atomic_save, atomic_write_json, manifest_record, sha256_of
from .io import read_manifest as _read_json_manifest
from .recipes import get_model
from .io import to_plain
from .records import QUALITY_KEYS, quality_record_of, run_checkpoints
from .training import Trainer, is_learning_rate, load_checkpoint, nonfinite_tensor

PRETRAINED_DIR = Path(__file__).resolve().parent / "assets" / "pretrained"
MANIFEST = PRETRAINED_DIR / "manifest.json"
FORMAT = 1
MAX_BYTES = 4 * 2**20  # the course's limit per generator file
RECORD_FIELDS = ("file", "sha256")


def _restore_advice() -> str:
    """How to get the shipped files back: fits a git clone and a pip install alike."""
    repo = PRETRAINED_DIR.parents[2]
    if (repo / ".git").exists():
        return (f"restore them with `git -C {repo} checkout -- gan_course/assets/pretrained` "
                "or rebuild them with `make pretrained`")
    return ("reinstall the package to restore them (`pip install --force-reinstall --no-deps gan_course`, "
            "or the same install command you used)")


REMAKE = _restore_advice()


def read_manifest(path: Path = MANIFEST) -> dict:
    """The manifest of shipped generators (``{}`` if there is none); a damaged one is one clear error."""
    return _read_json_manifest(path, fix=f"the manifest is damaged; {REMAKE}")


def _describe(record: dict | None, path: Path) -> str:
    if record is None or not path.is_file():
        return f"no {path.name} there yet"
    return f"{path} (step {record.get('step', '?')}, sha256 {str(record.get('sha256', '?'))[:12]}…)"


def export_generator(model: str, checkpoint: str | Path, out_dir: str | Path = PRETRAINED_DIR,
                     force: bool = False, last: bool = False) -> dict:
    """Write ``MODEL.pt`` (G's weights in float16) from a Trainer run and record it in the manifest.

    ``checkpoint`` is a run folder, its ``checkpoint.pt`` or its ``best.pt``. The
    run's best checkpoint (lowest recorded FD, ``best.pt``) is exported when it has
    one, its last with ``last=True``; the manifest records which (``chosen``), its
    ``step`` and ``fd``, and the last step's (``last_step``, ``last_fd``).
    A run that is not a finished run of the full recipe (a smoke run, other
    settings, fewer steps than the recipe's) is refused unless ``force``; NaN or
    infinite weights always. The record returned has ``replaced``: what the
    export replaced (``None`` if nothing).
    """
    from .recipes import model_hparams
    from .recipes.common import roles_of

    entry = get_model(model)
    last_path, best_path = run_checkpoints(checkpoint)
    state = load_checkpoint(last_path)  # the run as it ended: its settings, step and quality record
    chosen, source = state, last_path
    if not last and best_path is not None and best_path != last_path:
        chosen, source = load_checkpoint(best_path), best_path
        if not _same_run(chosen, state, roles_of(entry.recipe)):
            raise CourseError(f"{best_path} is not from the same run as {last_path} (other model or settings): "
                              "delete it, or pass --last to export the last checkpoint")
    G = entry.generator_from_checkpoint(chosen, source)
    out_dir = Path(out_dir)
    path = out_dir / f"{model}.pt"
    manifest_path = out_dir / MANIFEST.name
    manifest = read_manifest(manifest_path)
    old = manifest.get(model)
    replaced = _describe(old, path) if old is not None and path.is_file() else None
    if not force:
        full = entry.recipe.for_profile("full")
        seed = (state.get("hparams") or {}).get("seed", 0)
        expected = model_hparams(full, seed)
        roles = roles_of(full)  # the learning rates (role "lr") may differ: a resume may have lowered them
        theirs = {k: v for k, v in (state.get("hparams") or {}).items() if not is_learning_rate(k, roles)}
        ours = {k: v for k, v in expected.items() if not is_learning_rate(k, roles)}
        problem = None
        if to_plain(theirs) != to_plain(ours):
            smoke = {k: v for k, v in model_hparams(entry.recipe.for_profile("smoke"), seed).items()
                     if not is_learning_rate(k, roles)}
            problem = ("was trained with the smoke profile" if to_plain(theirs) == to_plain(smoke)
                       else "was trained with settings other than the full recipe's")
        elif int(state.get("step", 0)) < full.steps:
            problem = f"is unfinished (step {int(state.get('step', 0))} of the full recipe's {full.steps})"
        if problem:
            target = replaced or f"{path} (new)"
            raise CourseError(f"{checkpoint} {problem}; exporting it would replace the shipped {model} "
                              f"generator {target}: train it to the end with `python -m gan_course train {model} "
                              f"--profile full`, or pass --force to export it anyway")
    weights = {k: v.half() if v.is_floating_point() else v for k, v in G.state_dict().items()}
    bad = nonfinite_tensor(weights)
    if bad:
        raise CourseError(f"{checkpoint} holds NaN or infinite generator weights ({bad}), or weights too large "
                          "for float16: export a checkpoint of a healthy run")
    atomic_save({"format": FORMAT, "model": model, "tag": entry.tag, "hparams": chosen["hparams"],
                 "step": chosen["step"], "weights": weights}, path, what="pretrained generator")
    size = path.stat().st_size
    if size > MAX_BYTES:
        path.unlink()
        raise CourseError(f"the {model} generator takes {size / 2**20:.1f} MB in float16, over the "
                          f"{MAX_BYTES / 2**20:.0f} MB limit: shrink the model")
    record = {"file": path.name, "sha256": sha256_of(path), "bytes": size, "step": int(chosen["step"]),
              "train_seconds": round(float(chosen.get("train_seconds", 0.0)), 1), "dtype": "float16",
              "chosen": "best" if source == best_path else "last", "last_step": int(state["step"])}
    quality = quality_record_of(state)
    fds = dict(zip(quality["step"], quality["fd"]))
    for key, step in (("fd", record["step"]), ("last_fd", record["last_step"])):
        if step in fds:
            record[key] = round(float(fds[step]), 3)
    if quality["fd"]:  # the run's FD against training time, for chapters that skip training (and chapter 4)
        record["quality"] = {"step": quality["step"],
                             "train_seconds": [round(float(v), 2) for v in quality["train_seconds"]],
                             "fd": [round(float(v), 3) for v in quality["fd"]]}
    manifest[model] = record
    atomic_write_json(manifest, manifest_path, what="manifest")
    return {**record, "replaced": replaced}


def _same_run(a: dict, b: dict, roles: dict) -> bool:
    """Whether two checkpoints come from one run: the same tag and settings (learning rates may differ)."""
    def settings(state):
        hparams = state.get("hparams") if isinstance(state.get("hparams"), dict) else {}
        return to_plain({k: v for k, v in hparams.items() if not is_learning_rate(k, roles)})

    return a.get("tag") == b.get("tag") and settings(a) == settings(b)


def load_pretrained(model: str, device="cpu", directory: str | Path = PRETRAINED_DIR) -> torch.nn.Module:
    """The shipped generator for ``model``, verified against the manifest, in eval mode (float32)."""
    entry = get_model(model)
    directory = Path(directory)
    manifest_path = directory / MANIFEST.name
    record = manifest_record(read_manifest(manifest_path), model, manifest_path, RECORD_FIELDS,
                             f"the manifest is damaged; {REMAKE}")
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
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        G = entry.make_generator(payload["hparams"])
        G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in payload["weights"].items()})
    except Exception as exc:  # matches its SHA-256 but does not load: the manifest was updated with it
        raise CourseError(f"{path} does not load as a {model} generator ({type(exc).__name__}): {REMAKE}") from exc
    return G.to(device).eval()


def pretrained_quality(model: str, directory: str | Path = PRETRAINED_DIR) -> dict | None:
    """The quality record (``step``, ``train_seconds``, ``fd``) of the run behind the shipped ``model`` generator.

    ``None`` when the generator was exported before runs kept records, or none is shipped.
    """
    record = read_manifest(Path(directory) / MANIFEST.name).get(model)
    quality = record.get("quality") if isinstance(record, dict) else None
    if not isinstance(quality, dict) or not quality.get("fd"):
        return None
    return {k: list(quality.get(k, [])) for k in QUALITY_KEYS}


def quality_record(trainer, model: str) -> dict | None:
    """A chapter's quality record: its own run's (``trainer.quality_record``) if it trained, else the one
    stored with the shipped generator (``None`` if neither has one)."""
    if trainer is not None and trainer.quality_record.get("fd"):
        return trainer.quality_record
    return pretrained_quality(model)


def use_pretrained_default() -> bool:
    """The chapters' ``USE_PRETRAINED`` switch: ``$GAN_COURSE_PRETRAINED`` set to 1/true/yes.

    An instructor sets it once (``%env GAN_COURSE_PRETRAINED=1`` or in the shell)
    and every chapter loads its shipped generator instead of training. Read through
    :mod:`gan_course.settings`: a value it does not know (``garbage``) is one line that
    names the variable and the values it accepts, as for ``GAN_COURSE_FAST_ADAM``.
    """
    from .settings import PRETRAINED, read

    return read(PRETRAINED)


def train_or_load(trainer, model: str, use_pretrained: bool, resume: bool = True):
    """The chapters' training cell: ``trainer.fit()``, or the shipped generator instead.

    With ``use_pretrained`` the shipped weights (SHA-256 checked) are copied
    *into the trainer's own generator*, so every later cell that uses ``G`` works
    unchanged; there is no training history then, and ``None`` is returned.
    Otherwise training runs (resuming from the run's checkpoint when there is
    one) and the history is returned.

    ``use_pretrained`` must be ``True`` or ``False`` (a word such as ``'no'`` would read as true),
    and ``model`` the model that ``trainer`` trains: either mistake is one line, before anything
    is trained or loaded.
    """
    from .recipes import MODELS

    arguments.instance("trainer", trainer, Trainer, "the chapter's Trainer (from build_...(recipe, ...))")
    arguments.instance("model", model, str, f"a model name: one of {', '.join(MODELS)}")
    entry = get_model(model)
    arguments.flag("use_pretrained", use_pretrained)
    arguments.flag("resume", resume)
    trains = next((name for name, other in MODELS.items() if other.tag == trainer.tag), None)
    if trains not in (None, model) or entry.generator_key not in trainer.modules:
        raise CourseError(f"train_or_load got model={model!r}, but the trainer trains "
                          f"{repr(trains) if trains else 'another model'} (tag {trainer.tag!r}): pass the name "
                          f"of the model the trainer was built for{f', {trains!r}' if trains else ''}")
    if not use_pretrained:
        return trainer.fit(resume=resume)
    G = trainer.modules[entry.generator_key]
    device = next(G.parameters()).device
    pretrained = load_pretrained(model, device)
    mine, shipped = G.state_dict(), pretrained.state_dict()
    if type(G) is not type(pretrained) or {k: v.shape for k, v in mine.items()} != \
            {k: v.shape for k, v in shipped.items()}:
        raise CourseError(f"train_or_load got model={model!r}, but the trainer's generator ({type(G).__name__}) "
                          f"is not the shipped {model} generator ({type(pretrained).__name__} of the full recipe): "
                          "pass the model the trainer was built for, with the chapter's recipe")
    G.load_state_dict(shipped)  # G keeps its mode, as after fit()
    record = read_manifest()[model]
    print(f"loaded the pretrained {model} generator ({record['file']}, step {record['step']}, "
          f"SHA-256 verified); training skipped, so there is no loss history to plot")
    return None
