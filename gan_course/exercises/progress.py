"""``python -m gan_course progress student/``: which exercises and concept questions pass, per chapter.

It reads the learner's own notebooks and never writes to them. For each
``exercises.check("chN.name", my_function)`` cell it takes the code cell above
that defines ``my_function``, runs that cell's source in a fresh namespace, in a
separate process with a time limit per exercise (no kernel, no network, nothing
else of the notebook), and checks the function like the notebook would. For each
``exercises.ask("chN.name", answer)`` it grades the answer's literal value.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..errors import CourseError

CHECK = re.compile(r'exercises\.check\(\s*["\']([\w.]+)["\']\s*,\s*([A-Za-z_]\w*)')
PRELUDE = "import math\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
SYMBOLS = {"pass": "✓", "fail": "✗", "not done": "…", "error": "✗", "missing": "·", "timeout": "✗",
           True: "✓", False: "✗", None: "·"}


@dataclass
class ChapterProgress:
    chapter: int
    notebook: str
    exercises: dict = field(default_factory=dict)  # id -> (status, detail)
    questions: dict = field(default_factory=dict)  # id -> (True | False | None, detail)


def _learner_cells(nb) -> tuple[list[dict], list[tuple[str, object, str]]]:
    """([{id, name, source}] of the checked functions, [(question id, answer, note)]) in one notebook."""
    found, asked = [], []
    cells = nb.cells
    imports: list[str] = []  # the notebook's import statements so far: a learner's cell may rely on them
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        for key, name in CHECK.findall(cell.source):
            for prev in reversed(cells[:i]):
                if prev.cell_type == "code" and re.search(rf"^def {re.escape(name)}\(", prev.source, re.M):
                    found.append({"id": key, "name": name, "source": prev.source, "imports": list(imports)})
                    break
        if "setup" not in cell.metadata.get("tags", []):
            imports += _imports(cell.source)
        if "ask(" in cell.source:
            asked += _asked(cell.source)
    return found, asked


def _imports(source: str) -> list[str]:
    """The top-level import statements of a cell (none when it does not parse, e.g. a shell escape)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [ast.get_source_segment(source, node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def _asked(source: str) -> list[tuple[str, object, str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "ask"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            if len(node.args) < 2:
                out.append((node.args[0].value, None, ""))
                continue
            try:
                out.append((node.args[0].value, ast.literal_eval(node.args[1]), ""))
            except ValueError:
                out.append((node.args[0].value, None, "the answer is not a plain value"))
    return out


def _run_checks(items: list[dict], cwd: Path, timeout: float) -> dict:
    """{id: (status, detail)}: each learner's cell run and checked in one child process, a time limit each."""
    if not items:
        return {}
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "MPLBACKEND": "Agg"}
    payload = json.dumps({"items": items, "timeout": timeout})
    try:
        done = subprocess.run([sys.executable, "-m", "gan_course.exercises.progress", "--child"], input=payload,
                              capture_output=True, text=True, cwd=cwd, env=env,
                              timeout=timeout * len(items) + 120)
    except subprocess.TimeoutExpired:
        return {item["id"]: ("timeout", "the checks ran out of time") for item in items}
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            results[row["id"]] = (row["status"], row["detail"])
    for item in items:
        results.setdefault(item["id"], ("error", (done.stderr.strip().splitlines() or ["the check stopped"])[-1]))
    return results


def _child() -> None:
    """In the child process: run each learner's cell, then check its function; one JSON line per exercise."""
    import contextlib
    import io
    import signal

    from gan_course import exercises

    job = json.loads(sys.stdin.read())

    def alarm(signum, frame):
        raise TimeoutError

    for item in job["items"]:
        status, detail = "error", ""
        if hasattr(signal, "SIGALRM"):
            signal.signal(signal.SIGALRM, alarm)
            signal.alarm(max(1, int(job["timeout"])))
        try:
            namespace = {"__name__": "__learner__"}
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
                for statement in item.get("imports", []):  # the notebook's own imports, as its cells made them
                    try:
                        exec(compile(statement, "<the notebook's imports>", "exec"), namespace)
                    except Exception:  # an import that fails is the notebook's business, not this exercise's
                        pass
                exec(compile(item["source"], f"<{item['id']}>", "exec"), namespace)
                fn = namespace.get(item["name"])
                if fn is None:
                    status, detail = "error", f"the cell does not define {item['name']}"
                else:
                    status, mistake = exercises.diagnose(item["id"], fn)
                    detail = "" if mistake is None else next(
                        (m.title for m in exercises.get(item["id"]).mistakes if m.name == mistake), mistake)
        except TimeoutError:
            status, detail = "timeout", f"took more than {job['timeout']:.0f} s"
        except NotImplementedError:
            status, detail = "not done", ""
        except Exception as error:  # the learner's cell itself fails
            status, detail = "error", f"the cell raised {type(error).__name__}: {error}"[:200]
        finally:
            if hasattr(signal, "SIGALRM"):
                signal.alarm(0)
        print(json.dumps({"id": item["id"], "status": status, "detail": detail}), flush=True)


def progress(folder: Path | str, timeout: float = 60.0) -> list[ChapterProgress]:
    """Each chapter notebook's exercises and questions, as the learner's notebooks in ``folder`` stand."""
    from . import EXERCISES, QUESTIONS, grade

    folder = Path(folder)
    try:
        paths = sorted(folder.glob("[0-9][0-9]_*.ipynb")) if folder.is_dir() else None
    except OSError as error:  # a name too long, a folder we may not read
        raise CourseError(f"cannot read the folder {str(folder)[:80]} ({error.strerror})") from None
    if paths is None:
        raise CourseError(f"no folder {str(folder)[:80]}: give the folder of your notebooks, e.g. student/")
    if not paths:
        raise CourseError(f"no chapter notebooks (NN_*.ipynb) in {folder}")
    out = []
    for path in paths:
        chapter = int(path.name[:2])
        try:
            nb = nbformat.read(path, as_version=4)  # read only: the notebook is never written
        except Exception as error:
            raise CourseError(f"{path} cannot be read as a notebook ({error})") from error
        items, asked = _learner_cells(nb)
        items = [item for item in items if item["id"] in EXERCISES]
        report = ChapterProgress(chapter, path.name)
        results = _run_checks(items, path.parent.resolve(), timeout)
        for key, ex in EXERCISES.items():
            if ex.chapter == chapter:
                report.exercises[key] = results.get(key, ("missing", "no cell checks it in this notebook"))
        answers = {}
        for key, answer, note in asked:
            if key in QUESTIONS:
                answers[key] = (grade(key, answer), note)
        for key, q in QUESTIONS.items():
            if q.chapter == chapter:
                report.questions[key] = answers.get(key, (None, "not in this notebook"))
        out.append(report)
    return out


def _line(symbol: str, key: str, text: str) -> str:
    return f"  {symbol} {key:<34s} {text}"


def format_progress(reports: list[ChapterProgress], folder: Path | str) -> str:
    from . import EXERCISES

    lines = [f"Progress in {folder} (read from your notebooks; nothing was changed)"]
    total_ex = total_q = passed_ex = passed_q = 0
    for r in reports:
        lines += ["", f"Chapter {r.chapter} · {r.notebook}"]
        for key, (status, detail) in r.exercises.items():
            text = {"pass": "passes", "not done": "not done yet", "fail": "does not pass yet"}.get(status, status)
            if status == "fail" and detail:
                text += f" (looks like the recorded mistake “{detail}”)"
            elif detail and status != "pass":
                text += f": {detail}"
            lines.append(_line(SYMBOLS[status], key, f"{EXERCISES[key].title}: {text}"))
        for key, (right, note) in r.questions.items():
            text = {True: "right", False: "not right yet", None: "not answered"}[right]
            if note and right is None:
                text += f" ({note})"
            lines.append(_line(SYMBOLS[right], key, f"question: {text}"))
        n_ex, n_q = len(r.exercises), len(r.questions)
        ok_ex = sum(s == "pass" for s, _ in r.exercises.values())
        ok_q = sum(v is True for v, _ in r.questions.values())
        lines.append(f"  exercises {ok_ex}/{n_ex} · questions {ok_q}/{n_q}")
        total_ex, total_q, passed_ex, passed_q = total_ex + n_ex, total_q + n_q, passed_ex + ok_ex, passed_q + ok_q
    lines += ["", f"In all: exercises {passed_ex}/{total_ex} · questions {passed_q}/{total_q}"]
    return "\n".join(lines)


def main(folder: Path | str = "student", timeout: float = 60.0) -> int:
    print(format_progress(progress(folder, timeout), folder))
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        sys.exit(main(*(sys.argv[1:2] or ["student"])))
