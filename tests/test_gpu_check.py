"""scripts/gpu_check.py: its dry run on the CPU (the code path the GPU run takes), its verdicts, its table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import gpu_check  # noqa: E402


def test_tolerance_verdicts_on_hand_made_scores():
    ref = {"fd": 20.0, "precision": 0.70, "label_accuracy": 0.88, "psnr": 20.0}
    same = gpu_check.within_tolerance(ref, {"fd": 25.9, "precision": 0.79, "label_accuracy": 0.84, "psnr": 3.0})
    assert same == {"fd": True, "precision": True, "label_accuracy": True}  # 30% of 20 = 6; psnr has no rule
    worse = gpu_check.within_tolerance(ref, {"fd": 26.5, "precision": 0.55, "label_accuracy": 0.80})
    assert worse == {"fd": False, "precision": False, "label_accuracy": False}
    small = gpu_check.within_tolerance({"fd": 3.0}, {"fd": 7.9})  # small FDs: 5 points absolute
    assert small == {"fd": True}


def test_without_a_gpu_the_real_check_refuses_in_one_line():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "--out", "/nonexistent/x"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--dry-run" in proc.stderr


def test_dry_run_trains_scores_and_benchmarks_every_model_on_the_cpu(tmp_path):
    """The GPU check's whole code path on the CPU: every model, both precisions, the benchmark."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "--dry-run", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    sections = data["sections"]
    assert data["dry_run"] and list(sections) == ["env", "train", "fp16", "eager", "bench"]
    from gan_course.recipes import MODELS

    for name in ("train", "fp16", "eager"):
        rows = sections[name]["models"]
        assert list(rows) == list(MODELS.keys())
        for model, row in rows.items():
            assert row["status"] == "ok", (name, model, row)
            assert row["history_finite"] and row["scores"]["fd"] > 0
    for row in sections["fp16"]["models"].values():
        assert row["precision"] == "autocast float16 + GradScaler" and set(row["within_tolerance"]) >= {"fd"}
    for model, row in sections["eager"]["models"].items():  # step by step on both paths here: the same run
        assert row["path"] == "step by step (switched off)" and all(row["within_tolerance"].values()), model
        assert row["scores"] == sections["train"]["models"][model]["scores"], model
    assert sections["train"]["models"]["vanilla"]["path"] == "step by step (the device is cpu, not a CUDA GPU)"
    assert set(sections["bench"]["models"]) == {"mlp", "dcgan"}
    table = (tmp_path / "gpu_check.md").read_text()
    assert table in proc.stdout  # printed last
    for model in MODELS.keys():
        assert f"| {model} |" in table


def test_a_chapter_header_shows_a_gpu_time_only_for_the_recipe_it_timed(tmp_path):
    """A GPU row of an earlier recipe (other settings, or other steps in rows without settings) is not shown."""
    import json

    import sync_setup_cells
    from gan_course.recipes import MODELS
    from gan_course.recipes.common import recipe_settings

    recipe = MODELS["dcgan"].recipe.for_profile("full")
    current = recipe_settings(recipe)
    rows = {
        "current": {"steps": recipe.steps, "batch_size": recipe.batch_size, "train_seconds": 30.0, "recipe": current},
        "other settings": {"steps": recipe.steps, "batch_size": recipe.batch_size, "train_seconds": 30.0,
                           "recipe": {**current, "lr_g": 2e-4}},
        "older row, same steps": {"steps": recipe.steps, "batch_size": recipe.batch_size, "train_seconds": 30.0},
        "older row, other steps": {"steps": recipe.steps - 600, "batch_size": recipe.batch_size, "train_seconds": 30.0},
    }
    shown = {}
    for name, row in rows.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"sections": {"env": {"device": "cuda", "gpu": "NVIDIA H100"},
                                                 "train": {"models": {"dcgan": row}}}}))
        shown[name] = sync_setup_cells.gpu_time("notebooks/04_dcgan.ipynb", path)
    assert shown == {"current": "its training 30 s on NVIDIA H100", "other settings": None,
                     "older row, same steps": "its training 30 s on NVIDIA H100", "older row, other steps": None}


def test_sections_run_by_separate_calls_merge_into_one_record(tmp_path):
    """A check too long for one call: train one model, then another, then the step-by-step run, into one --out."""
    script = [sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "--dry-run", "--out", str(tmp_path)]
    for extra in (["--sections", "env,train", "--models", "vanilla"], ["--sections", "train", "--models", "cgan"],
                  ["--sections", "eager", "--models", "vanilla"]):
        proc = subprocess.run(script + extra, capture_output=True, text=True, timeout=600, cwd=ROOT)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    assert data["calls"] == 3 and list(data["sections"]) == ["env", "train", "eager"]
    assert list(data["sections"]["train"]["models"]) == ["vanilla", "cgan"]
    assert data["sections"]["eager"]["models"]["vanilla"]["within_tolerance"]["fd"] is True  # against call 1's run
    proc = subprocess.run(script + ["--sections", "env", "--fresh"], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    assert proc.returncode == 0 and list(json.loads((tmp_path / "gpu_check.json").read_text())["sections"]) == ["env"]


def test_the_t4_question_records_both_paths_and_the_faster(monkeypatch):
    """float32 from a graph against float16 step by step (the GPU-only section, its logic on made-up timings)."""
    import gan_course.experiments.bench as bench

    seen = []

    def fake_engine(steps, warmup, batch_size, device, spec, precision=None, **kwargs):
        seen.append((spec.name, precision, torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32))
        ms = {("mlp", "fp32"): 0.8, ("mlp", "fp16"): 6.0, ("dcgan", "fp32"): 2.5, ("dcgan", "fp16"): 7.0}
        path = "CUDA graph" if precision == "fp32" else "step by step (float16's GradScaler ...)"
        return {"ms_mean": ms[spec.name, precision], "path": path}

    monkeypatch.setattr(bench, "run_engine", fake_engine)
    tf32 = torch.backends.cudnn.allow_tf32
    result = gpu_check.section_t4(torch.device("cpu"), 10, 2)
    assert [s[:2] for s in seen] == [("mlp", "fp32"), ("mlp", "fp16"), ("dcgan", "fp32"), ("dcgan", "fp16")]
    assert all(s[2:] == (False, False) for s in seen)  # TF32 off while timing (a T4 has none)...
    assert torch.backends.cudnn.allow_tf32 == tf32  # ... and as it was afterwards
    assert result["faster"] == "fp32" and result["models"]["dcgan"] == {
        "fp32_ms": 2.5, "fp32_path": "CUDA graph", "fp16_ms": 7.0,
        "fp16_path": "step by step (float16's GradScaler ...)", "faster": "fp32"}
    table = gpu_check.markdown({"dry_run": False, "started": "now", "sections": {"t4": result}})
    assert "| dcgan | 2.50 ms | 7.00 ms | fp32 |" in table
