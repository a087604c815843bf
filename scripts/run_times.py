"""How long each chapter's committed run took, read from the notebooks themselves.

``make execute`` runs every notebook with nbconvert, which stamps each code cell
with ``metadata.execution`` (``iopub.execute_input`` when the cell started,
``shell.execute_reply`` when it finished). The run time of a notebook is the
time from its first cell's start to its last cell's reply. The set-up cell's
output says on which profile and device it ran.

The instructor guide includes the table this writes (``book/_generated/run_times.md``,
regenerated on every site build by ``scripts/site_assets.py``), so it fills in by
itself as chapters get their full-profile outputs.

    python scripts/run_times.py            # print the table
    python scripts/run_times.py --write    # (re)write book/_generated/run_times.md
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "book" / "_generated" / "run_times.md"
PRETRAINED_TABLE = ROOT / "book" / "_generated" / "pretrained.md"
MANIFEST = ROOT / "gan_course" / "assets" / "pretrained" / "manifest.json"
GPU_CHECK = ROOT / "benchmarks" / "gpu_check.json"  # written by scripts/gpu_check.py on a GPU
GPU_TABLE = ROOT / "book" / "_generated" / "gpu.md"
NOTEBOOK_GLOBS = ("notebooks/[0-9][0-9]_*.ipynb", "book/*.ipynb")


@dataclass
class RunTime:
    path: str  # notebook path relative to the repository
    title: str  # the first heading
    seconds: float | None  # first cell start -> last cell reply; None if the notebook has no timed run
    longest: tuple[float, int] | None  # (seconds, code cell number) of the slowest cell
    profile: str | None  # from the set-up cell's output ("full" or "smoke")
    device: str | None  # e.g. "cpu (x86_64 CPU, 2 cores, 2 torch threads)"
    finished: str | None  # when the run ended (UTC, to the minute)
    pretrained: bool  # the run loaded committed generators instead of training (GAN_COURSE_PRETRAINED=1)
    complete: bool  # every code cell ran, in order, in one kernel


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def read(path: Path) -> RunTime:
    nb = json.loads(path.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and _text(c["source"]).strip()]
    title = next((m.group(1) for c in nb["cells"] if c["cell_type"] == "markdown"
                  for m in [re.search(r"^#\s+(.+)$", _text(c["source"]), re.M)] if m), path.stem)
    spans = []
    for i, cell in enumerate(cells, 1):
        ex = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            spans.append((i, _time(ex["iopub.execute_input"]), _time(ex["shell.execute_reply"])))
    outputs = "".join(_text(o.get("text", "")) + _text(o.get("data", {}).get("text/plain", ""))
                      for c in cells for o in c.get("outputs", []))
    setup = re.search(r"profile: (\w+) \| seed: \d+ \| device: ([^|\n]+?)\s*(?:\||\n)", outputs)
    counts = [c.get("execution_count") for c in cells]
    seconds = longest = finished = None
    if spans:
        seconds = (max(e for _, _, e in spans) - min(s for _, s, _ in spans)).total_seconds()
        longest = max(((e - s).total_seconds(), i) for i, s, e in spans)
        finished = max(e for _, _, e in spans).strftime("%Y-%m-%d %H:%M UTC")
    return RunTime(
        path=(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).as_posix(), title=title, seconds=seconds, longest=longest,
        profile=setup.group(1) if setup else None, device=setup.group(2).strip() if setup else None,
        finished=finished,
        pretrained=bool(re.search(r"loaded the pretrained \S+ generator", outputs)),  # pretrained.train_or_load
        complete=bool(cells) and counts == list(range(1, len(cells) + 1)) and len(spans) == len(cells),
    )


def notebooks() -> list[Path]:
    return [p for pattern in NOTEBOOK_GLOBS for p in sorted(ROOT.glob(pattern))]  # chapters, then book pages


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def table(rows: list[RunTime] | None = None) -> str:
    """A Markdown table of the committed runs, with a note under it for anything unusual."""
    rows = [read(p) for p in notebooks()] if rows is None else rows
    lines = ["| Notebook | Profile | Run time | Slowest cell | Device | Run on |",
             "| --- | --- | --- | --- | --- | --- |"]
    notes = []
    for r in rows:
        name = f"`{Path(r.path).stem}`"
        if r.seconds is None:
            lines.append(f"| {name} | – | not run yet | – | – | – |")
            continue
        if not r.complete:  # e.g. cells added since the last run: its time would be wrong
            lines.append(f"| {name} | – | out of date | – | – | – |")
            notes.append(f"`{r.path}`: some code cells have no output from the last run (cells added or "
                         f"changed since): `make execute NB={r.path}` re-runs it.")
            continue
        profile = r.profile or "?"
        if r.pretrained:
            profile += " (pretrained generators)"
            notes.append(f"`{r.path}`: these outputs were made with GAN_COURSE_PRETRAINED=1, so the time "
                         "leaves out training; `make execute` without it gives the training time.")
        if r.profile != "full":
            notes.append(f"`{r.path}`: the committed outputs are not from the full profile.")
        device = (r.device or "?").replace(" torch threads", " threads")
        lines.append(f"| {name} | {profile} | {_minutes(r.seconds)} | {_minutes(r.longest[0])} "
                     f"(cell {r.longest[1]}) | {device} | {r.finished[:10]} |")
    text = "\n".join(lines) + "\n"
    if notes:
        text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    return text


def pretrained_table(manifest: Path = MANIFEST) -> str:
    """The committed pretrained generators (gan_course/assets/pretrained/manifest.json)."""
    records = json.loads(manifest.read_text()) if manifest.is_file() else {}
    if not records:
        return "No pretrained generator is committed yet.\n"
    lines = ["| Model | File | Size | Trained steps | Training time of the exported run |", "| --- | --- | --- | --- | --- |"]
    for model, r in sorted(records.items()):
        lines.append(f"| `{model}` | `{r['file']}` | {r['bytes'] / 2**20:.1f} MB | {r['step']:,} | "
                     f"{_minutes(float(r.get('train_seconds', 0.0)))} |")
    return "\n".join(lines) + "\n"


def gpu_table(gpu_check: Path = GPU_CHECK) -> str:
    """Each chapter's training on a GPU, from the last ``scripts/gpu_check.py`` run on one."""
    data = json.loads(gpu_check.read_text()) if gpu_check.is_file() else {}
    sections = data.get("sections", {})
    env, models = sections.get("env", {}), sections.get("train", {}).get("models", {})
    if data.get("dry_run", True) or not models:
        return "No GPU run is recorded yet (`python scripts/gpu_check.py` on a CUDA machine).\n"
    fp16 = sections.get("fp16", {}).get("models", {})
    from gan_course.recipes import MODELS

    lines = [f"Measured on {env.get('gpu', 'a GPU')} ({env.get('precision_auto', '')} by default), "
             f"{data.get('started', '')[:10]}, by `scripts/gpu_check.py` (`benchmarks/gpu_check.md`).", "",
             "| Chapter | Model | Steps | Training | ms/step | FD | float16 + GradScaler (Colab's T4 path) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for model, row in models.items():
        if "train_seconds" not in row:
            continue
        chapter = MODELS[model].chapter if model in MODELS.keys() else ""
        f = fp16.get(model, {})
        half = (f"{_minutes(f['train_seconds'])}, FD {f['scores']['fd']:.1f}" if "train_seconds" in f
                else "not run yet")
        lines.append(f"| `{chapter}` | `{model}` | {row['steps']:,} | {_minutes(row['train_seconds'])} | "
                     f"{row['ms_per_step']:.1f} | {row['scores']['fd']:.1f} | {half} |")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path


def write(path: Path = TABLE) -> Path:
    """Write the run-time table (and, next to it, the pretrained generators' table)."""
    header = "<!-- generated by scripts/run_times.py; do not edit -->\n\n"
    _write(path.with_name(PRETRAINED_TABLE.name), header + pretrained_table())
    _write(path.with_name(GPU_TABLE.name), header + gpu_table())
    return _write(path, header + table())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {TABLE.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.write:
        print(f"wrote {write().relative_to(ROOT)}")
    else:
        print(table(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
