"""Pretrained generators: fp16 export, SHA-256 manifest checked on load, and the committed files."""

import json
import shutil

import pytest
import torch

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.pretrained import MANIFEST, MAX_BYTES, PRETRAINED_DIR, export_generator, load_pretrained, sha256_of
from gan_course.recipes import MODELS
from helpers import scratch


@pytest.fixture(scope="module")
def exported(request):
    """A smoke-trained vanilla generator exported into a private folder."""
    root = scratch(request, "pretrained")
    assert main(["train", "vanilla", "--profile", "smoke", "--out", str(root / "run")]) == 0
    record = export_generator("vanilla", root / "run" / "checkpoint.pt", out_dir=root / "assets", force=True)
    return root / "assets", record


def test_export_is_fp16_and_recorded(exported):
    folder, record = exported
    payload = torch.load(folder / "vanilla.pt", weights_only=True)
    assert all(v.dtype == torch.float16 for v in payload["weights"].values() if v.is_floating_point())
    assert record.pop("replaced") is None  # nothing was there before
    assert json.loads((folder / "manifest.json").read_text())["vanilla"] == record
    assert record["sha256"] == sha256_of(folder / "vanilla.pt") and record["bytes"] <= MAX_BYTES


def test_loaded_generator_matches_the_checkpoint_to_fp16_precision(exported, tmp_path):
    folder, _ = exported
    G = load_pretrained("vanilla", directory=folder)
    exported = "best.pt" if json.loads((folder / "manifest.json").read_text())["vanilla"]["chosen"] == "best" \
        else "checkpoint.pt"  # the run's best checkpoint is what export takes by default
    state = torch.load(folder.parent / "run" / exported, map_location="cpu", weights_only=True)
    for k, v in state["modules"]["G"].items():
        if v.is_floating_point():
            assert torch.equal(G.state_dict()[k], v.half().float()), k
    assert not G.training


def test_a_flipped_byte_is_caught(exported, tmp_path):
    folder, _ = exported
    copy = tmp_path / "assets"
    shutil.copytree(folder, copy)
    data = bytearray((copy / "vanilla.pt").read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / "vanilla.pt").write_bytes(bytes(data))
    with pytest.raises(CourseError, match="SHA-256"):
        load_pretrained("vanilla", directory=copy)


def test_missing_file_and_missing_entry_name_the_fix(exported, tmp_path):
    folder, _ = exported
    copy = tmp_path / "assets"
    shutil.copytree(folder, copy)
    (copy / "vanilla.pt").unlink()
    with pytest.raises(CourseError, match="make pretrained"):
        load_pretrained("vanilla", directory=copy)
    (copy / "manifest.json").write_text("{}")
    with pytest.raises(CourseError, match="no pretrained vanilla generator"):
        load_pretrained("vanilla", directory=copy)


@pytest.mark.parametrize("model", sorted(json.loads(MANIFEST.read_text())) if MANIFEST.is_file() else [])
def test_committed_generators_verify_and_sample(model, tmp_path):
    assert model in MODELS
    record = json.loads(MANIFEST.read_text())[model]
    assert (PRETRAINED_DIR / record["file"]).stat().st_size <= MAX_BYTES
    out = tmp_path / "s.pt"
    assert main(["sample", model, "--n", "5", "--out", str(out), "--seed", "1"]) == 0  # no --checkpoint
    images = torch.load(out, weights_only=True)["images"]
    assert images.shape == (5, 1, 28, 28) and images.dtype == torch.float32  # FashionMNIST's shape, every model
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0.05  # not a blank image


def test_every_model_ships_a_pretrained_generator():
    assert MANIFEST.is_file(), "run `make pretrained` and commit gan_course/assets/pretrained"
    assert set(json.loads(MANIFEST.read_text())) == set(MODELS)


def test_train_or_load_leaves_g_in_the_mode_training_would_have_left_it(tmp_path):
    from gan_course.pretrained import train_or_load
    from gan_course.recipes import get_model

    entry = get_model("vanilla")
    trainer = entry.build(entry.recipe.for_profile("smoke"), torch.device("cpu"), tmp_path / "run", 0)
    assert train_or_load(trainer, "vanilla", use_pretrained=True) is None
    G = trainer.modules["G"]
    assert all(m.training for m in G.modules())  # the committed weights, and the mode fit() leaves
    assert torch.equal(G.state_dict()["net.0.weight"], load_pretrained("vanilla").state_dict()["net.0.weight"])


@pytest.fixture(scope="module")
def vanilla_trainer(request):
    from gan_course.recipes import get_model

    entry = get_model("vanilla")
    return entry.build(entry.recipe.for_profile("smoke"), torch.device("cpu"),
                       scratch(request, "switch") / "run", 0)


@pytest.mark.parametrize("flag", ["no", None, 0, "False"])
def test_train_or_load_refuses_a_switch_that_is_not_a_bool(vanilla_trainer, flag):
    """``train_or_load(trainer, name, 'no')`` used to load the pretrained weights ('no' is true)."""
    from gan_course.pretrained import train_or_load

    before = {k: v.clone() for k, v in vanilla_trainer.modules["G"].state_dict().items()}
    with pytest.raises(CourseError) as info:
        train_or_load(vanilla_trainer, "vanilla", flag)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"use_pretrained must be True or False, got {flag!r}")
    assert vanilla_trainer.step == 0 and all(torch.equal(before[k], v) for k, v in
                                             vanilla_trainer.modules["G"].state_dict().items())


def test_train_or_load_refuses_another_models_name_or_no_trainer(vanilla_trainer, monkeypatch):
    from gan_course.pretrained import train_or_load

    before = {k: v.clone() for k, v in vanilla_trainer.modules["G"].state_dict().items()}
    for use_pretrained in (True, False):  # before training or loading anything
        with pytest.raises(CourseError, match=r"^train_or_load got model='dcgan', but the trainer trains 'vanilla' "
                                              r"\(tag 'vanilla-mlp'\): pass .*'vanilla'$"):
            train_or_load(vanilla_trainer, "dcgan", use_pretrained)
    monkeypatch.setattr(vanilla_trainer, "tag", "my-own-run")  # a tag of no model: the weights tell
    with pytest.raises(CourseError, match=r"^train_or_load got model='dcgan', but the trainer's generator "
                                          r"\(MLPGenerator\) is not the shipped dcgan generator"):
        train_or_load(vanilla_trainer, "dcgan", True)
    with pytest.raises(CourseError, match=r"^trainer must be the chapter's Trainer"):
        train_or_load(None, "vanilla", True)
    with pytest.raises(CourseError, match=r"^unknown model 'vanila'"):
        train_or_load(vanilla_trainer, "vanila", True)
    assert vanilla_trainer.step == 0 and all(torch.equal(before[k], v) for k, v in
                                             vanilla_trainer.modules["G"].state_dict().items())
