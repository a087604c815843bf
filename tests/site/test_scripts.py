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


def test_header_bar_states_where_to_run_what_it_costs_and_what_to_know(tmp_path, monkeypatch):
    nb = _timed_notebook([("2026-01-01T10:00:00.000Z", "2026-01-01T10:00:01.000Z"),
                          ("2026-01-01T10:00:01.000Z", "2026-01-01T10:05:01.000Z")],
                         "profile: full | seed: 0 | device: cpu (x86_64 CPU, 2 cores, 2 torch threads) | x\n")
    nb["cells"][2]["source"] = "USE_PRETRAINED = use_pretrained_default()"
    path = tmp_path / "02_vanilla_gan.ipynb"
    path.write_text(json.dumps(nb))
    monkeypatch.setattr(sync_setup_cells, "GPU_CHECK", tmp_path / "missing.json")
    rel = "notebooks/02_vanilla_gan.ipynb"
    assert sync_setup_cells.sync(nb, rel, path)
    header = "".join(nb["cells"][1]["source"])
    for link in (sync_setup_cells.colab_url(rel), sync_setup_cells.kaggle_url(rel), sync_setup_cells.download_url(rel),
                 sync_setup_cells.colab_url("student/02_vanilla_gan.ipynb"),
                 sync_setup_cells.download_url("student/02_vanilla_gan.ipynb")):
        assert f"]({link})" in header, link
    assert "5 min on x86_64 CPU, 2 cores (full profile)" in header
    assert "GPU" not in header  # nothing measured on a GPU yet
    assert "**Prerequisites:** [chapter 1](01_minimax_theory.ipynb)" in header
    assert "GAN_COURSE_PRETRAINED=1" in header and "USE_PRETRAINED = True" in header
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[2]["outputs"] and code[2]["execution_count"] == 1  # outputs untouched
    assert not sync_setup_cells.sync(nb, rel, path)

    # a measured GPU run of the chapter's model (the registry maps vanilla -> 02_vanilla_gan) shows up
    gpu = tmp_path / "gpu_check.json"
    gpu.write_text(json.dumps({"sections": {"env": {"device": "cuda", "gpu": "NVIDIA H100 80GB HBM3"}},
                               "models": {"vanilla": {"train_seconds": 41.6}, "dcgan": {"train_seconds": 99.0}}}))
    monkeypatch.setattr(sync_setup_cells, "GPU_CHECK", gpu)
    assert sync_setup_cells.sync(nb, rel, path)
    assert "its training 42 s on NVIDIA H100 80GB HBM3" in "".join(nb["cells"][1]["source"])
    # what scripts/gpu_check.py writes: sections.env and sections.train.models
    gpu.write_text(json.dumps({"sections": {"env": {"device": "cuda:0", "gpu": "NVIDIA H200"},
                                            "train": {"models": {"vanilla": {"train_seconds": 30.0}}}}}))
    assert sync_setup_cells.sync(nb, rel, path)
    assert "its training 30 s on NVIDIA H200" in "".join(nb["cells"][1]["source"])
    # a dry run on the CPU is no GPU time
    gpu.write_text(json.dumps({"sections": {"env": {"device": "cpu"},
                                            "train": {"models": {"vanilla": {"train_seconds": 300.0}}}}}))
    assert sync_setup_cells.sync(nb, rel, path)
    assert "its training" not in "".join(nb["cells"][1]["source"])
    # a book page: no student edition, no pretrained switch
    page = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Troubleshooting"}]}
    assert sync_setup_cells.sync(page, "book/troubleshooting.ipynb")
    assert "student/" not in "".join(page["cells"][1]["source"])


def _tqdm_state(done: float, total: float) -> dict:
    def model(name, **state):
        return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}
    return {
        "box": model("HBoxModel", children=["IPY_MODEL_lbl", "IPY_MODEL_bar", "IPY_MODEL_st"], layout="IPY_MODEL_lay"),
        "lbl": model("HTMLModel", value="vanilla-mlp:\u2007100%"),
        "bar": model("FloatProgressModel", value=done, max=total, bar_style="success"),
        "st": model("HTMLModel", value="\u2007600/600\u2007[00:15&lt;00:00,\u200734.30step/s]"),
        "lay": model("LayoutModel"),
        "slider": model("IntSliderModel", value=0), "stack": model("StackModel", children=[]),
        "link": model("LinkModel", source=["IPY_MODEL_slider", "value"], target=["IPY_MODEL_stack", "selected_index"]),
        "vbox": model("VBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_stack"]),
    }


def _view(model_id: str) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.jupyter.widget-view+json": {"model_id": model_id, "version_major": 2},
                     "text/plain": "vanilla-mlp:   0%|          | 0/600"}}


def test_finished_progress_bars_become_their_last_line():
    state = _tqdm_state(600.0, 600.0)
    nb = {"metadata": {"widgets": {site_assets.WIDGET_STATE: {"state": state}}},
          "cells": [{"cell_type": "code", "outputs": [_view("box")]}, {"cell_type": "code", "outputs": [_view("vbox")]}]}
    assert site_assets.static_progress_bars(nb) == 1
    assert nb["cells"][0]["outputs"][0]["data"] == {
        "text/plain": "vanilla-mlp: 100%|██████████| 600/600 [00:15<00:00, 34.30step/s]"}
    kept = nb["metadata"]["widgets"][site_assets.WIDGET_STATE]["state"]
    assert set(kept) == {"slider", "stack", "link", "vbox"}  # the player and its link stay; the bar's models go
    # only progress bars: no widget state at all (the page then loads no widget manager)
    nb = {"metadata": {"widgets": {site_assets.WIDGET_STATE: {"state": _tqdm_state(600.0, 600.0)}}},
          "cells": [{"cell_type": "code", "outputs": [_view("box")]}]}
    assert site_assets.static_progress_bars(nb) == 1 and "widgets" not in nb["metadata"]
    # a bar that stopped early stays a widget: it shows where it stopped
    nb = {"metadata": {"widgets": {site_assets.WIDGET_STATE: {"state": _tqdm_state(300.0, 600.0)}}},
          "cells": [{"cell_type": "code", "outputs": [_view("box")]}]}
    assert site_assets.static_progress_bars(nb) == 0 and "widgets" in nb["metadata"]


def test_a_bar_that_hid_itself_leaves_no_output_box():
    """tqdm with leave=False (the engine's training bars) hides its box when it closes: the site shows nothing."""
    state = _tqdm_state(600.0, 600.0)
    state["box"]["state"]["layout"] = "IPY_MODEL_box_layout"
    state["box_layout"] = {"model_name": "LayoutModel", "state": {"visibility": "hidden"}}
    summary = {"output_type": "stream", "name": "stdout", "text": "vanilla-mlp: step 600/600 (600 steps in 15.0 s)\n"}
    nb = {"metadata": {"widgets": {site_assets.WIDGET_STATE: {"state": state}}},
          "cells": [{"cell_type": "code", "outputs": [_view("box"), summary]}, {"cell_type": "markdown", "source": "x"}]}
    assert site_assets.static_progress_bars(nb) == 1
    assert nb["cells"][0]["outputs"] == [summary]  # the engine's one summary line stays, the bar is gone
    assert "outputs" not in nb["cells"][1]


def test_site_shows_the_header_bar_right_under_the_title():
    nb = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {},
                     "source": "# Chapter 9 — Test\n\nWhat you will learn:\n- a"},
                    {"cell_type": "markdown", "id": "colab-badge", "metadata": {"tags": ["colab-badge"]}, "source": "bar"},
                    {"cell_type": "code", "metadata": {"tags": ["setup"]}, "source": "x", "outputs": []}]}
    assert site_assets.header_after_title(nb)
    assert [c["source"] for c in nb["cells"]] == ["# Chapter 9 — Test", "bar", "What you will learn:\n- a", "x"]
    assert len({c.get("id") for c in nb["cells"]}) == 4
