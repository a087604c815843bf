"""Write the student edition of every chapter: ``student/NN_*.ipynb``, from ``notebooks/NN_*.ipynb``.

The chapters are the instructor edition: each "Your turn" section holds a worked
solution in a code cell tagged ``solution``. In the student edition

* every ``solution`` cell becomes a stub tagged ``exercise``: the imports, the
  function's signature and docstring, and ``raise NotImplementedError``;
* every output is cleared (the student runs the notebook);
* the Colab badge opens the student notebook, and a short note after the set-up
  cells says how the exercises work.

The check cell after each stub calls ``gan_course.exercises.check``: an
unfinished stub prints "not done yet — using the reference implementation" and
the cell binds the name to the course's version, so the notebook still runs top
to bottom.

    python scripts/student_edition.py            # (re)write student/ (make student)
    python scripts/student_edition.py --check    # exit 1 if student/ is not current
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "notebooks"
STUDENT = ROOT / "student"
SOLUTION, EXERCISE = "solution", "exercise"
HIDDEN = {"hide-input", "hide-cell", "remove-input"}  # site-only tags a stub does not need
NOTE_ID = "student-edition-note"
NOTE = """**Student edition.** Each "Your turn" section has a code cell for you to write: replace
`raise NotImplementedError` with your code, run the cell, then run the check below it. The check
prints ✓ when your function matches the course's, or what differed and a hint. An exercise you have
not done yet prints "not done yet — using the reference implementation", and the rest of the notebook
goes on with the course's version, so you can run everything top to bottom at any time. The worked
solutions are in the chapter itself, in `notebooks/`."""


class EditionError(Exception):
    pass


def stub(source: str, where: str) -> str:
    """A solution cell's imports, then each top-level function's signature, docstring, ``raise NotImplementedError``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise EditionError(f"{where}: the solution cell does not parse ({error})") from error
    lines = source.splitlines()
    out: list[str] = []
    functions = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.extend(lines[node.lineno - 1:node.end_lineno])
            continue
        if not isinstance(node, ast.FunctionDef):
            continue
        body = node.body
        if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            raise EditionError(f"{where}: give {node.name}() a docstring: the student's stub keeps it")
        if out:
            out.extend(["", ""])  # two blank lines before a function
        first = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        out.extend(lines[first:body[0].end_lineno])  # decorators, signature, docstring
        indent = " " * (body[0].col_offset)
        out.append(f"{indent}# your code here")
        out.append(f"{indent}raise NotImplementedError")
        functions += 1
    if not functions:
        raise EditionError(f"{where}: a solution cell must define a function")
    return "\n".join(out)


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def student_notebook(path: Path):
    """The student edition of one chapter (a new notebook object; the chapter is not changed)."""
    nb = copy.deepcopy(nbformat.read(path, as_version=4))
    nb.metadata.pop("widgets", None)  # saved widget state belongs to the cleared outputs
    rel = f"notebooks/{path.name}"
    solutions = 0
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)  # timings of the instructor run
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if cell.cell_type == "markdown" and "colab-badge" in tags(cell):
            cell.source = cell.source.replace(f"/{rel})", f"/student/{path.name})")
        if SOLUTION in tags(cell):
            if cell.cell_type != "code":
                raise EditionError(f"{rel}: cell {index} is tagged '{SOLUTION}' but is not a code cell")
            cell.source = stub(cell.source, f"{rel} cell {index}")
            cell.metadata["tags"] = [EXERCISE] + [t for t in tags(cell) if t not in HIDDEN | {SOLUTION, EXERCISE}]
            solutions += 1
    setup = [i for i, c in enumerate(nb.cells) if "setup" in tags(c)]
    if solutions:
        at = setup[-1] + 1 if setup else 1
        nb.cells.insert(at, nbformat.v4.new_markdown_cell(NOTE, id=NOTE_ID))
    nbformat.validate(nb)
    return nb


def render() -> dict[str, str]:
    """``{file name: notebook text}`` of the whole student edition."""
    return {p.name: nbformat.writes(student_notebook(p)) + "\n"
            for p in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if student/ differs from what would be written")
    args = parser.parse_args(argv)
    try:
        wanted = render()
    except EditionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    present = {p.name for p in STUDENT.glob("*.ipynb")}
    if args.check:
        stale = sorted(n for n, text in wanted.items()
                       if n not in present or (STUDENT / n).read_text(encoding="utf-8") != text)
        extra = sorted(present - set(wanted))
        if stale or extra:
            what = ", ".join([f"student/{n} is out of date" for n in stale]
                             + [f"student/{n} has no chapter" for n in extra])
            print(f"{what}: run `make student` (python scripts/student_edition.py) and commit student/",
                  file=sys.stderr)
            return 1
        print(f"student edition is current ({len(wanted)} notebooks)")
        return 0
    STUDENT.mkdir(exist_ok=True)
    for name in sorted(present - set(wanted)):  # a chapter that was removed or renamed
        (STUDENT / name).unlink()
    for name, text in wanted.items():
        target = STUDENT / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote student/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
