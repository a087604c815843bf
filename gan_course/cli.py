"""``python -m gan_course``: train, sample and measure the course's models.

    python -m gan_course train vanilla [--profile smoke|full] [--out DIR] [--resume] [--seed N] [--steps N]
    python -m gan_course sample vanilla --n 64 --out samples.pt --checkpoint runs/vanilla/checkpoint.pt
    python -m gan_course evaluate vanilla [--checkpoint PATH] [--n N]

Every mistake a user can fix ends with exit status 2 and one line on stderr
that names the fix, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import sys
from pathlib import Path

import torch

from .errors import CourseError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or positive, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .profiles import PROFILES
    from .recipes import MODELS

    parser = _Parser(prog="python -m gan_course", description="Train, sample and measure the course's models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="{train,sample,translate,export-pretrained,train-classifier,bench}")

    train = sub.add_parser("train", help="train a model; checkpoints go to --out")
    train.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    train.add_argument("--profile", choices=PROFILES, default=None,
                       help="smoke (seconds) or full (the real run); default: $GAN_COURSE_PROFILE or full")
    train.add_argument("--out", type=Path, default=None, help="checkpoint folder (default: runs/MODEL)")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    train.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    train.add_argument("--steps", type=_positive_int, default=None,
                       help="train to this many steps instead of the profile's number")
    train.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")

    sample = sub.add_parser("sample", help="write generated images to a .pt file")
    sample.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    sample.add_argument("--n", type=_positive_int, required=True, help="number of images")
    sample.add_argument("--out", type=Path, required=True, help="output file, e.g. samples.pt")
    sample.add_argument("--checkpoint", type=Path, default=None,
                        help="a checkpoint written by `train` (default: the committed pretrained generator)")
    sample.add_argument("--seed", type=_seed, default=0, help="random seed for the noise (default 0)")
    sample.add_argument("--label", type=int, default=None,
                        help="conditional models (cgan): draw every image of this class, 0-9 (default: all ten "
                             "classes in turn)")
    sample.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    translate = sub.add_parser("translate", help="translate held-out test items (pix2pix, cyclegan) to a .pt file")
    translate.add_argument("model", help="an image-to-image model: pix2pix or cyclegan")
    translate.add_argument("--n", type=_positive_int, required=True, help="number of test items")
    translate.add_argument("--out", type=Path, required=True, help="output file, e.g. translations.pt")
    translate.add_argument("--direction", choices=["AtoB", "BtoA"], default="AtoB",
                           help="AtoB (default) or BtoA (cyclegan only)")
    translate.add_argument("--checkpoint", type=Path, default=None,
                           help="a checkpoint written by `train` (default: the committed pretrained generator)")
    translate.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    translate.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    evaluate = sub.add_parser("evaluate", help="print a model's scores beside the reference ladder")
    evaluate.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    evaluate.add_argument("--checkpoint", type=Path, default=None,
                          help="a checkpoint written by `train` (default: the committed pretrained generator)")
    evaluate.add_argument("--n", type=_positive_int, default=None,
                          help="generated images to score (default: 5000 in the full profile, 256 in smoke)")
    evaluate.add_argument("--seed", type=_seed, default=0, help="random seed for the noise (default 0)")
    evaluate.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    export = sub.add_parser("export-pretrained", help="store a checkpoint's generator as the pretrained one")
    export.add_argument("model", help=f"one of: {', '.join(MODELS.keys())}")
    export.add_argument("--checkpoint", type=Path, required=True, help="a checkpoint written by `train`")

    from .bench import add_bench_arguments
    from .classifier import add_train_classifier_arguments

    add_train_classifier_arguments(sub.add_parser(
        "train-classifier", help="train the FashionMNIST feature classifier behind the metrics"))
    add_bench_arguments(sub.add_parser(
        "bench", help="time the seed notes' loop against the course's engine, side by side"))
    return parser


def cmd_train(args) -> int:
    from .profiles import check_profile, current_profile
    from .recipes import get_model
    from .runtime import describe_machine, get_device

    entry = get_model(args.model)
    profile = check_profile(args.profile) if args.profile else current_profile()
    out = args.out or Path("runs") / args.model
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists() and not args.resume:
        raise CourseError(f"{checkpoint} already exists: pass --resume to continue it, "
                          "or --out to start a new run elsewhere")
    device = get_device(args.device)
    recipe = entry.recipe.for_profile(profile)
    if args.steps is not None:
        recipe = dataclasses.replace(recipe, steps=args.steps)
    trainer = entry.build(recipe, device, out, seed=args.seed)
    print(f"training {args.model} ({profile} profile) on {device} ({describe_machine(device)}); "
          f"checkpoints in {out}", flush=True)
    history = trainer.fit(resume=args.resume)
    last = {k: v[-1] for k, v in history.items() if k != "step" and v}
    print(f"done: step {trainer.step}, {trainer.train_seconds:.1f} s of training; last step: "
          + ", ".join(f"{k}={v:.3f}" for k, v in last.items()))
    return 0


def _generator(entry, model: str, checkpoint: Path | None, device) -> torch.nn.Module:
    """The generator of ``checkpoint``, or the committed pretrained one (SHA-256 checked)."""
    from .training import load_checkpoint

    if checkpoint is None:
        from .pretrained import load_pretrained

        G = load_pretrained(model, device)
    else:
        G = entry.generator_from_checkpoint(load_checkpoint(checkpoint), checkpoint)
    return G.to(device).eval()


@torch.no_grad()
def cmd_sample(args) -> int:
    from .recipes import get_model
    from .runtime import get_device, seed_everything
    from .training import atomic_save

    entry = get_model(args.model)
    device = get_device(args.device)
    G = _generator(entry, args.model, args.checkpoint, device)
    seed_everything(args.seed)
    if args.label is None:
        drawn = entry.sample(G, args.n, device)
    elif "labels" in inspect.signature(entry.sample).parameters:
        drawn = entry.sample(G, args.n, device, labels=args.label)  # the model checks the range
    else:
        raise CourseError(f"--label is for conditional models only; {args.model} takes no label: drop --label")
    out = {"images": drawn["images"].float().cpu()}  # (N, C, H, W) in [-1, 1]
    if drawn.get("labels") is not None:
        out["labels"] = drawn["labels"].long().cpu()  # (N,)
    atomic_save(out, args.out)
    print(f"wrote {args.n} images {tuple(out['images'].shape)}"
          + (" with labels" if "labels" in out else "") + f" to {args.out}")
    return 0


def cmd_translate(args) -> int:
    from .runtime import get_device
    from .training import atomic_save
    from .translate import translate

    out = translate(args.model, args.n, args.direction, args.checkpoint, args.seed, get_device(args.device))
    atomic_save(out, args.out)
    print(f"wrote {', '.join(f'{k} {tuple(v.shape)}' for k, v in out.items())} to {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluation import evaluate_generator
    from .recipes import get_model
    from .runtime import get_device

    entry = get_model(args.model)
    device = get_device(args.device)
    G = _generator(entry, args.model, args.checkpoint, device)
    source = str(args.checkpoint) if args.checkpoint else "the committed pretrained generator"
    report = evaluate_generator(args.model, G, device=device, n=args.n, seed=args.seed)
    print(f"{args.model} ({source}), {report.n} generated images vs real FashionMNIST test images")
    print(report.table)
    return 0


def cmd_export_pretrained(args) -> int:
    from .pretrained import export_generator

    record = export_generator(args.model, args.checkpoint)
    print(f"wrote {record['file']} ({record['bytes'] / 2**20:.2f} MB, step {record['step']}, "
          f"sha256 {record['sha256'][:12]}…) and updated the manifest")
    return 0


def cmd_train_classifier(args) -> int:
    from .classifier import main_train_classifier

    return main_train_classifier(args)


def cmd_bench(args) -> int:
    from .bench import main_bench

    return main_bench(args)


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "translate": cmd_translate,
            "export-pretrained": cmd_export_pretrained,
            "train-classifier": cmd_train_classifier,
            "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (already printed, one line) or --help: return its status
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return COMMANDS[args.command](args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the last checkpoint is kept; continue with --resume", file=sys.stderr)
        return 130
