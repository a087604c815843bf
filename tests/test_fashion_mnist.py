"""Data: offline discovery of FashionMNIST (with a tiny fake idx set), Batches, and 2-D toys.

Nothing here downloads: every test points the package at a temporary folder, and the one
test that reaches torchvision's download replaces it with a function raising URLError.
"""

import urllib.error

import pytest
import torch

from gan_course.data import fashion_mnist as data
from gan_course.data import Batches, ImageSet, find_fashion_mnist_root, load_fashion_mnist
from gan_course.errors import CourseError, DataNotFoundError
from helpers import write_fake_fashion_mnist

N_TRAIN, N_TEST = 12, 6


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No GAN_COURSE_DATA, an empty 'Debian' folder and an empty cache, all under tmp_path."""
    monkeypatch.delenv("GAN_COURSE_DATA", raising=False)
    empty_system = tmp_path / "system"
    empty_system.mkdir()
    monkeypatch.setattr(data, "SYSTEM_DIR", empty_system)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _snapshot(folder):
    """{relative path: (bytes, mtime)} of every file under folder."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _expected_images(raw: torch.Tensor) -> torch.Tensor:
    return raw.unsqueeze(1).double() / 127.5 - 1.0  # (N, 28, 28) uint8 -> (N, 1, 28, 28) in [-1, 1]


# ----------------------------------------------------------------- discovery
def test_env_folder_without_fashion_mnist_names_the_variable(isolated, monkeypatch):
    empty = isolated / "nothing_here"
    empty.mkdir()
    (empty / "train-images-idx3-ubyte.gz").write_bytes(b"")  # one file of four is not enough
    monkeypatch.setenv("GAN_COURSE_DATA", str(empty))
    with pytest.raises(DataNotFoundError, match="GAN_COURSE_DATA"):
        find_fashion_mnist_root()
    with pytest.raises(DataNotFoundError, match="GAN_COURSE_DATA"):
        load_fashion_mnist("train")


def test_env_folder_with_the_four_files_loads_and_prepares_the_cache(isolated, monkeypatch):
    source = isolated / "fmnist"
    raw = write_fake_fashion_mnist(source, N_TRAIN, N_TEST)
    before = _snapshot(source)
    monkeypatch.setenv("GAN_COURSE_DATA", str(source))

    train = load_fashion_mnist("train")
    test = load_fashion_mnist("test")

    assert isinstance(train, ImageSet) and len(train) == N_TRAIN and len(test) == N_TEST
    assert train.images.shape == (N_TRAIN, 1, 28, 28) and test.images.shape == (N_TEST, 1, 28, 28)
    assert train.images.dtype == torch.float32 and train.labels.dtype == torch.int64
    assert train.images.min().item() == -1.0 and train.images.max().item() == 1.0  # pixels 0 and 255
    torch.testing.assert_close(train.images.double(), _expected_images(raw["train-images-idx3-ubyte"]),
                               rtol=0, atol=1e-6)
    torch.testing.assert_close(test.images.double(), _expected_images(raw["t10k-images-idx3-ubyte"]),
                               rtol=0, atol=1e-6)
    assert torch.equal(train.labels, raw["train-labels-idx1-ubyte"].long())
    assert torch.equal(test.labels, raw["t10k-labels-idx1-ubyte"].long())

    # prepared (unpacked) into the cache, the source folder untouched
    assert _snapshot(source) == before
    root = find_fashion_mnist_root()
    assert root.is_relative_to(isolated / "cache" / "gan_course")
    prepared = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in prepared.iterdir()) == sorted(data.RAW_FILES)  # plain idx, no temp files


def test_preparing_leaves_another_process_temp_file_alone(isolated, monkeypatch):
    # two notebooks (e.g. nbmake -n 2 on a fresh CI machine) may unpack the same files at once:
    # each must write its own temp file, or their writes interleave into a corrupt file
    source = isolated / "fmnist"
    write_fake_fashion_mnist(source, N_TRAIN, N_TEST)
    monkeypatch.setenv("GAN_COURSE_DATA", str(source))
    raw_dir = find_fashion_mnist_root() / "FashionMNIST" / "raw"
    for p in raw_dir.iterdir():  # start again from an empty cache, with others' temp files in it
        p.unlink()
    others = {raw_dir / f"{name}.tmp": b"half written by another process" for name in data.RAW_FILES}
    others.update({raw_dir / f".{name}.1.tmp": b"half written by pid 1" for name in data.RAW_FILES})
    for path, content in others.items():
        path.write_bytes(content)
    assert len(load_fashion_mnist("test")) == N_TEST
    for path, content in others.items():
        assert path.read_bytes() == content


def test_env_folder_in_torchvision_layout_with_plain_files(isolated, monkeypatch):
    import gzip

    source = isolated / "tv"
    raw_dir = source / "FashionMNIST" / "raw"
    raw = write_fake_fashion_mnist(raw_dir, N_TRAIN, N_TEST)
    for name in data.RAW_FILES:  # unpack: plain idx files instead of .gz
        gz = raw_dir / f"{name}.gz"
        (raw_dir / name).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    monkeypatch.setenv("GAN_COURSE_DATA", str(source))
    test = load_fashion_mnist("test")
    assert test.images.shape == (N_TEST, 1, 28, 28)
    assert torch.equal(test.labels, raw["t10k-labels-idx1-ubyte"].long())


def test_debian_folder_is_used_when_the_variable_is_unset(isolated, monkeypatch):
    system = isolated / "debian"
    raw = write_fake_fashion_mnist(system, N_TRAIN, N_TEST, seed=5)
    before = _snapshot(system)
    monkeypatch.setattr(data, "SYSTEM_DIR", system)
    train = load_fashion_mnist("train", limit=5)
    assert train.images.shape == (5, 1, 28, 28)
    assert torch.equal(train.labels, raw["train-labels-idx1-ubyte"][:5].long())
    assert _snapshot(system) == before  # the system folder is never modified
    assert find_fashion_mnist_root() == isolated / "cache" / "gan_course" / "debian"


def test_offline_without_data_names_both_fixes(isolated, monkeypatch):
    from torchvision.datasets import FashionMNIST

    calls = []

    def no_network(self):
        calls.append(self.root)
        raise urllib.error.URLError("no network in the test")

    monkeypatch.setattr(FashionMNIST, "download", no_network)
    with pytest.raises(DataNotFoundError) as info:
        load_fashion_mnist("train")
    message = str(info.value)
    assert "dataset-fashion-mnist" in message and "GAN_COURSE_DATA" in message
    assert "URLError" in message
    assert calls, "torchvision's download was not attempted"
    assert isinstance(info.value.__cause__, urllib.error.URLError)


def test_download_false_errors_clearly(isolated, monkeypatch):
    from torchvision.datasets import FashionMNIST

    def must_not_download(self):  # pragma: no cover - called only if the code regresses
        raise AssertionError("download=False must not try to download")

    monkeypatch.setattr(FashionMNIST, "download", must_not_download)
    with pytest.raises(DataNotFoundError) as info:
        find_fashion_mnist_root(download=False)
    message = str(info.value)
    assert "not on this machine" in message
    assert "dataset-fashion-mnist" in message and "GAN_COURSE_DATA" in message


def test_pad_to_32_adds_a_background_border(isolated, monkeypatch):
    source = isolated / "fmnist"
    raw = write_fake_fashion_mnist(source, N_TRAIN, N_TEST)
    monkeypatch.setenv("GAN_COURSE_DATA", str(source))
    padded = load_fashion_mnist("train", pad_to=32)
    assert padded.images.shape == (N_TRAIN, 1, 32, 32)
    border = torch.ones(32, 32, dtype=torch.bool)
    border[2:30, 2:30] = False  # 28 + 2 + 2: centred
    assert (padded.images[:, :, border] == -1.0).all()
    torch.testing.assert_close(padded.images[:, :, 2:30, 2:30].double(),
                               _expected_images(raw["train-images-idx3-ubyte"]), rtol=0, atol=1e-6)
    assert load_fashion_mnist("train", pad_to=28).images.shape == (N_TRAIN, 1, 28, 28)
    with pytest.raises(CourseError, match="pad_to"):
        load_fashion_mnist("train", pad_to=20)
    with pytest.raises(CourseError, match="'train' or 'test'"):
        load_fashion_mnist("validation")


# ------------------------------------------------------------------- batches
def _indexed_set(n: int = 10) -> ImageSet:
    """Images in [-1, 1] whose label is their index, to follow what each batch visits."""
    images = torch.linspace(-1, 1, n).view(n, 1, 1, 1).expand(n, 1, 4, 4).contiguous()
    return ImageSet(images, torch.arange(n))


def _take(batches: Batches, k: int):
    return [next(batches) for _ in range(k)]


def test_batches_shapes_range_dtype():
    batches = Batches(_indexed_set(10), batch_size=4, seed=0)
    for images, labels in _take(batches, 5):
        assert images.shape == (4, 1, 4, 4) and images.dtype == torch.float32
        assert labels.shape == (4,) and labels.dtype == torch.int64
        assert images.min() >= -1 and images.max() <= 1
        # images and labels are sliced with the same indices
        torch.testing.assert_close(images[:, 0, 0, 0], torch.linspace(-1, 1, 10)[labels])


def test_batches_same_seed_same_sequence_other_seed_other_sequence():
    a = [labels for _, labels in _take(Batches(_indexed_set(10), 3, seed=1), 8)]
    b = [labels for _, labels in _take(Batches(_indexed_set(10), 3, seed=1), 8)]
    c = [labels for _, labels in _take(Batches(_indexed_set(10), 3, seed=2), 8)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(torch.equal(x, y) for x, y in zip(a, c))


def test_batches_do_not_depend_on_the_global_seed():
    torch.manual_seed(0)
    a = [labels for _, labels in _take(Batches(_indexed_set(10), 3, seed=4), 6)]
    torch.manual_seed(1)
    b = [labels for _, labels in _take(Batches(_indexed_set(10), 3, seed=4), 6)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_an_epoch_visits_each_index_at_most_once():
    n, batch_size = 10, 3
    batches = Batches(_indexed_set(n), batch_size, seed=3)
    per_epoch = n // batch_size  # the incomplete last batch is dropped
    assert batches.per_epoch == per_epoch
    epochs = []
    for _ in range(4):
        seen = torch.cat([labels for _, labels in _take(batches, per_epoch)]).tolist()
        assert len(seen) == len(set(seen)) == per_epoch * batch_size
        assert set(seen) <= set(range(n))
        epochs.append(seen)
    assert len({tuple(e) for e in epochs}) > 1  # a fresh permutation each epoch


def test_batches_state_dict_resumes_the_exact_sequence():
    reference = Batches(_indexed_set(10), 3, seed=5)
    head = _take(reference, 4)  # crosses into the second epoch (3 batches per epoch)
    state = reference.state_dict()
    tail = _take(reference, 7)

    resumed = Batches(_indexed_set(10), 3, seed=999)  # the state, not the constructor, decides
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    for (xi, xl), (yi, yl) in zip(tail, _take(resumed, 7)):
        assert torch.equal(xl, yl) and torch.equal(xi, yi)
    assert head  # the head was really drawn


def test_batches_state_at_an_epoch_boundary():
    reference = Batches(_indexed_set(9), 3, seed=2)
    _take(reference, 3)  # exactly one full epoch
    state = reference.state_dict()
    tail = [labels for _, labels in _take(reference, 4)]
    resumed = Batches(_indexed_set(9), 3, seed=2)
    resumed.load_state_dict(state)
    assert all(torch.equal(x, y) for x, y in zip(tail, [labels for _, labels in _take(resumed, 4)]))


@pytest.mark.parametrize("batch_size", [0, -1, 11])
def test_bad_batch_size_raises_course_error(batch_size):
    with pytest.raises(CourseError, match="batch"):
        Batches(_indexed_set(10), batch_size)


def test_batch_size_equal_to_the_set_is_allowed():
    images, labels = next(Batches(_indexed_set(10), 10))
    assert sorted(labels.tolist()) == list(range(10))


def test_cache_dir_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "gan_course"


def test_pad_is_the_loaders_padding_and_unpad_undoes_it():
    from gan_course.data import load_fashion_mnist, pad, unpad

    plain, padded = load_fashion_mnist("test", limit=4).images, load_fashion_mnist("test", limit=4, pad_to=32).images
    assert torch.equal(pad(plain, 32), padded) and torch.equal(unpad(pad(plain, 32)), plain)
    assert pad(padded, 32) is padded and float(pad(plain, 34)[..., 0, 0].max()) == -1.0  # background border
