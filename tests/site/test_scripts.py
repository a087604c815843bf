"""The site's helper scripts: pinned assets, run times from notebook metadata, badge cells."""

from __future__ import annotations

import copy
import io
import json
import re
import tarfile

import pytest

import run_times  # noqa: E402  (conftest puts scripts/ on sys.path)
import site_assets  # noqa: E402
import sync_setup_cells  # noqa: E402


def test_pins_are_exact_and_sha512():
    for pin in site_assets.PINS:
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin.version), f"{pin.package}: pin an exact version"
        assert pin.integrity.startswith("sha512-") and len(pin.integrity) == 95, pin.package


def _tarball(tmp_path, files: dict[str, bytes], name: str):
    path = tmp_path / name
    with tarfile.open(path, "w:gz") as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(f"package/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_cached_tarball_is_verified_and_unpacked(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    tgz = _tarball(cache, {"dist/a.js": b"ok", "dist/x.woff2": b"font", "README.md": b"no"}, "demo-1.0.0.tgz")
    pin = site_assets.Pin("demo", "1.0.0", site_assets.sri_sha512(tgz), ("dist/a.js", "dist/*.woff2"))
    assert site_assets.fetch(pin, cache) == tgz  # in the cache and matching: no npm needed
    written = site_assets.unpack(pin, tgz, tmp_path / "out")
    assert sorted(p.name for p in written) == ["a.js", "x.woff2"]
    bad = site_assets.Pin("demo", "1.0.0", pin.integrity, ("dist/missing.js",))
    with pytest.raises(site_assets.AssetError, match="no file matching"):
        site_assets.unpack(bad, tgz, tmp_path / "out")


def _timed_notebook(starts_ends: list[tuple[str, str]], setup_text: str) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Chapter 9 — Test"}]
    for i, (start, end) in enumerate(starts_ends, 1):
        cells.append({"cell_type": "code", "execution_count": i, "source": f"x = {i}",
                      "metadata": {"execution": {"iopub.execute_input": start, "shell.execute_reply": end}},
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": setup_text}] if i == 1 else []})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_run_time_from_cell_metadata(tmp_path):
    nb = _timed_notebook([("2026-01-01T10:00:00.000Z", "2026-01-01T10:00:01.000Z"),
                          ("2026-01-01T10:00:01.500Z", "2026-01-01T10:02:31.500Z")],
                         "profile: full | seed: 0 | device: cpu (x86_64 CPU, 2 cores) | precision: float32\n")
    path = tmp_path / "09_test.ipynb"
    path.write_text(json.dumps(nb))
    r = run_times.read(path)
    assert r.seconds == pytest.approx(151.5) and r.longest == (150.0, 2)
    assert (r.profile, r.device, r.complete) == ("full", "cpu (x86_64 CPU, 2 cores)", True)
    assert "2.5 min" in run_times.table([r])
    unrun = copy.deepcopy(nb)
    unrun["cells"][2]["execution_count"] = None
    path.write_text(json.dumps(unrun))
    assert "| out of date |" in run_times.table([run_times.read(path)])
    for cell in unrun["cells"][1:]:
        cell["metadata"] = {}
        cell["execution_count"] = None
    path.write_text(json.dumps(unrun))
    assert "not run yet" in run_times.table([run_times.read(path)])


def test_badge_sync_keeps_setup_outputs_and_is_idempotent():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Chapter 9 — Test"}]
          + sync_setup_cells.setup_cells()
          + [{"cell_type": "code", "metadata": {}, "source": "1", "outputs": [], "execution_count": 3}]}
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "profile: full"}]
    nb["cells"][2]["execution_count"] = 2
    assert sync_setup_cells.sync(nb, "notebooks/09_test.ipynb")
    assert [c.get("metadata", {}).get("tags") for c in nb["cells"][:4]] == [None, ["colab-badge"], ["setup"], ["setup"]]
    assert nb["cells"][3]["outputs"] and nb["cells"][3]["execution_count"] == 2  # kept
    assert "notebooks/09_test.ipynb" in "".join(nb["cells"][1]["source"])
    assert not sync_setup_cells.sync(nb, "notebooks/09_test.ipynb")  # nothing left to do
