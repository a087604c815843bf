"""A checkpoint is restored all or nothing, and only if every part of it fits the run (issue 30 §1).

Each case damages one field of a real checkpoint. ``Trainer.load_checkpoint`` must
raise one :class:`CheckpointError` line that names the part, and leave the trainer
exactly as it was; ``train --resume`` must exit 2 with one line on stderr, no
traceback, and the checkpoint file byte for byte as it was. The command-line cases
share one interpreter (tests/cli_batch.py): starting Python and torch costs seconds.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_course.errors import CheckpointError
from helpers import assert_same_state, make_trainer, scratch

ROOT = Path(__file__).resolve().parents[1]
BATCH = Path(__file__).resolve().parent / "cli_batch.py"


def _adam(state, name="G"):
    return state["optimizers"][name]["state"]


def _set(path: str, value):
    """A damage that sets ``state[a][b]...`` (keys separated by '/', ints for list items and optimiser ids)."""
    keys = [int(k) if k.isdigit() else k for k in path.split("/")]

    def damage(state):
        node = state
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value(node[keys[-1]]) if callable(value) else value
    return damage


def _delete(path: str):
    keys = [int(k) if k.isdigit() else k for k in path.split("/")]

    def damage(state):
        node = state
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return damage


def _swap_first_two(state):
    s = _adam(state)
    s[0], s[1] = s[1], s[0]


def _extra_state(state):
    _adam(state)[999] = copy.deepcopy(_adam(state)[0])


def _extra_group(state):
    groups = state["optimizers"]["G"]["param_groups"]
    groups.append(copy.deepcopy(groups[0]))


def _first_weight(state) -> str:
    return next(k for k, v in state["modules"]["G"].items() if v.dim() == 2)


def _huge_view(state):  # ~4 bytes on disk, 10 GB (50000 x 50000 float32) if anything reads it as its shape says
    state["modules"]["G"][_first_weight(state)] = torch.zeros(1).expand(50_000, 50_000)


def _view_of_big_storage(state):
    key = _first_weight(state)
    weight = state["modules"]["G"][key]
    state["modules"]["G"][key] = torch.zeros(weight.numel() + 10**6)[:weight.numel()].view(weight.shape)


def _overlapping_view(state):
    key = _first_weight(state)
    rows, cols = state["modules"]["G"][key].shape
    state["modules"]["G"][key] = torch.zeros(rows + cols).as_strided((rows, cols), (1, 1))


def _ragged_history(state):
    key = next(k for k in state["history"] if k != "step")
    state["history"][key] = torch.cat([state["history"][key], torch.zeros(5)])


# name -> (damage, a piece of the message that names the part)
DAMAGES = {
    "adam exp_avg of the wrong shape": (_set("optimizers/G/state/0/exp_avg", torch.zeros(3)), "exp_avg"),
    "two parameters' adam states swapped": (_swap_first_two, "optimizers.G.state.0"),
    "adam state larger than its parameter": (
        _set("optimizers/G/state/0/exp_avg_sq", lambda t: torch.zeros(t.shape[0] + 1, *t.shape[1:])), "exp_avg_sq"),
    "adam state of another dtype": (_set("optimizers/G/state/0/exp_avg", lambda t: t.double()), "exp_avg"),
    "adam state without exp_avg_sq": (_delete("optimizers/G/state/0/exp_avg_sq"), "exp_avg_sq"),
    "adam state of no parameter": (_extra_state, "state.999"),
    "adam step negative": (_set("optimizers/G/state/0/step", torch.tensor(-3.0)), "step"),
    "adam step a string": (_set("optimizers/G/state/0/step", "abc"), "step"),
    "an extra parameter group": (_extra_group, "parameter groups"),
    "a parameter group one short": (_set("optimizers/G/param_groups/0/params", lambda p: p[:-1]), "param_groups.0"),
    "adam betas garbage": (_set("optimizers/G/param_groups/0/betas", "x"), "betas"),
    "optimiser state not a dict": (_set("optimizers/D", "garbage"), "optimizers.D"),
    "a network weight missing": (lambda s: s["modules"]["D"].popitem(), "modules.D"),
    "a network weight of another dtype": (lambda s: s["modules"]["G"].update(
        {_first_weight(s): s["modules"]["G"][_first_weight(s)].double()}), "modules.G"),
    "torch rng state of the wrong size": (_set("rng/torch", torch.zeros(10, dtype=torch.uint8)), "rng.torch"),
    "torch rng state of the wrong dtype": (_set("rng/torch", lambda t: t.float()), "rng.torch"),
    "python rng state garbage": (_set("rng/python", "abc"), "rng.python"),
    "cuda rng states garbage": (_set("rng/cuda", "abc"), "rng.cuda"),
    "rng missing": (_delete("rng"), "rng"),
    "history missing": (_delete("history"), "history"),
    "history a string": (_set("history", "abc"), "history"),
    "history without steps": (_delete("history/step"), "history"),
    "history column 2-D": (_set("history/step", lambda t: t.reshape(1, -1)), "history.step"),
    "history longer than its steps": (_ragged_history, "history."),
    "history past the checkpoint's step": (_set("history/step", lambda t: t + 1000), "history.step"),
    "step a string": (_set("step", "abc"), "step"),
    "step negative": (_set("step", -1), "step"),
    "step a float": (_set("step", 2.5), "step"),
    "epoch negative": (_set("batches/epoch", -1), "batches.epoch"),
    "data index a string": (_set("batches/index", "x"), "batches.index"),
    "data order of another seed": (_set("batches/seed", 12345), "batches.seed"),
    "more epochs than steps": (_set("batches/epoch", 10**30), "batches.epoch"),
    "adam state NaN": (_set("optimizers/D/state/0/exp_avg", lambda t: t.fill_(float("nan"))), "NaN"),
    "adam lr a string": (_set("optimizers/G/param_groups/0/lr", "fast"), "lr"),
    "hparams a string": (_set("hparams", "abc"), "hparams"),
    "format 99": (_set("format", 99), "format"),
    "format '1'": (_set("format", "1"), "format"),
    "format True": (_set("format", True), "format"),
    "zero-stride 50000x50000 view": (_huge_view, "storage"),
    "a view of a larger storage": (_view_of_big_storage, "storage"),
    "an overlapping view": (_overlapping_view, "storage"),
    "quality record ragged": (_set("quality/fd", torch.tensor([1.0, 2.0, 3.0])), "quality"),
    "samples and their steps disagree": (_set("samples/images", []), "samples"),
    "step target zero": (_set("target_steps", 0), "target_steps"),
    "best record malformed": (_set("best", {"step": -1, "fd": 1.0}), "best"),
    "train_seconds NaN": (_set("train_seconds", float("nan")), "train_seconds"),
}


def _damaged_copy(source: Path, damage, target: Path) -> Path:
    state = torch.load(source, weights_only=True)
    damage(state)
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, target)
    return target


def _state(trainer) -> dict:
    return copy.deepcopy({"modules": {k: m.state_dict() for k, m in trainer.modules.items()},
                          "optimizers": {k: o.state_dict() for k, o in trainer.optimizers.items()},
                          "step": trainer.step, "history": trainer.history, "samples": trainer.samples,
                          "quality": trainer.quality_record, "batches": trainer.batches.state_dict(),
                          "rng": torch.get_rng_state()})


# ------------------------------------------------------------------ the Python API
@pytest.fixture(scope="module")
def tiny_checkpoint(request) -> Path:
    folder = scratch(request, "tiny")
    make_trainer(folder, steps=6, checkpoint_every=3, log_every=2, sample_every=3).fit()
    return folder / "checkpoint.pt"


def test_the_undamaged_checkpoint_loads(tiny_checkpoint):
    trainer = make_trainer(None, seed=1, steps=6)
    trainer.load_checkpoint(tiny_checkpoint)
    assert trainer.step == 6


@pytest.mark.parametrize("name", list(DAMAGES))
def test_load_checkpoint_refuses_a_damaged_part_and_changes_nothing(tiny_checkpoint, tmp_path, name):
    damage, needle = DAMAGES[name]
    path = _damaged_copy(tiny_checkpoint, damage, tmp_path / "checkpoint.pt")
    trainer = make_trainer(None, seed=1, steps=6)
    trainer.fit()  # optimiser states and a history of its own, to see that none of them changes
    before = _state(trainer)
    with pytest.raises(CheckpointError) as caught:
        trainer.load_checkpoint(path)
    message = str(caught.value)
    assert "\n" not in message and needle in message and str(path) in message, message
    assert "delete it" in message or "pass" in message, message  # it names the fix
    assert_same_state(before, _state(trainer))


def test_a_zero_stride_view_is_refused_before_any_large_allocation(tiny_checkpoint, tmp_path):
    import resource

    path = _damaged_copy(tiny_checkpoint, _huge_view, tmp_path / "checkpoint.pt")
    assert path.stat().st_size < 10 * 2**20  # the file is small ...
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    from gan_course.training import load_checkpoint

    with pytest.raises(CheckpointError, match="storage"):
        load_checkpoint(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 1_000_000  # ... and stays small: < 1 GB


def test_a_refused_checkpoint_during_fit_leaves_the_file_and_the_trainer_alone(tiny_checkpoint, tmp_path):
    path = _damaged_copy(tiny_checkpoint, DAMAGES["adam exp_avg of the wrong shape"][0], tmp_path / "checkpoint.pt")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    trainer = make_trainer(tmp_path, seed=1, steps=8)
    before = _state(trainer)
    with pytest.raises(CheckpointError, match="exp_avg"):
        trainer.fit()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert_same_state(before, _state(trainer))


# ------------------------------------------------------------------ the command line
@pytest.fixture(scope="module")
def cli_outcomes(request):
    """Every damaged copy of a real vanilla smoke checkpoint, resumed by `train --resume`.

    The copies are 24 MB each, so they are made, resumed (one interpreter per group), checked
    and deleted a group at a time: all of them at once took over a gigabyte of disk.
    """
    from gan_course.cli import main

    base = scratch(request, "damaged")
    run = base / "run"
    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "4", "--out", str(run), "--device", "cpu"]) == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "GAN_COURSE_PROFILE": "smoke"}
    names, results, kept = list(DAMAGES), {}, {}
    for start in range(0, len(names), 12):
        cases, folders, before = [], {}, {}
        for name in names[start:start + 12]:
            folder = folders[name] = base / f"case{names.index(name)}"
            path = _damaged_copy(run / "checkpoint.pt", DAMAGES[name][0], folder / "checkpoint.pt")
            before[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(folder)))
            cases.append({"name": name, "cwd": str(base), "env": {"GAN_COURSE_RUNS": str(base / "runs")},
                          "unset": ["GAN_COURSE_DEVICE"],
                          "argv": ["train", "vanilla", "--profile", "smoke", "--resume", "--out", str(folder),
                                   "--device", "cpu"]})
        (base / "cases.json").write_text(json.dumps(cases))
        proc = subprocess.run([sys.executable, str(BATCH), str(base / "cases.json"), str(base / "results.json")],
                              env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"the batch process died (status {proc.returncode}): {proc.stderr[-3000:]}"
        results.update({r["name"]: r for r in json.loads((base / "results.json").read_text())})
        for name, folder in folders.items():  # the file and its folder after the resume; then the copy goes
            after = (hashlib.sha256((folder / "checkpoint.pt").read_bytes()).hexdigest(), sorted(os.listdir(folder)))
            kept[name] = (before[name], after)
            shutil.rmtree(folder)
    return results, kept


@pytest.mark.parametrize("name", list(DAMAGES))
def test_train_resume_refuses_a_damaged_part_in_one_line_and_keeps_the_file(cli_outcomes, name):
    results, kept = cli_outcomes
    result = results[name]
    err = result["stderr"]
    assert "Traceback" not in err, err
    assert result["code"] == 2, (result["code"], err, result["stdout"][-2000:])
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert DAMAGES[name][1] in err, err
    (digest, files), (digest_after, files_after) = kept[name]
    assert digest_after == digest  # byte for byte as it was
    assert files_after == files  # and nothing written beside it
    assert not re.search(r"step \d+/\d+", result["stdout"])  # no training started
