"""Open every page of the built site in a headless Chromium with the network off.

Every request that does not go to the local server (127.0.0.1) or to a local file
is aborted, so a page that still needs a CDN (MathJax, require.js, the widget
manager, fonts) fails here. What a page must show comes from its source
(``conftest.Page``): images if a cell has image outputs, widget views if the
notebook saved widget state, rendered math if the Markdown has ``$...$``.
A screenshot of each chapter goes to ``_build/screenshots/`` for reviewers.
"""

from __future__ import annotations

import pytest

from site_pages import SCREENSHOTS, SITE, Page, notebook_pages, pages

import sync_setup_cells  # noqa: E402  (conftest puts scripts/ on sys.path)

#: Console errors that are known and harmless, each with the reason. Anything else fails.
KNOWN_CONSOLE_ERRORS = {
    # (none left: the theme's "Got invalid theme mode" on a first visit is prevented by scripts/site_assets.py
    # FIRST_VISIT_MODE_JS, and thebe's duplicate THEBE_JS_URL by not loading thebe at all)
}

FIRST_SCREEN_PX = 900  # the viewport's height below
PAGE_TIMEOUT_MS = 120_000  # a long chapter with many widgets on a busy 2-core machine


def _known(message: str) -> bool:
    return any(known in message for known in KNOWN_CONSOLE_ERRORS)


#: The two screens every check runs at: a laptop, and a phone (an iPhone 12-15's CSS pixels).
DESKTOP = (1280, 900)
PHONE = (390, 844)
SCREENS = {"1280": DESKTOP, "390": PHONE}


def _open(browser, url: str, local_prefix: str, viewport: tuple[int, int] = DESKTOP, requests: list | None = None):
    """A new page at ``url`` in a fresh browser context (a first visit: empty cache and storage);
    returns (context, page, console errors, blocked requests). ``requests`` collects every URL asked for."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  has_touch=viewport[0] < 768, is_mobile=False)
    page = context.new_page()
    errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))

    def route(r):
        u = r.request.url
        if requests is not None:
            requests.append(u)
        if u.startswith(local_prefix) or u.startswith("data:") or u.startswith("blob:"):
            r.continue_()
        else:  # the network is off: anything else would come from the internet
            blocked.append(u)
            r.abort()

    context.route("**/*", route)
    page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
    return context, page, errors, blocked


def _wait_for_rendering(page, spec: Page) -> None:
    if spec.math:
        page.wait_for_selector("mjx-container", state="attached", timeout=PAGE_TIMEOUT_MS)
    if spec.widgets:  # every saved view replaced by a rendered widget
        # the widget manager loads when a widget comes near the screen (book/_static/course.js): go to the
        # first widget, as a reader does, then back to the top
        page.evaluate("""() => { const v = document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]');
                                 if (v) { (v.parentElement || v).scrollIntoView(); } }""")
        page.wait_for_function(
            """() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
                     .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets'))""",
            timeout=PAGE_TIMEOUT_MS)
        page.evaluate("window.scrollTo(0, 0)")
    # every image has loaded or failed (a failed one is reported by the checks below)
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=PAGE_TIMEOUT_MS)


STATE_JS = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const imgs = [...document.querySelectorAll('img')];
  const outputImgs = [...document.querySelectorAll('.cell_output img')];
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const bars = [...document.querySelectorAll('.widget-hprogress .progress-bar, .widget-vprogress .progress-bar')];
  const outputs = [...document.querySelectorAll('.cell_output')].map(e => e.innerText).join('\\n');
  return {
    brokenImages: imgs.filter(i => i.complete && i.naturalWidth === 0).map(i => i.getAttribute('src').slice(0, 120)),
    visibleOutputImages: outputImgs.filter(i => i.complete && i.naturalWidth > 0 && visible(i)).length,
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    views: views.length,
    rendered: views.filter(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets')).length,
    bars: bars.length,
    outputText: outputs,
    widgetManager: [...document.scripts].some(s => (s.getAttribute('src') || '').includes('embed-amd.js')),
    tracebacks: document.querySelectorAll('.cell_output .traceback, .output.traceback').length
                + (outputs.includes('Traceback (most recent call last)') ? 1 : 0),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    // where each link first shows (px from the top of the page), for the header bar's links
    linkTops: Object.fromEntries([...document.querySelectorAll('article a[href]')].reverse()
      .map(a => [a.href, a.getBoundingClientRect().top + window.scrollY])),
    runTimeTop: (() => { const el = [...document.querySelectorAll('article strong')].find(e => e.innerText.startsWith('Run time'));
                         return el ? el.getBoundingClientRect().top + window.scrollY : null; })(),
  };
}"""


@pytest.mark.parametrize("spec", pages(), ids=lambda p: p.name)
def test_page_offline(browser, server, spec: Page):
    if not (SITE / spec.html).is_file():
        pytest.fail(f"{spec.html} was not built although _toc.yml lists {spec.source}", pytrace=False)
    context, page, errors, blocked = _open(browser, f"{server}/{spec.html}", f"{server}/")
    try:
        _wait_for_rendering(page, spec)
        state = page.evaluate(STATE_JS)
        if spec.notebook:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{spec.name}.png"))
    finally:
        context.close()

    where = f"{spec.html} (from {spec.source})"
    assert not blocked, f"{where} asked the internet for {blocked}: serve these from the site itself"
    unexpected = [e for e in errors if not _known(e)]
    assert not unexpected, f"{where}: unexpected console errors: {unexpected}"
    assert not state["brokenImages"], f"{where}: images that did not load: {state['brokenImages']}"
    assert state["tracebacks"] == 0, f"{where}: a cell output shows a traceback"
    if spec.math:
        assert state["math"] > 0, f"{where}: the page has $...$ math but MathJax rendered none"
        assert state["mathErrors"] == 0, f"{where}: MathJax reports {state['mathErrors']} formula error(s)"
    if spec.images:
        assert state["visibleOutputImages"] > 0, f"{where}: no output image is visible"
    if spec.widgets:
        assert state["views"] > 0 and state["rendered"] == state["views"], (
            f"{where}: {state['rendered']} of {state['views']} saved widget views rendered")
    if spec.progress:  # finished tqdm bars: one static line of text each, no frozen widget
        assert state["bars"] == 0, f"{where}: {state['bars']} finished progress bar(s) still drawn as widgets"
        missing = [line for line in spec.progress if line not in state["outputText"]]
        assert not missing, f"{where}: finished progress bars not shown as their last line: {missing[:3]}"
    assert state["widgetManager"] == spec.widgets, (
        f"{where}: the widget manager is {'' if state['widgetManager'] else 'not '}loaded, but the page has "
        f"{'' if spec.widgets else 'no '}widgets other than finished progress bars")
    if spec.notebook:
        colab = sync_setup_cells.colab_url(spec.source)
        count = state["links"].count(colab)
        expected = 2 if spec.badge else 1  # the badge in the page, and the theme's launch button
        assert count >= expected, (f"{where}: expected {expected} link(s) to {colab} (Colab badge and launch "
                                   f"button), found {count}")
    if spec.badge:  # the header bar, on the first screen: Colab, Kaggle, download, run time
        for link in (sync_setup_cells.colab_url(spec.source), sync_setup_cells.kaggle_url(spec.source),
                     sync_setup_cells.download_url(spec.source)):
            top = state["linkTops"].get(link)
            assert top is not None and top < FIRST_SCREEN_PX, (
                f"{where}: the header bar's link {link} is missing or below the first screen (at {top} px)")
        assert state["runTimeTop"] is not None and state["runTimeTop"] < FIRST_SCREEN_PX, (
            f"{where}: no 'Run time' line on the first screen (at {state['runTimeTop']} px)")


def test_intro_links_every_chapter(browser, server):
    """The home page's chapter table links every chapter of the book."""
    home = pages()[0]  # _toc.yml's root (index.html only redirects to it)
    context, page, _, _ = _open(browser, f"{server}/{home.html}", f"{server}/")
    try:
        links = page.evaluate("() => [...document.querySelectorAll('article a[href]')].map(a => a.href)")
    finally:
        context.close()
    missing = [p.html for p in notebook_pages() if p.source.startswith("notebooks/")
               and not any(link.split("#")[0] == f"{server}/{p.html}" for link in links)]
    assert not missing, f"{home.html} (from {home.source}) does not link these chapters: {missing}"


def test_widgets_and_math_from_file_url(browser, site):
    """The same page opened from disk (file://), no server and no network, still renders."""
    candidates = [p for p in notebook_pages() if p.widgets and p.math]
    if not candidates:
        pytest.skip("no page has both saved widgets and math yet")
    spec = candidates[0]
    path = (site / spec.html).resolve()
    context, page, errors, blocked = _open(browser, path.as_uri(), "file://")
    try:
        _wait_for_rendering(page, spec)
        state = page.evaluate(STATE_JS)
    finally:
        context.close()
    assert not blocked, f"{path.as_uri()} asked the internet for {blocked}"
    assert state["math"] > 0 and state["mathErrors"] == 0, "math did not render from file://"
    assert state["views"] > 0 and state["rendered"] == state["views"], (
        f"from file:// {state['rendered']} of {state['views']} widget views rendered")
    unexpected = [e for e in errors if not _known(e)]
    assert not unexpected, f"{path.as_uri()}: unexpected console errors: {unexpected}"
