"""Issue 30, section 4: FashionMNIST files that are wrong but well-formed are refused.

* the train and test files swapped (the real files, by their published SHA-256; any
  copy, by the train split being the smaller one);
* a file of the published size whose content was changed in place;
* a cache file corrupted in place at the same size (every label set to 7): the cache is
  checked by hash, so it is unpacked again from its source instead of being used;
* labels above 9: the error names the bad file, not the cache folder.

Each test builds damaged copies in a temporary folder and points ``GAN_COURSE_DATA`` at
it (the real files come from the Debian package dataset-fashion-mnist, by symlink).
"""

from __future__ import annotations

import gzip
import os
import shutil

import pytest
import torch

import gan_course.data.fashion_mnist as fm
from gan_course.data import load_fashion_mnist
from gan_course.errors import DataNotFoundError
from helpers import write_fake_fashion_mnist, write_idx

REAL = fm.SYSTEM_DIR
TRAIN, TEST = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), ("t10k-images-idx3-ubyte",
                                                                        "t10k-labels-idx1-ubyte")
needs_real = pytest.mark.skipif(not all((REAL / f"{n}.gz").is_file() for n in TRAIN + TEST),
                                reason="the Debian package dataset-fashion-mnist is not installed")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty cache, no 'Debian' folder, and fresh in-process caches (as a new kernel would have)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    empty_system = tmp_path / "system"
    empty_system.mkdir()
    monkeypatch.setattr(fm, "SYSTEM_DIR", empty_system)
    fm._load_uint8_cached.cache_clear()
    yield tmp_path
    fm._load_uint8_cached.cache_clear()


def _use(folder, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(folder))
    return folder


def _link_real(folder, rename: dict | None = None) -> None:
    """The four real .gz files in ``folder`` by symlink; ``rename`` maps a file's name to the name it gets."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in TRAIN + TEST:
        target = (rename or {}).get(name, name)
        (folder / f"{target}.gz").symlink_to(REAL / f"{name}.gz")


def test_the_recorded_checksums_are_those_of_the_installed_files():
    """KNOWN_FILES holds the SHA-256 of the files that the Debian package ships (Xiao et al. 2017)."""
    if not (REAL / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("the Debian package dataset-fashion-mnist is not installed")
    from gan_course.io import sha256_of

    for name in ("t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"):  # the small ones: fast
        known = fm.KNOWN_FILES[name]
        assert sha256_of(REAL / f"{name}.gz") == known.gz_sha256
        raw = gzip.decompress((REAL / f"{name}.gz").read_bytes())
        assert len(raw) == known.size and len(raw) == 8 + known.items
        import hashlib

        assert hashlib.sha256(raw).hexdigest() == known.sha256


@needs_real
@pytest.mark.parametrize("swap", ["images and labels", "labels only", "images only"])
def test_real_train_and_test_files_swapped_are_refused(isolated, monkeypatch, swap):
    pairs = {"images and labels": (0, 1), "labels only": (1,), "images only": (0,)}[swap]
    rename = {}
    for i in pairs:
        rename[TRAIN[i]], rename[TEST[i]] = TEST[i], TRAIN[i]
    _link_real(_use(isolated / "swapped", monkeypatch), rename)
    with pytest.raises(DataNotFoundError, match="swapped") as raised:
        load_fashion_mnist("train", limit=10)
    message = str(raised.value)
    assert "\n" not in message and str(isolated / "swapped") in message, message
    kept = {p.name for p in (isolated / "cache").rglob("*-ubyte")}
    assert not kept & set(rename), f"a swapped file was left in the cache: {sorted(kept & set(rename))}"


@needs_real
def test_real_unpacked_files_swapped_are_refused(isolated, monkeypatch):
    """The same check when the folder holds unpacked copies: their content is recognised by hash."""
    folder = _use(isolated / "plain", monkeypatch)
    _link_real(folder)
    for train, test in ((TRAIN[1], TEST[1]),):  # the labels (small), unpacked and swapped
        (folder / f"{train}.gz").unlink()
        (folder / f"{test}.gz").unlink()
        (folder / train).write_bytes(gzip.decompress((REAL / f"{test}.gz").read_bytes()))
        (folder / test).write_bytes(gzip.decompress((REAL / f"{train}.gz").read_bytes()))
    with pytest.raises(DataNotFoundError, match=r"t10k-labels-idx1-ubyte file, not train-labels"):
        load_fashion_mnist("train", limit=10)


@needs_real
def test_a_real_file_changed_in_place_at_its_size_is_refused(isolated, monkeypatch):
    folder = _use(isolated / "edited", monkeypatch)
    _link_real(folder)
    (folder / f"{TEST[1]}.gz").unlink()
    labels = bytearray(gzip.decompress((REAL / f"{TEST[1]}.gz").read_bytes()))
    labels[8:] = bytes([7]) * (len(labels) - 8)  # every label 7: a well-formed file of the published size
    (folder / TEST[1]).write_bytes(bytes(labels))
    with pytest.raises(DataNotFoundError, match="not the published FashionMNIST t10k-labels") as raised:
        load_fashion_mnist("test", limit=10)
    assert str(folder / TEST[1]) in str(raised.value)


def test_copies_whose_train_split_is_the_smaller_are_refused_as_swapped(isolated, monkeypatch):
    """Any copy (not only the published files): the train split is FashionMNIST's larger one."""
    folder = _use(isolated / "fake", monkeypatch)
    write_fake_fashion_mnist(folder, n_train=6, n_test=12)
    with pytest.raises(DataNotFoundError, match="look swapped") as raised:
        load_fashion_mnist("train")
    assert str(folder / "train-images-idx3-ubyte.gz") in str(raised.value)


@pytest.mark.parametrize("keep_time", [False, True], ids=["new-time", "time-restored"])
def test_a_cache_file_corrupted_in_place_at_its_size_is_not_used(isolated, monkeypatch, keep_time):
    folder = _use(isolated / "fake", monkeypatch)
    arrays = write_fake_fashion_mnist(folder)
    first = load_fashion_mnist("train")
    assert torch.equal(first.labels, arrays["train-labels-idx1-ubyte"].long())
    cached = next((isolated / "cache").rglob("train-labels-idx1-ubyte"))
    st = cached.stat()
    data = bytearray(cached.read_bytes())
    data[8:] = bytes([7]) * (len(data) - 8)  # every label set to 7, in place: header and size still right
    with open(cached, "r+b") as f:
        f.write(bytes(data))
    assert cached.stat().st_size == st.st_size
    if keep_time:  # even with its time put back (only a hash sees the change), in a new kernel
        os.utime(cached, ns=(st.st_atime_ns, st.st_mtime_ns))
        fm._source_digest.cache_clear()
        fm._load_uint8_cached.cache_clear()
    again = load_fashion_mnist("train")
    assert torch.equal(again.labels, arrays["train-labels-idx1-ubyte"].long()), "the corrupted cache was used"
    assert cached.read_bytes() != bytes(data), "the corrupted cache file was kept"


@pytest.mark.parametrize("packed", [True, False], ids=["gz", "plain"])
def test_labels_above_9_name_the_bad_file(isolated, monkeypatch, packed):
    folder = _use(isolated / "fake", monkeypatch)
    write_fake_fashion_mnist(folder)
    bad = torch.randint(0, 10, (6,), generator=torch.Generator().manual_seed(3), dtype=torch.uint8)
    bad[2] = 12
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    if packed:
        write_idx(folder / "t10k-labels-idx1-ubyte.gz", bad)
        path = folder / "t10k-labels-idx1-ubyte.gz"
    else:
        write_idx(isolated / "tmp.gz", bad)
        path = folder / "t10k-labels-idx1-ubyte"
        path.write_bytes(gzip.decompress((isolated / "tmp.gz").read_bytes()))
    with pytest.raises(DataNotFoundError, match="labels above 9") as raised:
        load_fashion_mnist("test")
    message = str(raised.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    assert not list((isolated / "cache").rglob("t10k-labels-idx1-ubyte")), "the bad file was kept in the cache"


@needs_real
def test_the_real_files_still_load(isolated, monkeypatch):
    _link_real(_use(isolated / "good", monkeypatch))
    train, test = load_fashion_mnist("train", limit=5), load_fashion_mnist("test", limit=5)
    assert len(train) == 5 and len(test) == 5
    shutil.rmtree(isolated / "cache")
