"""pytest plugin for scripts/gpu_check.py: records every test's outcome to ``$GPU_CHECK_OUTCOMES``.

A bare GPU machine has no notebook stack (ipywidgets, Jupyter). A test that fails
only because one of those modules is missing is recorded as ``skipped`` with the
module's name, so the check reports what the GPU path does, not what the machine
lacks.
"""

from __future__ import annotations

import json
import os

MISSING_OK = ("ipywidgets", "nbformat", "nbclient", "nbconvert", "IPython", "jupyter_client", "playwright",
              "nbmake", "yaml", "pybtex")
_outcomes: dict[str, dict] = {}


def _missing_module(report) -> str | None:
    text = str(getattr(report, "longrepr", "") or "")
    for name in MISSING_OK:
        if f"No module named '{name}" in text:
            return name
    return None


def pytest_runtest_logreport(report):
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    outcome = report.outcome
    missing = _missing_module(report) if outcome == "failed" else None
    if missing:
        outcome = "skipped"
    _outcomes[report.nodeid] = {"outcome": outcome, "missing": missing}


def pytest_collectreport(report):
    if report.outcome == "failed":
        missing = _missing_module(report)
        _outcomes[report.nodeid or "collection"] = {"outcome": "skipped" if missing else "failed",
                                                    "missing": missing}


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("GPU_CHECK_OUTCOMES")
    if path and not hasattr(session.config, "workerinput"):  # the xdist controller (or a plain run) writes
        with open(path, "w") as f:
            json.dump(_outcomes, f)
