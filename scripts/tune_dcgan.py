"""Tuning chapter 4's DCGAN recipe: FD against training steps for a few candidate settings.

    python scripts/tune_dcgan.py --out DIR              # on a CUDA GPU, float32, a few minutes
    python scripts/tune_dcgan.py --cpu-cost             # CPU ms per step of each candidate (2 threads)

The goal (performance issue): a DCGAN recipe whose generator reaches a course FD
at most InfoGAN's within 6 minutes of training on 2 CPU cores. Training every
candidate on the CPU would take an hour, so the candidates train on a GPU in
**float32 with TF32 off** (the CPU's arithmetic, not bfloat16), each scored every
``--eval-every`` steps on 5,000 samples, which gives FD against steps; the CPU
cost per step of each candidate (``--cpu-cost``) turns steps into CPU minutes.
The chosen recipe is then trained for real on the CPU by chapter 4.

Candidates use only the recipe's own fields (widths, batch size, learning rate),
so the result is a recipe, not new code. Nothing here changes the package.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

#: name -> (model config changes, recipe changes, steps to train)
CANDIDATES = {
    "base g32 d32 b64": ({}, {}, 8_000),
    "g32 d32 b128": ({}, {"batch_size": 128}, 6_000),
    "g24 d24 b64": ({"g_width": 24, "d_width": 24}, {}, 10_000),
    "g16 d16 b64": ({"g_width": 16, "d_width": 16}, {}, 12_000),
    "g32 d16 b64": ({"d_width": 16}, {}, 8_000),
}


def recipe_for(name: str):
    from gan_course.recipes.dcgan import DCGANRecipe

    model_changes, recipe_changes, steps = CANDIDATES[name]
    base = DCGANRecipe.for_profile("full")
    return dataclasses.replace(base, model=dataclasses.replace(base.model, **model_changes), steps=steps,
                               **recipe_changes)


def fd_curve(name: str, device: torch.device, eval_every: int, n: int, out) -> dict:
    from gan_course.metrics import score_images
    from gan_course.recipes import get_model
    from gan_course.runtime import preserved_rng

    entry = get_model("dcgan")
    recipe = recipe_for(name)
    trainer = entry.build(recipe, device, None, seed=0)
    G = trainer.modules["G"]
    points = []
    while trainer.step < recipe.steps:
        trainer.config.steps = min(trainer.step + eval_every, recipe.steps)
        trainer.fit(resume=False)
        with preserved_rng(10_000), torch.no_grad():  # the training run is not disturbed by the scoring
            G.eval()
            images = entry.sample(G, n, device)["images"]
            scores = score_images(images, device=device, n=n)
        points.append({"step": trainer.step, "train_seconds": round(trainer.train_seconds, 1),
                       **{k: round(float(v), 4) for k, v in scores.items()}})
        out(f"  {name}: step {trainer.step}: FD {scores['fd']:.2f}, precision {scores['precision']:.3f}, "
            f"recall {scores['recall']:.3f} ({trainer.train_seconds:.0f} s)")
    return {"recipe": dataclasses.asdict(recipe), "points": points}


def cpu_cost(steps: int = 40, warmup: int = 10) -> dict:
    """CPU milliseconds per training step of each candidate (the engine, this machine's threads)."""
    from gan_course.recipes import get_model

    entry, cost = get_model("dcgan"), {}
    for name in CANDIDATES:
        recipe = dataclasses.replace(recipe_for(name), steps=warmup)
        trainer = entry.build(recipe, torch.device("cpu"), None, seed=0)
        trainer.fit(resume=False)
        trainer.config.steps = warmup + steps
        start = time.perf_counter()
        trainer.fit(resume=False)
        cost[name] = 1e3 * (time.perf_counter() - start) / steps
        print(f"{name}: {cost[name]:.1f} ms/step on the CPU ({torch.get_num_threads()} threads)", flush=True)
    return cost


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("tune_dcgan"))
    parser.add_argument("--eval-every", type=int, default=1_000)
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--candidates", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--cpu-cost", action="store_true", help="time each candidate on the CPU instead")
    args = parser.parse_args(argv)
    if args.cpu_cost:
        print(json.dumps(cpu_cost(), indent=1))
        return 0
    if not torch.cuda.is_available():
        print("error: the sweep trains on a CUDA GPU; use --cpu-cost on the CPU", file=sys.stderr)
        return 2
    os.environ["GAN_COURSE_PRECISION"] = "fp32"  # the CPU's arithmetic ...
    torch.backends.cuda.matmul.allow_tf32 = False  # ... without TF32 shortcuts
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda")
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.candidates.split(",") if args.candidates else list(CANDIDATES)
    results = {}
    for name in names:
        results[name] = fd_curve(name, device, args.eval_every, args.n, lambda line: print(line, flush=True))
        (args.out / "tune_dcgan.json").write_text(json.dumps(results, indent=1) + "\n")
    for name, r in results.items():
        best = min(r["points"], key=lambda p: p["fd"])
        print(f"{name}: best FD {best['fd']:.2f} at step {best['step']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
