"""Every chapter that trains a shipped model offers to load the committed generator instead (issue 3)."""

from pathlib import Path

import nbformat
import pytest

from gan_course.recipes import MODELS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("model", list(MODELS.keys()))
def test_chapter_has_the_pretrained_switch(model):
    entry = MODELS[model]
    assert entry.chapter, f"{model}: ModelEntry.chapter names its notebook"
    path = ROOT / "notebooks" / f"{entry.chapter}.ipynb"
    assert path.is_file(), path
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert "USE_PRETRAINED = use_pretrained_default()" in code
    assert f'train_or_load(' in code and f'"{model}"' in code
