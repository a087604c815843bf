"""The study-time estimate (reading plus exercises) in each chapter's header bar, beside the run time."""

import json
from pathlib import Path

import nbformat

from gan_course.exercises.study import format_minutes, study_line, study_minutes

ROOT = Path(__file__).resolve().parents[1]


def test_the_rule_of_thumb():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(" ".join(["word"] * 1200)),  # 10 min of prose
                nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(150))),  # 10 min of code
                nbformat.v4.new_code_cell("def f(x):\n    return x\n", metadata={"tags": ["solution"]}),  # 10 min
                nbformat.v4.new_code_cell("def g(x):\n" + "    x = x + 1\n" * 12, metadata={"tags": ["exercise"]}),
                nbformat.v4.new_markdown_cell("**1.** Why?\n\n```{admonition} Solution\n:class: dropdown\n\n"
                                              + "Because. " * 500 + "\n```\n"),  # 15 min, its words not read
                nbformat.v4.new_code_cell('exercises.ask("ch9.q", None)')]  # 2 min
    assert study_minutes(nb) == (20, 55)
    assert study_line(nb) == "about 1 h 15 min: 20 min reading, 55 min exercises and questions"
    assert format_minutes(60) == "1 h" and format_minutes(5) == "5 min"


def test_every_chapter_header_states_the_study_time_after_the_run_time():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        header = "".join(json.loads(path.read_text())["cells"][1]["source"])
        assert "**Study time** (estimate): about " in header, path.name
        assert header.index("**Run time**") < header.index("**Study time**"), path.name
