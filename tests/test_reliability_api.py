"""Issue 13 from a notebook: NaN into the metrics, fit() after an interrupt, a device that is not there,
and the file helpers every write goes through (gan_course/io.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_course import io
from gan_course.errors import CourseError, OutputError
from gan_course.steps import d_step, g_step
from gan_course.training import CHECKPOINT_NAME, load_checkpoint
from helpers import assert_same_state, make_trainer, write_fake_fashion_mnist


# ------------------------------------------------------------------ NaN into the metrics
def _images(n=8, value=None):
    x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    if value is not None:
        x[1, 0, 3, 4] = value
    return x


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_images_raise_course_error_in_every_metric(value):
    from gan_course.metrics import (frechet_distance, image_features, label_accuracy, mode_coverage,
                                    precision_recall, score_images)
    from gan_course.metrics.images import kernel_distance
    from gan_course.metrics.translation import paired_scores

    bad = _images(value=value)
    for call in (lambda: frechet_distance(bad, _images()),  # crashed the process in LAPACK before
                 lambda: frechet_distance(_images(), bad),
                 lambda: score_images(bad, n=8),
                 lambda: image_features(bad),
                 lambda: label_accuracy(bad, torch.zeros(8, dtype=torch.long)),
                 lambda: paired_scores(bad, _images())):
        with pytest.raises(CourseError, match="NaN or infinite"):
            call()
    features = torch.randn(10, 4)
    features[2, 1] = value
    with pytest.raises(CourseError, match="NaN or infinite"):
        precision_recall(torch.randn(10, 4), features)
    with pytest.raises(CourseError, match="NaN or infinite"):
        kernel_distance(features, torch.randn(10, 4))
    points = torch.randn(20, 2)
    points[0, 0] = value
    with pytest.raises(CourseError, match="NaN or infinite"):
        mode_coverage(points, torch.zeros(3, 2), std=0.1)


# ------------------------------------------------------------------ fit() after an interrupt
def _final(trainer):
    return {"modules": {k: m.state_dict() for k, m in trainer.modules.items()},
            "optimizers": {k: o.state_dict() for k, o in trainer.optimizers.items()},
            "history": trainer.history, "step": trainer.step, "batches": trainer.batches.state_dict()}


def _interrupting(at_call, how, where="d"):
    """A step function that is interrupted on its ``at_call``-th call: by SIGINT (as a kernel interrupt
    sends it) or by a KeyboardInterrupt raised in the middle of the step."""
    calls = {"n": 0}
    base = d_step if where == "d" else g_step

    def step(batch, ctx, **kwargs):
        calls["n"] += 1
        out = base(batch, ctx, **kwargs)
        if calls["n"] == at_call:
            if how == "signal":
                os.kill(os.getpid(), signal.SIGINT)  # arrives now, handled at the end of this step
            else:
                raise KeyboardInterrupt  # half a step: D updated, G not (or G updated, stats lost)
        return out

    return step


@pytest.mark.parametrize("with_folder", [True, False])
@pytest.mark.parametrize("at_call", [3, 6])  # before the first checkpoint (every 5 steps), and after it
def test_a_kernel_interrupt_finishes_the_step_saves_and_fit_continues_identically(tmp_path, with_folder, at_call):
    straight = make_trainer(tmp_path / "A" if with_folder else None, steps=9, checkpoint_every=5)
    straight.fit()
    out = tmp_path / "B" if with_folder else None
    trainer = make_trainer(out, steps=9, checkpoint_every=5, d_step_fn=_interrupting(at_call, "signal"))
    with pytest.raises(KeyboardInterrupt, match=f"after step {at_call}"):
        trainer.fit()
    assert trainer.step == at_call and trainer.history["step"] == list(range(1, at_call + 1))
    if with_folder:  # a checkpoint at the interrupt: the reader loses nothing
        assert load_checkpoint(out)["step"] == at_call
        assert sorted(p.name for p in out.iterdir()) == [CHECKPOINT_NAME]  # no lock or temp file left
    trainer.fit()
    assert_same_state(_final(straight), _final(trainer))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C is ordinary again


@pytest.mark.parametrize("where", ["d", "g"])
@pytest.mark.parametrize("at_call", [3, 7])  # no checkpoint yet (restart from the start), one at step 5
def test_an_interrupt_in_the_middle_of_a_step_never_continues_from_half_a_step(tmp_path, where, at_call):
    straight = make_trainer(tmp_path / "A", steps=9, checkpoint_every=5)
    straight.fit()
    trainer = make_trainer(tmp_path / "B", steps=9, checkpoint_every=5,
                           **{f"{where}_step_fn": _interrupting(at_call, "raise", where)})
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    trainer.fit()  # goes back to the last consistent state first, then trains on
    assert_same_state(_final(straight), _final(trainer))


def test_an_interrupt_mid_step_without_a_folder_restarts_cleanly():
    straight = make_trainer(None, steps=6)
    straight.fit()
    trainer = make_trainer(None, steps=6, d_step_fn=_interrupting(4, "raise"))
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    trainer.fit()
    assert_same_state(_final(straight), _final(trainer))


def test_resume_with_a_lower_learning_rate_is_allowed_and_used(tmp_path, capsys):
    make_trainer(tmp_path, steps=3).fit()
    roles = {"lr": "lr", "width": "network"}  # as a recipe declares them: only "lr" is a learning rate
    lower = make_trainer(tmp_path, steps=5, hparams={"width": 16, "lr": 1e-4}, roles=roles)
    for opt in lower.optimizers.values():
        for group in opt.param_groups:
            group["lr"] = 1e-4
    state = load_checkpoint(tmp_path)
    state["hparams"]["lr"] = 2e-3  # the checkpoint's run used the higher rate
    torch.save(state, tmp_path / CHECKPOINT_NAME)
    lower.fit()
    assert "resuming with lr = 0.0001" in capsys.readouterr().out
    assert lower.step == 5
    assert all(g["lr"] == 1e-4 for o in lower.optimizers.values() for g in o.param_groups)
    with pytest.raises(CourseError, match="other settings"):  # anything else must still match
        make_trainer(tmp_path, steps=6, hparams={"width": 32, "lr": 1e-4}, roles=roles).fit()


# ------------------------------------------------------------------ devices
@pytest.mark.parametrize("name", ["cuda:99", "tpu", "mps:2", "cpu:1", "meta"])
def test_a_device_that_is_not_there_lists_those_that_are(name, monkeypatch):
    from gan_course.data import load_fashion_mnist
    from gan_course.runtime import available_devices, get_device

    with pytest.raises(CourseError, match="cpu") as info:
        get_device(name)
    assert repr(name) in str(info.value)
    monkeypatch.setenv("GAN_COURSE_DEVICE", name)
    with pytest.raises(CourseError, match="GAN_COURSE_DEVICE"):
        get_device()
    with pytest.raises(CourseError, match="available"):
        load_fashion_mnist("test", device=name, limit=4)
    assert "cpu" in available_devices()


# ------------------------------------------------------------------ io
def test_atomic_save_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    for target, needle in ((tmp_path / "fifo", "FIFO"), (tmp_path / "dir", "folder"),
                           (Path("/dev/null"), "device"), (tmp_path / "file" / "x.pt", "under a file")):
        with pytest.raises(OutputError, match=needle):
            io.atomic_save({"a": 1}, target)
    assert (tmp_path / "fifo").is_fifo() and (tmp_path / "file").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "fifo", "file"]  # no temp files


def test_atomic_write_goes_through_a_symbolic_link(tmp_path):
    (tmp_path / "real.json").write_text("{}")
    os.symlink("real.json", tmp_path / "link.json")
    io.atomic_write_json({"a": 1}, tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink() and json.loads((tmp_path / "real.json").read_text()) == {"a": 1}


def test_a_full_disk_keeps_the_old_file_and_says_so(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    io.atomic_write_json({"old": 1}, path)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # (a real full disk is tested in test_misuse_cli.py)
    with pytest.raises(OutputError, match="no space left.*") as info:
        io.atomic_write_json({"new": 1}, path)
    assert "previous file is kept" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"old": 1} and [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_stale_temp_files_of_dead_processes_go_live_ones_stay(tmp_path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    live = os.getppid()
    for pid in (dead, live):
        (tmp_path / f".checkpoint.pt.{pid}.tmp").write_bytes(b"x")
    (tmp_path / "keep.tmp").write_bytes(b"not ours")
    removed = io.remove_stale_temps(tmp_path)
    assert [p.name for p in removed] == [f".checkpoint.pt.{dead}.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f".checkpoint.pt.{live}.tmp", "keep.tmp"])


def test_the_run_lock_is_exclusive_between_processes_and_released(tmp_path):
    code = ("import sys\nfrom gan_course.io import run_lock\nfrom gan_course.errors import CourseError\n"
            "try:\n    run_lock(sys.argv[1]).__enter__()\nexcept CourseError as e:\n    print(e); sys.exit(2)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with io.run_lock(tmp_path):
        with io.run_lock(tmp_path):  # re-entrant within a process
            pass
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env)
        assert other.returncode == 2 and f"pid {os.getpid()}" in other.stdout
    assert list(tmp_path.iterdir()) == []  # released: the lock file is gone
    assert subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env).returncode == 0


def test_a_damaged_manifest_is_one_clear_error(tmp_path):
    from gan_course.pretrained import PRETRAINED_DIR, load_pretrained, read_manifest

    copy = tmp_path / "pretrained"
    shutil.copytree(PRETRAINED_DIR, copy)
    (copy / "manifest.json").write_text('{"vanilla": {"file": "vanilla.pt", ')
    for call in (lambda: read_manifest(copy / "manifest.json"), lambda: load_pretrained("vanilla", directory=copy)):
        with pytest.raises(CourseError, match="not valid JSON") as info:
            call()
        assert "\n" not in str(info.value) and ("git" in str(info.value) or "pip" in str(info.value))
    (copy / "manifest.json").write_text('{"vanilla": {"step": 3}}')
    with pytest.raises(CourseError, match="lacks file, sha256"):
        load_pretrained("vanilla", directory=copy)


def test_export_refuses_a_smoke_checkpoint_and_names_what_it_replaces(tmp_path):
    from gan_course.cli import main
    from gan_course.pretrained import export_generator

    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "2", "--out", str(tmp_path / "run")]) == 0
    first = export_generator("vanilla", tmp_path / "run", out_dir=tmp_path / "assets", force=True)
    assert first["replaced"] is None
    before = (tmp_path / "assets" / "vanilla.pt").read_bytes()
    with pytest.raises(CourseError, match="smoke profile.*would replace.*vanilla.pt \\(step 2.*--force"):
        export_generator("vanilla", tmp_path / "run", out_dir=tmp_path / "assets")
    assert (tmp_path / "assets" / "vanilla.pt").read_bytes() == before
    again = export_generator("vanilla", tmp_path / "run", out_dir=tmp_path / "assets", force=True)
    assert "vanilla.pt (step 2" in again["replaced"]


# ------------------------------------------------------------------ data cache by content
def test_replacing_a_bad_data_file_repairs_the_cache_whatever_its_date(tmp_path, monkeypatch):
    from gan_course.data import fashion_mnist as data
    from gan_course.errors import DataNotFoundError

    monkeypatch.setattr(data, "SYSTEM_DIR", tmp_path / "none")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    good = tmp_path / "good"
    write_fake_fashion_mnist(good)
    source = tmp_path / "src"
    shutil.copytree(good, source)
    monkeypatch.setenv("GAN_COURSE_DATA", str(source))
    target = source / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-40])  # truncated
    with pytest.raises(DataNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        data.find_fashion_mnist_root()
    shutil.copy(good / target.name, target)
    os.utime(target, (1, 1))  # the good copy is *older* than the cache: a date check would keep the bad file
    root = data.find_fashion_mnist_root()
    assert data.load_fashion_mnist("test").images.shape == (6, 1, 28, 28)
    assert not list((tmp_path / "cache").rglob("*.tmp")) and root.is_dir()


# ------------------------------------------------------------------ the CycleGAN table
def test_evaluation_table_lists_a_models_own_measures_under_readable_names():
    from gan_course.experiments.evaluation import scores_table

    scores = {"fd": 1.0, "kid": 2.0, "precision": 0.5, "recall": 0.25, "cycle_l1_A": 0.125,
              "target_rate_AtoB": 1.0, "identity_l1_B": 0.5}
    table = scores_table("cyclegan", scores, ladder=False)
    header = table.splitlines()[0]
    assert "cycle" not in header and len(header) < 90  # the header holds the four shared scores only
    for name, value in (("cycle l1 A", "0.125"), ("target rate AtoB", "1.000"), ("identity l1 B", "0.500")):
        line = next(line for line in table.splitlines() if line.strip().startswith(name))
        assert line.split()[-1] == value


def test_a_file_system_without_locks_runs_unlocked_instead_of_refusing(tmp_path, monkeypatch):
    """Google Drive on Colab (FUSE) may not support flock: training there must still work."""
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    trainer = make_trainer(tmp_path, steps=2)
    trainer.fit()
    assert trainer.step == 2 and sorted(p.name for p in tmp_path.iterdir()) == [CHECKPOINT_NAME]


def test_the_nan_message_of_train_gives_a_command_that_works(tmp_path, monkeypatch, capsys):
    """A NaN stop in `train`: one line with the resume command; running that command finishes the run."""
    import shlex

    import gan_course.recipes.vanilla as vanilla
    from gan_course.cli import main

    calls = {"n": 0}
    real = vanilla.d_step

    def blows_up(batch, ctx, **kwargs):
        calls["n"] += 1
        stats = real(batch, ctx, **kwargs)
        if calls["n"] == 20:
            stats["loss_d_real"] = torch.tensor(float("nan"))
        return stats

    monkeypatch.setattr(vanilla, "d_step", blows_up)
    out = tmp_path / "run"
    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "30", "--out", str(out), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step 20" in err and "(step 12) is kept" in err, err
    advice = err.split("resume it with a lower learning rate: ")[1].strip()
    assert advice.startswith("python -m gan_course train vanilla") and "--lr-scale 0.5" in advice
    monkeypatch.setattr(vanilla, "d_step", real)
    assert "--steps 30" in advice and "--device cpu" in advice  # the same run, only slower
    assert main(shlex.split(advice)[3:]) == 0
    state = load_checkpoint(out)
    assert state["step"] == 30 and state["hparams"]["lr"] == pytest.approx(1e-4)
