"""The GPU check: one command that proves the course's GPU path and times it.

    python scripts/gpu_check.py --out benchmarks            # on a CUDA machine: every section, in one call
    python scripts/gpu_check.py --out benchmarks --sections env,bench     # or a part per call, each adding
    python scripts/gpu_check.py --out benchmarks --sections train,eager   # to the record in --out
    python scripts/gpu_check.py --dry-run --out /tmp/check  # the same code path on the CPU, smoke sizes

What it does, in order (each section is timed and recorded, and one that fails is
recorded as failed without stopping the others):

1. **env**: the GPU's name, compute capability and memory, the torch and CUDA
   versions, and the precision the course picks by itself (bfloat16 from Ampere on).
2. **tests**: the unit tests with ``GAN_COURSE_DEVICE=cuda`` (tests/test_cuda.py
   holds the CUDA-only ones). Tests that need the notebook stack (ipywidgets,
   Jupyter), absent on a bare GPU machine, are reported as skipped, not failed.
3. **train**: every model's ``full`` recipe (the chapter's, unchanged) trained on the
   GPU with the automatic precision and the engine's defaults (each iteration replayed
   from a CUDA graph where the model allows it; the row says which path it took), then
   scored by the course's measures (Fréchet distance, KID, precision, recall on the
   course classifier's features, plus each chapter's own scores) on 5,000 samples.
   Target: the six recipes of chapters 2-7 together train in at most
   :data:`TRAIN_TARGET_SECONDS`.
4. **fp16**: the same, with ``GAN_COURSE_PRECISION=fp16``: float16 autocast with a
   GradScaler, the path Colab's T4 takes, forced on the same GPU. It must train
   without NaN and land within :data:`TOLERANCES` of the automatic run's scores
   (two runs of one recipe in different arithmetic differ like two seeds do, so
   the tolerance is a seed-to-seed one, not a rounding one).
5. **eager**: the same as **train** with ``GAN_COURSE_CUDA_GRAPH=0``, step by step: the
   time the graph saves, and the check that both paths reach the same quality (within
   :data:`TOLERANCES`, like the float16 run).
6. **bench**: ``bench``'s arms on the GPU, the tutorial loop (a DataLoader with
   per-image PIL transforms, as most tutorials write it) against the course's engine
   (data held on the GPU; CUDA graph, and step by step), the bare loop and the bare
   loop's step captured as a CUDA graph (the floor), for the MLP and the DCGAN.
   Targets: the engine at least :data:`BENCH_TARGET` times faster than the tutorial
   loop, and within :data:`GRAPH_FLOOR_TARGET` of the captured step.
7. **t4**: the question for GPUs without bfloat16 (Colab's T4): is float32 replayed from a
   CUDA graph faster than float16 with its GradScaler, which stays step by step? The
   engine arm of ``bench`` both ways, for the MLP and the DCGAN, with TF32 off (a T4 has
   none), on this GPU. The automatic precision of such GPUs follows the faster one.

It writes ``gpu_check.json`` (everything) and ``gpu_check.md`` (the table) to
``--out`` after every section, so a run cut short still leaves its results, and
prints the table last. Sections (and models, ``--models``) can be run by separate
calls into the same ``--out``: each call adds its sections and models to the record
already there (``--fresh`` starts a new one), so a check too long for one call is
split without losing anything.

FashionMNIST: a GPU machine without network finds the data through
``GAN_COURSE_DATA`` (a folder with the four ``.gz`` files, copied over with the
repository). Nothing here imports ipywidgets or Jupyter.

``--dry-run`` runs every section on the CPU in the ``smoke`` profile with small
sample counts (the fp16 section then uses CPU float16 autocast with a GradScaler,
the same engine code); the unit tests run in CI anyway, so the dry run skips them.
CI runs the dry run (tests/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

#: How far the float16 run's scores may lie from the automatic (bfloat16) run's:
#: score -> (absolute, relative); a score passes if within either.
TOLERANCES = {
    "fd": (5.0, 0.30),  # FD: two seeds of one recipe differ by up to ~20-30% at these sizes
    "kid": (0.005, 0.50),
    "precision": (0.10, 0.0),
    "recall": (0.10, 0.0),
    "label_accuracy": (0.05, 0.0),
    "code_purity": (0.10, 0.0),
    "code_nmi": (0.10, 0.0),
}
BENCH_TARGET = 8.0  # the engine against the tutorial loop on the same GPU
GRAPH_FLOOR_TARGET = 1.5  # the engine (CUDA graph) against the bare step captured as a CUDA graph
TRAIN_TARGET_SECONDS = 90.0  # the six recipes of chapters 2-7 together, on an H200
GAME_MODELS = ("vanilla", "cgan", "dcgan", "infogan", "pix2pix", "cyclegan")  # chapters 2-7: the 90 s target
DRY_RUN_FP16_STEPS = 2  # steps of the dry run's float16 section (CPU float16 runs ~100x slower than float32)
SECTIONS = ("env", "tests", "train", "fp16", "eager", "bench", "t4")


# --------------------------------------------------------------------- records
class Record:
    """The check's results, written to ``out`` after every section."""

    def __init__(self, out: Path, dry_run: bool, fresh: bool = False):
        self.out = out
        self.data: dict = {"dry_run": dry_run, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                           "sections": {}}
        out.mkdir(parents=True, exist_ok=True)
        earlier = out / "gpu_check.json"
        if not fresh and earlier.is_file():  # an earlier call's sections: this call adds to them
            try:
                before = json.loads(earlier.read_text())
            except (OSError, ValueError):
                before = None
            if isinstance(before, dict) and before.get("dry_run") == dry_run and isinstance(before.get("sections"), dict):
                self.data.update(started=before.get("started", self.data["started"]), sections=before["sections"])
                self.data.setdefault("calls", before.get("calls", 1))
                self.data["calls"] = self.data["calls"] + 1

    def section(self, name: str, value: dict) -> None:
        """Record a section; a section with per-model rows keeps the rows of models an earlier call trained."""
        old = self.data["sections"].get(name, {})
        if isinstance(old.get("models"), dict) and isinstance(value.get("models"), dict):
            value = {**value, "models": {**old["models"], **value["models"]}}
            if value.get("status") != "running":
                rows = value["models"].values()
                value["status"] = "ok" if all(r.get("status") == "ok" for r in rows) else value["status"]
        self.data["sections"][name] = value
        self.write()

    def write(self) -> None:
        (self.out / "gpu_check.json").write_text(json.dumps(self.data, indent=1, default=str) + "\n")
        (self.out / "gpu_check.md").write_text(markdown(self.data))


def _run_section(record: Record, name: str, fn, *args) -> None:
    start = time.perf_counter()
    print(f"== {name}", flush=True)
    try:
        value = fn(*args)
        value["status"] = value.get("status", "ok")
    except Exception as exc:  # a failed section is a result, not the end of the check
        import traceback

        traceback.print_exc()
        value = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    value["seconds"] = round(time.perf_counter() - start, 1)
    record.section(name, value)
    print(f"== {name}: {value['status']} in {value['seconds']} s", flush=True)


# ------------------------------------------------------------------- sections
def section_env(device: torch.device) -> dict:
    from gan_course.runtime import describe_machine, precision_for

    info = {"device": str(device), "machine": describe_machine(device), "torch": torch.__version__,
            "python": platform.python_version(), "precision_auto": str(precision_for(device, "auto"))}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update({"gpu": props.name, "capability": f"{props.major}.{props.minor}",
                     "gpu_memory_gib": round(props.total_memory / 2**30, 1), "cuda": torch.version.cuda,
                     "cudnn": torch.backends.cudnn.version(), "multiprocessors": props.multi_processor_count})
    for name, value in info.items():
        print(f"  {name}: {value}")
    return info


def section_tests(device: torch.device, workers: int, timeout: int) -> dict:
    """The unit tests with ``GAN_COURSE_DEVICE`` set to ``device``, in a subprocess."""
    report = Path(tempfile.mkdtemp(prefix="gpu_check_tests_")) / "outcomes.json"
    env = {**os.environ, "GAN_COURSE_DEVICE": device.type, "GAN_COURSE_PROFILE": "smoke", "OMP_NUM_THREADS": "2",
           "GAN_COURSE_RUNS": str(report.parent / "runs"), "GPU_CHECK_OUTCOMES": str(report),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for name in [k for k in env if k.startswith("TQDM_")]:  # the tests see tqdm as users do
        env.pop(name)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "gpu_check_plugin",
           "--ignore=tests/site", "--ignore=tests/test_gpu_check.py",  # (this script's own CPU dry run)
           "--continue-on-collection-errors", "tests"]
    try:
        import xdist  # noqa: F401

        cmd[3:3] = ["-n", str(workers)]
    except ImportError:
        pass
    print("  " + " ".join(cmd[1:]), flush=True)
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        tail, rc = (proc.stdout + proc.stderr)[-6000:], proc.returncode
    except subprocess.TimeoutExpired as exc:
        tail, rc = f"timed out after {timeout} s\n" + str(exc.stdout or "")[-3000:], None
    print(tail[-2500:], flush=True)
    outcomes = json.loads(report.read_text()) if report.exists() else {}
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome["outcome"]] = counts.get(outcome["outcome"], 0) + 1
    failed = sorted(k for k, v in outcomes.items() if v["outcome"] == "failed")
    cuda_tests = sorted(k for k in outcomes if "test_cuda.py" in k)
    status = "ok" if rc in (0, 1) and not failed and counts.get("passed") else "failed"
    return {"status": status, "returncode": rc, "counts": counts, "failed": failed[:50],
            "cuda_tests": {k: outcomes[k]["outcome"] for k in cuda_tests},
            "missing_modules": sorted({v["missing"] for v in outcomes.values() if v.get("missing")}),
            "tail": tail[-1500:]}


def _train_one(model: str, device: torch.device, profile: str, n: int, precision: str | None,
               dry_run: bool, graph: bool = True) -> dict:
    """Train ``model``'s recipe on ``device`` and score it; ``precision`` forces GAN_COURSE_PRECISION,
    ``graph=False`` the step-by-step path (GAN_COURSE_CUDA_GRAPH=0)."""
    from gan_course.errors import TrainingDiverged
    from gan_course.experiments.evaluation import evaluate_generator
    from gan_course.recipes import get_model
    from gan_course.recipes.common import recipe_settings
    from gan_course.runtime import Precision
    from gan_course.training import StepContext

    entry = get_model(model)
    recipe = entry.recipe.for_profile(profile)
    if precision == "fp16" and device.type == "cpu":  # the dry run: CPU float16 convolutions are emulated
        recipe = dataclasses.replace(recipe, steps=DRY_RUN_FP16_STEPS)  # and slow; the code path is the same
    old = os.environ.get("GAN_COURSE_PRECISION")
    old_graph = os.environ.get("GAN_COURSE_CUDA_GRAPH")
    if precision and device.type == "cuda":
        os.environ["GAN_COURSE_PRECISION"] = precision
    if not graph:
        os.environ["GAN_COURSE_CUDA_GRAPH"] = "0"
    try:
        with tempfile.TemporaryDirectory(prefix=f"gpu_check_{model}_") as tmp:
            trainer = entry.build(recipe, device, Path(tmp) / model, seed=0)
            if precision == "fp16" and device.type == "cpu":  # the dry run: CPU float16 autocast + scaler
                trainer.ctx = StepContext(Precision("cpu", torch.float16, use_grad_scaler=True), trainer.optimizers)
            used = str(trainer.ctx.precision)
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            row = {"steps": recipe.steps, "batch_size": recipe.batch_size, "precision": used,
                   "recipe": recipe_settings(recipe)}  # which recipe this time belongs to (chapter headers check it)
            try:
                trainer.fit(resume=False)
            except TrainingDiverged as exc:
                return {**row, "status": "diverged", "error": str(exc), "step": exc.step}
            row["path"] = trainer.graph_note  # "CUDA graph", or why step by step
            row.update({"train_seconds": round(trainer.train_seconds, 1),
                        "ms_per_step": round(1e3 * trainer.train_seconds / recipe.steps, 2)})
            if device.type == "cuda":
                row["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20)
            if trainer.ctx.scalers:
                row["loss_scales"] = {k: float(s.get_scale()) for k, s in trainer.ctx.scalers.items()}
            finite = all(torch.isfinite(torch.tensor(v, dtype=torch.float64)).all()
                         for k, v in trainer.history.items() if k != "step" and v)
            row["history_finite"] = bool(finite)
            G = trainer.modules[entry.generator_key]
            start = time.perf_counter()
            scores = evaluate_generator(model, G, device=device, n=n, seed=0, ladder=False).scores
            row["eval_seconds"] = round(time.perf_counter() - start, 1)
            row["scores"] = {k: round(float(v), 4) for k, v in scores.items()}
            row["status"] = "ok" if finite else "non-finite history"
            return row
    finally:
        for name, value in (("GAN_COURSE_PRECISION", old), ("GAN_COURSE_CUDA_GRAPH", old_graph)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def section_train(device: torch.device, profile: str, n: int, models: list[str], precision: str | None,
                  dry_run: bool, record: Record, name: str, graph: bool = True) -> dict:
    rows: dict = {}
    for model in models:
        start = time.perf_counter()
        try:
            rows[model] = _train_one(model, device, profile, n, precision, dry_run, graph)
        except Exception as exc:
            import traceback

            traceback.print_exc()
            rows[model] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        rows[model]["wall_seconds"] = round(time.perf_counter() - start, 1)
        row = rows[model]
        print(f"  {model}: {row['status']}, " + ", ".join(
            f"{k}={row[k]}" for k in ("precision", "train_seconds", "ms_per_step") if k in row)
            + (f", scores {row['scores']}" if "scores" in row else ""), flush=True)
        record.section(name, {"status": "running", "models": rows})  # keep what is done if cut short
    status = "ok" if all(r["status"] == "ok" for r in rows.values()) else "failed"
    return {"status": status, "profile": profile, "n": n, "models": rows}


def within_tolerance(reference: dict, other: dict) -> dict[str, bool]:
    """Score by score: does ``other`` lie within :data:`TOLERANCES` of ``reference``?"""
    verdict = {}
    for key, (absolute, relative) in TOLERANCES.items():
        if key in reference and key in other:
            gap = abs(other[key] - reference[key])
            verdict[key] = bool(gap <= absolute or gap <= relative * abs(reference[key]))
    return verdict


def section_compared(device, profile, n, models, dry_run, record, reference: dict, name: str) -> dict:
    """The recipes trained again another way, each scored against ``reference`` (the train section's rows):
    ``name`` "fp16" forces float16 + GradScaler, "eager" the automatic precision step by step."""
    if name == "fp16":
        result = section_train(device, profile, n, models, "fp16", dry_run, record, "fp16")
    else:  # "eager": the automatic precision, step by step
        result = section_train(device, profile, n, models, None, dry_run, record, name, graph=False)
    for model, row in result["models"].items():
        ref = reference.get(model, {}).get("scores")
        if ref and "scores" in row:
            row["within_tolerance"] = within_tolerance(ref, row["scores"])
            if not all(row["within_tolerance"].values()) and row["status"] == "ok" and not dry_run:
                row["status"] = "outside tolerance"  # (the dry run's float16 runs are too short to compare)
    result["tolerances"] = TOLERANCES
    result["status"] = "ok" if all(r["status"] == "ok" for r in result["models"].values()) else "failed"
    return result


def section_bench(device: torch.device, steps: int, warmup: int, repeats: int) -> dict:
    from gan_course.experiments.bench import run_benchmark

    rows = {}
    for model in ("mlp", "dcgan"):
        r = run_benchmark(steps=steps, warmup=warmup, batch_size=64, device=device, repeats=repeats, model=model,
                          out=lambda line: print("  " + line, flush=True))
        rows[model] = {"seed_loop_ms": round(r["seed_loop"]["ms_mean"], 3), "engine_ms": round(r["engine"]["ms_mean"], 3),
                       "speedup": round(r["speedup"], 2), "floor_ms": round(r["floor_ms"], 4),
                       "engine_path": r["engine"]["path"], "steps": steps, "warmup": warmup, "repeats": repeats}
        if r.get("engine_step_by_step"):
            rows[model]["step_by_step_ms"] = round(r["engine_step_by_step"]["ms_mean"], 3)
        if r.get("captured_step"):
            rows[model]["captured_ms"] = round(r["captured_step"]["ms_mean"], 3)
            rows[model]["engine_over_captured"] = round(r["engine_over_captured"], 2)
    ok = all(r["speedup"] >= BENCH_TARGET and r.get("engine_over_captured", 0) <= GRAPH_FLOOR_TARGET
             for r in rows.values())
    return {"status": "ok" if ok else "below target", "target": BENCH_TARGET, "graph_target": GRAPH_FLOOR_TARGET,
            "models": rows}


def section_t4(device: torch.device, steps: int, warmup: int) -> dict:
    """float32 from a CUDA graph (TF32 off) against float16 + GradScaler step by step: the engine arm, both ways."""
    from gan_course.experiments.bench import BENCH_MODELS, run_engine

    rows = {}
    tf32 = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    try:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False  # a T4 has no TF32
        for model in ("mlp", "dcgan"):
            spec = BENCH_MODELS[model]()
            fp32 = run_engine(steps, warmup, 64, device, spec, precision="fp32")
            fp16 = run_engine(steps, warmup, 64, device, spec, precision="fp16")
            rows[model] = {"fp32_ms": round(fp32["ms_mean"], 3), "fp32_path": fp32["path"],
                           "fp16_ms": round(fp16["ms_mean"], 3), "fp16_path": fp16["path"],
                           "faster": "fp32" if fp32["ms_mean"] < fp16["ms_mean"] else "fp16"}
            print(f"  {model}: float32 ({fp32['path']}) {fp32['ms_mean']:.2f} ms/iteration, float16 + GradScaler "
                  f"({fp16['path']}) {fp16['ms_mean']:.2f} ms/iteration", flush=True)
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
    verdict = {r["faster"] for r in rows.values()}
    return {"status": "ok", "models": rows, "faster": verdict.pop() if len(verdict) == 1 else "mixed"}


# ------------------------------------------------------------------- the table
def _fmt(value, digits=1):
    return "" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def markdown(data: dict) -> str:
    """The check's summary as a markdown table (also printed last)."""
    s = data["sections"]
    env = s.get("env", {})
    lines = [f"GPU check ({'dry run on the CPU, smoke sizes' if data['dry_run'] else 'full recipes'}), "
             f"started {data['started']}: {env.get('gpu', env.get('machine', '?'))}, torch {env.get('torch', '?')}"
             + (f", CUDA {env['cuda']}" if env.get("cuda") else "")
             + f"; automatic precision: {env.get('precision_auto', '?')}", ""]
    tests = s.get("tests")
    if tests:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(tests.get("counts", {}).items()))
        lines += [f"Unit tests on the device: {tests['status']} ({counts or tests.get('error', 'no result')}"
                  f"{'; not installed there: ' + ', '.join(tests['missing_modules']) if tests.get('missing_modules') else ''})"
                  + (f"; failed: {', '.join(tests['failed'][:8])}" if tests.get("failed") else "")
                  + (f". {tests['note']}" if tests.get("note") else ""), ""]
    train, fp16 = s.get("train", {}).get("models", {}), s.get("fp16", {}).get("models", {})
    if train:
        lines += ["| model | steps | train (auto precision) | ms/step | FD | other score | train (fp16 + scaler) | "
                  "FD (fp16) | fp16 within tolerance |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for model, row in train.items():
            sc = row.get("scores", {})
            other = next(((k, v) for k, v in sc.items() if k not in ("fd", "kid", "precision", "recall")), None)
            f = fp16.get(model, {})
            tol = f.get("within_tolerance")
            lines.append(
                f"| {model} | {row.get('steps', '')} | "
                + (f"{_fmt(row.get('train_seconds'))} s" if "train_seconds" in row else row.get("status", ""))
                + f" | {_fmt(row.get('ms_per_step'), 2)} | {_fmt(sc.get('fd'))} | "
                + (f"{other[0].replace('_', ' ')} {other[1]:.3f}" if other else "") + " | "
                + (f"{_fmt(f.get('train_seconds'))} s" if "train_seconds" in f else f.get("status", "")) + " | "
                + f"{_fmt(f.get('scores', {}).get('fd'))} | "
                + ("" if tol is None else ("yes" if all(tol.values()) else
                                           "no (" + ", ".join(k for k, v in tol.items() if not v) + ")"))
                + " |")
        if s.get("fp16", {}).get("note"):
            lines.append(f"Float16: {s['fp16']['note']}.")
        game = [train[m]["train_seconds"] for m in GAME_MODELS if "train_seconds" in train.get(m, {})]
        if len(game) == len(GAME_MODELS):
            lines.append(f"Chapters 2-7 together: {sum(game):.1f} s of training (target {TRAIN_TARGET_SECONDS:.0f} s).")
        lines.append("")
    eager = s.get("eager", {}).get("models", {})
    if train and eager:
        lines += ["| model | path | train | ms/step | FD | step by step: train | ms/step | FD | graph speedup | "
                  "same quality |", "|---|---|---|---|---|---|---|---|---|---|"]
        for model, row in train.items():
            e = eager.get(model, {})
            tol = e.get("within_tolerance")
            speed = (row["train_seconds"] and e["train_seconds"] / row["train_seconds"]) \
                if "train_seconds" in row and "train_seconds" in e else None
            lines.append(
                f"| {model} | {row.get('path', '')} | {_fmt(row.get('train_seconds'))} s | "
                f"{_fmt(row.get('ms_per_step'), 2)} | {_fmt(row.get('scores', {}).get('fd'))} | "
                f"{_fmt(e.get('train_seconds'))} s | {_fmt(e.get('ms_per_step'), 2)} | "
                f"{_fmt(e.get('scores', {}).get('fd'))} | " + (f"{speed:.1f}x" if speed else "") + " | "
                + ("" if tol is None else ("yes" if all(tol.values()) else
                                           "no (" + ", ".join(k for k, v in tol.items() if not v) + ")")) + " |")
        lines.append("")
    bench = s.get("bench", {}).get("models")
    if bench:
        lines += ["| bench (same device) | tutorial loop | engine | speedup | target | step by step | captured step | "
                  "engine / captured |", "|---|---|---|---|---|---|---|---|"]
        for model, row in bench.items():
            lines.append(f"| {model} | {row['seed_loop_ms']:.2f} ms | {row['engine_ms']:.2f} ms | "
                         f"{row['speedup']:.1f}x | {s['bench']['target']:.0f}x | "
                         + (f"{row['step_by_step_ms']:.2f} ms" if "step_by_step_ms" in row else "") + " | "
                         + (f"{row['captured_ms']:.2f} ms" if "captured_ms" in row else "") + " | "
                         + (f"{row['engine_over_captured']:.2f}x (target {s['bench'].get('graph_target', 1.5)}x)"
                            if "engine_over_captured" in row else "") + " |")
        lines.append("")
    t4 = s.get("t4", {}).get("models")
    if t4:
        lines += ["| without bfloat16 (TF32 off) | float32, CUDA graph | float16 + GradScaler, step by step | faster |",
                  "|---|---|---|---|"]
        for model, row in t4.items():
            lines.append(f"| {model} | {row['fp32_ms']:.2f} ms | {row['fp16_ms']:.2f} ms | {row['faster']} |")
        lines.append("")
    lines.append("Sections: " + ", ".join(f"{k} {v.get('status')} ({v.get('seconds', '?')} s)" for k, v in s.items()))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks", help="folder for gpu_check.json/.md")
    parser.add_argument("--dry-run", action="store_true", help="the same code path on the CPU, smoke sizes")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--models", default=None, help="comma-separated models (default: all)")
    parser.add_argument("--test-workers", type=int, default=8, help="pytest-xdist workers for the unit tests")
    parser.add_argument("--test-timeout", type=int, default=180, help="seconds allowed for the unit tests")
    parser.add_argument("--fresh", action="store_true", help="start a new record instead of adding to --out's")
    args = parser.parse_args(argv)

    from gan_course.errors import CourseError
    from gan_course.recipes import MODELS

    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    models = [m.strip() for m in args.models.split(",")] if args.models else list(MODELS.keys())
    bad_models = sorted(set(models) - set(MODELS.keys()))
    if unknown or bad_models:
        print(f"error: unknown section(s) {unknown} or model(s) {bad_models}: choose from {SECTIONS} and "
              f"{list(MODELS.keys())}", file=sys.stderr)
        return 2
    if args.dry_run:
        device, profile, n = torch.device("cpu"), "smoke", 256
        bench = {"steps": 20, "warmup": 5, "repeats": 1}
        sections = [s for s in sections if s != "tests"]  # CI runs the unit tests itself
    else:
        if not torch.cuda.is_available():
            print("error: no CUDA GPU here: run on a machine with one, or pass --dry-run for the CPU rehearsal",
                  file=sys.stderr)
            return 2
        device, profile, n = torch.device("cuda"), "full", 5_000
        bench = {"steps": 300, "warmup": 50, "repeats": 1}
    os.environ["GAN_COURSE_PROFILE"] = profile
    record = Record(args.out, args.dry_run, fresh=args.fresh)
    try:
        if "env" in sections:
            _run_section(record, "env", section_env, device)
        if "tests" in sections:
            _run_section(record, "tests", section_tests, device, args.test_workers, args.test_timeout)
        if "train" in sections:
            _run_section(record, "train", section_train, device, profile, n, models, None, args.dry_run, record,
                         "train")
        if "fp16" in sections:
            reference = record.data["sections"].get("train", {}).get("models", {})
            _run_section(record, "fp16", section_compared, device, profile, n, models, args.dry_run, record, reference,
                         "fp16")
        if "eager" in sections:
            reference = record.data["sections"].get("train", {}).get("models", {})
            _run_section(record, "eager", section_compared, device, profile, n, models, args.dry_run, record, reference,
                         "eager")
        if "bench" in sections:
            _run_section(record, "bench", section_bench, device, bench["steps"], bench["warmup"], bench["repeats"])
        if "t4" in sections and device.type == "cuda":  # (float16 on the CPU says nothing about a T4)
            _run_section(record, "t4", section_t4, device, bench["steps"], bench["warmup"])
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    record.data["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    record.write()
    print()
    print(markdown(record.data))
    failed = [k for k, v in record.data["sections"].items() if v.get("status") == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
