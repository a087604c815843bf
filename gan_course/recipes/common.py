"""What every recipe shares: the registry entry, and the settings a checkpoint must match."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch

from ..errors import CourseError
from ..io import to_plain
from ..profiles import check_profile, current_profile


# The smoke profile's settings, one preset per recipe family: seconds-long runs on the same code path.
# The networks keep their full size (except the translation models' discriminators), so that the
# committed pretrained generators load in either profile. A dict value changes fields of a nested config.
SMOKE: dict[str, dict] = {
    "gan": {"batch_size": 16, "steps": 24, "sample_every": 8, "checkpoint_every": 12,  # chapters 2 to 5
            "train_limit": 2_048, "quality_every": 12, "quality_n": 256},
    "pix2pix": {"discriminator": {"base_channels": 4}, "batch_size": 8, "steps": 8, "sample_every": 4,
                "checkpoint_every": 4, "train_limit": 256, "n_fixed": 8, "quality_every": 4, "quality_n": 256},
    "cyclegan": {"discriminator": {"base_channels": 4}, "batch_size": 4, "steps": 6, "sample_every": 3,
                 "checkpoint_every": 3, "train_limit": 64, "n_show": 4, "pool_size": 6, "quality_every": 3,
                 "quality_n": 64},
}


def recipe_for(cls, profile: str | None, smoke: dict, **overrides):
    """``cls()`` in the ``full`` profile, or ``cls()`` changed by the ``smoke`` preset; then ``overrides``.

    ``profile`` defaults to the current one (``GAN_COURSE_PROFILE``). ``overrides``
    replace whole fields, e.g. ``l1_weight=0.0``.
    """
    recipe = cls()
    if check_profile(profile or current_profile()) != "full":
        recipe = dataclasses.replace(recipe, **{
            k: dataclasses.replace(getattr(recipe, k), **v) if isinstance(v, dict) else v
            for k, v in smoke.items()})
    return dataclasses.replace(recipe, **overrides) if overrides else recipe


QUALITY_FIELDS = ("quality_every", "quality_n")  # recipe fields of the quality record: they change no training number


def recipe_settings(recipe) -> dict:
    """Everything in ``recipe`` that can change a trained number, as plain values: all fields but the quality
    record's cadence. Two runs with equal settings (and seed) train the same networks."""
    return {k: v for k, v in to_plain(recipe).items() if k not in QUALITY_FIELDS}


def lr_decay_from(recipe) -> int | None:
    """``TrainConfig.lr_decay_from`` of a recipe with an ``lr_decay`` field: its last ``lr_decay`` of the steps decay.

    ``lr_decay`` is a fraction, so the ``smoke`` profile's few steps keep the same schedule's shape.
    """
    fraction = recipe.lr_decay
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise CourseError(f"lr_decay must be a fraction of the steps from 0 (constant learning rate) to 1, got "
                          f"{fraction!r}: e.g. 0.5 for the CycleGAN paper's schedule")
    n_decay = round(recipe.steps * fraction)
    return None if n_decay == 0 else recipe.steps - n_decay


def model_hparams(recipe, seed: int) -> dict:
    """What a checkpoint must match to be resumed: everything but the step counts (and the quality record's
    cadence, which changes no trained number), as plain values."""
    cadence = {"steps", "sample_every", "checkpoint_every", *QUALITY_FIELDS}
    return {**{k: v for k, v in to_plain(recipe).items() if k not in cadence}, "seed": seed}


def config_from(cls, values: dict):
    """Rebuild a model ``@dataclass`` config from its :func:`~gan_course.io.to_plain` form (the inverse).

    Lists (what JSON and ``torch.load`` give back for tuples) become tuples again;
    unknown keys are ignored, so a checkpoint stays loadable when a field is added.
    """
    fields = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in fields})


def quality_probe(recipe, draw: Callable[[], torch.Tensor], reference: torch.Tensor | None = None):
    """The Trainer's :class:`~gan_course.metrics.QualityProbe` for ``recipe`` (``None`` when ``quality_every`` is 0).

    ``draw`` makes ``recipe.quality_n`` images from fixed inputs; the real side is
    5 x as many real test images (at most 5,000), or ``reference``.
    """
    if not recipe.quality_every:
        return None
    from ..metrics import QualityProbe

    return QualityProbe(draw, reference=reference, reference_n=min(5_000, 5 * recipe.quality_n))


def quality_noise(n: int, dim: int, seed: int, device) -> torch.Tensor:
    """(n, dim) standard normal noise from a private generator (the global RNG is not touched)."""
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)).to(device)


@dataclass(frozen=True)
class ModelEntry:
    """How the command line (and chapter 8) trains, samples and measures one model.

    ``sample(G, n, device)`` returns a dict with ``"images"``: float32 ``(n, C, H, W)``
    in [-1, 1] on the CPU, and for conditional models ``"labels"``: int64 ``(n,)``
    (the requested class, or InfoGAN's categorical code). It draws its noise from
    the global RNG, so ``seed_everything(s)`` before it makes it reproducible.

    ``extra_scores(G, samples, device)``, when given, returns the chapter's own
    measures beyond the image scores every model gets (label accuracy, code
    purity, ...), as ``{name: float}``. Every recipe module that has such measures
    defines them in a function of that name.

    What a model can do is written in its fields, not looked up by reflection:
    ``conditional`` (``sample`` takes ``labels=``), ``translate`` (an image-to-image model).
    """

    recipe: type  # the recipe dataclass (with .for_profile(profile))
    build: Callable  # build(recipe, device, out_dir, seed) -> Trainer
    make_generator: Callable  # make_generator(hparams) -> an untrained G of that configuration
    sample: Callable  # sample(G, n, device) -> {"images": (n, C, H, W) [, "labels": (n,)]}
    tag: str  # the Trainer tag its checkpoints carry
    chapter: str  # the chapter notebook that teaches it, e.g. "02_vanilla_gan"
    conditional: bool = False  # True: sample(G, n, device, labels=...) draws the requested classes (--label)
    translate: Callable | None = None  # translate(G, n, direction, device) -> {"inputs", "outputs", ...}
    extra_scores: Callable | None = None  # extra_scores(G, samples, device) -> {name: float}
    generator_key: str = "G"  # the Trainer module that is "the generator" (exported, sampled)

    @property
    def translates(self) -> bool:
        """An image-to-image model: ``translate`` turns held-out inputs into outputs."""
        return self.translate is not None

    def generator_from_checkpoint(self, state: dict, path) -> torch.nn.Module:
        """The generator stored in a Trainer checkpoint, or a clear error."""
        if state.get("tag") != self.tag:
            raise CourseError(f"{path} holds a {state.get('tag')!r} checkpoint, not {self.tag!r}: "
                              "pass a checkpoint of this model")
        try:
            G = self.make_generator(state["hparams"])
            G.load_state_dict(state["modules"][self.generator_key])
        except (KeyError, TypeError, RuntimeError, ValueError, AttributeError) as exc:
            raise CourseError(f"{path} does not fit this model's generator ({type(exc).__name__}): "
                              "pass a checkpoint written by `train` for this model") from exc
        from ..training import nonfinite_tensor

        bad = nonfinite_tensor(G.state_dict())
        if bad:
            raise CourseError(f"{path} holds NaN or infinite generator weights ({bad}): the run diverged; use an "
                              "earlier checkpoint, or train again with a lower learning rate")
        return G
