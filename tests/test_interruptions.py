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
from helpers import assert_same_state

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
