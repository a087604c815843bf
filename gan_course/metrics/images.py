"""Image scores on the course classifier's features, and the ladder that gives them meaning.

Every score compares a set of images with **real FashionMNIST test images**,
in the 128-dimensional feature space of the course's classifier
(:mod:`gan_course.metrics.classifier`):

* **FD**, the Fréchet distance (Heusel et al., 2017): fit a Gaussian to each set
  of features and compare them,
  ``FD = ||μ_r - μ_g||² + Tr(Σ_r + Σ_g - 2 (Σ_r Σ_g)^{1/2})``.
  Computed by :func:`frechet_from_statistics` (torchmetrics' formula and order of
  operations) on the statistics of :func:`feature_statistics`, the one path every FD
  of the course takes (scores, training's quality record, :func:`frechet_distance`).
  Lower is better; 0 means identical statistics.
* **KID**, the kernel distance (Bińkowski et al., 2018): an unbiased MMD² with
  the polynomial kernel ``k(x, y) = (xᵀy / d + 1)³``, averaged over random
  subsets (torchmetrics' ``KernelInceptionDistance``). Unlike FD it has no bias
  from the sample size, so small samples can be compared.
* **precision** and **recall** (Kynkäänniemi et al., 2019): put a ball around
  every real feature reaching its k-th nearest real neighbour; precision is the
  share of generated features inside some real ball (are samples realistic?).
  Swap the roles for recall (is every part of the data covered?).

The absolute numbers depend on this classifier, so they are comparable within
the course only. Inception-v3 FIDs in papers are on another scale. To place a
number, :func:`reference_ladder` scores real and deliberately damaged *real*
images with the same code: real train images (the best a generator can hope
for), lightly and heavily blurred ones, pure noise, and a single class (perfect
images, no diversity).
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .. import arguments
from ..errors import CourseError
from ..profiles import pick
from ..runtime import in_chunks
from .table import ScoreTable

SCORE_KEYS = ("fd", "kid", "precision", "recall")
SCORE_HEADERS = {"fd": "FD ↓", "kid": "KID ↓", "precision": "precision ↑", "recall": "recall ↑"}


MIN_N = 4  # the fewest images a score takes: precision and recall need more than k = 3 neighbours


def default_n(profile: str | None = None) -> int:
    """Images per score: 5,000 in the ``full`` profile, 256 in ``smoke``.

    FD is biased upwards for small samples, so every FD the course compares
    uses the same number of generated images as the ladder.
    """
    from ..profiles import PROFILES

    if profile is not None and (not isinstance(profile, str) or profile not in PROFILES):
        raise CourseError(f"profile must be one of {', '.join(map(repr, PROFILES))} or None (the current profile), "
                          f"got {arguments.shown(profile)}")
    return pick(smoke=256, full=5_000, profile=profile)


# ------------------------------------------------------------------ features
@functools.lru_cache(maxsize=4)
def _feature_module(device: str):
    from .classifier import FeatureExtractor, load_classifier

    return FeatureExtractor(load_classifier(device=device)).eval()


def feature_module(device="cpu"):
    """The classifier as a torchmetrics feature module: images -> (B, 128), with ``num_features``."""
    return _feature_module(_device(device))


def _device(device) -> str:
    """``device`` as a name, if this machine has it (before the classifier is loaded there)."""
    from ..runtime import check_device

    return str(check_device(device))


def check_images(images: torch.Tensor, what: str = "images") -> torch.Tensor:
    """(N, 1, 28|32, 28|32) float in [-1, 1], on the CPU; a clear error otherwise."""
    from .classifier import prepare_images

    if isinstance(images, dict):
        raise CourseError(f"{what}: got a dict; pass its 'images' tensor (e.g. samples['images'])")
    arguments.tensor(what, images, what="a tensor of images (N, 1, H, W) in [-1, 1]")
    if images.dim() == 4 and len(images) < 2:
        raise CourseError(f"{what}: need at least 2 images to fit a distribution, got {len(images)}")
    images = images.detach().float().cpu()
    check_finite(images, what)
    images = prepare_images(images)
    arguments.warn_if_unit_range(images, what)
    return images


def check_features(real_features, fake_features, min_rows: int = 2, k=None) -> None:
    """Two feature matrices (N, d) and (M, d): tensors, finite, at least ``min_rows`` rows, the same d.

    With ``k`` (nearest neighbours, a whole number >= 1), at least ``k + 1`` rows."""
    if k is not None:
        min_rows = arguments.whole("k", k, 1, example=3) + 1
    for name, f in (("real_features", real_features), ("fake_features", fake_features)):
        arguments.tensor(name, f, dims=2, what="a feature matrix (N, d), e.g. image_features(images)",
                         floating=True)
        if len(f) < min_rows:
            raise CourseError(f"{name} must hold at least {min_rows} rows (N, d), got shape {tuple(f.shape)}: "
                              "pass more images' features")
        check_finite(f, name)
    if real_features.shape[1] != fake_features.shape[1]:
        raise CourseError(f"real_features and fake_features must have the same number of columns d, got "
                          f"{real_features.shape[1]} and {fake_features.shape[1]}: compute both with "
                          "image_features (128 columns)")


def check_finite(values: torch.Tensor, what: str) -> None:
    """A :class:`CourseError` if ``values`` hold NaN or inf (they would crash the linear algebra of FD)."""
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        raise CourseError(f"{what}: {bad} of {values.numel()} values are NaN or infinite; usually the generator "
                          "diverged (its weights hold NaN): go back to its last good checkpoint, or train again "
                          "with a lower learning rate")


@torch.no_grad()
def image_features(images: torch.Tensor, device="cpu", batch_size: int = 1000) -> torch.Tensor:
    """The classifier's features of ``images``: (N, 1, H, W) -> (N, 128), float32 on the CPU."""
    device = _device(device)
    batch_size = arguments.whole("batch_size", batch_size, 1, example=1000)
    images = check_images(images)
    module = feature_module(device)
    return in_chunks(module, images, device, size=batch_size)


# ------------------------------------------------------------------ the Fréchet distance
def feature_statistics(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (d,) and unbiased covariance (d, d), in float64, of a feature set (N, d)."""
    feats = features.double()  # (N, d)
    mean = feats.mean(dim=0)
    centred = feats - mean
    return mean, centred.t().mm(centred) / (len(feats) - 1)


def frechet_from_statistics(mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor,
                            sigma2: torch.Tensor) -> float:
    """The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), the squared 2-Wasserstein distance:
    ``||mu1 - mu2||² + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^{1/2})``.

    ``Tr((sigma1 sigma2)^{1/2})`` is the sum of the square roots of the eigenvalues of
    ``sigma1 sigma2`` (real and non-negative in exact arithmetic; their real parts are
    kept), the computation of torchmetrics' ``FrechetInceptionDistance``.
    """
    a = (mu1 - mu2).square().sum()
    b = sigma1.trace() + sigma2.trace()
    c = torch.linalg.eigvals(sigma1 @ sigma2).sqrt().real.sum()
    return float(a + b - 2 * c)


# ------------------------------------------------------------------ reference images
def real_images(split: str, n: int) -> torch.Tensor:
    """``n`` real images of ``split`` (28x28, [-1, 1]), a fixed seeded choice, on the CPU."""
    if split not in ("train", "test"):
        raise CourseError(f"split must be 'train' or 'test', got {arguments.shown(split)}")
    return _real_images(split, arguments.whole("n", n, 1, 60_000, example=1000))


@functools.lru_cache(maxsize=4)
def _real_images(split: str, n: int) -> torch.Tensor:
    from ..data import load_fashion_mnist

    data = load_fashion_mnist(split)
    if n > len(data.images):
        raise CourseError(f"asked for {n} real {split} images, the split has {len(data.images)}: pass a smaller n")
    order = torch.randperm(len(data.images), generator=torch.Generator().manual_seed(1234))[:n]
    return data.images[order].clone()


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur (N, C, H, W) with a Gaussian of standard deviation ``sigma`` pixels (reflect padding)."""
    radius = max(1, int(round(3 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-x ** 2 / (2 * sigma ** 2))
    kernel = kernel / kernel.sum()  # (2r+1,) sums to 1: brightness is kept
    c = images.shape[1]
    out = F.pad(images, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # blur rows
    return F.conv2d(out, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # then columns


LIGHT_BLUR, HEAVY_BLUR = 0.7, 1.5  # σ in pixels of the ladder's two blurred rungs
SINGLE_CLASS = 8  # "Bag": a class whose images are all good, and all alike
LADDER_VERSION = 1  # bump when the ladder's images or scores change: invalidates cached ladders


def ladder_images(n: int) -> dict[str, torch.Tensor]:
    """The ladder's image sets, n each: real train images, blurred, noise, one class."""
    from ..data import CLASSES, load_fashion_mnist

    train = real_images("train", n)
    data = load_fashion_mnist("train")
    one = data.images[data.labels == SINGLE_CLASS]
    one = one[torch.randperm(len(one), generator=torch.Generator().manual_seed(1))[:n]]
    noise = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(2)) * 2 - 1
    return {
        "real train images": train,
        f"light blur (σ={LIGHT_BLUR} px)": gaussian_blur(train, LIGHT_BLUR),
        f"heavy blur (σ={HEAVY_BLUR} px)": gaussian_blur(train, HEAVY_BLUR),
        f"one class only ({CLASSES[SINGLE_CLASS]})": one,
        "uniform noise": noise,
    }


# ------------------------------------------------------------------ the scores
def precision_recall(real_features: torch.Tensor, fake_features: torch.Tensor, k: int = 3
                     ) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) of two feature sets (N, d), (M, d).

    ``precision = mean over fakes of [∃ real r: ||f - r|| ≤ d_k(r)]`` where
    ``d_k(r)`` is the distance from r to its k-th nearest *other* real feature;
    ``recall`` is the same with real and fake swapped.
    """
    check_features(real_features, fake_features, k=k)

    def covered(reference: torch.Tensor, queries: torch.Tensor) -> float:
        ref = reference.double()
        radii = torch.cdist(ref, ref).kthvalue(k + 1, dim=1).values  # (N,): +1 skips the 0 to itself
        dist = torch.cdist(queries.double(), ref)  # (M, N)
        return (dist <= radii.unsqueeze(0)).any(dim=1).double().mean().item()

    return covered(real_features, fake_features), covered(fake_features, real_features)


@dataclass
class Scorer:
    """Scores image sets against ``n_real`` real test images; the real side is computed once.

    ``scorer(images)`` returns ``{"fd", "kid", "precision", "recall"}`` for a set
    of generated (or ladder) images. Use the same number of images for every set
    you compare (see :func:`default_n`).
    """

    n_real: int  # real FashionMNIST test images on the reference side (at most 10,000)
    device: str = "cpu"  # where the classifier runs
    kid_subsets: int = 25  # KID: random subsets averaged
    kid_subset_size: int = 500  # KID: images per subset (capped by the smaller set)
    k: int = 3  # precision/recall: k-th nearest neighbour radius

    def __post_init__(self):
        self.n_real = arguments.whole("n_real", self.n_real, 2, 10_000, example=1000)  # the test split's size
        self.device = _device(self.device)
        self.kid_subsets = arguments.whole("kid_subsets", self.kid_subsets, 1, 10_000, example=25)
        self.kid_subset_size = arguments.whole("kid_subset_size", self.kid_subset_size, 2, example=500)
        self.k = arguments.whole("k", self.k, 1, self.n_real - 1, example=3)
        self.real = real_images("test", self.n_real)  # (n_real, 1, 28, 28)
        self.real_features = image_features(self.real, self.device)  # (n_real, 128)
        self.real_statistics = feature_statistics(self.real_features)  # (128,), (128, 128): computed once

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, seed: int = 0) -> dict[str, float]:
        images = check_images(images, "generated images")  # (N, 1, 28, 28)
        fake_features = image_features(images, self.device)  # (N, 128), shared by FD, KID and precision/recall
        fd = frechet_from_statistics(*self.real_statistics, *feature_statistics(fake_features))
        kid = kernel_distance(self.real_features, fake_features, self.kid_subsets, self.kid_subset_size, seed)
        n = min(len(fake_features), len(self.real_features))
        precision, recall = precision_recall(self.real_features[:n], fake_features[:n], self.k)
        return {"fd": fd, "kid": kid, "precision": precision, "recall": recall}


@torch.no_grad()
def frechet_distance(images_a: torch.Tensor, images_b: torch.Tensor, device="cpu") -> float:
    """The Fréchet distance between two image sets, on the classifier's features (as in Scorer).

    Unlike :func:`score_images`, neither side is the fixed set of real test
    images: use it to compare, say, translations with real images of their
    target domain. FD is biased upwards for small sets, so compare only numbers
    computed with the same set sizes (e.g. against two real sets of that size).
    """
    device = _device(device)
    a, b = check_images(images_a, "the first image set"), check_images(images_b, "the second image set")
    return frechet_from_statistics(*feature_statistics(image_features(a, device)),
                                   *feature_statistics(image_features(b, device)))


def kernel_distance(real_features: torch.Tensor, fake_features: torch.Tensor, subsets: int = 25,
                    subset_size: int = 500, seed: int = 0) -> float:
    """KID: the unbiased MMD² with kernel ``(xᵀy / d + 1)³``, averaged over random subsets.

    The subsets come from a generator seeded with ``seed``, so the value is
    reproducible; the kernel is torchmetrics' (``KernelInceptionDistance``'s ``poly_mmd``).
    """
    from torchmetrics.image.kid import poly_mmd

    check_features(real_features, fake_features, min_rows=2)  # the unbiased MMD needs 2 rows per subset
    subsets = arguments.whole("subsets", subsets, 1, 10_000, example=25)
    subset_size = arguments.whole("subset_size", subset_size, 2, example=500)
    seed = arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    size = min(subset_size, len(real_features), len(fake_features))
    gen = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        r = real_features[torch.randperm(len(real_features), generator=gen)[:size]]
        f = fake_features[torch.randperm(len(fake_features), generator=gen)[:size]]
        values.append(poly_mmd(r, f))
    return float(torch.stack(values).mean())


@functools.lru_cache(maxsize=4)
def get_scorer(n_real: int, device: str = "cpu") -> Scorer:
    """A cached :class:`Scorer` (the real side is computed once per session)."""
    return Scorer(n_real=n_real, device=device)


def score_images(images: torch.Tensor, device="cpu", n: int | None = None) -> dict[str, float]:
    """FD, KID, precision and recall of ``images`` against real test images.

    ``n`` images are scored (default :func:`default_n`); pass at least that many.
    Images that look like [0, 1] instead of [-1, 1] get a warning (they score as very bad images).
    """
    n = arguments.optional_whole("n", n, MIN_N, 10_000, example=default_n())  # up to the 10,000 test images
    n = n or default_n()
    device = _device(device)
    images = check_images(images, "generated images")
    if len(images) < n:
        raise CourseError(f"score_images needs {n} images to compare with the ladder, got {len(images)}: "
                          f"generate {n} (or pass n={len(images)} and compare only with scores of the same n)")
    return get_scorer(n, device)(images[:n])


@functools.lru_cache(maxsize=4)
def _ladder(n: int, device: str) -> dict[str, dict[str, float]]:
    """Computed once per classifier and n, then kept in the data cache folder (a JSON file)."""
    import json

    from .classifier import load_record
    from ..data import cache_dir

    path = cache_dir() / f"ladder-{load_record()['sha256'][:12]}-{n}-v{LADDER_VERSION}.json"
    if path.is_file():
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass  # a damaged cache is recomputed
    scorer = get_scorer(n, device)
    ladder = {name: scorer(images) for name, images in ladder_images(n).items()}
    from ..io import atomic_write_json

    try:
        atomic_write_json(ladder, path, what="ladder cache", sort_keys=False)
    except OSError:
        pass  # a read-only or full cache only costs time
    return ladder


def reference_ladder(device="cpu", n: int | None = None) -> dict[str, dict[str, float]]:
    """Scores of real and damaged real image sets, each of ``n`` images: where a score sits."""
    n = arguments.optional_whole("n", n, MIN_N, 10_000, example=default_n())
    return dict(_ladder(n or default_n(), _device(device)))


def _check_rows(rows, name: str) -> None:
    """``{row name: {"fd", "kid", "precision", "recall", ...}}``, as score_images returns them."""
    if not isinstance(rows, dict):
        raise CourseError(f"{name} must be a dict {{row name: scores}} with scores from score_images, got "
                          f"{arguments.shown(rows)} ({type(rows).__name__})")
    for row, scores in rows.items():
        if not isinstance(row, str):
            raise CourseError(f"{name} must be named by strings, got the key {arguments.shown(row)}")
        if not isinstance(scores, dict) or any(k not in scores for k in SCORE_KEYS):
            raise CourseError(f"{name}[{row!r}] must be a dict of scores with {', '.join(SCORE_KEYS)} (as "
                              f"score_images returns), got {arguments.shown(scores)}")
        for k in SCORE_KEYS:
            v = scores[k]
            if isinstance(v, bool) or not (isinstance(v, numbers.Real)
                                           or isinstance(v, torch.Tensor) and v.numel() == 1):
                raise CourseError(f"{name}[{row!r}][{k!r}] must be a number, got {arguments.shown(v)}")


def where_it_stands(scores: dict[str, float], ladder: dict[str, dict[str, float]]) -> str:
    """One sentence: the two rungs of the reference ladder whose FD brackets ``scores["fd"]``."""
    _check_rows({"scores": scores}, "scores")
    _check_rows(ladder, "ladder")
    if not ladder:
        raise CourseError("ladder is empty: pass reference_ladder(device, n)")
    fd = float(scores["fd"])
    rungs = sorted(((float(s["fd"]), name) for name, s in ladder.items()))
    below = [(v, name) for v, name in rungs if v <= fd]
    above = [(v, name) for v, name in rungs if v > fd]
    if not below:
        where = f"below every rung, even {rungs[0][1]} (FD {rungs[0][0]:.1f})"
    elif not above:
        where = f"above every rung, even {rungs[-1][1]} (FD {rungs[-1][0]:.1f})"
    else:
        (lo, lo_name), (hi, hi_name) = below[-1], above[0]
        where = f"between {lo_name} (FD {lo:.1f}) and {hi_name} (FD {hi:.1f})"
    return f"FD {fd:.1f} lies {where} on chapter 8's reference ladder"


def format_scores(rows: dict[str, dict[str, float]], ladder: bool | dict | str = True, device="cpu",
                  n: int | None = None, extra: tuple[str, ...] = ()) -> ScoreTable:
    """A table of ``rows`` (name -> scores), with the reference ladder beneath.

    ``ladder`` is True (the ladder's rows beneath), False (none), a dict of rungs, or
    ``"line"``: one sentence per row, beneath, saying where it stands on the ladder.
    ``extra`` names further columns (e.g. ``"label_accuracy"``) printed when present.
    The result is a :class:`~gan_course.metrics.table.ScoreTable`: ``print`` shows it as
    aligned plain text; a notebook that displays it shows an HTML table.
    """
    _check_rows(rows, "rows")
    as_line = isinstance(ladder, str)
    if as_line and ladder != "line":
        raise CourseError(f"ladder must be True, False, a dict of rungs or 'line', got {arguments.shown(ladder)}")
    if not (isinstance(ladder, (bool, str)) or ladder is None):
        _check_rows(ladder, "ladder")
    if isinstance(extra, str) or not isinstance(extra, (tuple, list)) or not all(isinstance(k, str) for k in extra):
        raise CourseError(f"extra must be a tuple of column names such as ('label_accuracy',), got "
                          f"{arguments.shown(extra)}")
    if ladder is True or as_line:
        ladder = reference_ladder(device, n)
    notes = [f"{name}: {where_it_stands(s, ladder)}." for name, s in rows.items()] if as_line else []
    if as_line:
        ladder = None
    extra = tuple(extra) or tuple(dict.fromkeys(k for s in rows.values() for k in s if k not in SCORE_KEYS))
    width = max([len(r) for r in rows] + [len(r) for r in (ladder or {})] + [20]) + 2
    head = f"{'':<{width}}" + "".join(f"{SCORE_HEADERS[k]:>13}" for k in SCORE_KEYS) \
        + "".join(f"{k.replace('_', ' '):>16}" for k in extra)

    def cells(s):
        values = [f"{s['fd']:.2f}", f"{s['kid']:.2f}", f"{s['precision']:.3f}", f"{s['recall']:.3f}"]
        return values + [f"{s[k]:.3f}" if k in s else "" for k in extra]

    def line(name, s):
        return f"{name:<{width}}" + "".join(f"{c:>13}" for c in cells(s)[:4]) \
            + "".join(f"{c:>16}" for c in cells(s)[4:])

    out = [head, "-" * len(head)] + [line(name, s) for name, s in rows.items()]
    ladder_title = "reference ladder (real images, same features, same number of images):"
    sections = [(None, [[name] + cells(s) for name, s in rows.items()])]
    if ladder:
        out += ["", ladder_title]
        out += [line("  " + name, s) for name, s in ladder.items()]
        sections.append((ladder_title.rstrip(":"), [[name] + cells(s) for name, s in ladder.items()]))
    if notes:
        out += [""] + notes
    header = [""] + [SCORE_HEADERS[k] for k in SCORE_KEYS] + [k.replace("_", " ") for k in extra]
    return ScoreTable("\n".join(out), header, sections, notes)


# ------------------------------------------------------------------ Inception FID (online only)
def inception_fid(images: torch.Tensor, n: int | None = None, device="cpu") -> float:
    """The usual FID on Inception-v3 features, for machines with internet (Colab).

    **Another scale**: Inception features describe photographs, so this number is
    not comparable with the course's FD. It needs ``torch-fidelity`` (``pip
    install torch-fidelity``) and downloads the Inception weights on first use.
    Grayscale images are repeated to 3 channels; torchmetrics resizes them to 299.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    n = arguments.optional_whole("n", n, 2, 10_000, example=default_n())
    device = _device(device)
    images = check_images(images, "generated images")
    n = min(n or default_n(), len(images))
    try:
        fid = FrechetInceptionDistance(feature=2048, normalize=True).to(device)
    except (ModuleNotFoundError, RuntimeError, OSError) as exc:
        raise CourseError("Inception FID needs torch-fidelity and a download of the Inception weights "
                          f"({type(exc).__name__}: {exc}): run `pip install torch-fidelity` on a machine with "
                          "internet, or use score_images (the course's offline FD)") from exc
    to_rgb01 = lambda x: ((x + 1) / 2).clamp(0, 1).expand(-1, 3, -1, -1)  # noqa: E731 (N, 1, H, W) -> (N, 3, H, W)
    for chunk in real_images("test", n).split(250):
        fid.update(to_rgb01(chunk).to(device), real=True)
    for chunk in images[:n].split(250):
        fid.update(to_rgb01(chunk).to(device), real=False)
    return float(fid.compute())
