"""Every page reads well from a wide screen to a phone (headless Chromium, network off).

At 1280 px wide (a laptop): at most 10% of the code and output blocks scroll sideways,
no display equation is wider than its column, no TeX shows as raw text (a line of a
formula that Markdown turned into something else), no text needs a font the site lacks,
show_source listings are collapsed behind their one-line summary, and figures are shown at their drawn size
(so their text is at least 9 px tall). At 390 px (a phone): the page itself
never scrolls sideways, and figures fit the column (scaled; a tap opens one at its drawn size:
tests/site/test_screens.py).
"""

from __future__ import annotations

import pytest

from site_pages import SITE, Page, pages
from test_browser import _open, _wait_for_rendering

MAX_SCROLLING_BLOCKS = 0.10
#: The package's smallest figure font is 7 pt at 100 dpi, 9.7 px: shown at this scale or more it stays >= 9 px.
MIN_FIGURE_SCALE = 9 / (7 / 72 * 100)

LAYOUT_JS = r"""() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const blocks = [...article.querySelectorAll('pre')].filter(shown);
  const equations = [...article.querySelectorAll('mjx-container[display="true"]')].filter(shown);
  // text outside code, math and scripts that still looks like TeX
  const tex = /\\(mathcal|mathbb|frac|lambda|sum|int|log|text|big|left|right|begin|end)\b|\$\$/;
  const raw = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('pre, code, mjx-container, script, style, .cell_output, .MathJax, math')) continue;
    if (tex.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 100));
  }
  const openListings = [...article.querySelectorAll('details.gan-source')].filter(d => d.open).length;
  const listings = [...article.querySelectorAll('details.gan-source')].map(d => d.querySelector('summary'))
    .filter(sm => sm && sm.getBoundingClientRect().height > 3 * 1.6 * parseFloat(getComputedStyle(sm).fontSize));
  // scripts the site has no font for (Hangul, kana, CJK ideographs): they show as empty boxes
  const noFont = (article.innerText.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+/g) || []);
  const figures = [...article.querySelectorAll('.cell_output > img')].filter(i => i.naturalWidth > 0 && shown(i));
  return {
    blocks: blocks.length,
    scrolling: blocks.filter(p => p.scrollWidth > p.clientWidth + 1)
                     .map(p => p.innerText.split('\n').sort((a, b) => b.length - a.length)[0].slice(0, 100)),
    wideEquations: equations.filter(m => m.scrollWidth > m.clientWidth + 1)
                            .map(m => m.textContent.slice(0, 80)),
    pastEdge: equations.filter(m => m.getBoundingClientRect().right > window.innerWidth + 1).length,
    rawTex: raw,
    openListings, longSummaries: listings.length, noFont,
    page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    overColumn: figures.filter(i => i.getBoundingClientRect().width > article.getBoundingClientRect().width + 1)
                   .map(i => `${i.getAttribute('src').slice(-20)} ${Math.round(i.getBoundingClientRect().width)}/${i.naturalWidth}`),
    scales: figures.map(i => [i.getAttribute('src').slice(-20), i.getBoundingClientRect().width / i.naturalWidth]),
  };
}"""


def _layout(browser, server, spec: Page, width: int) -> dict:
    if not (SITE / spec.html).is_file():
        pytest.fail(f"{spec.html} was not built", pytrace=False)
    context, page, _, _ = _open(browser, f"{server}/{spec.html}", f"{server}/")
    try:
        page.set_viewport_size({"width": width, "height": 900})
        _wait_for_rendering(page, spec)
        return page.evaluate(LAYOUT_JS)
    finally:
        context.close()


@pytest.mark.parametrize("spec", pages(), ids=lambda p: p.name)
def test_wide_screen(browser, server, spec: Page):
    state = _layout(browser, server, spec, 1280)
    where = f"{spec.html} at 1280 px"
    if state["blocks"]:
        share = len(state["scrolling"]) / state["blocks"]
        assert share <= MAX_SCROLLING_BLOCKS, (
            f"{where}: {len(state['scrolling'])} of {state['blocks']} code/output blocks scroll sideways "
            f"(at most {MAX_SCROLLING_BLOCKS:.0%}), e.g. {state['scrolling'][:3]}")
    assert not state["wideEquations"], f"{where}: display equations wider than the column: {state['wideEquations']}"
    assert not state["rawTex"], f"{where}: TeX shown as text (not typeset): {state['rawTex'][:5]}"
    assert state["page"] <= state["viewport"], f"{where}: the page scrolls sideways ({state['page']} px)"
    assert not state["noFont"], f"{where}: text in a script the site has no font for: {state['noFont'][:5]}"
    assert state["openListings"] == 0, f"{where}: {state['openListings']} show_source listing(s) open by default"
    assert state["longSummaries"] == 0, f"{where}: show_source summaries longer than a line or two"
    # figures are drawn about 940 px wide with fonts of at least 7 pt at 100 dpi (tests/test_figure_sizes.py), so
    # their text stays at least 9 px tall on the screen as long as they are not shrunk below MIN_FIGURE_SCALE
    small = [f"{src} at {scale:.0%}" for src, scale in state["scales"] if scale < MIN_FIGURE_SCALE]
    assert not small, f"{where}: figures shrunk so far that their smallest text is under 9 px: {small[:5]}"


@pytest.mark.parametrize("spec", pages(), ids=lambda p: p.name)
def test_phone(browser, server, spec: Page):
    state = _layout(browser, server, spec, 390)
    where = f"{spec.html} at 390 px"
    assert state["page"] <= state["viewport"], (
        f"{where}: the page scrolls sideways ({state['page']} px wide in a {state['viewport']} px screen)")
    assert state["pastEdge"] == 0, f"{where}: {state['pastEdge']} display equation(s) run past the screen's edge"
    # issue 24: a figure kept at its drawn size showed 40-70% of itself in a 358 px column; it now fits
    # the column and opens at full size on a tap
    assert not state["overColumn"], f"{where}: figures wider than the text column: {state['overColumn'][:5]}"
