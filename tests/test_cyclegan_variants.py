"""Chapter 7's extra runs (gan_course.experiments.cyclegan_variants): the command behind them, the committed results."""

from __future__ import annotations


import pytest

from gan_course.errors import CourseError


def test_variant_reproduction_command_in_smoke(tmp_path, capsys):
    """`python -m gan_course experiment cyclegan-variants` (the command behind the committed results)."""
    from gan_course.cli import main as cli_main
    from gan_course.experiments.cyclegan_variants import load_or_run_variant

    out, runs = tmp_path / "ablations", tmp_path / "runs"
    assert cli_main(["experiment", "cyclegan-variants", "--variants", "no_identity", "--profile", "smoke", "--out", str(out),
                          "--runs", str(runs)]) == 0
    path = out / "cyclegan_no_identity.pt"
    assert path.is_file() and path.stat().st_size < 2**20
    result = load_or_run_variant("no_identity", "cpu", use_committed=True, directory=out)
    assert result["hparams"]["identity_weight"] == 0.0 and result["step"] == 6
    assert {"cycle_l1_A", "identity_l1_A", "target_rate_AtoB"} <= set(result["scores"])
    assert result["grids"][-1].shape == (6 * 4, 1, 32, 32)
    path.write_bytes(path.read_bytes() + b"x")  # damaged: refused, with the fix
    with pytest.raises(CourseError, match="SHA-256"):
        load_or_run_variant("no_identity", "cpu", use_committed=True, directory=out)
    with pytest.raises(CourseError, match="TRAIN_EXTRA_RUNS"):
        load_or_run_variant("shoes", "cpu", use_committed=True, directory=out)


@pytest.mark.parametrize("name", ["no_identity", "shoes", "trousers_bags"])
def test_every_variant_has_a_committed_full_result(name):
    """What chapter 7 loads: each extra run's result, SHA-256 checked, with every measure of measure_cyclegan."""
    from gan_course.experiments.cyclegan_variants import VARIANTS, load_or_run_variant

    assert set(VARIANTS) == {"no_identity", "shoes", "trousers_bags"}
    result = load_or_run_variant(name, "cpu", use_committed=True)
    assert result["step"] == 1500 and result["name"] == name
    assert result["hparams"]["pair"] == VARIANTS[name].get("pair", "negative")
    assert {"cycle_l1_B", "target_rate_AtoB", "fd_AtoB", "fd_real_B", "fd_BtoA", "fd_real_A"} <= set(result["scores"])
