"""Every page on a laptop (1280×900) and on a phone (390×844), as a first-time reader gets it.

Headless Chromium, network off, a fresh profile per page (empty cache). For each page and each
screen: the bytes a first visit loads (before the reader scrolls to a widget, which loads the widget
manager) stay under its limit, every figure fits the text column (and a tap opens
it at full size), a cell's text outputs form one box, a block that scrolls sideways shows a cue,
widget pictures are not shrunk below their drawn size on the laptop (their text is drawn at 11 px
or more: tests/test_figure_text.py), and no page logs an error. A screenshot of each goes to
``_build/screenshots/<page>-<width>.png``. The navigation (☰ and "On this page") is opened and
closed on a chapter and on a text page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from site_pages import SCREENSHOTS, SITE, Page, pages
from test_browser import SCREENS, _known, _open, _wait_for_rendering

#: Bytes transferred on a first visit (uncompressed: what the files weigh).
TEXT_PAGE_LIMIT = 1.5e6
CHAPTER_PAGE_LIMIT = 5e6

SCREEN_JS = r"""() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const column = article.getBoundingClientRect().width;
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const figures = [...article.querySelectorAll('.cell_output img')]
    .filter(i => !i.closest('.jupyter-widgets') && i.naturalWidth > 0 && shown(i));
  // a cell's consecutive text outputs must touch (one box), not stand apart as several boxes
  const split = [];
  for (const out of article.querySelectorAll('.cell_output')) {
    const boxes = [...out.children].filter(e => e.matches('.output.text_plain, .output.stream, .output.stderr') && shown(e));
    for (let k = 1; k < boxes.length; k++) {
      if (boxes[k - 1].nextElementSibling !== boxes[k]) continue;
      const gap = boxes[k].getBoundingClientRect().top - boxes[k - 1].getBoundingClientRect().bottom;
      if (gap > 1) { split.push(boxes[k].innerText.slice(0, 60)); }
    }
  }
  // blocks that scroll sideways without the shadow that says so (course.js, course.css)
  const scrollers = [...article.querySelectorAll('pre, div.math, mjx-container[display="true"]')]
    .filter(e => shown(e) && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible');
  const noCue = scrollers.filter(e => getComputedStyle(e).boxShadow === 'none').map(e => e.innerText.slice(0, 60));
  // player pictures that carry text (gan_course.widgets.players.TEXT_FRAME_CLASS): drawn with text of 11 px or
  // more (tests/test_figure_text.py), they must not be shown smaller than drawn
  const widgetImages = [...article.querySelectorAll('.jupyter-widgets img.gan-text-frame')].filter(i => i.naturalWidth > 0 && shown(i));
  return {
    column,
    page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    wide: figures.filter(i => i.getBoundingClientRect().width > column + 1)
                 .map(i => `${i.getAttribute('src').slice(-24)} ${Math.round(i.getBoundingClientRect().width)} px`),
    zoomable: figures.filter(i => i.classList.contains('gan-zoomable')).length,
    figures: figures.length,
    split, noCue,
    shrunkWidgetImages: widgetImages.filter(i => i.getBoundingClientRect().width < 0.99 * i.naturalWidth)
      .map(i => `${Math.round(i.getBoundingClientRect().width)}/${i.naturalWidth} px`),
  };
}"""


def _weight(requests: list[str], site: Path, prefix: str) -> tuple[int, list[tuple[int, str]]]:
    """Bytes of the distinct local files the page asked for (the local server sends them as they are)."""
    sizes = {}
    for url in dict.fromkeys(requests):
        if not url.startswith(prefix):
            continue
        path = site / unquote(urlsplit(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            sizes[path.relative_to(site).as_posix()] = path.stat().st_size
    return sum(sizes.values()), sorted(((s, n) for n, s in sizes.items()), reverse=True)


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("spec", pages(), ids=lambda p: p.name)
def test_page_on_screen(browser, server, spec: Page, width: str):
    if not (SITE / spec.html).is_file():
        pytest.fail(f"{spec.html} was not built", pytrace=False)
    requests: list[str] = []
    context, page, errors, blocked = _open(browser, f"{server}/{spec.html}", f"{server}/", SCREENS[width], requests)
    try:
        # what a first visit loads before the reader scrolls: the page, its styles and scripts, MathJax and
        # its fonts, the images (the widget manager comes when a widget nears the screen: course.js)
        if spec.math:
            page.wait_for_selector("mjx-container", state="attached", timeout=120_000)
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=120_000)
        page.wait_for_timeout(500)
        first_visit = list(requests)
        _wait_for_rendering(page, spec)
        page.wait_for_timeout(300)  # course.js's scroll cues are set 200 ms after the last change
        state = page.evaluate(SCREEN_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{spec.name}-{width}.png"))
        zoom = None
        if state["figures"]:  # a tap on a figure opens it at its drawn size, Escape closes it
            figure = page.locator(".cell_output img.gan-zoomable").first
            figure.scroll_into_view_if_needed()
            figure.click()
            page.wait_for_selector("dialog.gan-lightbox[open]", timeout=5_000)
            zoom = page.evaluate("""() => { const i = document.querySelector('dialog.gan-lightbox img');
                                   return [i.getBoundingClientRect().width, i.naturalWidth]; }""")
            page.keyboard.press("Escape")
            page.wait_for_selector("dialog.gan-lightbox", state="hidden", timeout=5_000)
    finally:
        context.close()
    where = f"{spec.html} at {width} px"
    unexpected = [e for e in errors if not _known(e)]
    assert not unexpected, f"{where}: console or page errors: {unexpected}"
    assert not blocked, f"{where} asked the internet for {blocked}"
    total, files = _weight(first_visit, SITE, f"{server}/")
    limit = CHAPTER_PAGE_LIMIT if spec.notebook else TEXT_PAGE_LIMIT
    heavy = (f"{where}: loads {total / 1e6:.2f} MB, over {limit / 1e6:.1f} MB; largest: "
             + ", ".join(f"{n} ({s / 1e6:.2f} MB)" for s, n in files[:6]))
    assert state["page"] <= state["viewport"], f"{where}: the page scrolls sideways ({state['page']} px)"
    assert not state["wide"], f"{where}: figures wider than the {state['column']:.0f} px column: {state['wide'][:5]}"
    assert state["zoomable"] == state["figures"], f"{where}: {state['figures'] - state['zoomable']} figure(s) cannot be tapped open"
    if zoom is not None:
        assert abs(zoom[0] - zoom[1]) <= 1, f"{where}: the tapped figure opened at {zoom[0]:.0f} px, not its {zoom[1]} px"
    assert not state["split"], f"{where}: cells whose text outputs are split into several boxes: {state['split'][:5]}"
    assert not state["noCue"], f"{where}: blocks that scroll sideways with no visible cue: {state['noCue'][:5]}"
    if width == "1280":
        assert not state["shrunkWidgetImages"], (
            f"{where}: widget pictures shrunk below their drawn size (their text under 11 px): "
            f"{state['shrunkWidgetImages'][:5]}")
    assert total <= limit, heavy


def _nav_pages() -> list[Page]:
    every = pages()
    chapters = [p for p in every if p.source.startswith("notebooks/")]
    text = [p for p in every if not p.notebook and p.source != every[0].source]
    return chapters[:1] + text[:1]


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("spec", _nav_pages(), ids=lambda p: p.name)
def test_navigation_opens_and_closes(browser, server, spec: Page, width: str):
    """☰ opens the site's contents (a drawer on a phone; on a laptop it hides and shows the sidebar), and
    "On this page" opens the page's sections, at both widths (at 1280 px the list has no room beside the
    text, so it opens from its button as on a phone)."""
    context, page, errors, _ = _open(browser, f"{server}/{spec.html}", f"{server}/", SCREENS[width])
    where = f"{spec.html} at {width} px"
    try:
        page.wait_for_load_state("load")
        menu = page.locator(".bd-header-article .primary-toggle")
        assert menu.is_visible(), f"{where}: no visible ☰ button"
        visible_search = page.evaluate("""() => [...document.querySelectorAll('.search-button-field, .search-button')]
                                          .filter(b => b.getBoundingClientRect().width > 0).length""")
        assert visible_search == 1, f"{where}: {visible_search} search buttons visible, expected one"
        menu.click()
        if int(width) < 992:  # the drawer, with the book's contents
            page.wait_for_selector("#pst-primary-sidebar-modal[open]", timeout=5_000)
            links = page.locator("#pst-primary-sidebar-modal a.reference")
            assert links.count() > 5 and links.first.is_visible(), f"{where}: the drawer shows no chapter links"
            page.keyboard.press("Escape")
            page.wait_for_selector("#pst-primary-sidebar-modal[open]", state="detached", timeout=5_000)
        else:  # the sidebar hides, and comes back
            page.wait_for_function("() => document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
                                   timeout=5_000)
            menu.click()
            page.wait_for_function("() => !document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
                                   timeout=5_000)
        toc = page.locator(".bd-header-article .secondary-toggle")
        assert toc.is_visible(), f"{where}: no visible 'On this page' button"
        toc.click()
        page.wait_for_selector("#pst-secondary-sidebar-modal[open]", timeout=5_000)
        entries = page.locator("#pst-secondary-sidebar-modal a")
        assert entries.count() > 0 and entries.first.is_visible(), f"{where}: 'On this page' opened empty"
        page.screenshot(path=str(SCREENSHOTS / f"{spec.name}-{width}-on-this-page.png"))
        page.keyboard.press("Escape")
        page.wait_for_selector("#pst-secondary-sidebar-modal[open]", state="detached", timeout=5_000)
    finally:
        context.close()
    unexpected = [e for e in errors if not _known(e)]
    assert not unexpected, f"{where}: console or page errors: {unexpected}"


def test_every_widget_is_an_ipywidgets_8_model():
    """The site's widget manager is served without its ipywidgets 7 models (scripts/site_assets.py)."""
    import json

    from site_pages import ROOT

    old = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb")):
        state = json.loads(path.read_text()).get("metadata", {}).get("widgets", {}).get(
            "application/vnd.jupyter.widget-state+json", {}).get("state", {})
        old += [f"{path.name}: {m.get('model_name')} {m.get('model_module_version')}" for m in state.values()
                if not str(m.get("model_module_version", "2")).startswith("2")]
    assert not old, f"saved widgets of ipywidgets 7 (the site cannot render them): {old[:5]}"


@pytest.mark.parametrize("width", SCREENS)
def test_dark_mode_has_no_light_panels(browser, server, width: str):
    """In dark mode a widget sits on the page's own background, not on a light-grey panel."""
    candidates = [p for p in pages() if p.widgets]
    if not candidates:
        pytest.skip("no page has saved widgets")
    spec = candidates[0]
    context = browser.new_context(viewport={"width": SCREENS[width][0], "height": SCREENS[width][1]},
                                  color_scheme="dark")
    page = context.new_page()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(f"{server}/") else r.abort())
    try:
        page.goto(f"{server}/{spec.html}", wait_until="load")
        _wait_for_rendering(page, spec)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        light = page.evaluate("""() => [...document.querySelectorAll('.cell_output .widget-subarea, .cell_output .jupyter-widgets')]
          .map(e => getComputedStyle(e).backgroundColor)
          .filter(c => { const m = c.match(/[\\d.]+/g).map(Number);
                         return (m.length < 4 || m[3] > 0.1) && (0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2]) > 160; })""")
        page.screenshot(path=str(SCREENSHOTS / f"{spec.name}-{width}-dark.png"))
    finally:
        context.close()
    assert not light, f"{spec.html} in dark mode at {width} px: widgets on light panels ({light[:3]})"
