"""Every run that records quality keeps its best checkpoint beside its last (issue 22 §6).

The best is picked by the recorded FD, survives a resume (replaced only when beaten)
and is what ``export-pretrained`` exports unless told ``last``.
"""

from __future__ import annotations

import hashlib

import pytest
import torch

from gan_course.training import BEST_NAME, CHECKPOINT_NAME, best_summary, load_checkpoint
from helpers import make_trainer, scratch


class ScriptedProbe:
    """A quality probe whose FD at each step is given: ``{step: fd}`` (no classifier, no images)."""

    def __init__(self, fds: dict[int, float]):
        self.fds, self.trainer, self.calls = fds, None, []

    def measure(self, modules, device) -> float:
        self.calls.append(self.trainer.step)
        return self.fds[self.trainer.step]


def _trainer(out, fds, steps):
    trainer = make_trainer(out, steps=steps, quality_every=2, checkpoint_every=2, log_every=2, sample_every=2)
    trainer.quality = ScriptedProbe(fds)
    trainer.quality.trainer = trainer
    return trainer


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_best_checkpoint_is_the_one_with_the_lowest_recorded_fd(tmp_path):
    trainer = _trainer(tmp_path, {0: 50.0, 2: 30.0, 4: 10.0, 6: 20.0, 8: 40.0}, steps=8)
    trainer.fit()
    best, last = load_checkpoint(tmp_path / BEST_NAME), load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert (best["step"], last["step"]) == (4, 8)
    assert best["best"] == {"step": 4, "fd": 10.0}
    fresh = make_trainer(None, seed=3, steps=8)  # the best is a full checkpoint: it loads like the last
    fresh.load_checkpoint(tmp_path / BEST_NAME)
    assert fresh.step == 4
    summary = trainer.best_summary()
    assert summary.as_dict() == {"best_step": 4, "best_fd": 10.0, "last_step": 8, "last_fd": 40.0,
                                 "best_path": str(tmp_path / BEST_NAME)}
    assert str(summary) == "best at step 4 (FD 10.00), last at step 8 (FD 40.00, +30.00)"


def test_ties_keep_the_first_and_non_finite_fds_never_win(tmp_path):
    trainer = _trainer(tmp_path, {0: float("nan"), 2: 7.0, 4: 7.0, 6: float("inf")}, steps=6)
    trainer.fit()
    assert load_checkpoint(tmp_path / BEST_NAME)["step"] == 2
    assert best_summary(trainer.quality_record).best_step == 2
    assert best_summary({"step": [0], "train_seconds": [0.0], "fd": [float("nan")]}) is None
    assert best_summary(None) is None


def test_the_best_survives_a_resume_and_is_replaced_only_when_beaten(tmp_path):
    fds = {0: 50.0, 2: 30.0, 4: 10.0, 6: 20.0, 8: 40.0, 10: 5.0}
    _trainer(tmp_path, fds, steps=4).fit()
    kept = _digest(tmp_path / BEST_NAME)
    resumed = _trainer(tmp_path, fds, steps=8)  # a new process: it learns the best so far from the checkpoint
    resumed.fit()
    assert resumed.quality.calls == [6, 8]  # step 4 was measured before the resume
    assert _digest(tmp_path / BEST_NAME) == kept  # 20 and 40 do not beat 10: the step-4 file stays
    assert str(resumed.best_summary()).startswith("best at step 4 (FD 10.00), last at step 8")
    again = _trainer(tmp_path, fds, steps=10)
    again.fit()
    assert load_checkpoint(tmp_path / BEST_NAME)["step"] == 10  # 5 beats 10
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["best"] == {"step": 10, "fd": 5.0}


def test_a_run_without_a_quality_record_keeps_no_best(tmp_path):
    make_trainer(tmp_path, steps=4, checkpoint_every=2).fit()
    assert not (tmp_path / BEST_NAME).exists()


# ------------------------------------------------------------------ export
@pytest.fixture(scope="module")
def vanilla_run(request):
    """A vanilla smoke run (24 steps, FD at 0, 12 and 24) whose FDs are scripted so that step 12 is the best."""
    from gan_course.cli import main
    from gan_course.metrics import QualityProbe

    run = scratch(request, "export") / "run"
    scripted = iter([50.0, 10.0, 30.0])
    mp = pytest.MonkeyPatch()
    mp.setattr(QualityProbe, "measure", lambda self, modules, device: next(scripted))
    try:
        assert main(["train", "vanilla", "--profile", "smoke", "--out", str(run), "--device", "cpu"]) == 0
    finally:
        mp.undo()
    return run


@pytest.mark.parametrize("given", ["folder", "checkpoint.pt", "best.pt"])
def test_export_takes_the_best_checkpoint_by_default(vanilla_run, tmp_path, given):
    from gan_course.pretrained import export_generator, read_manifest

    source = vanilla_run if given == "folder" else vanilla_run / given
    record = export_generator("vanilla", source, out_dir=tmp_path, force=True)
    assert (record["chosen"], record["step"], record["fd"]) == ("best", 12, 10.0)
    assert (record["last_step"], record["last_fd"]) == (24, 30.0)
    assert read_manifest(tmp_path / "manifest.json")["vanilla"]["step"] == 12
    shipped = torch.load(tmp_path / "vanilla.pt", weights_only=True)["weights"]
    best = load_checkpoint(vanilla_run / BEST_NAME)["modules"]["G"]
    assert all(torch.equal(shipped[k], v.half()) for k, v in best.items())
    assert record["quality"]["step"] == [0, 12, 24]  # the whole run's record, from the last checkpoint


def test_export_last_takes_the_last_checkpoint(vanilla_run, tmp_path):
    from gan_course.pretrained import export_generator

    record = export_generator("vanilla", vanilla_run, out_dir=tmp_path, force=True, last=True)
    assert (record["chosen"], record["step"], record["fd"], record["last_step"]) == ("last", 24, 30.0, 24)


def test_the_command_line_offers_last_and_prints_the_best(vanilla_run, capsys):
    from gan_course.cli import build_parser

    args = build_parser().parse_args(["export-pretrained", "vanilla", "--checkpoint", str(vanilla_run), "--last"])
    assert args.last is True
