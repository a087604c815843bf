"""SIGKILL a real training process at an arbitrary moment; --resume must finish bitwise identical."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from helpers import assert_same_state

STEPS = "300"  # the smoke recipe checkpoints every 12 steps, so a kill lands between many checkpoints


def train_cmd(out, *extra):
    return [sys.executable, "-m", "gan_course", "train", "vanilla", "--profile", "smoke",
            "--steps", STEPS, "--out", str(out), "--device", "cpu", *extra]


def final_state(out):
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    return {k: state[k] for k in ("step", "modules", "optimizers", "batches", "rng", "history")}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("delay", [0.0, 0.15])
def test_sigkill_then_resume_is_bitwise_identical(tmp_path, delay):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(train_cmd(tmp_path / "straight"), check=True, env=env, capture_output=True, timeout=600)

    out = tmp_path / "killed"
    proc = subprocess.Popen(train_cmd(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out / "checkpoint.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    time.sleep(delay)  # kill anywhere: right after the first checkpoint, or mid-way between saves
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    killed_at = torch.load(out / "checkpoint.pt", weights_only=True)["step"]
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert 0 < killed_at < int(STEPS)

    subprocess.run(train_cmd(out, "--resume"), check=True, env=env, capture_output=True, timeout=600)
    assert not list(out.glob(".*.tmp"))  # no half-written leftovers
    assert_same_state(final_state(tmp_path / "straight"), final_state(out))
