"""Issue 14: no device-host synchronisation per step in the engine's hot loop.

On a GPU, ``.item()``, ``.tolist()``, ``float(t)``, ``int(t)`` or a tensor used as a
Python bool (``if t:``) makes the CPU wait for every queued kernel, so a loop that does
it each step cannot run ahead of the device. The engine copies its statistics to the host
only when it flushes them (every ``log_every`` steps, and when it samples or saves). On
the CPU there is no device to wait for, so these tests count the calls that *would*
synchronise (the observable proxy) and require none between two flushes: in the loop
body, inside ``d_step`` and ``g_step``, outside ``Trainer._flush``, ``snapshot`` and
``save_checkpoint``. One kind of call is exempt, line by line: a read of a draw from a
generator that lives on the CPU by design (the CycleGAN image pool's), marked ``# cpu-draw``
on its line; it never waits for a device.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest
import torch

import gan_course
from gan_course.steps import d_step
from helpers import make_trainer

# Tensor methods that copy a value to the host (and so wait for the device).
SYNCING = ("item", "tolist", "__bool__", "__float__", "__int__", "__index__", "numpy")
PACKAGE = Path(gan_course.__file__).resolve().parent
THIS_FILE = Path(__file__).resolve()


def _is_cpu_draw(frame) -> bool:
    """The calling line reads a CPU generator's draw and says so (``# cpu-draw``)."""
    import linecache

    return "# cpu-draw" in linecache.getline(frame.f_code.co_filename, frame.f_lineno)


class SyncCounter:
    """Records ``"method at file:line"`` for each syncing call made directly by course code (or this file)
    while ``active`` and not suspended. Calls that torch makes internally (e.g. Adam's step counter,
    which lives on the CPU by design) are not the engine's and are not counted."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        self.active = False
        self.suspended = 0
        for name in SYNCING:
            real = getattr(torch.Tensor, name)

            def wrapped(tensor, *args, _real=real, _name=name, **kwargs):
                if self.active and not self.suspended:
                    frame = sys._getframe(1)
                    path = Path(frame.f_code.co_filename).resolve()
                    if (path == THIS_FILE or PACKAGE in path.parents) and not _is_cpu_draw(frame):
                        where = os.path.relpath(path, PACKAGE.parent)
                        self.calls.append(f"Tensor.{_name} at {where}:{frame.f_lineno}")
                return _real(tensor, *args, **kwargs)

            monkeypatch.setattr(torch.Tensor, name, wrapped)

    def watch(self, trainer) -> None:
        """Count inside ``trainer._loop``, but not in the steps that flush, sample or save."""
        loop = trainer._loop

        def counted_loop(*args, **kwargs):
            self.active = True
            try:
                return loop(*args, **kwargs)
            finally:
                self.active = False

        trainer._loop = counted_loop
        for name in ("_flush", "snapshot", "save_checkpoint"):
            setattr(trainer, name, self._suspending(getattr(trainer, name)))

    def _suspending(self, method):
        def call(*args, **kwargs):
            self.suspended += 1
            try:
                return method(*args, **kwargs)
            finally:
                self.suspended -= 1

        return call


def test_no_host_sync_between_flushes_in_the_engine(tmp_path, monkeypatch):
    # 12 steps, flushing (log, sample, save) only at steps 6 and 12: ten steps run without a flush
    trainer = make_trainer(tmp_path, steps=12, log_every=6, sample_every=6, checkpoint_every=6)
    counter = SyncCounter(monkeypatch)
    counter.watch(trainer)
    history = trainer.fit()
    assert history["step"] == list(range(1, 13)) and len(trainer.samples) == 2  # the flushes did run
    assert counter.calls == [], "host syncs in the hot loop:\n" + "\n".join(sorted(set(counter.calls)))


def test_the_counter_catches_a_step_that_syncs(tmp_path, monkeypatch):
    """The guard can fail: a d_step that reads its loss with .item() every step is caught, with its line."""

    def syncing_d_step(batch, ctx, **kwargs):
        stats = d_step(batch, ctx, **kwargs)
        if stats["loss_d_real"] > 100:  # a tensor used as a Python bool: a sync
            raise AssertionError("unexpected")
        stats["loss_d_real"].item()  # and an explicit one
        return stats

    trainer = make_trainer(tmp_path, steps=4, log_every=4, sample_every=4, checkpoint_every=4,
                           d_step_fn=syncing_d_step)
    counter = SyncCounter(monkeypatch)
    counter.watch(trainer)
    trainer.fit()
    kinds = sorted({call.split(" at ")[0] for call in counter.calls})
    assert kinds == ["Tensor.__bool__", "Tensor.item"], counter.calls
    assert len(counter.calls) == 2 * 4  # both, at each of the 4 steps (the flush at step 4 is not counted)
    assert all("tests/test_host_sync.py:" in call for call in counter.calls)


@pytest.mark.parametrize("model", ["vanilla", "cgan", "dcgan", "infogan", "pix2pix", "cyclegan", "wgan", "stylegan",
                                   "ddpm"])
def test_no_host_sync_between_flushes_in_every_recipe(model, monkeypatch):
    """Each chapter's own step functions, in its smoke recipe, on the CPU."""
    from gan_course.recipes import get_model

    entry = get_model(model)
    # the quality record measures FD every quality_every steps, a deliberate read like the log flush: off here
    recipe = dataclasses.replace(entry.recipe.for_profile("smoke"), steps=6, sample_every=6, checkpoint_every=6,
                                 quality_every=0)
    trainer = entry.build(recipe, torch.device("cpu"), None, seed=0)
    counter = SyncCounter(monkeypatch)
    counter.watch(trainer)
    trainer.fit(resume=False)
    assert trainer.step == 6
    assert counter.calls == [], f"host syncs in {model}'s steps:\n" + "\n".join(sorted(set(counter.calls)))
