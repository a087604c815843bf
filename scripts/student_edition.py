"""Write the student edition of every chapter, ``student/NN_*.ipynb``, and the answer keys, ``book/answers/NN.md``.

The chapters in ``notebooks/`` are the instructor edition: each "Your turn" section
holds a worked solution in a code cell tagged ``solution``, and the end-of-chapter
exercises their worked solutions in ``{admonition} Solution`` (or ``{dropdown}``)
blocks. The student edition shows no answer the learner did not ask for:

* every ``solution`` cell becomes a stub tagged ``exercise``: the imports, the
  function's signature and docstring, and ``raise NotImplementedError``;
* every end-of-chapter solution block is replaced by a link to the chapter's
  answer key, ``book/answers/NN.md`` (a page of the website), which this script
  writes from the same notebooks, with the "Your turn" solutions too;
* a ``show_source(...)`` of a function that an exercise asks for (see
  ``Exercise.revealing_names``) moves to a new cell right after that exercise's
  check, or, for an exercise of a later chapter, is left out;
* the answer of every concept question, ``exercises.ask("id", answer)``, becomes
  ``None`` (the call then prints the question);
* every output is cleared (the student runs the notebook);
* the Colab badge opens the student notebook, and a short note after the set-up
  cells says how the exercises work.

The check cell after each stub calls ``gan_course.exercises.check``: an
unfinished stub prints "not done yet — using the reference implementation" and
the cell binds the name to the course's version, so the notebook still runs top
to bottom.

    python scripts/student_edition.py            # (re)write student/ and book/answers/ (make student)
    python scripts/student_edition.py --check    # exit 1 if either is not current
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gan_course import REPO_URL  # noqa: E402
from gan_course import exercises  # noqa: E402

CHAPTERS = ROOT / "notebooks"
STUDENT = ROOT / "student"
ANSWERS = ROOT / "book" / "answers"
SOLUTION, EXERCISE = "solution", "exercise"
HIDDEN = {"hide-input", "hide-cell", "remove-input"}  # site-only tags a stub does not need
NOTE_ID = "student-edition-note"
NOTE = """**Student edition.** Each "Your turn" section has a code cell for you to write: replace
`raise NotImplementedError` with your code, run the cell, then run the check below it. The check
prints ✓ when your function matches the course's, or what differed and a hint. An exercise you have
not done yet prints "not done yet — using the reference implementation", and the rest of the notebook
goes on with the course's version, so you can run everything top to bottom at any time.
Stuck? `exercises.hint("chN.name")` gives a hint (each call a more specific one, never the code), and
`exercises.solution("chN.name")` prints the worked solution when you ask for it. A concept question
cell, `exercises.ask("chN.name", None)`, prints its question: replace `None` with your answer. The
worked solutions of the end-of-chapter exercises are in the chapter's answer key (linked where each
solution was), and `python -m gan_course progress student/` lists what you have done."""
SOLUTION_BLOCK = re.compile(r"^(?P<fence>`{3,})\{(?:admonition|dropdown)\}\s*Solution\b.*?$\n(?P<body>.*?)^(?P=fence)[ \t]*$\n?",
                            re.M | re.S)
SHOW_SOURCE = re.compile(r"^(?P<indent>[ \t]*)(?P<call>show_source\((?P<name>[\w.]+)(?:,[^()\n]*)?\))[ \t]*(?:#.*)?$",
                         re.M)


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


def answers_name(path: Path) -> str:
    return f"{path.name[:2]}.md"


def answers_link(path: Path) -> str:
    """Markdown linking a student notebook to its chapter's answer key: local (Jupyter, site) and on GitHub."""
    name = answers_name(path)
    return (f"[answer key of chapter {int(path.name[:2])}](../book/answers/{name}) "
            f"([on GitHub]({REPO_URL}/blob/main/book/answers/{name}))")


def without_solutions(text: str, path: Path) -> tuple[str, int]:
    """Markdown with every Solution block replaced by a link to the answer key; and how many were replaced."""
    link = f"*Solution:* in the {answers_link(path)}.\n"
    return SOLUTION_BLOCK.subn(link, text)


def blank_answers(source: str) -> str:
    """``exercises.ask("id", answer)`` -> ``exercises.ask("id", None)`` in a code cell."""
    if "ask(" not in source:
        return source
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.sub(r'(ask\(\s*["\'][\w.]+["\']\s*,)[^)\n]*\)', r"\1 None)", source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    spans = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and len(node.args) >= 2
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "ask"):
            arg = node.args[1]
            spans.append((offsets[arg.lineno - 1] + arg.col_offset, offsets[arg.end_lineno - 1] + arg.end_col_offset))
    for start, end in sorted(spans, reverse=True):
        source = source[:start] + "None" + source[end:]
    return source


def exercise_chapters() -> dict[str, int]:
    return {key: ex.chapter for key, ex in exercises.EXERCISES.items()}


def revealing() -> dict[str, list[str]]:
    """{a name given to show_source: the exercises whose answer its source gives away}."""
    out: dict[str, list[str]] = {}
    for key, ex in exercises.EXERCISES.items():
        for name in ex.revealing_names():
            out.setdefault(name, []).append(key)
    return out


CHECK = re.compile(r'exercises\.check\(\s*["\']([\w.]+)["\']')


def hide_revealing_sources(nb, path: Path) -> None:
    """Move (or leave out) every show_source() that gives an exercise's answer away before its check."""
    chapter = int(path.name[:2])
    reveals = revealing()
    chapters = exercise_chapters()
    checks = {}  # exercise id -> index of its check cell
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for key in CHECK.findall(cell.source):
                checks.setdefault(key, i)
    moves: dict[int, list[str]] = {}  # check cell index -> show_source lines to put after it
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "show_source(" not in cell.source:
            continue

        def replace(match, i=i):
            name = match.group("name")
            keys = reveals.get(name, []) + reveals.get(name.rsplit(".", 1)[-1], [])
            later = [k for k in keys if chapters[k] > chapter or (chapters[k] == chapter and checks.get(k, -1) > i)]
            if not later:
                return match.group(0)
            here = [checks[k] for k in later if chapters[k] == chapter and k in checks]
            if here and all(chapters[k] == chapter for k in later):
                moves.setdefault(max(here), []).append(match.group("call"))
                return f"{match.group('indent')}# show_source({name}) comes after the exercise below: it holds its answer"
            return (f"{match.group('indent')}# show_source({name}) comes in a later chapter, after the exercise "
                    f"that asks for it")

        cell.source = SHOW_SOURCE.sub(replace, cell.source)
    for at in sorted(moves, reverse=True):
        check_cell = nb.cells[at]
        source = "# The course's version, now that you have written yours:\n" + "\n".join(dict.fromkeys(moves[at]))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source, id=f"{check_cell.get('id', at)}-course-version"))


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
            cell.source = blank_answers(cell.source)
        if cell.cell_type == "markdown":
            cell.source, _ = without_solutions(cell.source, path)
        if cell.cell_type == "markdown" and "colab-badge" in tags(cell):
            cell.source = cell.source.replace(f"/{rel})", f"/student/{path.name})")
        if SOLUTION in tags(cell):
            if cell.cell_type != "code":
                raise EditionError(f"{rel}: cell {index} is tagged '{SOLUTION}' but is not a code cell")
            cell.source = stub(cell.source, f"{rel} cell {index}")
            cell.metadata["tags"] = [EXERCISE] + [t for t in tags(cell) if t not in HIDDEN | {SOLUTION, EXERCISE}]
            solutions += 1
    hide_revealing_sources(nb, path)
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


def _heading(nb) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")), "")
    return first.splitlines()[0][2:].strip() if first else ""


def _site_links(text: str) -> str:
    """Links written for notebooks/ rewritten for book/answers/."""
    return re.sub(r"\[([^\]]+)\]\((\d\d_\w+)\.ipynb\)", r"{doc}`\1 <../../notebooks/\2>`", text)


def answer_key(path: Path) -> str | None:
    """The markdown of one chapter's answer key, or None when the chapter has no worked solution."""
    nb = nbformat.read(path, as_version=4)
    number = int(path.name[:2])
    turns, ends = [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and SOLUTION in tags(cell):
            title = nb.cells[i - 1].source.splitlines()[0].lstrip("#").strip() if i else "Your turn"
            turns.append(f"### {title}\n\n```python\n{cell.source.strip()}\n```\n")
        elif cell.cell_type == "markdown" and SOLUTION_BLOCK.search(cell.source):
            text = cell.source.strip()
            previous = nb.cells[i - 1] if i else None
            if (SOLUTION_BLOCK.match(text) and previous is not None and previous.cell_type == "markdown"
                    and not SOLUTION_BLOCK.search(previous.source)):  # the statement is the cell before
                text = previous.source.strip() + "\n\n" + text
            text = re.sub(r"^## Exercises[ \t]*\n+", "", text, flags=re.M)
            ends.append(_site_links(text) + "\n")
    if not turns and not ends:
        return None
    title = _heading(nb).split("—", 1)[-1].strip()
    parts = [f"# Answer key: chapter {number}, {title}\n",
             f"<!-- generated by scripts/student_edition.py from notebooks/{path.name}: edit the notebook -->\n",
             f"The worked solutions of {{doc}}`chapter {number} <../../notebooks/{path.stem}>`. Try each exercise "
             "before you open its solution: the student edition's checks, `exercises.hint(...)` and the concept "
             "questions are there to help first.\n"]
    if turns:
        parts.append("## Your turn\n\nThe course's solutions of the chapter's checked exercises "
                     "(`exercises.solution(\"chN.name\")` prints the same in the notebook).\n")
        parts += turns
    if ends:
        parts.append("## Exercises\n")
        parts += ends
    return "\n".join(parts)


def render_answers() -> dict[str, str]:
    """``{file name: markdown}`` of every chapter's answer key."""
    out = {}
    for p in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb")):
        text = answer_key(p)
        if text is not None:
            out[answers_name(p)] = text
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if student/ differs from what would be written")
    args = parser.parse_args(argv)
    try:
        wanted = render()
        answers = render_answers()
    except EditionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    present = {p.name for p in STUDENT.glob("*.ipynb")}
    present_answers = {p.name for p in ANSWERS.glob("[0-9][0-9].md")}
    if args.check:
        stale = sorted(n for n, text in wanted.items()
                       if n not in present or (STUDENT / n).read_text(encoding="utf-8") != text)
        extra = sorted(present - set(wanted))
        stale_answers = sorted(n for n, text in answers.items() if n not in present_answers
                               or (ANSWERS / n).read_text(encoding="utf-8") != text)
        extra_answers = sorted(present_answers - set(answers))
        if stale or extra or stale_answers or extra_answers:
            what = ", ".join([f"student/{n} is out of date" for n in stale]
                             + [f"student/{n} has no chapter" for n in extra]
                             + [f"book/answers/{n} is out of date" for n in stale_answers]
                             + [f"book/answers/{n} has no chapter" for n in extra_answers])
            print(f"{what}: run `make student` (python scripts/student_edition.py) and commit student/",
                  file=sys.stderr)
            return 1
        print(f"student edition is current ({len(wanted)} notebooks, {len(answers)} answer keys)")
        return 0
    _write_folder(STUDENT, wanted, present)
    _write_folder(ANSWERS, answers, present_answers)
    return 0


def _write_folder(folder: Path, wanted: dict[str, str], present: set[str]) -> None:
    """Make ``folder`` hold exactly ``wanted`` ({file name: text}): stale files removed (a chapter that was
    removed or renamed), changed ones rewritten, unchanged ones left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted(present - set(wanted)):
        (folder / name).unlink()
    for name, text in wanted.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
