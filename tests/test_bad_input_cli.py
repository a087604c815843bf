"""Issue 7's bad-input matrix through the command line: exit status 2, one line naming the fix, nothing lost.

(Model-specific cases, such as a wrong image shape or a label outside 0-9, are tested
next to each model in tests/test_<model>.py; data discovery in tests/test_fashion_mnist.py;
the pretrained manifest in tests/test_pretrained.py.)
"""

import shutil

import pytest
import torch

from gan_course.cli import main
from helpers import scratch


@pytest.fixture(scope="module")
def checkpoint(request):
    out = scratch(request, "bad_input") / "vanilla"
    assert main(["train", "vanilla", "--profile", "smoke", "--out", str(out)]) == 0
    return out / "checkpoint.pt"


def one_line_error(capsys, code, *needles):
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("steps", ["0", "-5"])
def test_step_count_of_zero_or_less(capsys, tmp_path, steps):
    code = main(["train", "vanilla", "--profile", "smoke", "--steps", steps, "--out", str(tmp_path / "r")])
    one_line_error(capsys, code, "must be positive")


def test_unknown_profile_in_the_environment(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "huge")
    code = main(["train", "vanilla", "--out", str(tmp_path / "r")])
    one_line_error(capsys, code, "huge", "smoke")


def test_data_folder_without_fashion_mnist(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code = main(["train", "vanilla", "--profile", "smoke", "--out", str(tmp_path / "r")])
    one_line_error(capsys, code, "GAN_COURSE_DATA")
    assert not (tmp_path / "r" / "checkpoint.pt").exists()


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage"])
@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_damaged_checkpoint(capsys, tmp_path, checkpoint, damage, command):
    path = tmp_path / "ckpt.pt"
    if damage == "truncated":
        path.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00not a checkpoint" * 100)
    extra = ["--n", "4", "--out", str(tmp_path / "s.pt")] if command == "sample" else ["--n", "200"]
    code = main([command, "vanilla", "--checkpoint", str(path), *extra])
    one_line_error(capsys, code, "checkpoint")
    assert not (tmp_path / "s.pt").exists()


def test_resuming_a_damaged_checkpoint_keeps_the_file(capsys, tmp_path, checkpoint):
    run = tmp_path / "run"
    run.mkdir()
    data = checkpoint.read_bytes()[:1000]
    (run / "checkpoint.pt").write_bytes(data)
    code = main(["train", "vanilla", "--profile", "smoke", "--out", str(run), "--resume"])
    one_line_error(capsys, code, "checkpoint")
    assert (run / "checkpoint.pt").read_bytes() == data  # nothing overwritten: the user decides


def test_checkpoint_of_another_model(capsys, tmp_path, checkpoint):
    other = next(m for m in ("dcgan", "cgan", "infogan") if m in __import__("gan_course.recipes").recipes.MODELS)
    code = main(["sample", other, "--n", "4", "--out", str(tmp_path / "s.pt"), "--checkpoint", str(checkpoint)])
    one_line_error(capsys, code, "vanilla-mlp", "checkpoint of this model")


def test_checkpoint_of_another_configuration_is_not_resumed(capsys, tmp_path, checkpoint):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(checkpoint, run / "checkpoint.pt")
    before = (run / "checkpoint.pt").read_bytes()
    code = main(["train", "vanilla", "--profile", "smoke", "--seed", "7", "--out", str(run), "--resume"])
    one_line_error(capsys, code, "seed")
    assert (run / "checkpoint.pt").read_bytes() == before
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 24


@pytest.mark.parametrize("label", ["10", "-1"])
def test_label_outside_0_to_9_for_the_conditional_gan(capsys, tmp_path, label):
    code = main(["sample", "cgan", "--n", "4", "--out", str(tmp_path / "s.pt"), "--label", label])
    one_line_error(capsys, code, "0")
    assert not (tmp_path / "s.pt").exists()


def test_label_for_an_unconditional_model(capsys, tmp_path):
    code = main(["sample", "vanilla", "--n", "4", "--out", str(tmp_path / "s.pt"), "--label", "3"])
    one_line_error(capsys, code, "--label")


def test_label_draws_that_class(tmp_path):
    assert main(["sample", "cgan", "--n", "6", "--out", str(tmp_path / "s.pt"), "--label", "1"]) == 0
    data = torch.load(tmp_path / "s.pt", weights_only=True)
    assert data["labels"].tolist() == [1] * 6 and data["images"].shape[0] == 6
