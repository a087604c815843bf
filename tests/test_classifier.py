"""The feature classifier: shapes, input checks, deterministic training, the committed weights."""

import json
import shutil

import pytest
import torch
import torch.nn.functional as F

from gan_course.metrics.classifier import (ASSETS, MAX_WEIGHTS_BYTES, WEIGHTS_NAME, ClassifierConfig,
                                           FashionClassifier, FeatureExtractor, load_classifier, load_record,
                                           random_shift, save_classifier, sha256_of, train_classifier)
from gan_course.cli import main as cli_main
from gan_course.data import CLASSES, find_fashion_mnist_root, load_fashion_mnist
from gan_course.errors import CourseError, DataNotFoundError
from helpers import assert_same_state, tiny_image_set

# A classifier small enough to train in well under a second.
SMALL = ClassifierConfig(channels=(4, 8, 8), feature_dim=16, epochs=2, batch_size=8)


def _images(n, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, size, size, generator=g) * 2 - 1  # (n, 1, size, size) in [-1, 1)


def _have_fashion_mnist() -> bool:
    try:
        find_fashion_mnist_root(download=False)  # the course's discovery, never a download
        return True
    except DataNotFoundError:
        return False


needs_data = pytest.mark.skipif(not _have_fashion_mnist(), reason="FashionMNIST is not on this machine")


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("size", [28, 32])
def test_logits_and_features_for_28_and_32_inputs(size):
    model = FashionClassifier(SMALL).eval()
    x = _images(5, size)
    assert model(x).shape == (5, len(CLASSES))
    assert model.features(x).shape == (5, SMALL.feature_dim)
    feats, logits = model.features_and_logits(x)
    assert feats.shape == (5, SMALL.feature_dim) and logits.shape == (5, 10)
    assert torch.equal(model.logits_from_features(feats), logits)
    assert model.predict(x).shape == (5,)


def test_32_inputs_are_the_centre_crop_so_pad_to_32_changes_nothing():
    model = FashionClassifier(SMALL).eval()
    x28 = _images(6, 28)
    x32 = F.pad(x28, (2, 2, 2, 2), value=-1.0)  # what load_fashion_mnist(pad_to=32) does
    assert torch.equal(model(x28), model(x32))


def test_feature_extractor_exposes_num_features_for_torchmetrics():
    model = FashionClassifier(SMALL).eval()
    extractor = FeatureExtractor(model)
    assert extractor.num_features == model.num_features == SMALL.feature_dim
    assert extractor(_images(3, 32)).shape == (3, SMALL.feature_dim)


def test_half_precision_images_are_accepted():
    model = FashionClassifier(SMALL).eval()
    x = _images(4, 28)
    assert torch.allclose(model(x.half()), model(x.half().float()))


@pytest.mark.parametrize("x, fix", [
    (torch.zeros(2, 3, 28, 28), "single-channel"),
    (torch.zeros(2, 1, 64, 64), "resize"),
    (torch.zeros(2, 1, 28, 32), "resize"),
    (torch.zeros(2, 784), "resize"),
    (torch.zeros(2, 28, 28), "unsqueeze(1)"),
    (torch.zeros(2, 1, 28, 28, dtype=torch.uint8), "127.5"),
    (torch.full((2, 1, 28, 28), 255.0), "rescale"),
])
def test_wrong_inputs_raise_a_course_error_naming_the_fix(x, fix):
    model = FashionClassifier(SMALL)
    with pytest.raises(CourseError, match=fix.replace("(", r"\(").replace(")", r"\)")):
        model(x)


def test_config_is_checked():
    with pytest.raises(CourseError, match="channels"):
        ClassifierConfig(channels=(8, 8))
    with pytest.raises(CourseError, match="epochs"):
        ClassifierConfig(epochs=0)


# ---------------------------------------------------------------- training
def test_random_shift_is_seeded_and_keeps_shapes():
    x = _images(8, 28)
    a = random_shift(x, 2, torch.Generator().manual_seed(3))
    b = random_shift(x, 2, torch.Generator().manual_seed(3))
    assert a.shape == x.shape and torch.equal(a, b)
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)
    # one image shifted by exactly (dy, dx) = (+1, -2): compare with a padded slice
    g = torch.Generator().manual_seed(5)
    offsets = torch.randint(0, 5, (2, 8), generator=torch.Generator().manual_seed(5))
    shifted = random_shift(x, 2, g)
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    r, c = offsets[0, 0].item(), offsets[1, 0].item()
    assert torch.equal(shifted[0], padded[0, :, r:r + 28, c:c + 28])


def test_training_is_deterministic_on_the_cpu():
    train = tiny_image_set(n=48, shape=(1, 28, 28), seed=1)
    test = tiny_image_set(n=20, shape=(1, 32, 32), seed=2)  # 32x32 on purpose: cropped inside
    quiet = lambda *_: None  # noqa: E731
    m1, r1 = train_classifier(SMALL, seed=3, train_set=train, test_set=test, log=quiet)
    m2, r2 = train_classifier(SMALL, seed=3, train_set=train, test_set=test, log=quiet)
    m3, _ = train_classifier(SMALL, seed=4, train_set=train, test_set=test, log=quiet)
    assert_same_state(m1.state_dict(), m2.state_dict())
    assert not torch.equal(m1.head.weight, m3.head.weight)
    assert r1["test_accuracy"] == r2["test_accuracy"] and 0 <= r1["test_accuracy"] <= 1
    assert r1["test_images"] == 20 and r1["steps"] == 2 * (48 // 8) and r1["seed"] == 3
    assert not m1.training


def test_save_then_load_round_trip(tmp_path):
    train = tiny_image_set(n=24, shape=(1, 28, 28), seed=1)
    model, report = train_classifier(SMALL, seed=0, train_set=train, test_set=train, log=lambda *_: None)
    pt_path, json_path = save_classifier(model, report, tmp_path)
    record = json.loads(json_path.read_text())
    assert record["sha256"] == sha256_of(pt_path) and record["bytes"] == pt_path.stat().st_size
    assert record["config"]["channels"] == [4, 8, 8] and record["dtype"] == "float32"
    loaded = load_classifier(path=pt_path)
    assert loaded is load_classifier(path=pt_path)  # cached
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    x = _images(4, 28)
    assert torch.equal(loaded(x), model.eval()(x))


def test_command_line_rejects_an_unknown_profile(capsys):
    assert cli_main(["train-classifier", "--profile", "huge"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "huge" in err


# --------------------------------------------------------- committed weights
def test_committed_record_describes_the_committed_file():
    record = load_record()
    pt_path = ASSETS / WEIGHTS_NAME
    assert record["sha256"] == sha256_of(pt_path)
    assert pt_path.stat().st_size == record["bytes"] <= MAX_WEIGHTS_BYTES
    assert record["test_images"] == 10_000 and record["test_accuracy"] >= 0.85
    assert record["profile"] == "full"
    for key in ("config", "seed", "torch_version", "train_seconds", "machine"):
        assert key in record, key


@needs_data
def test_committed_weights_load_and_classify_real_images():
    model = load_classifier()
    assert model is load_classifier()  # cached
    assert 64 <= model.num_features <= 128
    test = load_fashion_mnist("test", limit=2000)
    accuracy = (model.predict(test.images) == test.labels).float().mean().item()
    assert accuracy >= 0.85, accuracy
    padded = load_fashion_mnist("test", limit=2000, pad_to=32)
    assert torch.equal(model.predict(padded.images), model.predict(test.images))


def test_a_flipped_byte_is_caught_by_the_hash_check(tmp_path):
    for name in (WEIGHTS_NAME, "classifier.json"):
        shutil.copy(ASSETS / name, tmp_path / name)
    copy = tmp_path / WEIGHTS_NAME
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    with pytest.raises(CourseError, match="python -m gan_course train-classifier"):
        load_classifier(path=copy)


def test_missing_weights_name_the_fix(tmp_path):
    with pytest.raises(CourseError, match="python -m gan_course train-classifier"):
        load_classifier(path=tmp_path / WEIGHTS_NAME)
