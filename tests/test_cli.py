"""The command line: training, sampling, and one-line errors with exit status 2."""

import subprocess
import sys

import pytest
import torch

from gan_course.cli import main
from helpers import smoke_run


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gan_course", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def trained(request):
    """A smoke-profile vanilla run, trained once for the module."""
    return smoke_run(request, "vanilla")


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
    assert set(data) == {"images", "made_by"}  # unconditional: no labels; the marker of a `sample` output
    assert data["made_by"] == "python -m gan_course sample"
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
    assert main(["evaluate", "vanilla", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "200",
                 "--no-ladder"]) == 0
    quiet = capsys.readouterr().out
    assert "FD" in quiet and "vanilla" in quiet and "reference ladder" not in quiet and "uniform noise" not in quiet


def test_evaluate_errors_are_one_line(tmp_path):
    for args, needle in ((["evaluate", "nosuchmodel"], "unknown model"),
                         (["evaluate", "vanilla", "--checkpoint", "missing.pt"], "no checkpoint at"),
                         (["evaluate", "vanilla", "--n", "-3"], "must be at least 200")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and needle in result.stderr, result.stderr
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


# ------------------------------------------------------------------ --help lists every subcommand
def _subparsers(parser) -> dict:
    import argparse

    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("argv", [[], ["experiment"]])
def test_help_lists_every_registered_subcommand(argv, capsys):
    from gan_course.cli import build_parser

    parser = build_parser()
    for word in argv:
        parser = _subparsers(parser)[word]
    names = list(_subparsers(parser))
    assert main([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    listed = [line.split()[0] for line in rest.splitlines() if line.startswith("    ") and line.split()]
    for name in names:
        assert name in usage, f"{name} missing from the usage line:\n{usage}"
        assert name in listed, f"{name} missing from the list of subcommands:\n{out}"
    if not argv:
        assert {"train", "sample", "evaluate", "translate", "bench", "experiment"} <= set(names)
    else:
        assert names == ["pix2pix-ablations", "cyclegan-variants"]


# ------------------------------------------------------------------ FashionMNIST-shaped outputs
@pytest.mark.parametrize("pad_to", [28, 31, 32, 33])
def test_unpad_takes_off_exactly_the_padding(pad_to):
    from gan_course.data import load_fashion_mnist, unpad

    plain = load_fashion_mnist("test", limit=16).images  # (16, 1, 28, 28)
    padded = load_fashion_mnist("test", limit=16, pad_to=pad_to).images  # (16, 1, pad_to, pad_to)
    assert padded.shape == (16, 1, pad_to, pad_to)
    assert torch.equal(unpad(padded), plain)


def test_write_output_crops_32x32_images_and_keeps_labels(tmp_path):
    from gan_course.cli import _write_output
    from gan_course.data import load_fashion_mnist

    plain = load_fashion_mnist("test", limit=5)
    padded = load_fashion_mnist("test", limit=5, pad_to=32).images
    written = _write_output({"images": padded.double(), "labels": plain.labels}, tmp_path / "o.pt", "images", "sample")
    saved = torch.load(tmp_path / "o.pt", weights_only=True)
    assert saved["images"].dtype == torch.float32 and saved["images"].shape == (5, 1, 28, 28)
    assert torch.equal(saved["images"], plain.images) and torch.equal(saved["labels"], plain.labels)
    assert torch.equal(written["images"], saved["images"])


def test_write_output_refuses_what_is_not_fashion_mnist_shaped(tmp_path):
    from gan_course.cli import _write_output
    from gan_course.errors import CourseError

    for images in (torch.zeros(2, 3, 32, 32), torch.zeros(2, 1, 16, 16), torch.zeros(2, 1, 28, 32)):
        with pytest.raises(CourseError, match="FashionMNIST"):
            _write_output({"images": images}, tmp_path / "o.pt", "images", "sample")
    assert not (tmp_path / "o.pt").exists()


# ------------------------------------------------------------------ experiment subcommands
def test_experiment_help_lists_both_runners():
    result = run_cli("experiment", "--help", cwd=".")
    assert result.returncode == 0
    assert "pix2pix-ablations" in result.stdout and "cyclegan-variants" in result.stdout


@pytest.mark.parametrize("args, needle", [
    (["experiment"], "required"),
    (["experiment", "gan-zoo"], "invalid choice"),
    (["experiment", "pix2pix-ablations", "--profile", "huge"], "--profile"),
    (["experiment", "pix2pix-ablations", "--only", "no such run"], "--only"),
    (["experiment", "pix2pix-ablations", "--device", "tpu"], "--device"),
    (["experiment", "cyclegan-variants", "--variants", "horses"], "--variants"),
    (["experiment", "cyclegan-variants", "--out", ""], "--out"),
    (["experiment", "cyclegan-variants", "--out", "/dev/null"], "--out"),  # refused before any training
    (["experiment", "pix2pix-ablations", "--cache", "/proc/x"], "--cache"),
])
def test_experiment_bad_values_are_one_line_on_stderr(tmp_path, args, needle):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert needle in result.stderr and result.stderr.startswith("error: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("argv", [
    ["experiment", "cyclegan-variants", "--profile", "huge"],
    ["experiment", "pix2pix-ablations", "--profile", "huge"],
])
def test_experiment_errors_go_to_stderr(tmp_path, argv):
    """The experiment runners (once module entry points; CycleGAN's printed errors to stdout): one line on stderr."""
    result = subprocess.run([sys.executable, "-m", "gan_course", *argv], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0, result.stderr
