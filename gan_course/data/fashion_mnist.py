"""FashionMNIST, found offline and kept on the device as one tensor, and the batches every recipe trains on.

Where the raw files come from, in order:

1. ``$GAN_COURSE_DATA``: a folder holding the four FashionMNIST files
   (``train-images-idx3-ubyte[.gz]`` ...) or torchvision's layout
   (``FashionMNIST/raw/...``). Set but empty is an error naming the variable.
2. ``/usr/share/datasets/fashion-mnist/``: the Debian package
   ``dataset-fashion-mnist``. Its ``.gz`` files are unpacked into a cache folder;
   the system folder is never modified.
3. torchvision's download (Colab, or any machine with internet).

Every file is checked by content before use: header, exact size, labels 0..9, and
against the published files (:data:`KNOWN_FILES`, by size and SHA-256), so the train
and test files swapped, or a file changed in place, are refused with the file's name.
The unpacked cache is checked by hash too.

The split is turned into a float tensor in [-1, 1] *once* and moved to the
training device; a batch is then a slice of a seeded permutation. There is no
per-image PIL work and no ``DataLoader`` inside the training loop.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import shutil
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from ..errors import CourseError, DataNotFoundError
from ..settings import DATA, read

ENV_VAR = DATA.name  # "GAN_COURSE_DATA", read through gan_course.settings
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
OFFLINE_FIX = (
    "install the Debian package (sudo apt-get install dataset-fashion-mnist) "
    f"or set {ENV_VAR} to a folder holding the four FashionMNIST files "
    "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz)"
)


def cache_dir() -> Path:
    """Where prepared data goes: ``$XDG_CACHE_HOME/gan_course`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gan_course"


def _find_raw(folder: Path) -> dict[str, Path] | None:
    """Map each raw file name to its path (plain or .gz) in ``folder``, or None."""
    for candidate in (folder, folder / "FashionMNIST" / "raw", folder / "raw"):
        found = {}
        for name in RAW_FILES:
            for path in (candidate / name, candidate / f"{name}.gz"):
                if path.is_file():
                    found[name] = path
                    break
        if len(found) == len(RAW_FILES):
            return found
    return None


IDX_SHAPES = {  # the trailing dimensions of each file; the first is the number of items
    "train-images-idx3-ubyte": (28, 28),
    "train-labels-idx1-ubyte": (),
    "t10k-images-idx3-ubyte": (28, 28),
    "t10k-labels-idx1-ubyte": (),
}

@dataclass(frozen=True)
class KnownFile:
    """One of the four files of FashionMNIST (Xiao, Rasul and Vollgraf, 2017, arXiv:1708.07747) as distributed."""

    items: int  # images or labels it holds
    size: int  # bytes, unpacked
    sha256: str  # of the unpacked idx file: the same whatever the compression of the copy
    gz_sha256: str  # of the .gz file that Debian's dataset-fashion-mnist (0.0~git20200523.55506a9-1) ships
    gz_md5: str  # of the .gz file that Zalando publishes (the README of zalandoresearch/fashion-mnist)


#: The published files, by name. The SHA-256 values were computed from the files of the Debian package
#: dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), which packages the files of Xiao et al. 2017
#: as distributed by Zalando Research (github.com/zalandoresearch/fashion-mnist, data/fashion/). Debian's
#: .gz files are compressed anew (their MD5 is not the published one), but they unpack to the same bytes
#: as the published downloads (whose MD5, from the data set's README, torchvision checks): other
#: projects record the same SHA-256 for the unpacked files. A copy whose content hashes otherwise is not
#: these files.
KNOWN_FILES = {
    "train-images-idx3-ubyte": KnownFile(
        60_000, 47_040_016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte": KnownFile(
        60_000, 60_008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte": KnownFile(
        10_000, 7_840_016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte": KnownFile(
        10_000, 10_008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05", "bb300cfdad3c16e7a12a480ee83cd310"),
}
#: SHA-256 (of an unpacked file or of Debian's .gz) -> the name of the published file it is
_KNOWN_DIGESTS = {digest: name for name, known in KNOWN_FILES.items() for digest in (known.sha256, known.gz_sha256)}
SWAP_FIX = ("name each file after what it holds (the train files hold 60,000 items, the t10k files 10,000), "
            "or reinstall the Debian package dataset-fashion-mnist")

DATA_FIX = ("replace it with a good copy (reinstall the Debian package dataset-fashion-mnist, or download the "
            f"file again), or point {ENV_VAR} at a folder of good files")


def check_idx(path: Path, name: str, source: Path | None = None) -> int:
    """Check an unpacked idx file by content: magic number, shape, exact size. Returns its item count."""
    shown = source or path
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(4 + 4 * (1 + len(IDX_SHAPES[name])))
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {shown} ({exc.strerror or exc}): {DATA_FIX}") from None
    dims = len(IDX_SHAPES[name]) + 1
    if len(header) < 4 + 4 * dims or header[:2] != b"\x00\x00" or header[2] != 0x08 or header[3] != dims:
        raise DataNotFoundError(f"{shown} is not a FashionMNIST {name} file (bad header): {DATA_FIX}")
    shape = struct.unpack(f">{dims}I", header[4:4 + 4 * dims])
    if tuple(shape[1:]) != IDX_SHAPES[name]:
        raise DataNotFoundError(f"{shown} holds items of shape {shape[1:]}, not {IDX_SHAPES[name]}: {DATA_FIX}")
    expected = 4 + 4 * dims + math.prod(shape)
    if size != expected:
        raise DataNotFoundError(f"{shown} is truncated or corrupt ({size} bytes unpacked, its header promises "
                                f"{expected}): {DATA_FIX}")
    if not IDX_SHAPES[name]:  # a labels file (small): every label must be a class 0..9
        try:
            labels = path.read_bytes()[4 + 4 * dims:]
        except OSError as exc:
            raise DataNotFoundError(f"cannot read {shown} ({exc.strerror or exc}): {DATA_FIX}") from None
        top = max(labels, default=0)
        if top > 9:
            bad = sum(1 for v in labels if v > 9)
            raise DataNotFoundError(f"{shown} holds {bad:,} labels above 9 (up to {top}), but FashionMNIST's "
                                    f"classes are 0 to 9: {DATA_FIX}")
    return shape[0]


def check_known(path: Path, name: str, source: Path | None = None, strict: bool = False) -> None:
    """Check an unpacked idx file against the published files (:data:`KNOWN_FILES`), by size and SHA-256.

    Refused: another published file under this name (the train and test files swapped), and a file of the
    published size whose content differs (damaged in place). With ``strict`` (torchvision's download) every
    file must be the published one; in a folder (the Debian package's, ``$GAN_COURSE_DATA``) a file of
    another size is someone's own copy (a subset, or the test suite's small fakes), checked by content only.
    """
    shown = source or path
    known = KNOWN_FILES[name]
    digest = _digest_of(path, shown)
    size = path.stat().st_size
    owner = _KNOWN_DIGESTS.get(digest)
    if owner == name:
        return
    if owner is not None:
        raise DataNotFoundError(f"{shown} is FashionMNIST's {owner} file, not {name}: the train and test files "
                                f"are swapped or misnamed; {SWAP_FIX}")
    if strict or size == known.size:
        raise DataNotFoundError(f"{shown} is not the published FashionMNIST {name} file ({size:,} bytes "
                                f"unpacked, SHA-256 {digest[:12]}..., expected {known.size:,} bytes, SHA-256 "
                                f"{known.sha256[:12]}...): it was damaged or changed; {DATA_FIX}")


def check_splits(counts: dict[str, int], files: dict[str, Path]) -> None:
    """The train split must be the larger one (FashionMNIST: 60,000 train and 10,000 test items)."""
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        train, test = counts[f"train-{kind}"], counts[f"t10k-{kind}"]
        if train < test:
            raise DataNotFoundError(f"{files[f'train-{kind}']} holds {train:,} items but {files[f't10k-{kind}']} "
                                    f"{test:,}: the train and test files look swapped (the train split is the "
                                    f"larger one); {SWAP_FIX}")


@lru_cache(maxsize=64)
def _source_digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    from ..io import sha256_of

    return sha256_of(path)


def _digest_of(path: Path, shown: Path) -> str:
    """SHA-256 of ``path``, computed once per version of the file (its size, time and inode)."""
    try:
        st = path.stat()
        return _source_digest(str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {shown} ({exc.strerror or exc}): {DATA_FIX}") from None


def _unpack(src: Path, dst: Path, name: str) -> None:
    """Unpack (or copy) ``src`` to ``dst`` atomically, checking the content first."""
    from ..io import atomic_write

    opener = gzip.open if src.suffix == ".gz" else open

    def write(fout):
        try:
            with opener(src, "rb") as fin:
                shutil.copyfileobj(fin, fout)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise DataNotFoundError(f"{src} is truncated or corrupt ({type(exc).__name__}): {DATA_FIX}") from None

    atomic_write(dst, write, what="unpacked data file")
    try:
        check_idx(dst, name, src)
    except DataNotFoundError:
        dst.unlink(missing_ok=True)  # never keep a bad copy in the cache
        raise


def _prepare_root(files: dict[str, Path], key: str) -> Path:
    """Lay the raw files out as torchvision expects, under the cache folder.

    Each unpacked file is checked by content (header, exact size, labels 0..9) and
    against the published files (:func:`check_known`: swapped or damaged copies are
    refused), and a record (``sources.json``) keeps the SHA-256 of the file it came
    from and of the unpacked copy: a replaced source (a bad file swapped for a good
    one, whatever its date) is unpacked again; a cache file changed in any way, even
    in place at the same size, is too. Temp files of killed unpackers are removed.
    """
    from ..io import atomic_write_json, remove_stale_temps

    root = cache_dir() / key
    raw = root / "FashionMNIST" / "raw"
    try:
        raw.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataNotFoundError(f"cannot create the data cache {raw} ({exc.strerror or exc}): set XDG_CACHE_HOME "
                                "to a writable folder") from None
    remove_stale_temps(raw)
    remove_stale_temps(root)
    stamps_path = root / "sources.json"
    try:
        stamps = json.loads(stamps_path.read_text())
        stamps = stamps if isinstance(stamps, dict) else {}
    except (OSError, ValueError):
        stamps = {}
    counts, changed = {}, False
    for name, src in files.items():
        dst = raw / name
        digest = _digest_of(src, src)
        owner = _KNOWN_DIGESTS.get(digest)
        if owner is not None and owner != name:
            raise DataNotFoundError(f"{src} is FashionMNIST's {owner} file, not {name}: the train and test files "
                                    f"are swapped or misnamed; {SWAP_FIX}")
        stamp = stamps.get(name)
        if isinstance(stamp, dict) and stamp.get("source") == digest and dst.is_file():
            try:
                counts[name] = check_idx(dst, name, src)
                if _digest_of(dst, src) == stamp.get("unpacked"):  # the cache, checked by hash (not only size)
                    check_known(dst, name, src)
                    continue
            except DataNotFoundError:
                pass  # a damaged or changed cache file: unpack it again
        stamps.pop(name, None)
        _unpack(src, dst, name)
        counts[name] = check_idx(dst, name, src)
        try:
            check_known(dst, name, src)
        except DataNotFoundError:
            dst.unlink(missing_ok=True)  # never keep a bad copy in the cache
            raise
        stamps[name], changed = {"source": digest, "unpacked": _digest_of(dst, src)}, True
    if changed:
        atomic_write_json(stamps, stamps_path, what="data cache record")
    check_splits(counts, files)
    for split in ("train", "t10k"):
        images, labels = counts[f"{split}-images-idx3-ubyte"], counts[f"{split}-labels-idx1-ubyte"]
        if images != labels:
            raise DataNotFoundError(f"{files[f'{split}-images-idx3-ubyte']} holds {images} images but "
                                    f"{files[f'{split}-labels-idx1-ubyte']} {labels} labels: {DATA_FIX}")
    return root


def find_fashion_mnist_root(download: bool = True) -> Path:
    """Return a torchvision ``root`` holding FashionMNIST, following the order above."""
    env = read(DATA)  # the folder, or None when unset or empty
    if env:
        files = _find_raw(Path(env).expanduser())
        if files is None:
            raise DataNotFoundError(
                f"{ENV_VAR}={env!r} holds no FashionMNIST: point {ENV_VAR} at a folder with "
                f"{', '.join(n + '[.gz]' for n in RAW_FILES)}, or unset it to use the Debian "
                "package or torchvision's download"
            )
        key = hashlib.sha1(str(Path(env).expanduser().resolve()).encode()).hexdigest()[:12]
        return _prepare_root(files, f"env-{key}")
    files = _find_raw(SYSTEM_DIR)
    if files is not None:
        return _prepare_root(files, "debian")
    root = cache_dir() / "download"
    found = _find_raw(root)
    if found is not None and all(not p.name.endswith(".gz") for p in found.values()):
        for name, path in found.items():
            check_idx(path, name)
            check_known(path, name, strict=True)  # torchvision's download: the published files, by hash
        return root
    if not download:
        raise DataNotFoundError(f"FashionMNIST is not on this machine: {OFFLINE_FIX}")
    try:
        from torchvision.datasets import FashionMNIST

        FashionMNIST(root=str(root), train=True, download=True)
        FashionMNIST(root=str(root), train=False, download=True)
    except Exception as exc:  # no network: URLError, RuntimeError, ...
        raise DataNotFoundError(
            f"FashionMNIST is not on this machine and could not be downloaded "
            f"({type(exc).__name__}): {OFFLINE_FIX}"
        ) from exc
    return root


def _load_uint8(root: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    raw = Path(root) / "FashionMNIST" / "raw"
    files = [raw / f"{'train' if train else 't10k'}-{kind}" for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    try:
        key = tuple((st.st_size, st.st_mtime_ns, st.st_ino) for st in (f.stat() for f in files))
    except OSError:
        key = ()
    return _load_uint8_cached(root, train, key)


@lru_cache(maxsize=4)
def _load_uint8_cached(root: str, train: bool, key: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    from torchvision.datasets import FashionMNIST

    try:
        ds = FashionMNIST(root=root, train=train, download=False)
    except (RuntimeError, ValueError, OSError, EOFError) as exc:
        raise DataNotFoundError(f"FashionMNIST in {root} could not be read ({type(exc).__name__}): delete that "
                                f"folder and try again, or {OFFLINE_FIX}") from None
    if len(ds.targets) and int(ds.targets.max()) > 9:
        raise DataNotFoundError(f"the FashionMNIST labels in {root} hold classes above 9: {DATA_FIX}")
    return ds.data.clone(), ds.targets.clone()  # (N, 28, 28) uint8, (N,) int64


@dataclass
class ImageSet:
    """A whole split as two tensors on one device."""

    images: torch.Tensor  # (N, 1, H, W) float32 in [-1, 1]
    labels: torch.Tensor  # (N,) int64 class indices 0..9

    def __len__(self) -> int:
        return self.images.shape[0]

    def to(self, device) -> "ImageSet":
        return ImageSet(self.images.to(device), self.labels.to(device))


MAX_PAD = 256  # the largest pad_to: a 60,000-image split padded to 256x256 is already 15 GB of floats


def load_fashion_mnist(split: str = "train", device="cpu", pad_to: int | None = None,
                       limit: int | None = None) -> ImageSet:
    """FashionMNIST as an :class:`ImageSet` scaled to [-1, 1].

    ``pad_to=32`` pads the 28x28 images with background (-1) to 32x32, so that
    convolutional networks can halve them cleanly (32 -> 16 -> 8 -> 4).
    ``limit`` keeps the first ``limit`` images (for quick experiments). Both are
    whole numbers (``pad_to`` from 28 to :data:`MAX_PAD`, ``limit`` at least 1),
    checked before anything is loaded.
    """
    from ..arguments import optional_whole, shown
    from ..runtime import check_device

    if split not in ("train", "test"):
        raise CourseError(f"split must be 'train' or 'test', got {shown(split)}")
    device = check_device(device)
    pad_to = optional_whole("pad_to", pad_to, 28, MAX_PAD, example=32)
    limit = optional_whole("limit", limit, 1, 10**9, example=1000)
    data, labels = _load_uint8(str(find_fashion_mnist_root()), split == "train")
    if limit is not None:
        data, labels = data[:limit], labels[:limit]
    images = data.unsqueeze(1).float().div_(127.5).sub_(1.0)  # (N, 28, 28) -> (N, 1, 28, 28)
    if pad_to is not None:
        images = pad(images, pad_to)
    return ImageSet(images, labels).to(device)


def _border(total: int) -> tuple[int, int]:
    """How ``total`` pixels of padding split into (before, after) on each axis: the smaller half first."""
    return total // 2, total - total // 2


def pad(images: torch.Tensor, size: int = 32) -> torch.Tensor:
    """``load_fashion_mnist(pad_to=size)``'s padding: a background (-1) border around square images,
    (N, C, 28, 28) -> (N, C, size, size); :func:`unpad` takes it off. Images already that size come back unchanged."""
    if images.shape[-1] == size:
        return images
    before, after = _border(size - images.shape[-1])
    return torch.nn.functional.pad(images, (before, after, before, after), value=-1.0)


def unpad(images: torch.Tensor, size: int = 28) -> torch.Tensor:
    """Undo ``load_fashion_mnist(pad_to=...)``: crop the centre ``size`` x ``size`` of ``images``.

    Takes off exactly the border that the padding added (see :func:`_border`), so
    ``unpad(load_fashion_mnist(pad_to=32).images)`` equals ``load_fashion_mnist().images``:
    (N, C, 32, 32) -> (N, C, 28, 28). Images already ``size`` x ``size`` come back unchanged.
    """
    from .. import arguments

    arguments.tensor("images", images, what="a tensor of images (..., H, W), e.g. (N, 1, 32, 32)")
    size = arguments.whole("size", size, 1, example=28)
    if images.dim() < 2 or images.shape[-1] < size or images.shape[-2] < size:
        raise CourseError(f"cannot crop images of shape {tuple(images.shape)} to {size}x{size}: "
                          f"they must be at least {size}x{size}")
    top, _ = _border(images.shape[-2] - size)
    left, _ = _border(images.shape[-1] - size)
    return images[..., top:top + size, left:left + size]


class Batches:
    """Endless minibatches from tensors already on the device.

    Each epoch is a permutation drawn from its own seeded generator, so the
    sequence of batches depends only on ``seed``, and the position can be saved
    and restored exactly (:meth:`state_dict`) for bitwise-identical resumes.
    The last incomplete batch of an epoch is dropped.
    """

    def __init__(self, data: ImageSet, batch_size: int, seed: int = 0):
        from ..arguments import MAX_RUN_SEED, shown, whole

        if not isinstance(getattr(data, "images", None), torch.Tensor) or not hasattr(data, "__len__"):
            raise CourseError(f"data must be an ImageSet, e.g. load_fashion_mnist('train'), got {shown(data)} "
                              f"({type(data).__name__})")
        batch_size = whole("batch_size", batch_size, 1, example=64)
        seed = whole("seed", seed, 0, 2 * MAX_RUN_SEED, example=0)  # each epoch's seed (seed * 1,000,003 + epoch) fits
        if batch_size > len(data):
            raise CourseError(f"batch_size={batch_size} exceeds the {len(data)} images: use a smaller batch size")
        self.data, self.batch_size, self.seed = data, batch_size, seed
        self.per_epoch = len(data) // batch_size
        self.epoch, self.index = 0, 0
        self._perm: torch.Tensor | None = None

    def _permutation(self) -> torch.Tensor:
        if self._perm is None:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            self._perm = torch.randperm(len(self.data), generator=g).to(self.data.images.device)
        return self._perm

    def __iter__(self):
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self._take(self._next_indices())

    def _next_indices(self) -> torch.Tensor:
        """The next minibatch's indices, (B,): a slice of this epoch's seeded permutation (a new one each epoch)."""
        if self.index >= self.per_epoch:
            self.epoch, self.index, self._perm = self.epoch + 1, 0, None
        idx = self._permutation()[self.index * self.batch_size:(self.index + 1) * self.batch_size]
        self.index += 1
        return idx

    def _take(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data.images[idx], self.data.labels[idx]  # (B, C, H, W), (B,)

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "index": self.index, "seed": self.seed, "batch_size": self.batch_size}

    def load_state_dict(self, state: dict) -> None:
        self.seed, self.batch_size = state["seed"], state["batch_size"]
        self.per_epoch = len(self.data) // self.batch_size
        self.epoch, self.index, self._perm = state["epoch"], state["index"], None
