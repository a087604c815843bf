"""What each page of the site must show, read from its source (used by the site tests)."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import toc_files as _toc_files

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import site_assets  # noqa: E402  (scripts/site_assets.py: which saved widgets the site turns into text)
#: The built site: _build/html, or GAN_COURSE_SITE (a build made with `jupyter-book build . --path-output DIR`
#: is in DIR/_build/html).
SITE = Path(os.environ["GAN_COURSE_SITE"]) if os.environ.get("GAN_COURSE_SITE") else ROOT / "_build" / "html"
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
    widgets: bool  # saved widget views other than finished progress bars: they must render and respond
    progress: tuple[str, ...]  # the last line of each finished tqdm bar: the site shows it as static text
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
        return Page(f"{entry}.md", html, False, False, False, (), has_math(md), False)
    nb = json.loads(nb_path.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = [o["data"]["application/vnd.jupyter.widget-view+json"].get("model_id", "") for o in outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    lines = [site_assets.progress_line(state, v) for v in views]
    markdown = "\n".join(_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    return Page(
        source=f"{entry}.ipynb", html=html, notebook=True,
        images=any(k.startswith("image/") for o in outputs for k in o.get("data", {})),
        widgets=bool(state) and any(line is None for line in lines),
        # finished bars the site shows as their last line (one that hid itself when it closed shows nothing)
        progress=tuple(line for view, line in zip(views, lines)
                       if line is not None and not site_assets.hidden_view(state, view)),
        math=has_math(markdown),
        badge=any("colab-badge" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]),
    )


def pages() -> list[Page]:
    return [_page(entry) for entry in toc_files()]


def notebook_pages() -> list[Page]:
    return [p for p in pages() if p.notebook]
