"""What each page of the site must show, read from its source (used by the site tests)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from helpers import toc_files as _toc_files

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


# ------------------------------------------------------------------ pages
def toc_files() -> list[str]:
    """Every page of _toc.yml (root first), as paths without suffix (tests/helpers.py)."""
    return _toc_files(ROOT)


_CODE = re.compile(r"(`{3,}|~{3,})[^\n]*\n.*?\n\1|`[^`\n]*`", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\s][^$\n]*?(?<![\s\\])\$", re.S)


def has_math(markdown: str) -> bool:
    """True if the Markdown has $...$ or $$...$$ math outside code (what MathJax must typeset)."""
    return bool(_MATH.search(_CODE.sub("", markdown)))


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


@dataclass(frozen=True)
class Page:
    """One page of the site and what its source says the browser must show."""

    source: str  # path of the source in the repository, e.g. notebooks/02_vanilla_gan.ipynb
    html: str  # path of the page under _build/html
    notebook: bool  # an executed notebook (a chapter or a notebook book page)
    images: bool  # a code cell has an image output: one must be visible
    widgets: bool  # saved widget state and widget views: the views must render
    progress: bool  # the saved widgets include progress bars (tqdm): they must show their final state
    math: bool  # the Markdown has $...$ math: MathJax must have typeset it
    badge: bool  # the notebook has the generated Colab badge cell

    @property
    def name(self) -> str:
        return Path(self.source).stem


def _page(entry: str) -> Page:
    nb_path = ROOT / f"{entry}.ipynb"
    html = f"{entry}.html"
    if not nb_path.is_file():
        md = (ROOT / f"{entry}.md").read_text() if (ROOT / f"{entry}.md").is_file() else ""
        return Page(f"{entry}.md", html, False, False, False, False, has_math(md), False)
    nb = json.loads(nb_path.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    markdown = "\n".join(_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    return Page(
        source=f"{entry}.ipynb", html=html, notebook=True,
        images=any(k.startswith("image/") for o in outputs for k in o.get("data", {})),
        widgets=bool(state) and bool(views),
        progress=bool(views) and any(m.get("model_name") in ("FloatProgressModel", "IntProgressModel")
                                     for m in state.values()),
        math=has_math(markdown),
        badge=any("colab-badge" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]),
    )


def pages() -> list[Page]:
    return [_page(entry) for entry in toc_files()]


def notebook_pages() -> list[Page]:
    return [p for p in pages() if p.notebook]
