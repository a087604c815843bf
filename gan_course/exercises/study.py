"""An estimate of a chapter's study time, reading plus exercises, for the chapter's header bar.

The estimate is a rule of thumb, written down so that it is the same for every
chapter and moves when a chapter grows:

* reading: the prose at 120 words a minute (technical text with equations), and
  the code cells at 15 lines a minute (read, not typed);
* each checked "Your turn" exercise: 10 minutes for a short one (a solution of at
  most 8 lines), 30 minutes for a build exercise;
* each end-of-chapter exercise (a worked solution block): 15 minutes;
* each concept question: 2 minutes.

Training time is not included: the header's run time says what the computer spends.
"""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 120
CODE_LINES_PER_MINUTE = 15
SHORT_EXERCISE, BUILD_EXERCISE, END_EXERCISE, QUESTION = 10, 30, 15, 2
_SOLUTION_BLOCK = re.compile(r"^(`{3,})\{(?:admonition|dropdown)\}\s*Solution\b.*?^\1[ \t]*$", re.M | re.S)


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _code_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def study_minutes(nb, chapter: int | None = None) -> tuple[int, int]:
    """``(reading, exercises)`` in minutes for a notebook (a dict or an nbformat node)."""
    words = code = 0
    exercises = 0
    asked = set()
    for cell in nb.get("cells", []):
        text = _text(cell)
        if "colab-badge" in _tags(cell) or "setup" in _tags(cell):
            continue
        if cell.get("cell_type") == "markdown":
            exercises += END_EXERCISE * len(_SOLUTION_BLOCK.findall(text))
            words += len(_SOLUTION_BLOCK.sub("", text).split())
        elif cell.get("cell_type") == "code":
            if {"solution", "exercise"} & set(_tags(cell)):
                body = _code_lines(text)
                exercises += SHORT_EXERCISE if body <= 8 else BUILD_EXERCISE
            else:
                code += _code_lines(text)
            asked |= set(re.findall(r'\bask\(\s*["\']([\w.]+)["\']', text))
    if chapter is not None:
        try:
            from . import QUESTIONS

            asked |= {key for key, q in QUESTIONS.items() if q.chapter == chapter}
        except ImportError:  # pragma: no cover - the package always has them
            pass
    exercises += QUESTION * len(asked)
    reading = words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE
    return _round(reading), _round(exercises)


def _round(minutes: float) -> int:
    return int(max(5, 5 * round(minutes / 5)))


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def study_line(nb, chapter: int | None = None) -> str:
    """``"about 2 h: 1 h 20 min reading, 40 min exercises"``."""
    reading, exercises = study_minutes(nb, chapter)
    return (f"about {format_minutes(reading + exercises)}: {format_minutes(reading)} reading, "
            f"{format_minutes(exercises)} exercises and questions")
