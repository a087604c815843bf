"""SIGKILL a real training process at chosen moments; --resume must finish bitwise identical.

The process kills *itself* (a real SIGKILL, which no Python code can catch or clean up
after) at a point fixed by counting events, not by a timer: in the middle of a step
(between D's and G's update), just after a checkpoint was written, and in the middle of
writing one (the temp file complete, the rename not yet done). So the test has no race
to lose on a fast or a slow machine.
"""

import os
import signal
import subprocess
import sys

import pytest
import torch

from gan_course.recipes.vanilla import VanillaRecipe
from helpers import assert_same_state, scratch

STEPS = 40
EVERY = VanillaRecipe.for_profile("smoke").checkpoint_every  # 12: checkpoints at 12, 24, 36, 40

# Runs `python -m gan_course ARGS` in this process after arranging its own SIGKILL on the n-th event.
KILLER = r"""
import os, runpy, signal, sys

kind, nth = sys.argv[1], int(sys.argv[2])
seen = 0


def event():
    global seen
    seen += 1
    if seen == nth:
        os.kill(os.getpid(), signal.SIGKILL)


if kind == "optimizer step":  # counts every optimizer.step() (D's, then G's, in each training step)
    from torch.optim.optimizer import register_optimizer_step_post_hook

    register_optimizer_step_post_hook(lambda optimizer, args, kwargs: event())
else:  # counts the renames of a finished temp file over checkpoint.pt (gan_course/io.py: os.replace)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        ours = os.fspath(dst).endswith("checkpoint.pt")
        if ours and kind == "before checkpoint rename":
            event()
        real_replace(src, dst, *args, **kwargs)
        if ours and kind == "after checkpoint write":
            event()

    os.replace = replace
sys.argv = ["python -m gan_course", *sys.argv[3:]]
runpy.run_module("gan_course", run_name="__main__", alter_sys=True)
"""


def train_args(out, *extra):
    return ["train", "vanilla", "--profile", "smoke", "--steps", str(STEPS), "--out", str(out), "--device", "cpu",
            *extra]


def final_state(out):
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    return {k: state[k] for k in ("step", "modules", "optimizers", "batches", "rng", "history")}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("kind, nth, kept_step", [
    ("optimizer step", 2 * (EVERY + 5) + 1, EVERY),  # after D's update of step 18, before G's
    ("after checkpoint write", 1, EVERY),  # right after the first checkpoint
    ("before checkpoint rename", 2, EVERY),  # the second checkpoint half-done: the first one stays
])
def test_sigkill_then_resume_is_bitwise_identical(tmp_path, kind, nth, kept_step):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    python = [sys.executable, "-m", "gan_course"]
    subprocess.run(python + train_args(tmp_path / "straight"), check=True, env=env, capture_output=True,
                   timeout=600)

    out = tmp_path / "killed"
    killed = subprocess.run([sys.executable, "-c", KILLER, kind, str(nth), *train_args(out)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == kept_step
    torn = list(out.glob(".checkpoint.pt.*.tmp"))
    assert bool(torn) == (kind == "before checkpoint rename")  # the half-written file is left behind

    resumed = subprocess.run(python + train_args(out, "--resume"), check=True, env=env, capture_output=True,
                             text=True, timeout=600)
    assert f"at step {kept_step}/{STEPS}" in resumed.stdout  # it went on from the checkpoint, not from scratch
    assert not list(out.glob(".*.tmp"))  # the dead writer's leftover is cleaned up
    assert_same_state(final_state(tmp_path / "straight"), final_state(out))


# Runs `python -m gan_course ARGS` in this process after arranging a real SIGINT (Ctrl-C) to itself in one phase:
# while torch is imported, while the data loads, during the step-0 quality measurement, or at the n-th optimiser step.
INTERRUPTER = r"""
import builtins, os, runpy, signal, sys

phase, nth = sys.argv[1], int(sys.argv[2])


def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)


if phase == "imports":
    real_import = builtins.__import__

    def importing(name, *args, **kwargs):
        if name == "torch" and "torch" not in sys.modules:
            ctrl_c()
        return real_import(name, *args, **kwargs)

    builtins.__import__ = importing
elif phase == "data":
    import gan_course.recipes.vanilla as vanilla

    real_load = vanilla.load_fashion_mnist

    def load(*args, **kwargs):
        ctrl_c()
        return real_load(*args, **kwargs)

    vanilla.load_fashion_mnist = load
elif phase == "step-0 measurement":
    from gan_course.metrics import QualityProbe

    real_measure = QualityProbe.measure

    def measure(self, *args, **kwargs):
        ctrl_c()
        return real_measure(self, *args, **kwargs)

    QualityProbe.measure = measure
else:  # "mid-run": at the n-th optimizer.step() (D's, then G's, in each training step)
    from torch.optim.optimizer import register_optimizer_step_post_hook

    seen = [0]

    def count(optimizer, args, kwargs):
        seen[0] += 1
        if seen[0] == nth:
            ctrl_c()

    register_optimizer_step_post_hook(count)
sys.argv = ["python -m gan_course", *sys.argv[3:]]
runpy.run_module("gan_course", run_name="__main__", alter_sys=True)
"""

SAME_RUN = ["--seed", "5", "--lr-scale", "0.5"]  # what the hint must carry on: a seed and a lowered learning rate


@pytest.fixture(scope="module")
def straight_run(request):
    out = scratch(request, "straight") / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "gan_course", *train_args(out, *SAME_RUN)], check=True, env=env,
                   capture_output=True, timeout=600)
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to oneself is POSIX")
@pytest.mark.parametrize("phase, nth", [("imports", 0), ("data", 0), ("step-0 measurement", 0),
                                        ("mid-run", 2 * (EVERY + 5) + 1)])
def test_the_printed_hint_after_ctrl_c_continues_the_same_run(tmp_path, straight_run, phase, nth):
    import shlex

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "my run"  # a space: the hint must quote it
    stopped = subprocess.run([sys.executable, "-c", INTERRUPTER, phase, str(nth), *train_args(out, *SAME_RUN)],
                             env=env, capture_output=True, text=True, timeout=600)
    assert stopped.returncode == 130, (stopped.returncode, stopped.stderr[-2000:])
    assert "Traceback" not in stopped.stderr, stopped.stderr
    lines = stopped.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted"), stopped.stderr
    if phase == "imports":  # nothing started: the same command again is the whole story
        assert "run the command again" in lines[0] and not out.exists()
        return
    saved = (out / "checkpoint.pt").exists()
    assert saved == (phase == "mid-run"), lines[0]
    assert ("is kept" in lines[0]) == saved and ("no checkpoint was written yet" in lines[0]) == (not saved)
    hint = shlex.split(lines[0].split(" with: ", 1)[1])
    assert hint[:3] == ["python", "-m", "gan_course"] and ("--resume" in hint) == saved, hint
    for flag, value in (("--seed", "5"), ("--lr-scale", "0.5"), ("--steps", str(STEPS)), ("--out", str(out))):
        assert hint[hint.index(flag) + 1] == value, (flag, hint)
    resumed = subprocess.run([sys.executable, *hint[1:]], env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (f"at step {torch.load(out / 'checkpoint.pt', weights_only=True)['step']}" in resumed.stdout) or saved
    assert_same_state(final_state(straight_run), final_state(out))  # the same run, to the last bit


def test_resume_continues_the_checkpoints_target_seed_and_learning_rate(tmp_path, straight_run):
    """`--resume` alone (no --steps, --seed or --lr-scale) continues the run the checkpoint describes."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run"
    killed = subprocess.run([sys.executable, "-c", KILLER, "after checkpoint write", "1", *train_args(out, *SAME_RUN)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    plain = ["train", "vanilla", "--profile", "smoke", "--out", str(out), "--device", "cpu", "--resume"]
    resumed = subprocess.run([sys.executable, "-m", "gan_course", *plain], env=env, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"at step {EVERY}/{STEPS}" in resumed.stdout  # the 40-step target, not the profile's 24
    assert "resuming with" not in resumed.stdout  # the same learning rate: nothing changed
    assert_same_state(final_state(straight_run), final_state(out))
