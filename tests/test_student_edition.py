"""The student edition shows no answer the learner did not ask for (issue 23 §1).

No solution code in student/ (cells, markdown, outputs), no end-of-chapter worked solution (they are in
the answer keys, book/answers/NN.md, which the notebooks link to), no show_source() of a function an
exercise asks for before that exercise, and no concept question's answer.
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from gan_course.exercises import EXERCISES, QUESTIONS
from test_exercises import _chapter_exercises, _normalised_body, reference_code

ROOT = Path(__file__).resolve().parents[1]
STUDENT = sorted((ROOT / "student").glob("[0-9][0-9]_*.ipynb"))
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts" / "student_edition.py")
edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(edition)


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _flat_lines(text: str) -> set[str]:
    return {re.sub(r"\s+", "", line.split("#", 1)[0]) for line in text.splitlines()}


def _solution_texts() -> list[str]:
    """The lines (30 characters or more) of every end-of-chapter worked solution in the instructor edition."""
    out = []
    for path in CHAPTERS:
        for cell in _cells(path):
            if cell.cell_type == "markdown":
                for match in edition.SOLUTION_BLOCK.finditer(cell.source):
                    out += [line.strip() for line in match.group("body").splitlines() if len(line.strip()) >= 30
                            and not re.match(r"(from|import) ", line.strip())]  # an import gives nothing away
    return out


def test_no_solution_block_remains():
    for path in STUDENT:
        for i, cell in enumerate(_cells(path)):
            assert not re.search(r"\{(?:admonition|dropdown)\}\s*Solution", cell.source), f"{path.name} cell {i}"


@pytest.mark.parametrize("path", STUDENT, ids=[p.name for p in STUDENT])
def test_no_reference_code_and_no_solution_text_in_the_student_edition(path):
    code = {key: reference_code(key) for key in EXERCISES}
    solutions = _solution_texts()
    assert solutions  # the instructor edition has them
    for i, cell in enumerate(_cells(path)):
        assert not cell.get("outputs"), f"{path.name} cell {i} has outputs"
        lines = _flat_lines(cell.source)
        for key, body in code.items():
            leaked = body & lines
            assert not leaked, f"{path.name} cell {i} contains {key}'s reference code: {sorted(leaked)}"
        for text in solutions:
            assert text not in cell.source, f"{path.name} cell {i} contains a worked solution: {text!r}"


def test_every_student_notebook_links_its_answer_key():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for path in CHAPTERS:
        n = path.name[:2]
        has_solutions = any(edition.SOLUTION_BLOCK.search(c.source) for c in _cells(path) if c.cell_type == "markdown")
        key = ROOT / "book" / "answers" / f"{n}.md"
        assert key.is_file() == bool(has_solutions or any("solution" in c.metadata.get("tags", [])
                                                          for c in _cells(path))), key
        if has_solutions:
            student = "\n".join(c.source for c in _cells(ROOT / "student" / path.name))
            assert f"(../book/answers/{n}.md)" in student, path.name
            assert f"- file: book/answers/{n}\n" in toc


def test_the_answer_keys_hold_the_solutions():
    keys = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "book" / "answers").glob("*.md"))
    for text in _solution_texts():
        assert edition._site_links(text) in keys, text
    for _, key, name, cell, _ in _chapter_exercises("notebooks"):
        assert f"def {name}(" in keys, key


def test_no_show_source_of_an_answer_before_its_exercise():
    checked = set()
    for path in STUDENT:
        for i, cell in enumerate(_cells(path)):
            checked |= set(re.findall(r'exercises\.check\(\s*"([\w.]+)"', cell.source))
            for name in re.findall(r"^\s*show_source\(([\w.]+)", cell.source, re.M):
                for key, ex in EXERCISES.items():
                    if name in ex.revealing_names() or name.rsplit(".", 1)[-1] in ex.revealing_names():
                        assert key in checked, f"{path.name} cell {i} shows {name}, the answer of {key}, before it"


def test_no_concept_question_is_answered_in_the_student_edition():
    for path in STUDENT:
        for cell in [c for c in _cells(path) if c.cell_type == "code"]:
            for key, answer in re.findall(r'ask\(\s*"([\w.]+)"\s*,\s*([^)]*)\)', cell.source):
                assert key in QUESTIONS and answer.strip() == "None", (path.name, key, answer)


# ---------------------------------------------------------- the script's pieces
def test_solution_blocks_become_a_link():
    text = ("**2. A question.** Why?\n\n```{admonition} Solution\n:class: dropdown\n\nBecause.\n\n~~~python\nx = 1\n~~~\n"
            "```\n\n**3. Another.**\n\n````{dropdown} Solution\nIt is 42.\n````\n")
    out, n = edition.without_solutions(text, Path("04_dcgan.ipynb"))
    assert n == 2 and "Because" not in out and "42" not in out and "x = 1" not in out
    assert out.count("(../book/answers/04.md)") == 2 and "**3. Another.**" in out


def test_concept_answers_are_blanked():
    source = 'from gan_course import exercises\n\nexercises.ask("ch2.why_detach", "b")\nexercises.ask("ch1.x", -1.386)'
    assert edition.blank_answers(source) == ('from gan_course import exercises\n\nexercises.ask("ch2.why_detach", None)\n'
                                             'exercises.ask("ch1.x", None)')
    assert edition.blank_answers("print(1)") == "print(1)"


def test_a_revealing_show_source_moves_after_the_check():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("show_source(conv_output_size)\nshow_source(DCGANConfig)", id="a"),
                nbformat.v4.new_code_cell('if not exercises.check("ch4.conv_output_size", f):\n    pass', id="b"),
                nbformat.v4.new_code_cell("show_source(discriminator_loss)", id="c")]
    edition.hide_revealing_sources(nb, Path("04_dcgan.ipynb"))
    sources = [c.source for c in nb.cells]
    assert "show_source(DCGANConfig)" in sources[0] and "\nshow_source(conv_output_size)" not in "\n" + sources[0]
    assert nb.cells[2].id == "b-course-version" and sources[2].endswith("show_source(conv_output_size)")
    assert sources[3] == "show_source(discriminator_loss)"  # chapter 2's exercise is done by chapter 4
    nb.cells = [nbformat.v4.new_code_cell("show_source(conv_output_size)", id="a")]
    edition.hide_revealing_sources(nb, Path("02_vanilla_gan.ipynb"))  # an exercise of a later chapter
    assert "later chapter" in nb.cells[0].source and len(nb.cells) == 1


def test_normalised_body_skips_docstrings_and_comments():
    body = _normalised_body('def f(x):\n    """Doc string that is long."""\n    y = torch.cat([x, x], dim=1)  # c\n    return y\n')
    assert body == {"y=torch.cat([x,x],dim=1)"}


def test_a_show_source_with_options_moves_whole():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("show_source(d_step, idea_only=True)  # the step", id="a"),
                nbformat.v4.new_code_cell('exercises.check("ch2.d_step_loss", f)', id="b")]
    edition.hide_revealing_sources(nb, Path("02_vanilla_gan.ipynb"))
    assert "# show_source(d_step) comes after" in nb.cells[0].source
    assert nb.cells[2].source.endswith("\nshow_source(d_step, idea_only=True)")
