"""Every chapter that trains a shipped model offers to load the committed generator instead (issue 3)."""

import ast
from pathlib import Path

import nbformat
import pytest

from gan_course.recipes import MODELS

ROOT = Path(__file__).resolve().parents[1]


def _code_cells(path: Path) -> list[ast.Module]:
    """Each code cell of a chapter, parsed (IPython's %magic and !shell lines read as `pass`)."""
    trees = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
                     else line for line in cell.source.splitlines()]
            trees.append(ast.parse("\n".join(lines)))
    return trees


@pytest.mark.parametrize("model", list(MODELS.keys()))
def test_chapter_has_the_pretrained_switch(model):
    entry = MODELS[model]
    assert entry.chapter, f"{model}: ModelEntry.chapter names its notebook"
    path = ROOT / "notebooks" / f"{entry.chapter}.ipynb"
    assert path.is_file(), path
    cells = _code_cells(path)
    # the switch: `USE_PRETRAINED = use_pretrained_default()`
    switch = [i for i, tree in enumerate(cells) for node in ast.walk(tree)
              if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["USE_PRETRAINED"]
              and ast.unparse(node.value) == "use_pretrained_default()"]
    # the training cell: `train_or_load(trainer, "<this model>", USE_PRETRAINED)`, this chapter's own model
    calls = [(i, node) for i, tree in enumerate(cells) for node in ast.walk(tree)
             if isinstance(node, ast.Call) and ast.unparse(node.func) == "train_or_load"]
    assert len(switch) == 1, f"{path.name}: one USE_PRETRAINED = use_pretrained_default() cell"
    assert len(calls) == 1, f"{path.name}: one train_or_load(...) call, found {len(calls)}"
    where, call = calls[0]
    assert len(call.args) >= 3, ast.unparse(call)
    assert isinstance(call.args[1], ast.Constant) and call.args[1].value == model, ast.unparse(call)
    assert ast.unparse(call.args[2]) == "USE_PRETRAINED", ast.unparse(call)
    assert switch[0] <= where, f"{path.name}: the switch must come before the training cell"
