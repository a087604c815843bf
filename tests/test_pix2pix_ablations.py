"""Chapter 6's ablations (gan_course.experiments.pix2pix_ablations): the command, the committed results."""

import json

import pytest

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.experiments.pix2pix_ablations import ABLATIONS, load_ablations


def test_ablation_command_smoke(tmp_path):
    out = tmp_path / "abl"
    assert main(["experiment", "pix2pix-ablations", "--profile", "smoke", "--out", str(out),
                 "--only", "L1 + cGAN", "PatchGAN 16x16", "PixelGAN 1x1"]) == 0
    results, samples = load_ablations(out)
    assert list(results["runs"]) == ["L1 + cGAN", "PatchGAN 16x16", "PixelGAN 1x1"]
    assert results["runs"]["L1 + cGAN"]["fd"] == results["runs"]["PatchGAN 16x16"]["fd"]  # trained once
    for scores in results["runs"].values():
        assert {"l1", "psnr", "ssim", "fd", "kid", "precision", "recall", "train_seconds"} <= set(scores)
    assert samples["outputs"]["PixelGAN 1x1"].shape == samples["inputs"].shape == (8, 1, 32, 32)
    with pytest.raises(CourseError, match="pix2pix-ablations --profile full --out"):
        load_ablations(tmp_path / "nothing")


def test_committed_ablations_are_complete_and_small():
    from pathlib import Path

    results, samples = load_ablations()
    assert list(results["runs"]) == list(ABLATIONS) and results["meta"]["profile"] == "full"
    folder = Path(__file__).resolve().parents[1] / "gan_course" / "assets" / "ablations"
    assert sum(p.stat().st_size for p in folder.glob("pix2pix*")) < 1_000_000
    meta = json.loads((folder / "pix2pix_ablations.json").read_text())["meta"]
    assert meta["command"].endswith("python -m gan_course experiment pix2pix-ablations --profile full")
    assert meta["adam"] in ("fused", "default") and ("GAN_COURSE_FAST_ADAM=0" in meta["command"]) == (
        meta["adam"] == "default")
