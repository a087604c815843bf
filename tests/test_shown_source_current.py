"""The code a chapter shows is the code that runs: every saved ``show_source`` output equals the current source.

A chapter never copies code; it calls ``show_source(fn)``, and the saved output is the listing
at the time of the chapter's last full run. When the package changes after that run, the saved
listing goes stale and the reader sees code that no longer exists. This test renders every
``show_source(...)`` call of every chapter (and book notebook) again, with its options, and
compares it with the saved output of that cell.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from gan_course.runtime import source_markdown

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb"))
IMPORT = re.compile(r"^[ \t]*from[ \t]+(gan_course(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)


def _namespace(cells: list[dict]) -> dict:
    """Every name the notebook imports from the package."""
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            for match in IMPORT.finditer("".join(cell["source"])):
                exec(match.group(0).strip(), namespace)  # noqa: S102 (the chapter's own import lines)
    return namespace


def _calls(source: str):
    """``(expression, keyword options)`` of each top-level ``show_source(...)`` call of a cell, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in tree.body:
        call = getattr(node, "value", None)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "show_source":
            yield ast.unparse(call.args[0]), {k.arg: ast.literal_eval(k.value) for k in call.keywords}


def _shown(cell: dict) -> list[str]:
    return ["".join(o["data"]["text/markdown"]) if isinstance(o["data"]["text/markdown"], list)
            else o["data"]["text/markdown"] for o in cell.get("outputs", [])
            if o.get("output_type") == "display_data" and "text/markdown" in o.get("data", {})]


def _cases():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "code" and "show_source(" in "".join(cell["source"]):
                yield pytest.param(path, index, id=f"{path.stem}-cell{index}")


@pytest.mark.parametrize("path, index", list(_cases()))
def test_the_saved_listing_is_the_current_source(path, index):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    calls = list(_calls("".join(cells[index]["source"])))
    if not calls:
        pytest.skip("show_source is not called at the top level of this cell")
    namespace = _namespace(cells)
    shown = _shown(cells[index])
    assert len(shown) >= len(calls), f"{path.name} cell {index}: a listing has no saved output"
    for (expression, options), saved in zip(calls, shown):
        current = source_markdown(eval(expression, namespace), **options)  # noqa: S307 (the chapter's own code)
        assert saved == current, (f"{path.name} cell {index}: the saved listing of {expression} is not the current "
                                  "source: re-execute the chapter (make execute NB=...)")
