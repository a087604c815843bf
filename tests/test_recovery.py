"""The Trainer's recovery state machine (gan_course.training.Recovery): clean or in a step, and what it goes back to."""

from __future__ import annotations

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.steps import d_step
from gan_course.training import Recovery
from helpers import make_trainer


class FakeTrainer:
    """Records what Recovery asks of a trainer."""

    def __init__(self):
        self.calls = []

    def load_checkpoint(self, path):
        self.calls.append(("load_checkpoint", path))

    def _restore(self, state):
        self.calls.append(("restore", state))


def test_a_new_recovery_is_clean_with_nothing_to_go_back_to():
    recovery, trainer = Recovery(), FakeTrainer()
    assert recovery.clean and recovery.fallback is None
    assert recovery.go_back(trainer) is None and trainer.calls == []


def test_begin_and_done_move_between_clean_and_in_step():
    recovery = Recovery()
    recovery.begin(4)
    assert not recovery.clean and recovery.in_step == 4
    recovery.done()
    assert recovery.clean


def test_go_back_to_a_snapshot_restores_it_and_leaves_the_state_clean():
    recovery, trainer = Recovery(), FakeTrainer()
    snapshot = {"step": 3}
    recovery.to_snapshot(snapshot)
    recovery.begin(5)
    assert recovery.go_back(trainer) == "snapshot"
    assert trainer.calls == [("restore", snapshot)] and recovery.clean


def test_go_back_to_a_checkpoint_loads_it_only_while_the_file_exists(tmp_path):
    recovery, trainer = Recovery(), FakeTrainer()
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"x")
    recovery.to_checkpoint(path)
    recovery.begin(7)
    assert recovery.go_back(trainer) == "checkpoint" and trainer.calls == [("load_checkpoint", path)]
    assert recovery.clean
    path.unlink()
    recovery.begin(8)
    assert recovery.go_back(FakeTrainer()) is None
    assert recovery.in_step == 8  # still in the step: nothing consistent to go back to


def test_poisoned_forgets_the_fallback_and_stays_in_the_step():
    recovery = Recovery()
    recovery.to_snapshot({"step": 0})
    recovery.poisoned(12)
    assert recovery.in_step == 12 and recovery.fallback is None
    assert recovery.go_back(FakeTrainer()) is None and not recovery.clean


def _raising_at(call):
    calls = {"n": 0}

    def step(batch, ctx, **kwargs):
        calls["n"] += 1
        out = d_step(batch, ctx, **kwargs)
        if calls["n"] == call:
            raise KeyboardInterrupt  # half a step: D updated, G not
        return out

    return step


def test_a_trainer_left_mid_step_records_the_step_and_its_checkpoint(tmp_path):
    trainer = make_trainer(tmp_path, steps=9, checkpoint_every=5, d_step_fn=_raising_at(7))
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert trainer.recovery.in_step == 7 and trainer.recovery.fallback == trainer.checkpoint_path


def test_with_its_checkpoint_gone_a_half_step_is_refused_in_one_line_every_time(tmp_path):
    trainer = make_trainer(tmp_path, steps=9, checkpoint_every=5, d_step_fn=_raising_at(7))
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    trainer.checkpoint_path.unlink()  # the reader deleted the run folder's checkpoint
    before = {k: v.clone() for k, v in trainer.modules["D"].state_dict().items()}
    for _ in range(2):  # and it stays refused: the networks still hold half an update
        with pytest.raises(CourseError, match="middle of step 7 and there is no checkpoint") as info:
            trainer.fit(resume=False)
        assert "\n" not in str(info.value)
    after = trainer.modules["D"].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # nothing trained on half a step
