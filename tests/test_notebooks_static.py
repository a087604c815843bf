"""Fast checks of the chapters and the website's configuration; nothing is executed.

What runs the notebooks is ``make test`` (nbmake, smoke profile). Here we only read
files: the table of contents against the notebooks on disk, the shared set-up cells,
the repository address, each chapter's structure, and its committed outputs (which
must come from a clean, top-to-bottom, full-profile run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import toc_files as _toc_files

from gan_course import REPO_URL

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BIB = ROOT / "book" / "references.bib"

sys.path.insert(0, str(ROOT / "scripts"))
import sync_setup_cells  # noqa: E402

# Keys the chapters may cite (book/references.bib must define each of them).
REQUIRED_BIB_KEYS = {
    "goodfellow2014generative", "goodfellow2016nips", "radford2016dcgan", "mirza2014conditional",
    "chen2016infogan", "isola2017pix2pix", "zhu2017cyclegan", "lin2018pacgan", "metz2017unrolled",
    "arjovsky2017wgan", "heusel2017fid", "lucic2018gans", "kynkaanniemi2019precision",
    "white2016sampling", "kingma2015adam", "salimans2016improved", "xiao2017fashionmnist",
    "mao2017lsgan", "nowozin2016fgan", "srivastava2017veegan", "ioffe2015batchnorm",
    "odena2016deconvolution", "karras2019stylegan", "karras2020stylegan2", "zhao2020diffaugment", "karras2020ada",
    "ho2020ddpm", "song2021ddim", "meehan2020copying",  # chapter 11
}


# ---------------------------------------------------------------- helpers
def _load_yaml(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def toc_files() -> list[str]:
    """Every page of _toc.yml (root first), as paths without suffix (tests/helpers.py)."""
    return _toc_files(ROOT)


def toc_chapters() -> list[str]:
    """The chapter notebooks the toc lists, as paths relative to the repository."""
    return [f"{f}.ipynb" for f in toc_files() if f.startswith("notebooks/")]


def chapters_on_disk() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def book_notebooks() -> list[str]:
    """Book pages written as notebooks (book/*.ipynb), e.g. the troubleshooting page."""
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("*.ipynb"))


def existing_chapters() -> list[str]:
    """Chapters listed in the toc or on disk that exist (missing ones fail the toc test)."""
    return sorted({c for c in toc_chapters() + chapters_on_disk() if (ROOT / c).is_file()})


def load(path: str) -> dict:
    return json.loads((ROOT / path).read_text())


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*)$")


def prose_lines(markdown: str) -> list[str]:
    """Markdown lines outside code fences (MyST directive fences such as
    ```{admonition} are kept: their body is prose)."""
    stack: list[tuple[str, int, bool]] = []  # (fence char, fence length, is code)
    kept = []
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if m:
            fence, info = m.group(1), m.group(2).strip()
            if stack and fence[0] == stack[-1][0] and len(fence) >= stack[-1][1] and not info:
                stack.pop()
                continue
            if not (stack and stack[-1][2]):
                stack.append((fence[0], len(fence), not info.startswith("{")))
                continue
        if not any(is_code for _, _, is_code in stack):
            kept.append(line)
    return kept


def headings(nb: dict) -> list[tuple[int, int, str]]:
    """(cell index, level, text) of every Markdown heading outside code."""
    out = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for line in prose_lines(source(cell)):
            m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if m:
                out.append((i, len(m.group(1)), m.group(2)))
    return out


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return source({"source": output.get("text", "")})
    data = output.get("data", {})
    return source({"source": data.get("text/plain", "")})


# ------------------------------------------------------ toc, config, set-up
def test_toc_entries_exist():
    missing = [f for f in toc_files()
               if not any((ROOT / f"{f}{ext}").is_file() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}: write them or remove the entries"


def test_every_chapter_is_in_the_toc():
    listed, on_disk = set(toc_chapters()), set(chapters_on_disk())
    assert not on_disk - listed, f"chapters missing from _toc.yml: {sorted(on_disk - listed)}: add them"
    assert not listed - on_disk, f"_toc.yml lists chapters that do not exist: {sorted(listed - on_disk)}"


def test_toc_chapters_are_in_order():
    chapters = toc_chapters()
    assert chapters == sorted(chapters), f"_toc.yml should list the chapters in order: {chapters}"


def test_setup_cells_are_in_sync():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_setup_cells.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\nrun `python scripts/sync_setup_cells.py` to rewrite the set-up cells")


def test_repository_url_matches_package():
    config = _load_yaml("_config.yml")
    assert config["repository"]["url"] == REPO_URL, "_config.yml repository.url must equal gan_course.REPO_URL"
    assert REPO_URL in sync_setup_cells.COLAB_CELL


def test_site_config_essentials():
    config = _load_yaml("_config.yml")
    assert config["only_build_toc_files"] is True, "without it Sphinx scans .venv"
    assert config["execute"]["execute_notebooks"] == "off", "the site shows committed outputs only"
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    # the theme's Colab launch button: built from repository.url + branch, like the badges
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["repository"]["branch"] == sync_setup_cells.BRANCH


def test_bibliography_parses_and_has_the_keys():
    from pybtex.database import parse_file

    keys = set(parse_file(str(BIB)).entries)
    assert REQUIRED_BIB_KEYS <= keys, f"missing from references.bib: {sorted(REQUIRED_BIB_KEYS - keys)}"


# ------------------------------------------------------------ each chapter
@pytest.fixture(params=existing_chapters())
def chapter(request) -> tuple[str, dict]:
    return request.param, load(request.param)


@pytest.fixture(params=existing_chapters() + book_notebooks())
def notebook(request) -> tuple[str, dict]:
    """Chapters and notebook book pages: the checks that apply to every executed notebook."""
    return request.param, load(request.param)


def test_notebook_format(notebook):
    path, nb = notebook
    assert nb["nbformat"] == 4, path
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", f"{path}: kernel must be 'python3'"
    assert nb["metadata"].get("language_info", {}).get("name", "python") == "python", path


def test_title_and_learning_goals(chapter):
    path, nb = chapter
    h1 = [(i, text) for i, level, text in headings(nb) if level == 1]
    assert len(h1) == 1, f"{path}: exactly one '# ' title expected, found {[t for _, t in h1]}"
    index, title = h1[0]
    assert index == 0, f"{path}: the title must be in the first cell"
    number = int(Path(path).name[:2])
    assert re.match(rf"Chapter {number}\b", title), f"{path}: title should read 'Chapter {number} — ...', got {title!r}"
    top = "\n".join(source(c) for c in nb["cells"][:4] if c["cell_type"] == "markdown")
    assert "what you will learn" in top.lower(), f"{path}: add a 'What you will learn' list to the first cell"


def test_setup_cells_follow_the_title(notebook):
    path, nb = notebook
    tagged = [i for i, c in enumerate(nb["cells"]) if "setup" in c.get("metadata", {}).get("tags", [])]
    assert tagged == [2, 3], (f"{path}: the two set-up cells must come right after the title and the Colab "
                              f"badge (cells {tagged}): run `python scripts/sync_setup_cells.py {path}`")


def test_colab_badge(notebook):
    """Cell 1 is the badge, linking to this very notebook on Colab, built from REPO_URL."""
    path, nb = notebook
    url = sync_setup_cells.colab_url(path)
    assert url == f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}" \
                  f"/blob/main/{path}"
    cell = nb["cells"][1]
    fix = f"run `python scripts/sync_setup_cells.py {path}`"
    assert cell["cell_type"] == "markdown" and "colab-badge" in cell.get("metadata", {}).get("tags", []), (
        f"{path}: cell 1 must be the Colab badge: {fix}")
    assert f"[![Open In Colab]({sync_setup_cells.BADGE_IMAGE})]({url})" in source(cell), (
        f"{path}: the Colab badge must link to {url}: {fix}")
    badges = [i for i, c in enumerate(nb["cells"]) if "colab.research.google.com/github/" in source(c)]
    assert badges == [1], f"{path}: one Colab badge expected, in cell 1 (found in cells {badges})"


def test_ends_with_summary_and_exercises(chapter):
    path, nb = chapter
    h2 = [(i, text) for i, level, text in headings(nb) if level == 2]
    names = [text for _, text in h2]
    assert names[-2:] == ["Summary", "Exercises"], (
        f"{path}: the last two sections must be '## Summary' and '## Exercises', found {names[-3:]}")
    start = h2[-1][0]
    exercises = "\n".join(source(c) for c in nb["cells"][start:] if c["cell_type"] == "markdown")
    assert re.search(r"^:class:\s*dropdown\s*$", exercises, re.M), (
        f"{path}: give each exercise a solution in a dropdown admonition (:class: dropdown)")


def test_citations_exist(notebook):
    from pybtex.database import parse_file

    path, nb = notebook
    keys = set(parse_file(str(BIB)).entries)
    cited = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", source(cell)):
                cited.update(k.strip() for k in group.split(","))
    assert cited <= keys, f"{path}: cites keys not in book/references.bib: {sorted(cited - keys)}"


# What a reader must never see in a saved output: the executing machine's own complaints (a font cache that
# points at a deleted environment, a library's warning with its file path).
MACHINE_NOISE = re.compile(r"findfont: .*|Matplotlib is building the font cache.*|\S+\.py:\d+: \w*Warning: .*")


def test_outputs_from_a_clean_full_run(notebook):
    path, nb = notebook
    cells = [c for c in code_cells(nb) if source(c).strip()]
    counts = [c.get("execution_count") for c in cells]
    if counts != list(range(1, len(cells) + 1)):
        unrun = counts.count(None)
        problem = (f"{unrun} of {len(cells)} code cells have not been run" if unrun else
                   f"execution counts {counts} are not 1..{len(cells)} in order")
        pytest.fail(f"{path}: outputs must come from one top-to-bottom run in a fresh kernel, "
                    f"but {problem}: run `make execute NB={path}`", pytrace=False)
    for cell in cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", (
                f"{path}: a committed output is an error ({output.get('ename')}: {output.get('evalue')})")
            assert "Traceback (most recent call last)" not in output_text(output), f"{path}: a traceback was committed"
            noise = MACHINE_NOISE.search(output_text(output))
            assert noise is None, (f"{path}: a committed output holds a message of the machine that ran it, not of the "
                                   f"course ({noise and noise.group(0)!r}): fix the machine (e.g. a stale matplotlib "
                                   f"font cache) and run `make execute NB={path}` again")
    setup = [c for c in cells if "setup" in c.get("metadata", {}).get("tags", [])]
    printed = "".join(output_text(o) for c in setup for o in c.get("outputs", []))
    assert "profile: full" in printed, (
        f"{path}: committed outputs must come from the full profile: run `make execute NB={path}`")


def test_widget_state_is_stored(notebook):
    """A widget shows on the website only if its state was saved with the notebook."""
    path, nb = notebook
    views = {o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for c in code_cells(nb) for o in c.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})}
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    missing = views - set(state)
    assert not missing, (f"{path}: {len(missing)} widget(s) without stored state: execute with "
                         "store_widget_state (make execute) so they work on the website")


def test_every_test_file_the_repository_cites_exists():
    """A renamed test file must not leave a stale citation in the code, the docs or the other tests."""
    places = [*(ROOT / "gan_course").rglob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "tests").glob("*.py"),
              *(ROOT / "book").glob("*.md"), ROOT / "README.md", ROOT / "BENCHMARKS.md", ROOT / "Makefile"]
    cited = {m for p in places for m in re.findall(r"tests/test_[a-z0-9_]+\.py", p.read_text(encoding="utf-8"))}
    assert cited and not [c for c in sorted(cited) if not (ROOT / c).is_file()]
