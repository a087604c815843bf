"""The benchmark runs both arms and ends with the speedup line (tiny step counts, no download)."""

import re

import pytest

from gan_course.bench import main, run_benchmark
from gan_course.data import find_fashion_mnist_root
from gan_course.errors import CourseError, DataNotFoundError
from helpers import write_fake_fashion_mnist

LAST_LINE = re.compile(r"speedup vs seed loop: \d+\.\dx")


def test_bench_prints_the_speedup_last_on_fake_data(tmp_path, monkeypatch, capsys):
    # Four random FashionMNIST files found through the course's own discovery ($GAN_COURSE_DATA):
    # 64 training images, batch 16 -> 4 batches per epoch, so 6 iterations cross an epoch boundary.
    write_fake_fashion_mnist(tmp_path / "fashion", n_train=64, n_test=8)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "fashion"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["--steps", "5", "--warmup", "1", "--batch-size", "16"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    assert any(line.startswith("seed loop") and "ms/iteration" in line for line in lines)
    assert any(line.startswith("course engine") and "ms/iteration" in line for line in lines)
    assert "1x32x32" in lines[0]


def test_bench_on_the_real_data_counts_every_iteration():
    try:
        find_fashion_mnist_root(download=False)  # the course's discovery; never download in a test
    except DataNotFoundError:
        pytest.skip("FashionMNIST is not on this machine")
    lines = []
    result = run_benchmark(steps=3, warmup=1, batch_size=64, device="cpu", out=lines.append)
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    for arm in ("seed_loop", "engine"):
        assert result[arm]["iterations"] == 4
        assert result[arm]["ms_mean"] > 0 and result[arm]["ms_median"] > 0
    assert result["speedup"] == pytest.approx(result["seed_loop"]["ms_mean"] / result["engine"]["ms_mean"])


def test_bench_rejects_bad_arguments():
    with pytest.raises(CourseError, match="--steps"):
        run_benchmark(steps=0, warmup=1, device="cpu", out=lambda *_: None)
