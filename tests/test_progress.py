"""``python -m gan_course progress``: per chapter, which exercises and questions pass, read from the learner's
notebooks (offline, never written to)."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from gan_course.exercises import EXERCISES, QUESTIONS
from gan_course.exercises.progress import format_progress, progress

ROOT = Path(__file__).resolve().parents[1]
NAME = "04_dcgan.ipynb"  # the quickest chapter to check: two size formulas


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _filled(tmp_path: Path, wrong: bool = False) -> Path:
    """The student chapter with every exercise cell replaced by the instructor's solution, questions answered."""
    solutions = {c.id: c.source for c in nbformat.read(ROOT / "notebooks" / NAME, as_version=4).cells
                 if "solution" in c.metadata.get("tags", [])}
    nb = nbformat.read(ROOT / "student" / NAME, as_version=4)
    for cell in nb.cells:
        if cell.id in solutions:
            cell.source = solutions[cell.id]
            if wrong and "my_conv_output_size" in cell.source:
                cell.source = cell.source.replace("// s + 1", "// s")  # the recorded "no plus one"
    questions = [k for k, q in QUESTIONS.items() if q.chapter == 4]
    nb.cells.append(nbformat.v4.new_code_cell(
        "from gan_course import exercises\n\n"
        + "\n".join(f"exercises.ask({k!r}, {QUESTIONS[k].answer!r})" for k in questions)))
    path = tmp_path / NAME
    nbformat.write(nb, path)
    return path


def test_progress_of_a_filled_notebook(tmp_path):
    path = _filled(tmp_path)
    before = _digest(path)
    (report,) = progress(tmp_path, timeout=60)
    assert _digest(path) == before  # read only
    assert report.exercises["ch4.conv_output_size"] == ("pass", "")
    assert report.exercises["ch4.transposed_conv_output_size"] == ("pass", "")
    assert all(right is True for right, _ in report.questions.values() if _ != "not in this notebook")
    assert report.questions["ch4.conv_size_odd"] == (True, "")
    text = format_progress([report], tmp_path)
    assert "✓ ch4.conv_output_size" in text and "✓ ch4.conv_size_odd" in text


def test_progress_names_a_recorded_mistake(tmp_path):
    (report,) = progress(_filled(tmp_path, wrong=True).parent, timeout=60)
    assert report.exercises["ch4.conv_output_size"] == ("fail", EXERCISES["ch4.conv_output_size"].mistakes[0].title)
    assert "recorded mistake “no plus one”" in format_progress([report], tmp_path)


def test_progress_of_an_unfilled_notebook_by_the_command_line(tmp_path):
    shutil.copy(ROOT / "student" / NAME, tmp_path / NAME)
    before = _digest(tmp_path / NAME)
    result = subprocess.run([sys.executable, "-m", "gan_course", "progress", str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "… ch4.conv_output_size" in result.stdout and "not done yet" in result.stdout
    assert "· ch4.conv_size_odd" in result.stdout and "not answered" in result.stdout
    assert "In all: exercises 0/" in result.stdout
    assert _digest(tmp_path / NAME) == before


def test_progress_of_a_folder_without_notebooks(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gan_course", "progress", str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode != 0 and "no chapter notebooks" in result.stderr
    assert "Traceback" not in result.stderr
