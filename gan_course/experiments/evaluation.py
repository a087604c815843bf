"""One model's scores, as ``python -m gan_course evaluate`` and chapter 8 print them.

:func:`evaluate_generator` draws ``n`` samples with the model's own ``sample``
function (seeded), scores them against real test images (FD, KID, precision,
recall; see :mod:`gan_course.metrics.images`), adds the chapter's own measures
(``ModelEntry.extra_scores``: label accuracy, code purity, ...) and formats
everything above the reference ladder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import arguments
from ..errors import CourseError
from ..metrics import default_n, format_scores, score_images
from ..recipes import get_model
from ..runtime import check_device, eval_mode, in_chunks, seed_everything


# Below this many images the scores mean little: FD fits a covariance to the classifier's 128 features,
# which needs more images than features, and KID and precision/recall are dominated by noise (KID goes
# negative, and a handful of generated images can "beat" real ones). `evaluate --n` refuses fewer.
MIN_EVAL_N = 200
MAX_EVAL_N = 10_000  # the real FashionMNIST test images the scores compare with


@dataclass
class Evaluation:
    """Scores of one generator."""

    model: str  # registry name, e.g. "vanilla"
    n: int  # generated images scored
    scores: dict  # {"fd", "kid", "precision", "recall", ...extra scores}
    table: str  # the scores above the reference ladder, as printed


@torch.no_grad()
def _check_generator(G) -> None:
    if not isinstance(G, torch.nn.Module) or not hasattr(G, "cfg"):
        raise CourseError(f"G must be one of the course's generators (a torch module with a cfg), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")


def evaluate_generator(model: str, G: torch.nn.Module, device="cpu", n: int | None = None, seed: int = 0,
                       ladder: bool = True, steps: int | None = None) -> Evaluation:
    """Score ``G``, a generator of registry model ``model``, on ``n`` seeded samples.

    ``steps``: a diffusion model's sampling steps per image (its default when ``None``; one-pass GANs take none).
    """
    import warnings

    entry = get_model(model)
    _check_generator(G)
    check_device(device)
    n = arguments.optional_whole("n", n, 1, example=1000) or default_n()
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    arguments.flag("ladder", ladder)
    if n > MAX_EVAL_N:
        raise CourseError(f"n={n} is more than the {MAX_EVAL_N} real test images the scores compare with: "
                          f"pass n <= {MAX_EVAL_N}")
    if n < MIN_EVAL_N:
        warnings.warn(f"scoring only {n} images: below {MIN_EVAL_N} the FD, KID and precision/recall are mostly "
                      f"noise (KID can go negative); use n >= {MIN_EVAL_N}", stacklevel=2)
    device = torch.device(device)
    G = G.to(device)
    seed_everything(seed)
    with eval_mode(G):  # G comes back in the mode it had
        if steps is not None and entry.sampling_steps is None:
            raise CourseError(f"steps is for diffusion models only; {model} draws each image in one generator "
                              "pass: leave steps out")
        kwargs = {} if steps is None else {"steps": steps}
        samples = entry.sample(G, n, device, **kwargs)  # {"images": (n, C, H, W)[, "labels": (n,)]}
        scores = score_images(samples["images"], device=device, n=n)
        if entry.extra_scores is not None:
            scores.update(entry.extra_scores(G, samples, device))
    return Evaluation(model=model, n=n, scores=scores, table=scores_table(model, scores, ladder, device, n))


def scores_table(model: str, scores: dict, ladder: bool = True, device="cpu", n: int | None = None) -> str:
    """The four image scores above the ladder, then the chapter's own measures, one per line.

    Models with many measures of their own (CycleGAN has over twenty) would make one
    unreadably wide table, so those are listed beneath it with their full names.
    """
    from ..metrics.images import SCORE_KEYS

    core = {k: v for k, v in scores.items() if k in SCORE_KEYS}
    table = format_scores({model: core}, ladder=ladder, device=device, n=n)
    extra = {k: v for k, v in scores.items() if k not in SCORE_KEYS}
    if not extra:
        return table
    width = max(len(k) for k in extra) + 2
    lines = ["", f"{model}: the chapter's own measures"]
    lines += [f"  {k.replace('_', ' '):<{width}}{v:>10.3f}" for k, v in extra.items()]
    return table + "\n" + "\n".join(lines)


# The goals the chapters set themselves (issue text), on the course classifier's scale:
# (score, "<=" or ">=", value). Chapter 8 checks the shipped generators against them.
GOALS: dict[str, list[tuple[str, str, float]]] = {
    "cgan": [("label_accuracy", ">=", 0.85), ("fd", "<=", 60.0)],
    "dcgan": [("fd", "<=", 60.0)],
    "infogan": [("code_purity", ">=", 0.6)],
}


def goal_report(model: str, scores: dict) -> list[str]:
    """One line per goal of ``model``: the goal, the measured value and whether it is met."""
    get_model(model)
    arguments.instance("scores", scores, dict, "a dict of scores {name: value}, e.g. an evaluation's scores")
    for key, _, _ in GOALS.get(model, []):
        if key in scores:
            arguments.number(f"scores[{key!r}]", scores[key])
    lines = []
    for key, op, value in GOALS.get(model, []):
        if key not in scores:
            continue
        got = scores[key]
        met = got <= value if op == "<=" else got >= value
        lines.append(f"{model}: {key} {op} {value:g}: measured {got:.3f} -> {'met' if met else 'NOT met'}")
    return lines


def evaluate_committed(device="cpu", n: int | None = None, seed: int = 0) -> dict[str, dict]:
    """Scores of every shipped pretrained generator (in chapter order), each on ``n`` samples."""
    from ..pretrained import load_pretrained, read_manifest
    from ..recipes import MODELS

    check_device(device)
    arguments.optional_whole("n", n, 1, MAX_EVAL_N, example=1000)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)

    shipped = read_manifest()
    rows = {}
    for model in MODELS.keys():
        if model in shipped:
            G = load_pretrained(model, device)
            rows[model] = evaluate_generator(model, G, device=device, n=n, seed=seed, ladder=False).scores
    return rows


@torch.no_grad()
def truncation_sweep(G: torch.nn.Module, psis, device="cpu", n: int | None = None, seed: int = 0) -> dict:
    """Precision and recall of an unconditional G when its noise is scaled: z -> ψ·z.

    Small ψ keeps samples near the centre of the latent Gaussian, where G is
    most confident: precision rises and recall falls. This is chapter 8's simple
    stand-in for the truncation trick, which in the papers is something else:
    BigGAN redraws the components of z beyond a threshold, and StyleGAN moves w
    towards its average, w̄ + ψ (w − w̄) (chapter 10's
    :func:`~gan_course.metrics.style.w_truncation_sweep`).
    Returns ``{ψ: scores}``.
    """
    _check_generator(G)
    if not hasattr(G.cfg, "latent_dim"):
        raise CourseError(f"truncation_sweep needs an unconditional generator (with cfg.latent_dim), got "
                          f"{type(G).__name__}")
    array = arguments.values("psis", psis, "a list of noise scales ψ > 0, e.g. [0.5, 1.0]", above=0.0)
    if array.ndim != 1 or not np.isfinite(array).all():
        raise CourseError(f"psis must be a list of finite noise scales ψ > 0, got {arguments.shown(psis)}")
    check_device(device)
    arguments.optional_whole("n", n, 1, MAX_EVAL_N, example=1000)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    n = n or default_n()
    device = torch.device(device)
    G = G.to(device)
    out = {}
    for psi in psis:
        seed_everything(seed)
        z = torch.randn(n, G.cfg.latent_dim, device=device) * psi  # (n, latent_dim)
        with eval_mode(G):
            images = in_chunks(G, z)  # (n, C, H, W)
        out[float(psi)] = score_images(images, device=device, n=n)
    return out


def fd_versus_sample_size(images_a: torch.Tensor, sizes, device="cpu") -> dict[int, float]:
    """FD of the first ``k`` of ``images_a`` against ``k`` real test images, for each k in ``sizes``.

    FD's estimate is biased upwards for small samples (the covariances are noisy),
    so numbers computed with different sample sizes cannot be compared.
    """
    from ..metrics.images import Scorer

    arguments.tensor("images_a", images_a, 4, "a tensor of images (N, 1, H, W) in [-1, 1]", min_len=2)
    for i, k in enumerate(arguments.sequence("sizes", sizes, "a list of sample sizes, e.g. [100, 1000]")):
        arguments.whole(f"sizes[{i}]", k, 2, len(images_a), example=min(100, len(images_a)))
    check_device(device)
    return {int(k): Scorer(n_real=int(k), device=str(torch.device(device)))(images_a[:k])["fd"] for k in sizes}
