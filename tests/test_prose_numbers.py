"""Every number the prose reports about a run appears in the chapter's own outputs.

The chapters' outputs come from one full-profile run; the prose around them must not
quote a number, a duration or a comparison that the run did not print. Checked here,
on the saved notebooks, for every chapter and book page that is a notebook:

* every decimal number in the prose (outside math, code and citations);
* every duration ("614 s", "5.3 min", "ten minutes"): its number must be printed, and a
  duration spelled out in words cannot be, so it is refused;
* every number of two or more digits in a sentence that compares ("every", "all",
  "higher than", "below", ...).

Numbers that are not results (a paper's setting, a constant, a formula's value) are
listed in ALLOWED with the reason; keep that list short.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from test_notebooks_static import output_text, prose_lines, source

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("book/*.ipynb")])

NUMBER = re.compile(r"(?<![\w.\-])(\d{1,3}(?:[,\u202f\u2009 ]\d{3})+|\d+)(\.\d+)?(?![\w])")
UNIT = r"(?:s|ms|seconds?|min|minutes?|hours?)\b"
DURATION = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\u202f\u2009 ]\d{3})+|\d+(?:\.\d+)?)\s*(?:-|–|to)?\s*" + UNIT)
SPELLED = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
                     r"(?:\s+(?:to|or)\s+\w+)?\s+" + UNIT, re.I)
COMPARES = re.compile(r"\b(every (?:seed|run|FD|score|row|model|generator|arm)|all (?:seeds|runs|rows|models|arms)|"
                      r"higher than|lower than|more than|fewer than|less than|better than|worse than|below|above|"
                      r"never|always)\b", re.I)
# a number followed by one of these is a setting of the run (its size), not a result
SETTING = re.compile(r"\s*(?:[a-z]+\s+)?(?:steps?|images?|points?|vectors?|batch(?:es)?|samples?|pixels?|px|units|channels|"
                     r"layers?|epochs?|bits|classes|modes|seeds?|runs?|noise)\b")

# page -> numbers that are not results of the run, each with its reason
ALLOWED: dict[str, dict[str, str]] = {
    "*": {"0.5": "Adam's beta1 (DCGAN's setting)", "0.9": "Adam's default beta1", "0.999": "Adam's beta2",
          "0.02": "DCGAN's init std / the ring's std", "0.2": "LeakyReLU slope", "0.693": "log 2",
          "2.30": "log 10", "1.5": "a chosen example value", "3.5": "28 halved three times", "100": "a whole, in %"},
    "notebooks/01_minimax_theory.ipynb": {"1.2": "the example p_g's standard deviation",
                                          "0.9": "an example of a density value"},
    "notebooks/02_vanilla_gan.ipynb": {"8.3": "float16's saturation point (a property of the format)",
                                       "7.1": "sqrt(50)"},
    "notebooks/03_conditional_gan.ipynb": {"0.03": "a standard error computed in the text",
                                           "0.004": "a standard error computed in the text",
                                           "0.8": "a threshold the exercise chooses"},
    "notebooks/05_infogan.ipynb": {"0.58": "the std of Uniform(-1, 1)", "0.82": "2 log 5 / (log 10 + log 5)",
                                   "0.0": "a setting the exercise asks for", "0.12": "a reading of the printed widths"},
    "notebooks/06_pix2pix.ipynb": {"0.01": "the paper's L1 weight written as a fraction", "10.0": "an exercise's setting",
                                   "1000.0": "an exercise's setting"},
    "notebooks/08_evaluating_gans.ipynb": {"26.5": "a published result (Lucic et al.)", "21.5": "a published result",
                                           "30.7": "a published result", "0.91": "the classifier's test accuracy",
                                           "0.8": "a rounded reading of the printed precision",
                                           "50000": "the sample size papers use", "10000": "the sample size papers use"},
    "book/troubleshooting.ipynb": {"0.95": "the health check's threshold", "0.05": "the health check's threshold"},
}


def _outputs(nb: dict) -> set[str]:
    text = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            text.append(output_text(out))
            for kind in ("text/markdown", "text/html"):
                if kind in out.get("data", {}):
                    text.append(source({"source": out["data"][kind]}))
    return {_plain(m.group(0)) for m in NUMBER.finditer("\n".join(text))}


def _plain(number: str) -> str:
    return re.sub(r"[,\u202f\u2009 ]", "", number)


def _rounded(printed: set[str]) -> set[str]:
    """The printed numbers and every rounding of them to fewer decimals ("74.16" -> "74.2", "74")."""
    out = set(printed)
    for number in printed:
        if "." in number:
            value, places = float(number), len(number.split(".")[1])
            out.update(f"{value:.{d}f}" for d in range(places))
    return out


def _prose(cell: dict) -> str:
    text = source(cell)
    if "generated by scripts/sync_setup_cells.py" in text:  # the header bar: computed from the outputs by a script
        return ""
    text = re.sub(r"```\{(?:admonition|dropdown)\}\s*(?:Solution|Answer).*?\n```", "", text, flags=re.S)
    text = "\n".join(prose_lines(text))
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\{cite:[pt]\}`[^`]*`|\]\([^)]*\)|<!--.*?-->", " ", text,
                  flags=re.S)
    return text


def problems(path: str) -> list[str]:
    nb = json.loads((ROOT / path).read_text())
    printed = _rounded(_outputs(nb))
    allowed = {**ALLOWED["*"], **ALLOWED.get(path, {})}
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for sentence in re.split(r"(?<=[.!?:])\s+", _prose(cell)):
            missing = set()
            for m in NUMBER.finditer(sentence):
                if m.group(2) and _plain(m.group(0)) not in printed | set(allowed):
                    missing.add(m.group(0))
            for m in DURATION.finditer(sentence):
                if _plain(m.group(1)) not in printed | set(allowed):
                    missing.add(m.group(0))
            for m in SPELLED.finditer(sentence):
                missing.add(f"{m.group(0)} (a duration in words cannot come from an output)")
            if COMPARES.search(sentence):
                for m in NUMBER.finditer(sentence):
                    number = _plain(m.group(0))
                    if SETTING.match(sentence, m.end()):
                        continue
                    if len(number.replace(".", "")) >= 2 and number not in printed | set(allowed):
                        missing.add(m.group(0))
            if missing:
                found.append(f"cell {i}: {sorted(missing)} in {' '.join(sentence.split())[:140]!r}")
    return found


@pytest.mark.parametrize("path", PAGES)
def test_numbers_in_the_prose_come_from_the_outputs(path):
    found = problems(path)
    assert not found, f"{path}: the prose quotes numbers that no output of the run prints:\n" + "\n".join(found)


def test_the_check_catches_a_number_and_a_spelled_duration(tmp_path, monkeypatch):
    nb = {"cells": [
        {"cell_type": "code", "source": "print(x)", "outputs": [{"output_type": "stream", "text": "FD 21.93 in 614 s\n"}]},
        {"cell_type": "markdown", "source": "FD 21.93 after 614 s. Training takes six to seven minutes. "
                                            "Every FD here is higher than 11.11."},
    ]}
    (tmp_path / "x.ipynb").write_text(json.dumps(nb))
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    found = "\n".join(problems("x.ipynb"))
    assert "21.93" not in found and "614 s" not in found
    assert "six to seven minutes" in found and "11.11" in found


# ------------------------------------------------------- nothing the reader cannot see
REPO_FILE = re.compile(r"BENCHMARKS\.md|(?<![\w/.])(?:tests|scripts|benchmarks)/[\w./-]+|\bseed notes\b|"
                       r"\bthe (?:study )?notes\b", re.I)


def _reader_pages() -> list[Path]:
    pages = [*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md"),
             *ROOT.glob("book/answers/*.md")]
    return sorted(p for p in pages if p.name != "README.md")


@pytest.mark.parametrize("page", _reader_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reader_facing_page_names_a_repository_file(page):
    """The book stands alone: a reader never sees the tests, scripts, benchmarks file or study notes."""
    if page.suffix == ".ipynb":
        nb = json.loads(page.read_text())
        texts = [source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    else:
        texts = [page.read_text()]
    found = []
    for text in texts:
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # HTML comments are not shown
        found += [m.group(0) for m in REPO_FILE.finditer(text)]
    assert not found, f"{page.relative_to(ROOT)} names what a reader of the book never sees: {found}"
