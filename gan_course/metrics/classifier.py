"""A small FashionMNIST classifier: the course's yardstick for generated images.

Inception-v3 features (the usual FID) need a download and describe photographs, not
28x28 clothes. The course instead measures samples with this small CNN, trained
once on FashionMNIST:

* its **penultimate layer** (``feature_dim`` = 128 numbers per image, taken
  before the ReLU, see :meth:`FashionClassifier.features`) is the feature space
  of the Fréchet distance, KID and precision/recall;
* its **logits** give label accuracy for conditional generators.

It accepts ``(B, 1, 28, 28)`` and ``(B, 1, 32, 32)`` images in [-1, 1]. A 32x32
image is **centre-cropped** to 28x28 (2 pixels off each side), which exactly
undoes ``load_fashion_mnist(pad_to=32)``: the GAN chapters that pad to 32 are
measured on the same 28x28 content the classifier was trained on. (Images
*resized* to 32, as many tutorials do, should be resized back to 28 with
``torch.nn.functional.interpolate`` first.)

The trained weights are shipped at ``gan_course/assets/classifier.pt`` with
their test accuracy and SHA-256 in ``classifier.json``; :func:`load_classifier`
checks the hash. ``python -m gan_course train-classifier`` reproduces them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .. import arguments
from ..data import CLASSES, Batches, ImageSet, load_fashion_mnist
from ..errors import CourseError
from ..profiles import check_profile, current_profile, pick
from ..runtime import describe_machine, eval_mode, seed_everything
from ..io import atomic_save, atomic_write_json, sha256_of, to_plain

ASSETS = Path(__file__).resolve().parents[1] / "assets"
WEIGHTS_NAME = "classifier.pt"
RETRAIN_FIX = "run python -m gan_course train-classifier"
WEIGHTS_FORMAT = 1
MAX_WEIGHTS_BYTES = 1_000_000  # the shipped file must stay under 1 MB
SIZES = (28, 32)  # accepted image sizes; 32 is centre-cropped to 28


@dataclass
class ClassifierConfig:
    channels: tuple[int, int, int] = (16, 32, 64)  # conv widths at 28x28, 14x14 and 7x7
    feature_dim: int = 128  # width of the penultimate layer = the feature vector of the metrics
    dropout: float = 0.25  # dropout on the features while training (not applied to what the metrics see)
    epochs: int = 6  # passes over the training images
    batch_size: int = 128  # images per update
    lr: float = 3e-3  # peak learning rate of AdamW's one-cycle schedule
    weight_decay: float = 5e-4  # AdamW's decoupled weight decay
    max_shift: int = 2  # augmentation: random translation by up to this many pixels (0 = none)
    label_smoothing: float = 0.05  # cross-entropy label smoothing; keeps the logits moderate
    train_limit: int | None = None  # train on the first N training images only (None = all 60k)

    def __post_init__(self):
        self.channels = tuple(self.channels)  # lists come back from JSON / torch.load
        if len(self.channels) != 3 or min(self.channels) <= 0:
            raise CourseError(f"channels must be three positive widths, got {self.channels}: use e.g. (16, 32, 64)")
        arguments.positive_whole_fields(self, ("feature_dim", "epochs", "batch_size"))
        if not 0 <= self.max_shift <= 4:
            raise CourseError(f"max_shift must be between 0 and 4 pixels, got {self.max_shift}")


def default_config(profile: str | None = None) -> ClassifierConfig:
    """The shipped classifier's settings (``full``) or a seconds-long run (``smoke``)."""
    return ClassifierConfig(epochs=pick(smoke=1, full=6, profile=profile),
                            train_limit=pick(smoke=2048, full=None, profile=profile))


# ------------------------------------------------------------------ the model
def prepare_images(x: torch.Tensor) -> torch.Tensor:
    """Check a batch of images and bring it to ``(B, 1, 28, 28)`` float in [-1, 1].

    ``(B, 1, 32, 32)`` is centre-cropped (see the module docstring). Anything else
    raises a :class:`CourseError` that says how to fix the input.
    """
    if not isinstance(x, torch.Tensor):
        raise CourseError(f"the classifier expects a tensor of images, got {type(x).__name__}: "
                          "pass a torch.Tensor of shape (B, 1, 28, 28) or (B, 1, 32, 32)")
    if not x.is_floating_point():
        raise CourseError(f"the classifier expects float images in [-1, 1], got dtype {x.dtype}: "
                          "convert with x.float() / 127.5 - 1 for uint8 pixels")
    if x.dim() == 3 and tuple(x.shape[1:]) in {(s, s) for s in SIZES}:
        raise CourseError(f"the classifier expects (B, 1, H, W), got {tuple(x.shape)}: "
                          "add the channel dimension with x.unsqueeze(1)")
    if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != x.shape[3] or x.shape[2] not in SIZES:
        raise CourseError(
            f"the classifier expects grayscale images of shape (B, 1, 28, 28) or (B, 1, 32, 32), got "
            f"{tuple(x.shape)}: pass single-channel FashionMNIST-sized images (resize others to 28x28 "
            "with torch.nn.functional.interpolate, average RGB channels to one)")
    if x.numel():
        low, high = torch.aminmax(x.detach())
        if low < -1.001 or high > 1.001:
            raise CourseError(
                f"the classifier expects images in [-1, 1], got values in [{low.item():.3g}, {high.item():.3g}]: "
                "rescale them (pixels in [0, 255]: x / 127.5 - 1; in [0, 1]: 2 * x - 1)")
    if x.shape[-1] == 32:
        x = x[:, :, 2:30, 2:30]  # (B, 1, 32, 32) -> (B, 1, 28, 28): undoes pad_to=32
    return x


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution (same size) -> batch norm -> ReLU -> 2x2 max pool (halves H and W)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(), nn.MaxPool2d(2))


class FashionClassifier(nn.Module):
    """images (B, 1, 28|32, 28|32) in [-1, 1] -> features (B, feature_dim) -> logits (B, 10).

    Three conv blocks, a linear layer to ``feature_dim`` (the features), then
    ReLU, dropout and a linear layer to the 10 class logits.
    """

    def __init__(self, cfg: ClassifierConfig):
        if not isinstance(cfg, ClassifierConfig):
            raise CourseError(f"FashionClassifier needs cfg to be a ClassifierConfig, got {cfg!r:.60} "
                              f"({type(cfg).__name__}): pass e.g. ClassifierConfig() or default_config()")
        super().__init__()
        self.cfg = cfg
        c1, c2, c3 = cfg.channels
        self.trunk = nn.Sequential(
            _conv_block(1, c1),  # (B, 1, 28, 28) -> (B, c1, 14, 14)
            _conv_block(c1, c2),  # -> (B, c2, 7, 7)
            _conv_block(c2, c3),  # -> (B, c3, 3, 3)  (7 // 2 = 3)
            nn.Flatten(),  # -> (B, c3 * 9)
            nn.Linear(c3 * 9, cfg.feature_dim),  # -> (B, feature_dim): the features, before their ReLU
        )
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.feature_dim, len(CLASSES))  # (B, feature_dim) -> (B, 10)

    @property
    def num_features(self) -> int:
        """Feature dimension (torchmetrics' custom-feature FID/KID read this attribute)."""
        return self.cfg.feature_dim

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        x = prepare_images(x)  # (B, 1, 28, 28)
        return x.to(self.head.weight.dtype)  # float16/bfloat16 samples from autocast work too

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer: (B, 1, H, W) -> (B, feature_dim).

        These are the layer's pre-activations (before its ReLU): after the ReLU
        some units are zero on every image and most are zero more often than not,
        while before it every dimension varies and is closer to Gaussian, which is
        what the Fréchet distance assumes.
        """
        return self.trunk(self._input(x))

    def logits_from_features(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, feature_dim) -> (B, 10): ReLU, dropout (training only), last linear layer."""
        return self.head(self.dropout(F.relu(feats)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (B, 10) in the order of ``gan_course.data.CLASSES``."""
        return self.logits_from_features(self.features(x))

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both at once (one pass): ``(B, feature_dim)``, ``(B, 10)``."""
        feats = self.features(x)
        return feats, self.logits_from_features(feats)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Predicted class indices (B,), in eval mode, in chunks of ``batch_size``."""
        with eval_mode(self):
            return torch.cat([self(chunk).argmax(1) for chunk in x.split(batch_size)])


class FeatureExtractor(nn.Module):
    """The classifier seen as a feature module: images -> (B, num_features).

    This is what torchmetrics' ``FrechetInceptionDistance(feature=...)`` and
    ``KernelInceptionDistance(feature=...)`` expect: a module with a
    ``num_features`` attribute whose forward returns one feature row per image.
    """

    def __init__(self, classifier: FashionClassifier):
        super().__init__()
        self.classifier = classifier
        self.num_features = classifier.num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x)


# ------------------------------------------------------------------ training
def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each image by its own random (dy, dx) in [-max_shift, max_shift], filling with -1.

    The shifts come from ``generator`` (a seeded CPU generator), so training is reproducible.
    """
    if max_shift == 0:
        return x
    B, C, H, W = x.shape
    p = max_shift
    padded = F.pad(x, (p, p, p, p), value=-1.0)  # (B, C, H, W) -> (B, C, H + 2p, W + 2p)
    offsets = torch.randint(0, 2 * p + 1, (2, B), generator=generator).to(x.device)  # (2, B)
    rows = offsets[0][:, None] + torch.arange(H, device=x.device)  # (B, H) top-left row + 0..H-1
    cols = offsets[1][:, None] + torch.arange(W, device=x.device)  # (B, W)
    b = torch.arange(B, device=x.device)[:, None, None]  # (B, 1, 1)
    out = padded.permute(0, 2, 3, 1)[b, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()  # -> (B, C, H, W)


@torch.no_grad()
def evaluate(model: FashionClassifier, data: ImageSet, batch_size: int = 1000) -> dict:
    """Accuracy on ``data`` (overall and per class), in eval mode."""
    predicted = model.predict(data.images, batch_size=batch_size).cpu()
    labels = data.labels.cpu()
    correct = predicted == labels
    per_class = [correct[labels == k].float().mean().item() if (labels == k).any() else float("nan")
                 for k in range(len(CLASSES))]
    return {"accuracy": correct.float().mean().item(), "images": len(labels), "per_class_accuracy": per_class}


def train_classifier(config: ClassifierConfig | None = None, seed: int = 0, device="cpu",
                     profile: str | None = None, *, train_set: ImageSet | None = None,
                     test_set: ImageSet | None = None, log=print) -> tuple[FashionClassifier, dict]:
    """Train the classifier from scratch; return ``(model in eval mode, report)``.

    ``config`` defaults to :func:`default_config` for ``profile`` (default: the
    active one). ``train_set``/``test_set`` default to FashionMNIST's splits (all
    10k test images). On the CPU, the same seed gives bitwise-identical weights.
    """
    profile = check_profile(profile or current_profile())
    config = config or default_config(profile)
    device = torch.device(device)
    seed_everything(seed)
    if train_set is None:
        train_set = load_fashion_mnist("train", device=device, limit=config.train_limit)
    if test_set is None:
        test_set = load_fashion_mnist("test", device=device)
    train_set, test_set = train_set.to(device), test_set.to(device)
    if config.batch_size > len(train_set):
        raise CourseError(f"batch_size={config.batch_size} exceeds the {len(train_set)} training images: "
                          "use a smaller batch_size")

    model = FashionClassifier(config).to(device)
    batches = Batches(train_set, config.batch_size, seed=seed)
    total = config.epochs * batches.per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=total)
    shifts = torch.Generator().manual_seed(seed + 1)  # augmentation's own stream

    log(f"training the classifier: {len(train_set)} images, {config.epochs} epochs, {total} steps of "
        f"{config.batch_size} on {device} ({describe_machine(device)})")
    model.train()
    start = time.perf_counter()
    loss_sum = torch.zeros((), device=device)
    for step in range(1, total + 1):
        images, labels = next(batches)  # (B, 1, H, W), (B,)
        images = random_shift(prepare_images(images), config.max_shift, shifts)  # (B, 1, 28, 28)
        logits = model(images)  # (B, 10)
        loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        loss_sum += loss.detach()
        if step % batches.per_epoch == 0:
            epoch = step // batches.per_epoch
            log(f"  epoch {epoch}/{config.epochs}: mean training loss {loss_sum.item() / batches.per_epoch:.4f} "
                f"({time.perf_counter() - start:.0f} s)")
            loss_sum.zero_()
    train_seconds = time.perf_counter() - start
    model.eval()
    result = evaluate(model, test_set)
    log(f"test accuracy {result['accuracy']:.4f} on {result['images']} images; trained in {train_seconds:.1f} s")
    report = {
        "test_accuracy": result["accuracy"],
        "test_images": result["images"],
        "per_class_accuracy": dict(zip(CLASSES, result["per_class_accuracy"])),
        "train_images": len(train_set),
        "steps": total,
        "train_seconds": round(train_seconds, 1),
        "seed": seed,
        "profile": profile,
        "device": str(device),
        "machine": describe_machine(device),
        "cpu_model": _cpu_model(),
        "torch_version": torch.__version__,
        "config": to_plain(config),
    }
    return model, report


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


# ------------------------------------------------------------ saving/loading
def export_state(model: FashionClassifier, dtype: torch.dtype = torch.float32) -> dict:
    """A plain dict of tensors plus metadata; ``weights_only=True`` can load it."""
    return {
        "format": WEIGHTS_FORMAT,
        "config": to_plain(model.cfg),
        "classes": list(CLASSES),
        "dtype": str(dtype).replace("torch.", ""),
        "state_dict": {k: v.detach().cpu().to(dtype) if v.is_floating_point() else v.detach().cpu()
                       for k, v in model.state_dict().items()},
    }


def model_from_state(state: dict, device="cpu") -> FashionClassifier:
    """Rebuild a classifier (float32, eval mode, frozen) from :func:`export_state`'s dict."""
    fields = {f.name for f in dataclasses.fields(ClassifierConfig)}
    model = FashionClassifier(ClassifierConfig(**{k: v for k, v in state["config"].items() if k in fields}))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["state_dict"].items()})
    return model.to(device).eval().requires_grad_(False)


def save_classifier(model: FashionClassifier, report: dict, out_dir: str | Path,
                    test_set: ImageSet | None = None) -> tuple[Path, Path]:
    """Write ``classifier.pt`` (float32 if it fits in 1 MB, else float16) and ``classifier.json``.

    The accuracy in the json is measured again on the weights *as stored*, so it
    describes exactly the file beside it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pt_path, json_path = out_dir / WEIGHTS_NAME, out_dir / Path(WEIGHTS_NAME).with_suffix(".json")
    n_params = sum(p.numel() for p in model.parameters())
    dtype = torch.float32 if 4 * n_params < 0.9 * MAX_WEIGHTS_BYTES else torch.float16
    state = export_state(model, dtype)
    atomic_save(state, pt_path)
    if dtype != torch.float32:  # the stored weights are rounded: measure them, not the model in memory
        test_set = test_set if test_set is not None else load_fashion_mnist("test")
        stored = evaluate(model_from_state(state), test_set.to("cpu"))
        report = {**report, "test_accuracy": stored["accuracy"],
                  "per_class_accuracy": dict(zip(CLASSES, stored["per_class_accuracy"]))}
    record = {
        "weights": WEIGHTS_NAME,
        "sha256": sha256_of(pt_path),
        "bytes": pt_path.stat().st_size,
        "dtype": state["dtype"],
        "parameters": n_params,
        **report,
        "command": f"python -m gan_course train-classifier --profile {report.get('profile', 'full')} "
                   f"--seed {report.get('seed', 0)}",
    }
    atomic_write_json(record, json_path, what="classifier record", sort_keys=False)
    return pt_path, json_path


_CACHE: dict[tuple[str, str, str], FashionClassifier] = {}


def _restore_advice(path: Path) -> str:
    """How to get a shipped file back: in a git clone, git checkout; after pip install, a reinstall."""
    repo, path = Path(__file__).resolve().parents[2], Path(path).resolve()
    if (repo / ".git").exists() and path.is_relative_to(repo):
        return f"git -C {repo} checkout -- {path.relative_to(repo)}"
    return "pip install --force-reinstall --no-deps gan_course, or the install command you used"


def load_classifier(device="cpu", path: str | Path | None = None) -> FashionClassifier:
    """The shipped classifier (eval mode, frozen), after checking its SHA-256.

    ``path`` defaults to ``gan_course/assets/classifier.pt``; its record
    ``classifier.json`` lies beside it. Loaded models are cached per file and
    device and shared between callers: ask for the device you need rather than
    moving the returned model, and wrap it (:class:`FeatureExtractor`) rather than
    changing it.
    """
    pt_path = Path(path) if path is not None else ASSETS / WEIGHTS_NAME
    json_path = pt_path.with_suffix(".json")
    for p in (pt_path, json_path):
        if not p.is_file():
            raise CourseError(f"the classifier's {p.name} is missing ({p}): {RETRAIN_FIX}")
    try:
        record = json.loads(json_path.read_text())
        expected = record["sha256"]
    except (ValueError, KeyError) as exc:
        raise CourseError(f"{json_path} is not a classifier record ({type(exc).__name__}): {RETRAIN_FIX}") from exc
    actual = sha256_of(pt_path)
    if actual != expected:
        raise CourseError(
            f"{pt_path} does not match the SHA-256 recorded in {json_path.name} (file {actual[:12]}..., "
            f"record {expected[:12]}...): the weights are corrupt or were changed; restore them "
            f"({_restore_advice(pt_path)}) or {RETRAIN_FIX}")
    device = torch.device(device)
    key = (str(pt_path.resolve()), str(device), actual)
    if key not in _CACHE:
        try:
            state = torch.load(pt_path, map_location="cpu", weights_only=True)
            if state.get("format") != WEIGHTS_FORMAT:
                raise ValueError(f"format {state.get('format')!r}, expected {WEIGHTS_FORMAT}")
            _CACHE[key] = model_from_state(state, device)
        except Exception as exc:
            raise CourseError(f"{pt_path} could not be loaded ({type(exc).__name__}: {exc}): {RETRAIN_FIX}") from exc
    return _CACHE[key]


def load_record(path: str | Path | None = None) -> dict:
    """The shipped classifier's record (accuracy, config, machine, ...) from its json."""
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise CourseError(f"path must be the classifier's weights file (a str or Path), or None for the shipped "
                          f"one, got {path!r} ({type(path).__name__})")
    pt_path = Path(path) if path is not None else ASSETS / WEIGHTS_NAME
    json_path = pt_path.with_suffix(".json")
    if not json_path.is_file():
        raise CourseError(f"the classifier's record {json_path} is missing: {RETRAIN_FIX}")
    try:
        return json.loads(json_path.read_text())
    except (ValueError, OSError) as exc:
        raise CourseError(f"{json_path} is not a classifier record ({type(exc).__name__}): {RETRAIN_FIX}") from None


def classifier_out_dir(out_dir: str | Path | None, profile: str) -> Path:
    """Where ``train-classifier`` writes: ``out_dir``, else the shipped place (full) or ``$GAN_COURSE_RUNS/smoke``."""
    if out_dir is not None:
        return Path(out_dir)
    if profile == "full":
        return ASSETS
    from ..records import run_dir

    return run_dir("classifier", profile)


def check_classifier_out_dir(out_dir: Path, profile: str, force: bool) -> None:
    """Refuse, before training, a write that would replace the shipped classifier by accident."""
    from ..shipped import guard_write

    guard_write(out_dir, command="train-classifier", option="--out-dir",
                profile=profile, force=force, writes=(WEIGHTS_NAME, Path(WEIGHTS_NAME).with_suffix(".json").name))
