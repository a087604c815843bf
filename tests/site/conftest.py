"""Fixtures for the checks of the *built* website (``_build/html``).

These tests need a built site, so ``make test`` runs them after ``jupyter-book
build`` (and keeps them out of its first pytest run with ``--ignore=tests/site``).
Run by hand, after ``make book``::

    .venv/bin/python -m pytest -p no:xdist tests/site

Without a built site they are skipped, unless ``GAN_COURSE_SITE_REQUIRED=1``
(what ``make test`` sets), where a missing site is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # site_pages, next to this file

from site_pages import ROOT, SITE  # noqa: E402

CHROMIUM = os.environ.get("GAN_COURSE_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("GAN_COURSE_SITE_REQUIRED", "") not in ("", "0")

sys.path.insert(0, str(ROOT / "scripts"))


def pytest_collection_modifyitems(config, items):
    """Run only when asked for: ``pytest tests/site`` (or make test / make site-check), not ``pytest tests``."""
    here = Path(__file__).resolve().parent
    asked = any(here == Path(str(a).split("::")[0]).resolve() or here in Path(str(a).split("::")[0]).resolve().parents
                for a in config.args)
    if asked or REQUIRED:
        return
    skip = pytest.mark.skip(reason="checks of the built site: run `make site-check` or `pytest tests/site`")
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


def _missing(reason: str):
    if REQUIRED:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        _missing(f"no built site in {SITE}: run `make book` first")
    return SITE


# ------------------------------------------------------------------ server
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="session")
def server(site) -> str:
    """The built site over HTTP on 127.0.0.1, at a free port; yields the base URL."""
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# ----------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def browser(site):
    """Debian's Chromium driven by Playwright (never `playwright install`), headless."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed in this environment (pip install playwright)")
    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not executable:
        _missing(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
                 "or set GAN_COURSE_CHROMIUM to a Chromium binary")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, headless=True,
            # headless-friendly: no sandbox (root in CI containers), no GPU, /tmp instead of a small /dev/shm
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield browser
        browser.close()
