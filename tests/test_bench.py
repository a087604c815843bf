"""The benchmark runs both arms and ends with the speedup line (tiny step counts, no download)."""

import re

import pytest
import torch

from gan_course.cli import main as cli_main
from gan_course.experiments.bench import run_benchmark
from gan_course.data import find_fashion_mnist_root
from gan_course.errors import CourseError, DataNotFoundError
from helpers import write_fake_fashion_mnist

LAST_LINE = re.compile(r"speedup vs tutorial loop: \d+\.\dx")


def test_bench_prints_the_speedup_last_on_fake_data(tmp_path, monkeypatch, capsys):
    # Four random FashionMNIST files found through the course's own discovery ($GAN_COURSE_DATA):
    # 64 training images, batch 16 -> 4 batches per epoch, so 6 iterations cross an epoch boundary.
    write_fake_fashion_mnist(tmp_path / "fashion", n_train=64, n_test=8)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cli_main(["bench", "--steps", "5", "--warmup", "1", "--batch-size", "16"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    assert any(line.startswith("tutorial loop") and "ms/iteration" in line for line in lines)
    assert any(line.startswith("course engine") and "ms/iteration" in line for line in lines)
    assert "1x32x32" in lines[0]
    floor = next(line for line in lines if line.startswith("compute floor"))
    assert "GFLOP" in floor and "no float32 loop can beat the tutorial loop by more than" in floor
    ratio = next(line for line in lines if line.startswith("engine / floor"))
    assert re.match(r"engine / floor: \d+\.\d\dx", ratio), ratio
    bare = next(line for line in lines if line.startswith("bare loop"))
    assert "ms/iteration" in bare and "fused Adam" in bare
    split = next(line for line in lines if line.startswith("engine / bare loop"))
    assert re.match(r"engine / bare loop: \d+\.\d\dx .* bare loop / floor: \d+\.\d\dx", split), split
    engine = next(line for line in lines if line.startswith("course engine"))
    assert "step by step (the device is cpu, not a CUDA GPU)" in engine  # the path the engine took, named
    assert "CUDA graph arms: not run (they need a CUDA GPU; on cpu the engine runs step by step)" in lines


def test_bench_adam_choice_reaches_both_arms(tmp_path, monkeypatch, capsys):
    """--adam default runs the engine and the bare loop on PyTorch's default Adam, whatever the environment says."""
    write_fake_fashion_mnist(tmp_path / "fashion", n_train=64, n_test=8)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GAN_COURSE_FAST_ADAM", "1")
    assert cli_main(["bench", "--steps", "2", "--warmup", "1", "--batch-size", "16", "--adam", "default"]) == 0
    lines = capsys.readouterr().out.splitlines()
    arms = [line for line in lines if line.startswith(("course engine", "bare loop "))]
    assert len(arms) == 2 and all("default Adam" in line for line in arms), arms
    monkeypatch.setenv("GAN_COURSE_FAST_ADAM", "0")
    assert cli_main(["bench", "--steps", "2", "--warmup", "1", "--batch-size", "16", "--adam", "fused"]) == 0
    arms = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("course engine", "bare loop "))]
    assert all("fused Adam" in line for line in arms), arms


def test_iteration_flops_hand_count_for_a_linear_gan():
    """Two 1-layer linear players: every matrix product of one d_step + g_step, counted by hand."""
    from torch import nn

    from gan_course.experiments.bench import BenchModel, iteration_flops

    class Flat(nn.Module):  # D: (B, 1, 4, 4) -> flatten -> Linear(16, 1) -> (B,)
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(16, 1)

        def forward(self, x):
            return self.linear(x.flatten(1)).squeeze(1)

    class Up(nn.Module):  # G: (B, 3) -> Linear(3, 16) -> (B, 1, 4, 4)
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 16)

        def forward(self, z):
            return self.linear(z).view(-1, 1, 4, 4)

    model = BenchModel("tiny", "a linear GAN", latent_dim=3, image_size=4, make=lambda: (Up(), Flat()))
    B = 8
    g, d = 2 * B * 3 * 16, 2 * B * 16 * 1  # FLOPs of one product through G's layer, through D's (B rows)
    # d_step: G forward (g); D forward on real and fake (2d); D backward: weight gradients only (2d),
    #         since real images and detached fakes need no input gradient
    # g_step: G forward (g); D forward (d); D backward: input gradients only (d), since the engine
    #         back-propagates into G's parameters alone; G backward: weight gradient only (g), since z needs none
    counted = iteration_flops(model, B, torch.device("cpu"))
    assert counted == (g + 2 * d + 2 * d) + (g + d + d + g)
    assert iteration_flops(model, 2 * B, torch.device("cpu")) == 2 * counted  # linear in the batch


def test_bench_on_the_real_data_counts_every_iteration():
    try:
        find_fashion_mnist_root(download=False)  # the course's discovery; never download in a test
    except DataNotFoundError:
        pytest.skip("FashionMNIST is not on this machine")
    lines = []
    result = run_benchmark(steps=3, warmup=1, batch_size=64, device="cpu", out=lines.append)
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    for arm in ("seed_loop", "engine", "bare_loop"):
        assert result[arm]["iterations"] == 4
        assert result[arm]["ms_mean"] > 0 and result[arm]["ms_median"] > 0
    assert result["speedup"] == pytest.approx(result["seed_loop"]["ms_mean"] / result["engine"]["ms_mean"])


def test_bench_rejects_bad_arguments():
    with pytest.raises(CourseError, match="--steps"):
        run_benchmark(steps=0, warmup=1, device="cpu", out=lambda *_: None)


def test_time_to_quality_reports_each_check_and_the_result(monkeypatch):
    from gan_course.experiments.bench import time_to_quality
    from gan_course.recipes.vanilla import VanillaRecipe

    tiny = VanillaRecipe(batch_size=8, steps=6, sample_every=3, checkpoint_every=6, train_limit=256)
    monkeypatch.setattr(VanillaRecipe, "for_profile", classmethod(lambda cls, profile=None: tiny))
    lines = []
    result = time_to_quality("vanilla", bar=1e6, eval_every=3, n=64, out=lines.append)
    assert result["reached"]["step"] == 0  # any FD is below a bar of a million, even the untrained one
    assert "time to FD <= 1e+06" in lines[-1]
    result = time_to_quality("vanilla", bar=0.0, eval_every=3, n=64, out=lines.append)
    assert result["reached"] is None and [p["step"] for p in result["points"]] == [0, 3, 6]
    assert "not reached" in lines[-1] and "step      3:" in lines[-3]


def test_time_to_quality_takes_several_bars_on_the_command_line(tmp_path, monkeypatch, capsys):
    """`--bar 11.4 --bar 15` reports one line per bar (a repeated option is a list on purpose)."""
    from gan_course.recipes.vanilla import VanillaRecipe

    tiny = VanillaRecipe(batch_size=8, steps=4, sample_every=2, checkpoint_every=4, train_limit=256,
                         quality_every=2, quality_n=64)
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(VanillaRecipe, "for_profile", classmethod(lambda cls, profile=None: tiny))
    assert cli_main(["bench", "--time-to-quality", "vanilla", "--bar", "1e6", "--bar", "1e-6"]) == 0
    out = capsys.readouterr().out
    assert "time to FD <= 1e+06: 0.00 min" in out and "FD <= 1e-06 not reached" in out, out


def test_time_to_quality_needs_a_bar_for_models_without_an_fd_goal():
    from gan_course.experiments.bench import time_to_quality

    with pytest.raises(CourseError, match="--bar"):
        time_to_quality("vanilla")


def test_bench_dcgan_arm_on_fake_data(tmp_path, monkeypatch, capsys):
    write_fake_fashion_mnist(tmp_path / "fashion", n_train=64, n_test=8)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cli_main(["bench", "--steps", "3", "--warmup", "1", "--batch-size", "16", "--model", "dcgan"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "DCGAN" in lines[0] and LAST_LINE.fullmatch(lines[-1]), lines


@pytest.mark.slow  # compiles from scratch (seconds): `make test` runs it, `make unit` does not
def test_bench_compile_arm_times_its_compilation_apart(tmp_path, monkeypatch, capsys):
    """--compile adds the compiled loop, its cold compile time and its ratio to the bare loop, before the speedup."""
    write_fake_fashion_mnist(tmp_path / "fashion", n_train=64, n_test=8)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    assert cli_main(["bench", "--steps", "3", "--warmup", "1", "--batch-size", "16", "--compile"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    arm = next(line for line in lines if line.startswith("compiled loop"))
    warmup = float(re.search(r"compiling and warm-up (\d+\.\d) s", arm).group(1))
    assert "ms/iteration" in arm and "torch.compile" in arm and warmup > 0
    ratio = next(line for line in lines if line.startswith("compiled / bare loop"))
    assert re.match(r"compiled / bare loop: \d+\.\d\dx \(below 1 is faster\); it (pays after about [\d,]+ iterations|"
                    r"never pays back its compilation)$", ratio), ratio


def test_bench_compile_needs_a_warm_up_iteration():
    with pytest.raises(CourseError, match="--compile needs at least one warm-up iteration"):
        run_benchmark(steps=1, warmup=0, device="cpu", compile=True, out=lambda *_: None)
