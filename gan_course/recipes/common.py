"""What every recipe shares: each setting's role, the registry entry, the settings a checkpoint must match."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..errors import CourseError
from ..io import to_plain
from ..profiles import check_profile, current_profile


# The smoke profile's settings, one preset per recipe family: seconds-long runs on the same code path.
# The networks keep their full size (except the translation models' discriminators), so that the
# shipped pretrained generators load in either profile. A dict value changes fields of a nested config.
SMOKE: dict[str, dict] = {
    "gan": {"batch_size": 16, "steps": 24, "sample_every": 8, "checkpoint_every": 12,  # chapters 2 to 5
            "train_limit": 2_048, "quality_every": 12, "quality_n": 256},
    "pix2pix": {"discriminator": {"base_channels": 4}, "batch_size": 8, "steps": 8, "sample_every": 4,
                "checkpoint_every": 4, "train_limit": 256, "n_fixed": 8, "quality_every": 4, "quality_n": 256},
    "cyclegan": {"discriminator": {"base_channels": 4}, "batch_size": 4, "steps": 6, "sample_every": 3,
                 "checkpoint_every": 3, "train_limit": 64, "n_show": 4, "pool_size": 6, "quality_every": 3,
                 "quality_n": 64},
}
# chapter 11's DDPM: chapters 2 to 5's preset, and a few DDIM steps per quality sample (the full 50 would spend
# most of a smoke run sampling)
SMOKE["ddpm"] = {**SMOKE["gan"], "quality_steps": 4}


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


# ------------------------------------------------------------------ what each setting is for
# Every recipe field declares one of these roles; the machinery reads the roles, never the field names.
ROLES: dict[str, str] = {
    "lr": "an Adam learning rate: --lr-scale multiplies it, and a resume may change it (the fix for a NaN stop)",
    "optimizer": "another optimiser setting (Adam's betas)",
    "fraction": "a share of the run's steps, e.g. the last share over which the learning rates decay",
    "weight": "the weight of a loss term",
    "network": "the networks' shape: a nested network config, or a width, depth or latent size",
    "data": "what the model trains on: the domains, the ring, how many training items",
    "size": "how many items per step or per grid: batch, fixed inputs, history pool, snapshot points",
    "length": "how many steps the run trains (a resumed run may be longer)",
    "cadence": "how often the run draws sample grids and writes checkpoints",
    "quality": "the quality record's cadence and sample count: they change no trained number",
    "method": "which game is played: the loss, the critic and its constraint, critic steps per G step (chapter 9)",
}
CHECKPOINT_FREE = frozenset({"length", "cadence", "quality"})  # roles a checkpoint need not match (model_hparams)
UNTRAINED = frozenset({"quality"})  # roles of settings that change no trained number (recipe_settings)


def setting(role: str, default=dataclasses.MISSING, *, factory=dataclasses.MISSING):
    """A recipe field that declares its role (a key of :data:`ROLES`): ``lr: float = setting("lr", 2e-4)``.

    ``factory`` builds a mutable default (a nested network config), as ``field(default_factory=...)``.
    """
    if role not in ROLES:
        raise CourseError(f"unknown setting role {role!r}: use one of {', '.join(ROLES)}")
    return field(default=default, default_factory=factory, metadata={"role": role})


class Recipe:
    """Base of every recipe ``@dataclass``: each field is declared with :func:`setting`, which names its role.

    A field without a role is refused when the class is defined, so no setting can
    reach ``--lr-scale``, a resume or a checkpoint without saying what it is.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [name for name, kind in inspect.get_annotations(cls).items() if "ClassVar" not in str(kind)
                   and "role" not in getattr(cls.__dict__.get(name), "metadata", {})]
        if missing:
            raise _without_role(cls.__name__, missing)

    def __post_init__(self):
        check_settings(self)


def check_settings(recipe) -> None:
    """Every setting of ``recipe`` that its role gives a range: a learning rate above 0, a loss weight of 0 or
    more, a fraction in [0, 1], Adam's two betas in [0, 1), and counts (sizes, lengths, cadences) that are
    whole numbers of 0 or more. A recipe with checks of its own calls this from its ``__post_init__`` too."""
    from .. import arguments

    cls = type(recipe).__name__
    for f in dataclasses.fields(recipe):
        role, value, name = f.metadata.get("role"), getattr(recipe, f.name), f"{cls}.{f.name}"
        if role == "lr":
            arguments.number(name, value, above=0.0)
        elif role == "weight":
            arguments.number(name, value, minimum=0.0)
        elif role == "fraction":
            check_fraction(name, value)
        elif role == "optimizer" and f.name == "betas":
            if not (isinstance(value, (tuple, list)) and len(value) == 2):
                raise CourseError(f"{name} must be Adam's two betas, e.g. (0.5, 0.999), got {arguments.shown(value)}")
            for beta in value:
                arguments.number(name, beta, minimum=0.0, maximum=0.999999)
        elif role in ("size", "length", "cadence"):
            arguments.whole(name, value, 0, 10**9, example=f.default if isinstance(f.default, int) else 1)


def roles_of(recipe) -> dict[str, str]:
    """``{field name: role}`` of a recipe (instance or class), in field order; a field without a role is refused."""
    roles = {f.name: f.metadata.get("role") for f in dataclasses.fields(recipe)}
    missing = [name for name, role in roles.items() if role is None]
    if missing:
        raise _without_role(getattr(recipe, "__name__", type(recipe).__name__), missing)
    return roles


def _without_role(recipe_name: str, missing: list[str]) -> CourseError:
    return CourseError(f"{recipe_name}: declare the role of {', '.join(missing)} with setting(role, default), "
                       f"role one of {', '.join(ROLES)}")


def fields_with_role(recipe, *roles: str) -> tuple[str, ...]:
    """The names of ``recipe``'s fields whose role is one of ``roles``, in field order."""
    return tuple(name for name, role in roles_of(recipe).items() if role in roles)


def scale_learning_rates(recipe, factor: float):
    """A copy of ``recipe`` with every learning rate (role ``"lr"``) times ``factor``; nothing else changes."""
    return dataclasses.replace(recipe, **{name: getattr(recipe, name) * factor
                                          for name in fields_with_role(recipe, "lr")})


def recipe_settings(recipe) -> dict:
    """Everything in ``recipe`` that can change a trained number, as plain values: all fields but the quality
    record's (role ``"quality"``). Two runs with equal settings (and seed) train the same networks."""
    skip = set(fields_with_role(recipe, *UNTRAINED))
    return {k: v for k, v in to_plain(recipe).items() if k not in skip}


def check_fraction(name: str, fraction) -> float:
    """A setting with the role ``"fraction"``: a share of the run's steps, from 0 to 1 (the learning-rate decay's)."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise CourseError(f"{name} must be a fraction of the steps from 0 (constant learning rate) to 1, got "
                          f"{fraction!r}: e.g. 0.5 for the CycleGAN paper's schedule")
    return fraction


def lr_decay_from(recipe) -> int | None:
    """``TrainConfig.lr_decay_from`` of a recipe with an ``lr_decay`` field: its last ``lr_decay`` of the steps decay.

    ``lr_decay`` is a fraction, so the ``smoke`` profile's few steps keep the same schedule's shape.
    """
    fraction = check_fraction("lr_decay", recipe.lr_decay)
    n_decay = round(recipe.steps * fraction)
    return None if n_decay == 0 else recipe.steps - n_decay


def model_hparams(recipe, seed: int) -> dict:
    """What a checkpoint must match to be resumed: everything but the run's length and cadences (roles
    ``"length"``, ``"cadence"``, ``"quality"``), as plain values. Of these, a resume may change the learning
    rates only (the Trainer reads :func:`roles_of` the recipe)."""
    skip = set(fields_with_role(recipe, *CHECKPOINT_FREE))
    return {**{k: v for k, v in to_plain(recipe).items() if k not in skip}, "seed": seed}


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
    ``conditional`` (``sample`` takes ``labels=``), ``translate`` (an image-to-image model),
    ``truncation`` (``sample`` takes ``psi=``, the truncation in W).
    """

    recipe: type  # the recipe dataclass (with .for_profile(profile))
    build: Callable  # build(recipe, device, out_dir, seed, *, precision=None) -> Trainer
    make_generator: Callable  # make_generator(hparams) -> an untrained G of that configuration
    sample: Callable  # sample(G, n, device) -> {"images": (n, C, H, W) [, "labels": (n,)]}
    tag: str  # the Trainer tag its checkpoints carry
    chapter: str  # the chapter notebook that teaches it, e.g. "02_vanilla_gan"
    conditional: bool = False  # True: sample(G, n, device, labels=...) draws the requested classes (--label)
    translate: Callable | None = None  # translate(G, n, direction, device) -> {"inputs", "outputs", ...}
    extra_scores: Callable | None = None  # extra_scores(G, samples, device) -> {name: float}
    generator_key: str = "G"  # the Trainer module that is "the generator" (exported, sampled)
    truncation: bool = False  # True: sample(G, n, device, psi=...) truncates in W (--truncation, chapter 10)
    sampling_steps: int | None = None  # an iterative sampler's default network evaluations per image (--steps);
    # None: one generator pass per image (every GAN), and sample() takes no steps=

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
