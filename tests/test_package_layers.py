"""The package's layers: a lower layer never imports a higher one (type-only imports aside).

From the bottom: the foundation (errors, settings, files, records, runtime); the building blocks
(data, models, losses, ...); the measures (metrics); the figures (plotting); the engine (training, and its
CUDA-graph path, graphs);
the recipes; and the top (experiments, shipped generators, exercises, widgets, the command line).
A measure that needed the engine, or a figure that needed a recipe, would pull the whole stack
into every small import, and cycles follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gan_course"
TOP = {"experiments", "pretrained", "exercises", "widgets", "cli", "__main__"}
FOUNDATION = {"errors", "arguments", "settings", "profiles", "io", "shipped", "records", "runtime", "__version__"}
BLOCKS = {"data", "models", "losses", "augment", "diffusion", "ema", "image_pool", "latent", "steps", "theory",
          "wasserstein"}
# unit -> the units it must not import
FORBIDDEN = {
    **{unit: {"metrics", "plotting", "training", "recipes"} | TOP | BLOCKS for unit in FOUNDATION},
    **{unit: {"metrics", "plotting", "training", "recipes"} | TOP for unit in BLOCKS},
    "metrics": {"plotting", "training", "recipes"} | TOP,
    "plotting": {"training", "recipes"} | TOP,
    "training": {"plotting", "recipes"} | TOP,
    "graphs": {"plotting", "recipes"} | TOP,
    "recipes": {"plotting"} | TOP,
}


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _type_only(tree: ast.AST) -> set[int]:
    """Line numbers of the imports under ``if TYPE_CHECKING:``."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for child in node.body for n in ast.walk(child) if isinstance(n, ast.ImportFrom)}
    return lines


def _imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, unit) for every relative import in ``path``, at any depth (a function's lazy imports too)."""
    tree = ast.parse(path.read_text())
    skip = _type_only(tree)
    parts = list(path.relative_to(package).parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0 and node.lineno not in skip:
            base = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
            target = base + (node.module.split(".") if node.module else [node.names[0].name])
            found.append((node.lineno, target[0]))
    return found


FILES = sorted(p for p in PACKAGE.rglob("*.py") if _unit(p) in FORBIDDEN)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    unit = _unit(path)
    upward = [f"line {line}: {target}" for line, target in _imports(path) if target in FORBIDDEN[unit]]
    assert not upward, f"{path.relative_to(PACKAGE)} ({unit}) imports a higher layer: {upward}"


def test_every_unit_of_the_package_has_a_layer():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert units <= set(FORBIDDEN) | TOP, f"give these a layer here: {sorted(units - set(FORBIDDEN) - TOP)}"


def test_the_check_sees_a_lazy_upward_import_and_skips_a_type_only_one(tmp_path):
    """The rule is only as good as the parser: an import inside a function counts, one for type hints does not."""
    probe = tmp_path / "gan_course" / "metrics" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from typing import TYPE_CHECKING\n"
                     "from ..errors import CourseError\n"
                     "if TYPE_CHECKING:\n"
                     "    from ..recipes.toy import ToyRun\n"
                     "def f():\n"
                     "    from ..training import Trainer\n"
                     "    from .images import score_images\n"
                     "    return Trainer\n")
    assert _imports(probe, tmp_path / "gan_course") == [(2, "errors"), (6, "training"), (7, "metrics")]
