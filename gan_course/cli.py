"""``python -m gan_course``: train, sample and measure the course's models.

    python -m gan_course train vanilla [--profile smoke|full] [--out DIR] [--resume] [--seed N] [--steps N]
    python -m gan_course sample vanilla --n 64 --out samples.pt --checkpoint runs/full/vanilla
    python -m gan_course evaluate vanilla [--checkpoint PATH] [--n N]
    python -m gan_course experiment pix2pix-ablations|cyclegan-variants [--profile smoke|full] [--out DIR] [--force]

Every mistake a user can fix ends with exit status 2 and one line on stderr
that names the fix, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shlex
import sys
from pathlib import Path
from typing import Callable

import torch

from .errors import CourseError, TrainingDiverged


MAX_SEED = 2**32 - 1  # NumPy's seed range; torch and Python accept it too
MAX_STEPS = 1_000_000  # far beyond any recipe (the longest full run is 12,000 steps)
MAX_SAMPLES = 100_000  # images `sample` writes in one file (~400 MB of float32 at 32x32)
MAX_TEST_ITEMS = 10_000  # held-out test items `translate` can use
MAX_BATCH = 60_000  # the FashionMNIST training split


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        message = " ".join(str(message).split())
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _whole(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{str(text)[:40]!r} is not a whole number") from None


def _count(low: int, high: int, what: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def parse(text: str) -> int:
        value = _whole(text)
        if value < low:
            raise argparse.ArgumentTypeError(
                f"must be positive, got {value}" if low == 1 else f"must be at least {low}{what}, got {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {value:,}")
        return value

    parse.__name__ = "count"  # argparse names the type in some messages
    return parse


_positive_int = _count(1, MAX_STEPS)


def _seed(text: str) -> int:
    value = _whole(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED} (2**32 - 1), got {value}")
    return value


def _label(text: str) -> int:
    value = _whole(text)
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"must be a FashionMNIST class 0-9, got {value}")
    return value


def _positive_float(high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{str(text)[:40]!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be a positive, finite number, got {str(text)[:40]}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:g}, got {value:g}")
        return value

    parse.__name__ = "number"
    return parse


def _psi(text: str) -> float:
    """The truncation ψ: a number from 0 (every sample the average image) to 1 (no truncation)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{str(text)[:40]!r} is not a number: give ψ from 0 to 1, e.g. 0.7") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"ψ must be a number from 0 (the average image) to 1 (no truncation), "
                                         f"got {str(text)[:40]}")
    return value


_psi.__name__ = "psi"


def _path(text: str) -> Path:
    if "\x00" in text:
        raise argparse.ArgumentTypeError("holds a NUL character")
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: pass a path")
    return Path(text)


def _device(text: str) -> str:
    from .runtime import check_device

    try:
        check_device(text)
    except CourseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _generator_options(parser: argparse.ArgumentParser, seed_help: str, device_help: str) -> None:
    """--checkpoint, --seed and --device: how `sample`, `translate` and `evaluate` find and run a generator."""
    parser.add_argument("--checkpoint", type=_path, default=None,
                        help="a checkpoint or run folder written by `train` (default: the shipped pretrained "
                             "generator)")
    parser.add_argument("--seed", type=_seed, default=0, help=seed_help)
    parser.add_argument("--device", type=_device, default=None, help=device_help)


def _sampling_steps_option(parser: argparse.ArgumentParser) -> None:
    """--steps: network evaluations per image, for a diffusion model (ddpm); GANs refuse it."""
    parser.add_argument("--steps", type=_count(1, MAX_STEPS), default=None,
                        help="diffusion models (ddpm) only: sampling steps per image (DDIM; default 50, "
                             "at most T = 1000, which samples ancestrally)")


def _steps_for(entry, model: str, steps: int | None) -> dict:
    """``sample``'s keyword for --steps: ``{}`` without it, a clear error for a one-pass generator."""
    if steps is None:
        return {}
    if entry.sampling_steps is None:
        raise CourseError(f"--steps is for diffusion models only; {model} draws each image in one generator "
                          "pass: drop --steps")
    return {"steps": steps}


def build_parser() -> argparse.ArgumentParser:
    from .experiments.evaluation import MAX_EVAL_N, MIN_EVAL_N
    from .profiles import PROFILES
    from .recipes import MODELS
    from .runtime import PRECISIONS

    parser = _Parser(prog="python -m gan_course", description="Train, sample and measure the course's models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    device_help = "cpu, cuda, cuda:N or mps (default: $GAN_COURSE_DEVICE, else the best available)"

    train = sub.add_parser("train", help="train a model; checkpoints go to --out")
    train.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    train.add_argument("--profile", choices=PROFILES, default=None,
                       help="smoke (seconds) or full (the real run); default: $GAN_COURSE_PROFILE or full")
    train.add_argument("--out", type=_path, default=None,
                       help="checkpoint folder (default: $GAN_COURSE_RUNS/PROFILE/MODEL, "
                            "with GAN_COURSE_RUNS=runs when unset)")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    train.add_argument("--seed", type=_seed, default=None,
                       help="random seed (default 0; with --resume, the checkpoint's)")
    train.add_argument("--steps", type=_count(1, MAX_STEPS), default=None,
                       help="train to this many steps instead of the profile's number (with --resume, the "
                            "checkpoint's target)")
    train.add_argument("--lr-scale", type=_positive_float(10.0), default=None,
                       help="multiply every learning rate of the recipe by this (e.g. 0.5 after a NaN stop); "
                            "a run may be resumed with another value")
    train.add_argument("--device", type=_device, default=None, help=device_help)
    train.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="the arithmetic: auto (float32 on the CPU, bfloat16 on recent GPUs, float16 on older ones "
                            "such as Colab's T4), fp32, bf16 or fp16 (default: $GAN_COURSE_PRECISION, else auto)")

    sample = sub.add_parser("sample", help="write generated images to a .pt file")
    sample.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    sample.add_argument("--n", type=_count(1, MAX_SAMPLES), required=True, help="number of images")
    sample.add_argument("--out", type=_path, required=True,
                        help="output file, e.g. samples.pt (replaces only an earlier output of `sample`)")
    sample.add_argument("--label", type=_label, default=None,
                        help="conditional models (cgan): draw every image of this class, 0-9 (default: all ten "
                             "classes in turn)")
    sample.add_argument("--truncation", type=_psi, default=None, metavar="PSI",
                        help="style-based models (stylegan): pull each w towards the average w̄ by ψ from 0 to 1 "
                             "(w̄ + ψ(w − w̄); default: no truncation)")
    _sampling_steps_option(sample)
    _generator_options(sample, "random seed for the noise (default 0)", device_help)
    translate = sub.add_parser("translate", help="translate held-out test items (pix2pix, cyclegan) to a .pt file")
    translate.add_argument("model", help="an image-to-image model: pix2pix or cyclegan")
    translate.add_argument("--n", type=_count(1, MAX_TEST_ITEMS), required=True, help="number of test items")
    translate.add_argument("--out", type=_path, required=True,
                           help="output file, e.g. translations.pt (replaces only an earlier output of `translate`)")
    translate.add_argument("--direction", choices=["AtoB", "BtoA"], default="AtoB",
                           help="AtoB (default) or BtoA (cyclegan only)")
    _generator_options(translate, "random seed (default 0)", device_help)
    evaluate = sub.add_parser("evaluate", help="print a model's scores beside the reference ladder")
    evaluate.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    evaluate.add_argument("--n", type=_count(MIN_EVAL_N, MAX_EVAL_N, " (fewer images make the scores noise)"),
                          default=None,
                          help=f"generated images to score, {MIN_EVAL_N}-{MAX_EVAL_N} (default: 5000 in the full "
                               "profile, 256 in smoke)")
    _sampling_steps_option(evaluate)
    _generator_options(evaluate, "random seed for the noise (default 0)", device_help)
    evaluate.add_argument("--no-ladder", action="store_true",
                          help="leave out the reference ladder (real and damaged real images) under the scores")
    export = sub.add_parser("export-pretrained", help="store a checkpoint's generator as the pretrained one")
    export.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    export.add_argument("--checkpoint", type=_path, required=True,
                        help="a run folder written by `train --profile full`, or its checkpoint.pt or best.pt")
    export.add_argument("--last", action="store_true",
                        help="export the run's last checkpoint instead of its best (lowest recorded FD)")
    export.add_argument("--force", action="store_true",
                        help="export even a smoke-profile or unfinished checkpoint (replaces the shipped generator)")

    add_train_classifier_arguments(sub.add_parser(
        "train-classifier", help="train the FashionMNIST feature classifier behind the metrics"))
    add_bench_arguments(sub.add_parser(
        "bench", help="time a typical tutorial loop (DataLoader, per-image transforms) against the course's engine, side by side"))
    _add_experiment_parser(sub, device_help)
    _harden(sub.choices["train-classifier"], {"seed": _seed, "out_dir": _path, "device": _device})
    _harden(sub.choices["bench"], {
        "steps": _count(1, MAX_STEPS), "warmup": _count(0, MAX_STEPS), "batch_size": _count(1, MAX_BATCH),
        "repeats": _count(1, 100), "device": _device, "bar": _positive_float(), "eval_every": _count(1, MAX_STEPS),
        "n": _count(MIN_EVAL_N, MAX_EVAL_N, " (fewer images make FD noise)"), "run": _path})
    progress = sub.add_parser("progress", help="list which exercises and concept questions pass, per chapter, "
                                              "from your notebooks (read only)")
    progress.add_argument("folder", nargs="?", type=_path, default=Path("student"),
                          help="the folder of your chapter notebooks (default: student)")
    progress.add_argument("--timeout", type=_positive_float(3600), default=60.0,
                          help="seconds per exercise (default: 60)")
    sub.metavar = "{" + ",".join(sub.choices) + "}"  # every registered subcommand, in the order added
    return parser


OUT_HELP = ("where the results go (default: the shipped ones, gan_course/assets/ablations, in the full profile; "
            "$GAN_COURSE_RUNS/smoke/ablations in the smoke profile)")
FORCE_HELP = "replace the shipped results (full profile, in gan_course/assets/ablations only)"


def _add_experiment_parser(sub, device_help: str) -> None:
    """``experiment pix2pix-ablations`` and ``experiment cyclegan-variants``: the runs behind the shipped results."""
    from .profiles import PROFILES
    from .experiments.cyclegan_variants import VARIANTS
    from .experiments.pix2pix_ablations import ABLATIONS

    experiment = sub.add_parser("experiment", help="run chapter 6's pix2pix ablations or chapter 7's CycleGAN "
                                                   "variants and write their results")
    runs = experiment.add_subparsers(dest="experiment", required=True, parser_class=_Parser)
    pix2pix = runs.add_parser("pix2pix-ablations", help="train, measure and save chapter 6's pix2pix ablations",
                              description="Run chapter 6's pix2pix ablations and save their results.")
    pix2pix.add_argument("--profile", choices=PROFILES, default=None,
                         help="smoke (seconds) or full (the shipped results); default: $GAN_COURSE_PROFILE or full")
    pix2pix.add_argument("--out", type=_path, default=None, help=OUT_HELP)
    pix2pix.add_argument("--force", action="store_true", help=FORCE_HELP)
    pix2pix.add_argument("--device", type=_device, default="cpu", help="cpu (default), cuda, cuda:N or mps")
    pix2pix.add_argument("--only", nargs="*", default=None, choices=list(ABLATIONS), metavar="NAME",
                         help=f"run only these ablations (by name: {', '.join(repr(a) for a in ABLATIONS)})")
    pix2pix.add_argument("--cache", type=_path, default=None, help="keep and reuse each run's result in this folder")
    cyclegan = runs.add_parser("cyclegan-variants", help="train chapter 7's extra CycleGAN runs and save their results",
                               description="Train chapter 7's no-identity ablation and shape-pair runs and write "
                                           "their small results (what the chapter loads when USE_PRETRAINED is set).")
    cyclegan.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                          help="which runs (default: all)")
    cyclegan.add_argument("--profile", choices=PROFILES, default=None,
                          help="smoke (seconds) or full (the shipped results); default: $GAN_COURSE_PROFILE or full")
    cyclegan.add_argument("--out", type=_path, default=None, help=OUT_HELP)
    cyclegan.add_argument("--force", action="store_true", help=FORCE_HELP)
    cyclegan.add_argument("--runs", type=_path, default=None, help="checkpoint folder (default: $GAN_COURSE_RUNS)")
    cyclegan.add_argument("--device", type=_device, default=None, help=device_help)
    runs.metavar = "{" + ",".join(runs.choices) + "}"


def _harden(parser: argparse.ArgumentParser, types: dict[str, Callable]) -> None:
    """Give options defined elsewhere (bench, train-classifier) range-checked types, so no value gives a traceback."""
    for action in parser._actions:
        if action.dest in types and action.option_strings:
            action.type = types[action.dest]


def _run_dir_default(model: str, profile: str) -> Path:
    from .records import run_dir

    return run_dir(model, profile)


def cmd_train(args) -> int:
    from .io import ensure_folder, run_lock
    from .shipped import guard_write
    from .profiles import check_profile, current_profile
    from .recipes import get_model
    from .runtime import describe_machine, get_device
    from .recipes.common import scale_learning_rates
    from .records import CHECKPOINT_NAME
    from .training import load_checkpoint

    entry = get_model(args.model)
    profile = check_profile(args.profile) if args.profile else current_profile()
    device = get_device(args.device)
    out = args.out if args.out is not None else _run_dir_default(args.model, profile)
    guard_write(out, command="train", option="--out" if args.out is not None else "the run folder, $GAN_COURSE_RUNS,")
    created = not out.exists()
    ensure_folder(out, "run folder (--out)")  # before any work: a folder we cannot write fails now
    try:
        with run_lock(out, "run folder (--out)"):
            checkpoint = out / CHECKPOINT_NAME
            if checkpoint.exists() and not args.resume:
                raise CourseError(f"{checkpoint} already exists: pass --resume to continue it, "
                                  "or --out to start a new run elsewhere")
            recipe = entry.recipe.for_profile(profile)
            # --resume continues the run the checkpoint describes (seed, step target, learning rates),
            # unless an option changes one explicitly
            found = _resume_settings(load_checkpoint(checkpoint), recipe) if args.resume and checkpoint.exists() \
                else {}
            seed = args.seed if args.seed is not None else found.get("seed", 0)
            steps = args.steps if args.steps is not None else found.get("steps")
            if steps is not None:
                recipe = dataclasses.replace(recipe, steps=steps)
            scale = args.lr_scale or 1.0  # the learning rates relative to the recipe's
            if args.lr_scale is not None:  # the learning rates only (role "lr"), never lr_decay (a fraction)
                recipe = scale_learning_rates(recipe, args.lr_scale)
            elif found.get("rates"):
                name, rate = next(iter(found["rates"].items()))
                scale = rate / getattr(recipe, name) if getattr(recipe, name) else 1.0
                recipe = dataclasses.replace(recipe, **found["rates"])

            def command(resume: bool, lr_scale: float | None = args.lr_scale) -> str:
                """The complete, shell-quoted command that trains this same run (again, or on)."""
                words = ["python", "-m", "gan_course", "train", args.model, "--profile", profile, "--out", str(out),
                         "--seed", str(seed), "--steps", str(recipe.steps)]
                words += ["--lr-scale", repr(float(lr_scale))] if lr_scale is not None else []
                words += ["--device", args.device] if args.device else []
                words += ["--precision", args.precision] if args.precision else []
                return shlex.join(words + (["--resume"] if resume else []))

            try:
                trainer = entry.build(recipe, device, out, seed=seed, precision=args.precision)
                trainer.progress_file = sys.stdout  # stderr is for the one line of an error
                print(f"training {args.model} ({profile} profile) on {device} ({describe_machine(device)}); "
                      f"checkpoints in {out}", flush=True)
                history = trainer.fit(resume=args.resume)
            except KeyboardInterrupt:
                if not checkpoint.exists():
                    raise KeyboardInterrupt(f"no checkpoint was written yet; start again with: "
                                            f"{command(resume=False)}") from None
                step = _checkpoint_step(checkpoint)
                kept = f"the checkpoint at step {step}" if step is not None else f"the checkpoint {checkpoint}"
                raise KeyboardInterrupt(f"{kept} is kept; continue with: {command(resume=True)}") from None
            except TrainingDiverged as exc:
                first = str(exc).split(". Likely cause")[0]
                lower = command(resume=checkpoint.exists(), lr_scale=float(f"{scale / 2:.6g}"))
                kept = (f"the last good checkpoint (step {trainer.step}) is kept; resume it with a lower learning "
                        f"rate: {lower}" if checkpoint.exists()
                        else f"no checkpoint was written yet; start again with a lower learning rate: {lower}")
                raise CourseError(f"{first}; {kept}") from None
    except BaseException:
        if created:  # leave no empty folder behind for a run that never started
            try:
                out.rmdir()
            except OSError:
                pass
        raise
    last = {k: v[-1] for k, v in history.items() if k != "step" and v}
    print(f"done: step {trainer.step}, {trainer.train_seconds:.1f} s of training; last step: "
          + ", ".join(f"{k}={v:.3f}" for k, v in last.items()))
    best = trainer.best_summary()
    if best is not None:
        print(f"quality: {best}" + (f"; the best is kept in {best.best_path}" if best.best_path else ""))
    print(f"run folder: {out} (pass it to --checkpoint)")
    return 0


def _resume_settings(state: dict, recipe) -> dict:
    """What a checkpoint says about its run, where well-formed: ``seed``, ``steps`` (its target), ``rates``.

    ``rates`` are its learning rates (role ``"lr"``) by recipe field. Anything malformed
    is left out here: the trainer's own check then refuses the checkpoint with the reason.
    """
    from .recipes.common import fields_with_role

    hparams = state.get("hparams") if isinstance(state.get("hparams"), dict) else {}
    found: dict = {"rates": {}}
    seed, target = hparams.get("seed"), state.get("target_steps")
    if type(seed) is int and 0 <= seed <= MAX_SEED:
        found["seed"] = seed
    if type(target) is int and 1 <= target <= MAX_STEPS:
        found["steps"] = target
    for name in fields_with_role(recipe, "lr"):
        rate = hparams.get(name)
        if type(rate) is float and math.isfinite(rate) and rate > 0:
            found["rates"][name] = rate
    return found


def _checkpoint_step(path: Path) -> int | None:
    """The step of the checkpoint at ``path``, or ``None`` when there is none (or it cannot be read)."""
    from .training import load_checkpoint

    try:
        step = load_checkpoint(path)["step"] if path.is_file() else None
    except (CourseError, OSError):
        return None
    return step if type(step) is int else None


def _generator(entry, model: str, checkpoint: Path | None, device) -> torch.nn.Module:
    """The generator of ``checkpoint``, or the shipped pretrained one (SHA-256 checked)."""
    from .training import load_checkpoint

    if checkpoint is None:
        from .pretrained import load_pretrained

        G = load_pretrained(model, device)
    else:
        G = entry.generator_from_checkpoint(load_checkpoint(checkpoint), checkpoint)
    return G.to(device).eval()


def made_by(command: str) -> str:
    """The marker every `sample` / `translate` output carries under the key ``"made_by"``."""
    return f"python -m gan_course {command}"


def _check_output(path: Path, command: str, keys: set[str]) -> Path:
    """Refuse an --out that cannot be written, or that holds something other than an earlier output of ``command``.

    An earlier output is recognised by its marker (``"made_by"``, see :func:`made_by`), not by its keys: a file
    that merely holds tensors under the same names (a shipped result, say) is never replaced.
    """
    from .io import check_writable_file
    from .shipped import guard_write

    guard_write(path, command=command, option="--out")
    target = check_writable_file(path, "output file (--out)")
    if target.exists():
        try:
            earlier = torch.load(target, map_location="cpu", weights_only=True, mmap=True)
            ours = (isinstance(earlier, dict) and earlier.get("made_by") == made_by(command)
                    and set(earlier) <= keys | {"made_by"})
        except Exception:
            ours = False
        if not ours:
            raise CourseError(f"{path} already exists and is not an earlier output of `{command}`: "
                              "choose another --out, or move that file away first")
    return target


def _check_finite_output(out: dict, what: str) -> None:
    from .training import nonfinite_tensor

    bad = nonfinite_tensor(out)
    if bad:
        raise CourseError(f"the generator produced NaN or infinite {what} ({bad}): its weights are broken; "
                          "use the last good checkpoint of the run, or train again with a lower learning rate")


FASHION_SIZE = 28  # FashionMNIST's images are (1, 28, 28); models at 32x32 see them padded (data.load_fashion_mnist)


def _write_output(out: dict[str, torch.Tensor], path: Path, what: str, command: str) -> dict[str, torch.Tensor]:
    """Write a `sample` or `translate` output in FashionMNIST's shape, with its marker, and return what was written.

    Every image tensor becomes float32 ``(N, 1, 28, 28)``: the models that work at
    32x32 (dcgan, pix2pix, cyclegan) have their images center-cropped back to 28x28,
    taking off exactly the border ``load_fashion_mnist(pad_to=32)`` added
    (:func:`gan_course.data.unpad`). Labels (``(N,)``) are kept as they are.
    """
    from .data import unpad
    from .io import atomic_save

    shaped = {}
    for key, value in out.items():
        if value.dim() == 4:  # (N, 1, H, W) with H = W >= 28 -> (N, 1, 28, 28)
            if value.shape[1] != 1 or value.shape[-1] != value.shape[-2] or value.shape[-1] < FASHION_SIZE:
                raise CourseError(f"the generator makes {key} of shape {tuple(value.shape[1:])}, not FashionMNIST's "
                                  f"(1, {FASHION_SIZE}, {FASHION_SIZE}) or a padded version of it: "
                                  "use a checkpoint written by `train`")
            value = unpad(value.float(), FASHION_SIZE).contiguous()
        shaped[key] = value
    _check_finite_output(shaped, what)
    atomic_save({**shaped, "made_by": made_by(command)}, path, what="output file (--out)")
    return shaped


@torch.no_grad()
def cmd_sample(args) -> int:
    from .recipes import get_model
    from .runtime import get_device, seed_everything

    entry = get_model(args.model)
    if args.label is not None and not entry.conditional:
        raise CourseError(f"--label is for conditional models only; {args.model} takes no label: drop --label")
    if args.truncation is not None and not entry.truncation:
        from .recipes import MODELS

        with_it = ", ".join(name for name, e in MODELS.items() if e.truncation)
        raise CourseError(f"--truncation is for style-based models only ({with_it}); {args.model} has no W space "
                          "to truncate in: drop --truncation")
    steps = _steps_for(entry, args.model, args.steps)
    _check_output(args.out, "sample", {"images", "labels"})
    device = get_device(args.device)
    G = _generator(entry, args.model, args.checkpoint, device)
    seed_everything(args.seed)
    if args.truncation is not None:
        drawn = entry.sample(G, args.n, device, psi=args.truncation)
    elif args.label is None:
        drawn = entry.sample(G, args.n, device, **steps)
    else:
        drawn = entry.sample(G, args.n, device, labels=args.label)  # the model checks the range too
    out = {"images": drawn["images"].float().cpu()}  # (N, C, H, W) in [-1, 1]
    if drawn.get("labels") is not None:
        out["labels"] = drawn["labels"].long().cpu()  # (N,)
    out = _write_output(out, args.out, "images", "sample")
    print(f"wrote {args.n} images {tuple(out['images'].shape)}"
          + (" with labels" if "labels" in out else "") + f" to {args.out}")
    return 0


def _translator(model: str):
    from .recipes import get_model

    entry = get_model(model)
    if not entry.translates:
        raise CourseError(f"{model} is not an image-to-image model, so it cannot translate: "
                          "use `sample` for it, or `translate pix2pix` / `translate cyclegan`")
    return entry, entry.translate


@torch.no_grad()
def translate(model: str, n: int, direction: str = "AtoB", checkpoint: str | Path | None = None,
              seed: int = 0, device="cpu") -> dict[str, torch.Tensor]:
    """`translate`'s work: the first ``n`` held-out test items of ``model`` translated: a dict of float32 CPU tensors in [-1, 1]."""
    from .runtime import seed_everything
    from .training import load_checkpoint

    entry, fn = _translator(model)
    device = torch.device(device)
    if checkpoint is None:  # the shipped generator, checked against its SHA-256
        from .pretrained import load_pretrained

        G = load_pretrained(model, device)
    else:
        state = load_checkpoint(checkpoint)
        G = entry.generator_from_checkpoint(state, checkpoint)
    G.to(device).eval()
    seed_everything(seed)
    out = fn(G, n, direction, device)
    return {k: v.float().cpu() for k, v in out.items()}


def cmd_translate(args) -> int:
    from .runtime import get_device

    _translator(args.model)  # an image-to-image model, before any work
    _check_output(args.out, "translate", {"inputs", "outputs", "targets", "reconstructions"})
    out = translate(args.model, args.n, args.direction, args.checkpoint, args.seed, get_device(args.device))
    out = _write_output(out, args.out, "translations", "translate")
    print(f"wrote {', '.join(f'{k} {tuple(v.shape)}' for k, v in out.items())} to {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    from .experiments.evaluation import evaluate_generator
    from .recipes import get_model
    from .runtime import get_device

    entry = get_model(args.model)
    steps = _steps_for(entry, args.model, args.steps)
    device = get_device(args.device)
    G = _generator(entry, args.model, args.checkpoint, device)
    source = str(args.checkpoint) if args.checkpoint else "the shipped pretrained generator"
    report = evaluate_generator(args.model, G, device=device, n=args.n, seed=args.seed, ladder=not args.no_ladder,
                                **steps)
    print(f"{args.model} ({source}), {report.n} generated images vs real FashionMNIST test images")
    print(report.table)
    return 0


def cmd_export_pretrained(args) -> int:
    from .pretrained import export_generator

    record = export_generator(args.model, args.checkpoint, force=args.force, last=args.last)
    replaced = f"; it replaced {record['replaced']}" if record["replaced"] else ""
    fd = f", FD {record['fd']:.2f}" if "fd" in record else ""
    which = f"the run's {record['chosen']} checkpoint, step {record['step']}{fd}"
    if record["step"] != record["last_step"]:
        which += f"; the last is step {record['last_step']}" + (
            f", FD {record['last_fd']:.2f}" if "last_fd" in record else "")
    print(f"wrote {record['file']} ({record['bytes'] / 2**20:.2f} MB, {which}, "
          f"sha256 {record['sha256'][:12]}…) and updated the manifest{replaced}")
    return 0


def cmd_train_classifier(args) -> int:
    from .metrics.classifier import WEIGHTS_NAME, check_classifier_out_dir, classifier_out_dir
    from .io import check_writable_file, ensure_folder
    from .profiles import check_profile, current_profile

    profile = check_profile(args.profile or current_profile())
    check_classifier_out_dir(classifier_out_dir(args.out_dir, profile), profile, args.force)
    if args.out_dir is not None:  # before the training: a folder we cannot write fails now
        created = not Path(args.out_dir).exists()
        ensure_folder(args.out_dir, "output folder (--out-dir)")
        try:
            check_writable_file(Path(args.out_dir) / WEIGHTS_NAME, "classifier file")
            check_writable_file(Path(args.out_dir) / Path(WEIGHTS_NAME).with_suffix(".json").name, "classifier record")
        except CourseError:
            if created:
                Path(args.out_dir).rmdir()
            raise

    return _train_classifier(args)


def _train_classifier(args: argparse.Namespace) -> int:
    """``train-classifier`` after its checks: train, save, print where the files went. Returns the exit status."""
    import json
    import time

    from .metrics.classifier import classifier_out_dir, save_classifier, train_classifier
    from .profiles import check_profile, current_profile
    from .runtime import get_device

    profile = check_profile(args.profile or current_profile())
    out_dir = classifier_out_dir(args.out_dir, profile)  # checked by cmd_train_classifier
    device = get_device(args.device)  # the one home of device names (runtime)
    start = time.perf_counter()
    model, report = train_classifier(seed=args.seed, device=device, profile=profile)
    pt_path, json_path = save_classifier(model.cpu(), report, out_dir)
    record = json.loads(json_path.read_text())
    print(f"wrote {pt_path} ({record['bytes'] / 1e6:.2f} MB, {record['dtype']}, sha256 {record['sha256'][:12]}...) "
          f"and {json_path}")
    print(f"test accuracy {record['test_accuracy']:.4f} on {record['test_images']} test images; "
          f"training {record['train_seconds']:.0f} s, total {time.perf_counter() - start:.0f} s "
          f"on {record['machine']}")
    return 0


def add_train_classifier_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``train-classifier``."""
    parser.add_argument("--profile", choices=("smoke", "full"), default=None,
                        help="smoke: seconds, 2048 images, 1 epoch; full: the shipped classifier "
                             "(default: $GAN_COURSE_PROFILE, else full)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out-dir", default=None,
                        help="where classifier.pt and classifier.json go (default: gan_course/assets for "
                             "the full profile; runs/smoke/classifier for smoke, so CI never overwrites "
                             "the shipped weights)")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    parser.add_argument("--force", action="store_true",
                        help="replace the shipped classifier (full profile, default --out-dir only)")
    return parser


def add_bench_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``bench``."""
    from .experiments.bench import BENCH_MODELS

    parser.add_argument("--steps", type=int, default=500, help="timed iterations per arm (default 500)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed iterations first (default 50)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size of both arms (default 64)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="alternate the arms this many times and keep each one's fastest run (default 1)")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    parser.add_argument("--verbose", action="store_true", help="also print the tutorial loop's log lines")
    parser.add_argument("--model", choices=[*BENCH_MODELS, "all"], default="mlp",
                        help="the GAN both arms train: mlp (a typical tutorial's), dcgan (chapter 4's) or all (default mlp)")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default=None,
                        help="the engine arm's arithmetic, and --time-to-quality's (default: $GAN_COURSE_PRECISION, "
                        "else auto = float32 on the CPU); bf16 is opt-in and changes results")
    parser.add_argument("--adam", choices=("fused", "default"), default=None,
                        help="the engine and bare-loop arms' Adam: fused (the engine's default) or PyTorch's "
                        "default implementation (default: fused unless $GAN_COURSE_FAST_ADAM=0)")
    parser.add_argument("--compile", action="store_true",
                        help="add an arm: the bare loop's iteration through torch.compile, with its compile time")
    parser.add_argument("--time-to-quality", metavar="MODEL", default=None,
                        help="instead: minutes of training until MODEL's quality record reaches each FD bar")
    parser.add_argument("--bar", type=float, action="append", default=None,
                        help="an FD bar for --time-to-quality; repeat for several "
                        "(default: the chapter's goal, e.g. 60 for dcgan)")
    parser.add_argument("--profile", choices=("smoke", "full"), default="full",
                        help="--time-to-quality: the recipe to train (default full, the chapter's)")
    parser.add_argument("--run", "--checkpoint", dest="run", type=Path, default=None,
                        help="--time-to-quality: read the record of this run folder or checkpoint instead of training")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="steps between FD checks (default: the recipe's quality_every)")
    parser.add_argument("--n", type=int, default=None,
                        help="fixed samples per FD check (default: the recipe's quality_n, 1000 for most)")
    return parser


def cmd_bench(args) -> int:
    """``bench``: run both arms and print; the last line is ``speedup vs tutorial loop: X.Xx``."""
    from .experiments.bench import BENCH_MODELS, run_benchmark, time_to_quality

    if args.time_to_quality:
        time_to_quality(args.time_to_quality, bar=args.bar, eval_every=args.eval_every, n=args.n,
                        device=args.device, profile=args.profile, run=args.run, precision=args.precision)
        return 0
    for i, model in enumerate(list(BENCH_MODELS) if args.model == "all" else [args.model]):
        if i:
            print()
        run_benchmark(steps=args.steps, warmup=args.warmup, batch_size=args.batch_size, model=model,
                      repeats=args.repeats, device=args.device, verbose=args.verbose, precision=args.precision,
                      fast_adam=None if args.adam is None else args.adam == "fused", compile=args.compile)
    return 0


def experiment_outputs(args) -> list[str]:
    """The files ``experiment`` writes into its --out folder."""
    if args.experiment == "pix2pix-ablations":
        return ["pix2pix_ablations.json", "pix2pix_ablations.pt"]
    from .experiments.cyclegan_variants import MANIFEST_NAME, variant_file

    return [variant_file(name) for name in args.variants] + [MANIFEST_NAME]


def cmd_experiment(args) -> int:
    from .experiments import ABLATIONS_DIR
    from .io import ensure_folder
    from .profiles import check_profile, current_profile
    from .shipped import guard_write
    from .records import run_dir

    profile = check_profile(args.profile or current_profile())
    out = args.out if args.out is not None else ABLATIONS_DIR if profile == "full" else run_dir("ablations", profile)
    guard_write(out, command="experiment", option="--out", profile=profile, force=args.force,
                writes=experiment_outputs(args))
    for option in ("cache", "runs"):
        if getattr(args, option, None) is not None:
            guard_write(getattr(args, option), command=f"experiment --{option}", option=f"--{option}")
    ensure_folder(out, "output folder (--out)")  # before any training: a folder we cannot write fails now
    for option in ("cache", "runs"):
        if getattr(args, option, None) is not None:
            ensure_folder(getattr(args, option), f"folder (--{option})")
    if args.experiment == "pix2pix-ablations":
        from .experiments.pix2pix_ablations import run_ablations

        run_ablations(out, profile, args.device, names=args.only or None, cache=args.cache)
        print(f"wrote {out / 'pix2pix_ablations.json'} and {out / 'pix2pix_ablations.pt'}")
        return 0
    from .experiments.cyclegan_variants import run_variant, save_variant
    from .runtime import get_device

    device = get_device(args.device)
    for name in args.variants:
        path = save_variant(run_variant(name, device, args.runs, profile=profile), out)
        print(f"wrote {path}")
    return 0


def cmd_progress(args) -> int:
    from .exercises.progress import main as progress_main

    return progress_main(args.folder, args.timeout)


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "translate": cmd_translate,
            "export-pretrained": cmd_export_pretrained,
            "train-classifier": cmd_train_classifier,
            "bench": cmd_bench, "experiment": cmd_experiment, "progress": cmd_progress}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (already printed, one line) or --help: return its status
        return exc.code if isinstance(exc.code, int) else 2
    lists = _list_options(parser)  # --only, --variants, --bar: lists on purpose
    for dest, value in vars(args).items():  # argparse drops a value of "--" (--seed=--) and leaves a list
        if isinstance(value, list) and dest not in lists:
            return _fail(f"argument --{dest.replace('_', '-')}: expected one value, got {value or 'none'} "
                         f"(see `python -m gan_course {args.command} --help`)")
    try:
        from .settings import read_settings

        read_settings()  # every GAN_COURSE_* variable, checked before any work: a bad value is one line
        return COMMANDS[args.command](args)
    except CourseError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt as exc:
        detail = str(exc) or "stopped before the command finished: run it again"
        print(f"interrupted: {detail}", file=sys.stderr)
        return 130
    except MemoryError:
        return _fail("ran out of memory: use a smaller --n (or --batch-size), or a machine with more memory")
    except OSError as exc:  # the machine's, not the course's: a full disk, a permission, a vanished file
        name = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return _fail(f"could not read or write{name}: {exc.strerror or exc}: free space, fix the permission or "
                     "choose another path")
    except RuntimeError as exc:
        if "out of memory" in str(exc).lower():  # torch.OutOfMemoryError and CPU allocation failures
            return _fail("ran out of memory: use a smaller --n (or --batch-size), or a machine with more memory")
        raise


def _list_options(parser: argparse.ArgumentParser) -> set[str]:
    """The dests of every option, in any subcommand, that takes several values (nargs * or +, or repeated)."""
    dests = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                dests |= _list_options(child)
        elif action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction):
            dests.add(action.dest)
    return dests


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2
