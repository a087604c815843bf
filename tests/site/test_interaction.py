"""Use every control of every saved widget on the built site, the way a reader does.

For each page with saved widget views, in headless Chromium with the network off,
from the local server and from ``file://``: every slider is moved with the keyboard,
every player's ▶ is pressed, and every drop-down is changed; after each, the
picture (the ``src`` of the visible images) or a label (the visible text of the
widget, the slider's own read-out excluded) must have changed, and the page must
not have thrown. The controls are found on the page, never listed per chapter.
"""

from __future__ import annotations

import pytest

from site_pages import SITE, Page, notebook_pages
from test_browser import SCREENS, _known, _open, _wait_for_rendering

WIDGET_PAGES = [p for p in notebook_pages() if p.widgets]

#: What the reader sees of one rendered widget: a hash of the visible images' sources and of
#: its visible text, read-outs of sliders (which move with the handle by themselves) left out.
SIGNATURE_JS = """(root) => {
  const visible = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const parts = [...root.querySelectorAll('img')].filter(visible).map(i => i.src);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el && !el.closest('.widget-readout, button, select, .widget-dropdown') && visible(el)) parts.push(n.textContent);
  }
  let h = 0; const s = parts.join('\\u0001');
  for (let i = 0; i < s.length; i++) { h = (h * 31 + s.charCodeAt(i)) | 0; }
  return h + ':' + s.length;
}"""

#: The top-level rendered widgets (what each saved view became) and their controls.
CONTROLS_JS = """() => {
  const roots = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
    .map(s => s.previousElementSibling).filter(Boolean);
  return roots.map((root, i) => {
    root.setAttribute('data-test-root', String(i));
    return {
      index: i,
      sliders: root.querySelectorAll('.widget-slider .noUi-handle, .widget-hslider .noUi-handle').length,
      plays: root.querySelectorAll('.widget-play').length,
      dropdowns: root.querySelectorAll('.widget-dropdown select').length,
    };
  });
}"""


def _signature(page, root: int) -> str:
    return page.eval_on_selector(f'[data-test-root="{root}"]', SIGNATURE_JS)


def _changed(page, root: int, before: str, timeout_ms: int = 10_000) -> bool:
    try:
        page.wait_for_function(f"""() => ({SIGNATURE_JS})(document.querySelector('[data-test-root="{root}"]')) !== {before!r}""",
                               timeout=timeout_ms)
        return True
    except Exception:  # playwright's TimeoutError
        return False


def _exercise(page, where: str) -> list[str]:
    """Move every control on the page; the failures, one line each."""
    failures = []
    roots = page.evaluate(CONTROLS_JS)
    for root in roots:
        sel = f'[data-test-root="{root["index"]}"]'
        for k in range(root["sliders"]):
            handle = page.locator(f"{sel} .noUi-handle").nth(k)
            at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            before = _signature(page, root["index"])
            handle.focus()
            handle.press("ArrowLeft" if at_max else "ArrowRight")
            if not _changed(page, root["index"], before):
                failures.append(f"{where}: widget {root['index']}: moving slider {k} by keyboard changed nothing")
        for k in range(root["plays"]):
            play = page.locator(f"{sel} .widget-play").nth(k)
            before = _signature(page, root["index"])
            play.locator("button").first.click()
            ok = _changed(page, root["index"], before)
            play.locator("button").nth(1).click()  # stop
            if not ok:
                failures.append(f"{where}: widget {root['index']}: pressing ▶ of player {k} changed nothing")
        for k in range(root["dropdowns"]):
            select = page.locator(f"{sel} .widget-dropdown select").nth(k)
            values = select.evaluate("s => [...s.options].map(o => o.value)")
            current = select.evaluate("s => s.value")
            others = [v for v in values if v != current]
            if not others:
                continue
            before = _signature(page, root["index"])
            select.select_option(others[-1])
            if not _changed(page, root["index"], before):
                failures.append(f"{where}: widget {root['index']}: choosing another option in drop-down {k} "
                                "changed nothing")
    return failures


def _check(browser, url: str, prefix: str, spec: Page, viewport=SCREENS["1280"]) -> None:
    context, page, errors, blocked = _open(browser, url, prefix, viewport)
    try:
        _wait_for_rendering(page, spec)
        failures = _exercise(page, url)
        controls = page.evaluate(CONTROLS_JS)
    finally:
        context.close()
    assert not blocked, f"{url} asked the internet for {blocked}"
    assert sum(r["sliders"] + r["plays"] + r["dropdowns"] for r in controls) > 0, (
        f"{url}: the notebook saved widgets, but no slider, player or drop-down rendered")
    unexpected = [e for e in errors if not _known(e)]
    assert not failures and not unexpected, "\n".join(failures + [f"page error: {e}" for e in unexpected])


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("spec", WIDGET_PAGES, ids=lambda p: p.name)
def test_every_control_responds(browser, server, spec: Page, width: str):
    """Every control, on a laptop and on a phone (390 px: selection sliders must keep a usable track)."""
    _check(browser, f"{server}/{spec.html}", f"{server}/", spec, SCREENS[width])


@pytest.mark.parametrize("spec", WIDGET_PAGES, ids=lambda p: p.name)
def test_every_control_responds_from_file_url(browser, site, spec: Page):
    _check(browser, (SITE / spec.html).resolve().as_uri(), "file://", spec)
