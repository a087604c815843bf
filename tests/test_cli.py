"""The command line: training, sampling, and one-line errors with exit status 2."""

import subprocess
import sys

import pytest
import torch

from gan_course.cli import main


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gan_course", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A smoke-profile vanilla run, trained once for the module."""
    out = tmp_path_factory.mktemp("run") / "vanilla"
    assert main(["train", "vanilla", "--profile", "smoke", "--out", str(out)]) == 0
    return out


def test_train_writes_checkpoint_and_refuses_to_overwrite(trained, capsys):
    assert (trained / "checkpoint.pt").is_file()
    assert main(["train", "vanilla", "--profile", "smoke", "--out", str(trained)]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and err.count("\n") == 1


def test_resume_of_finished_run_is_a_no_op(trained):
    before = (trained / "checkpoint.pt").stat().st_mtime_ns
    assert main(["train", "vanilla", "--profile", "smoke", "--out", str(trained), "--resume"]) == 0
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    assert state["step"] == 24
    assert (trained / "checkpoint.pt").stat().st_mtime_ns == before  # nothing retrained, nothing rewritten


def test_resume_with_another_profile_is_refused(trained, capsys):
    assert main(["train", "vanilla", "--profile", "full", "--out", str(trained), "--resume"]) == 2
    assert "batch_size" in capsys.readouterr().err


def test_sample_file_format(trained, tmp_path):
    out = tmp_path / "s.pt"
    assert main(["sample", "vanilla", "--n", "7", "--out", str(out), "--checkpoint",
                 str(trained / "checkpoint.pt"), "--seed", "3"]) == 0
    data = torch.load(out, weights_only=True)
    assert set(data) == {"images"}  # unconditional: no labels
    images = data["images"]
    assert images.dtype == torch.float32 and images.shape == (7, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1
    again = tmp_path / "t.pt"
    main(["sample", "vanilla", "--n", "7", "--out", str(again), "--checkpoint",
          str(trained / "checkpoint.pt"), "--seed", "3"])
    assert torch.equal(torch.load(again, weights_only=True)["images"], images)  # same seed, same samples


@pytest.mark.parametrize("args, needle", [
    (["train", "nosuchmodel"], "unknown model"),
    (["train", "vanilla", "--profile", "huge"], "invalid choice"),
    (["train", "vanilla", "--seed", "x"], "not a whole number"),
    (["sample", "vanilla", "--n", "0", "--out", "x.pt"], "must be positive"),
    (["sample", "vanilla", "--n", "4", "--out", "x.pt", "--checkpoint", "missing.pt"], "no checkpoint at"),
    ([], "required"),
])
def test_errors_are_one_line_with_status_2(tmp_path, args, needle):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert needle in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_checkpoint_is_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    result = run_cli("sample", "vanilla", "--n", "2", "--out", "x.pt", "--checkpoint", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and "corrupt" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_prints_scores_above_the_ladder(trained, capsys):
    assert main(["evaluate", "vanilla", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "200"]) == 0
    out = capsys.readouterr().out
    assert "200 generated images" in out and "FD" in out and "precision" in out
    assert "reference ladder" in out and "real train images" in out and "uniform noise" in out


def test_evaluate_errors_are_one_line(tmp_path):
    for args, needle in ((["evaluate", "nosuchmodel"], "unknown model"),
                         (["evaluate", "vanilla", "--checkpoint", "missing.pt"], "no checkpoint at"),
                         (["evaluate", "vanilla", "--n", "-3"], "must be at least 200")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and needle in result.stderr, result.stderr
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
