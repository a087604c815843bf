"""Quality per minute: every run records the course FD of fixed samples as it trains (issue 14, part 2)."""

import dataclasses
import json
import math
import random

import pytest
import torch

from gan_course.metrics import QualityProbe, minutes_to_reach
from gan_course.recipes import get_model
from helpers import assert_same_state

CPU = torch.device("cpu")


def _smoke_trainer(model, out_dir=None, **changes):
    entry = get_model(model)
    recipe = dataclasses.replace(entry.recipe.for_profile("smoke"), **changes)
    return entry.build(recipe, CPU, out_dir, seed=0)


def test_the_record_holds_step_time_and_fd_at_every_quality_step_and_the_end():
    trainer = _smoke_trainer("vanilla", steps=10, quality_every=4)
    trainer.fit()
    record = trainer.quality_record
    assert record["step"] == [0, 4, 8, 10]  # the untrained start, every 4 steps, and the end
    assert record["train_seconds"] == sorted(record["train_seconds"]) and record["train_seconds"][0] >= 0
    assert record["train_seconds"][-1] <= trainer.train_seconds
    assert all(math.isfinite(fd) and fd > 0 for fd in record["fd"])


def test_quality_every_zero_keeps_no_record():
    trainer = _smoke_trainer("vanilla", steps=6, quality_every=0)
    assert trainer.quality is None
    trainer.fit()
    assert trainer.quality_record == {"step": [], "train_seconds": [], "fd": []}


@pytest.mark.parametrize("model", ["dcgan", "pix2pix"])  # batch norm (DCGAN); batch norm and dropout (U-Net)
def test_recording_quality_changes_no_training_number_bitwise(model):
    """Same seed, record on and off: the same weights, optimiser states, losses and global RNG state."""
    runs = []
    for every in (0, 2):
        trainer = _smoke_trainer(model, quality_every=every)
        trainer.fit()
        runs.append((trainer, torch.get_rng_state(), random.getstate()))
    (off, rng_off, py_off), (on, rng_on, py_on) = runs
    assert len(on.quality_record["step"]) > 2 and not off.quality_record["step"]
    assert_same_state({k: m.state_dict() for k, m in off.modules.items()},
                      {k: m.state_dict() for k, m in on.modules.items()})
    assert_same_state({k: o.state_dict() for k, o in off.optimizers.items()},
                      {k: o.state_dict() for k, o in on.optimizers.items()})
    assert off.history == on.history
    assert torch.equal(rng_off, rng_on) and py_off == py_on
    assert all(m.training for m in on.modules.values())  # each network's mode is put back


def test_the_record_survives_a_checkpoint_and_a_resume_continues_it(tmp_path):
    whole = _smoke_trainer("vanilla", steps=12, quality_every=4)
    whole.fit()
    first = _smoke_trainer("vanilla", tmp_path / "run", steps=6, quality_every=4)
    first.fit()
    assert first.quality_record["step"] == [0, 4, 6]
    resumed = _smoke_trainer("vanilla", tmp_path / "run", steps=12, quality_every=4)
    resumed.fit()  # a new trainer: everything it knows of the first part comes from the checkpoint
    record = resumed.quality_record
    assert record["step"] == [0, 4, 6, 8, 12]
    assert record["fd"][:3] == first.quality_record["fd"]
    # resume is bitwise, so the FDs after it are the uninterrupted run's
    assert [record["fd"][3], record["fd"][4]] == [whole.quality_record["fd"][2], whole.quality_record["fd"][3]]
    assert record["train_seconds"][3] >= record["train_seconds"][2]  # the clock continues


def test_time_spent_measuring_is_not_training_time(monkeypatch):
    """With a clock that moves only while the probe measures, the run's training time stays 0."""
    import gan_course.training as training

    clock = [0.0]

    class FakeTime:
        @staticmethod
        def perf_counter():
            return clock[0]

    class SlowProbe:
        def measure(self, modules, device):
            clock[0] += 100.0  # a measurement that takes 100 s
            return 1.0

    monkeypatch.setattr(training, "time", FakeTime)
    trainer = _smoke_trainer("vanilla", steps=6, quality_every=2)
    trainer.quality = SlowProbe()
    trainer.fit()
    assert trainer.quality_record["step"] == [0, 2, 4, 6] and clock[0] == 400.0
    assert trainer.train_seconds == 0.0 and trainer.quality_record["train_seconds"] == [0.0] * 4


def test_the_probe_is_the_course_fd():
    """Against the same reference, the probe's FD is frechet_distance's (torchmetrics) to float precision."""
    from gan_course.metrics import frechet_distance
    from gan_course.metrics.images import real_images

    real, fake = real_images("test", 300), real_images("train", 300) * 0.8
    probe = QualityProbe(lambda: fake, reference=real)
    assert probe.measure({}, CPU) == pytest.approx(frechet_distance(real, fake), rel=1e-4)


def test_a_diverged_generator_records_nan_instead_of_failing():
    probe = QualityProbe(lambda: torch.full((8, 1, 28, 28), float("nan")), reference_n=256)
    assert math.isnan(probe.measure({}, CPU))


def test_minutes_to_reach_finds_the_first_measurement_under_the_bar():
    record = {"step": [0, 100, 200], "train_seconds": [0.0, 60.0, 120.0], "fd": [300.0, 50.0, 40.0]}
    assert minutes_to_reach(record, 60) == {"step": 100, "train_seconds": 60.0, "fd": 50.0}
    assert minutes_to_reach(record, 10) is None


# ------------------------------------------------------------------ the plot
def test_the_plot_draws_each_run_against_minutes(capsys):
    from gan_course.plotting import plot_quality

    mlp = {"step": [0, 500, 1000], "train_seconds": [0.0, 30.0, 60.0], "fd": [400.0, 90.0, 50.0]}
    dcgan = {"step": [0, 150], "train_seconds": [0.0, 120.0], "fd": [500.0, 30.0]}
    fig = plot_quality({"MLP": mlp, "DCGAN": dcgan, "old export": None}, bar=40)
    assert "no quality record for old export" in capsys.readouterr().out
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["MLP"].get_xdata()) == [0.0, 0.5, 1.0] and list(lines["MLP"].get_ydata()) == mlp["fd"]
    assert list(lines["DCGAN"].get_xdata()) == [0.0, 2.0] and list(lines["DCGAN"].get_ydata()) == dcgan["fd"]
    assert ax.get_yscale() == "log" and "minutes" in ax.get_xlabel()
    assert plot_quality({"nothing": None}) is None


def test_the_plot_puts_runs_from_different_machines_on_one_clock():
    """With step_seconds, x = step * seconds per step (measured in one session), not the recorded times."""
    from gan_course.errors import CourseError
    from gan_course.plotting import plot_quality

    mlp = {"step": [0, 600, 1200], "train_seconds": [0.0, 90.0, 500.0], "fd": [400.0, 90.0, 50.0]}  # a busy machine
    dcgan = {"step": [0, 300], "train_seconds": [0.0, 25.0], "fd": [500.0, 30.0]}
    fig = plot_quality({"MLP": mlp, "DCGAN": dcgan}, step_seconds={"MLP": 0.02, "DCGAN": 0.1})
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert list(lines["MLP"].get_xdata()) == pytest.approx([0.0, 0.2, 0.4])
    assert list(lines["DCGAN"].get_xdata()) == pytest.approx([0.0, 0.5])
    assert "measured in this session" in fig.axes[0].get_xlabel()
    with pytest.raises(CourseError, match="every run"):
        plot_quality({"MLP": mlp, "DCGAN": dcgan}, step_seconds={"MLP": 0.02})


# ------------------------------------------------------------------ pretrained generators and bench
def test_export_pretrained_keeps_the_record_and_chapters_read_it(tmp_path):
    from gan_course.pretrained import export_generator, pretrained_quality, quality_record

    trainer = _smoke_trainer("vanilla", tmp_path / "run", steps=8, quality_every=4)
    trainer.fit()
    export_generator("vanilla", tmp_path / "run", out_dir=tmp_path / "assets", force=True)
    stored = json.loads((tmp_path / "assets" / "manifest.json").read_text())["vanilla"]["quality"]
    assert stored["step"] == [0, 4, 8]
    assert pretrained_quality("vanilla", tmp_path / "assets")["fd"] == pytest.approx(trainer.quality_record["fd"],
                                                                                    abs=1e-3)
    assert quality_record(trainer, "vanilla") is trainer.quality_record  # a chapter that trained uses its own
    assert pretrained_quality("cgan", tmp_path / "assets") is None  # nothing shipped there


def test_bench_time_to_quality_reads_a_runs_record(tmp_path):
    from gan_course.experiments.bench import time_to_quality

    trainer = _smoke_trainer("vanilla", tmp_path / "run", steps=8, quality_every=4)
    trainer.fit()
    lines = []
    result = time_to_quality("vanilla", bar=[1e6, 0.0], run=tmp_path / "run", out=lines.append)
    assert [p["step"] for p in result["points"]] == [0, 4, 8]
    assert [p["fd"] for p in result["points"]] == trainer.quality_record["fd"]
    assert result["reached_by_bar"][1e6]["step"] == 0 and result["reached_by_bar"][0.0] is None
    assert "time to FD <= 1e+06" in lines[-2] and "not reached" in lines[-1]


def test_bench_time_to_quality_on_a_run_without_a_record_names_the_fix(tmp_path):
    from gan_course.experiments.bench import time_to_quality
    from gan_course.errors import CourseError

    _smoke_trainer("vanilla", tmp_path / "run", steps=4, quality_every=0).fit()
    with pytest.raises(CourseError, match="no quality record.*train it again"):
        time_to_quality("vanilla", bar=10, run=tmp_path / "run", out=lambda *_: None)


def test_quality_at_is_the_last_measurement_at_or_before_a_training_time():
    from gan_course.metrics import quality_at

    record = {"step": [0, 100, 200], "train_seconds": [0.0, 10.0, 20.5], "fd": [300.0, 80.0, 60.0]}
    assert quality_at(record, 15.0) == {"step": 100, "train_seconds": 10.0, "fd": 80.0}
    assert quality_at(record, 20.5)["step"] == 200 and quality_at(record, 1e9)["fd"] == 60.0
    assert quality_at({"step": [50], "train_seconds": [5.0], "fd": [90.0]}, 1.0) is None
    assert quality_at({"step": [], "train_seconds": [], "fd": []}, 1.0) is None
