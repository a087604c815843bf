"""Chapter 9's view: pick a method, scrub through its training (samples and the FD record), with no kernel."""

from __future__ import annotations

from typing import Mapping

from .. import arguments
from ..errors import CourseError
from ..plotting.wasserstein import method_frame
from .players import frame_player, png_from_figure


def method_player(runs: Mapping[str, tuple[list, dict]], n_images: int = 16, dpi: int = 60):
    """Buttons choose a method; its slider replays the fixed-noise grids next to its FD curve.

    ``runs`` maps a method's name to ``(trainer.samples, trainer.quality_record)``. Every
    frame is pre-rendered, and the buttons and sliders are linked in the browser (``jslink``),
    so the view also works on the static website.
    """
    import ipywidgets as W

    from ..plotting.images import check_snapshots

    arguments.mapping("runs", runs, "a dict {method: (trainer.samples, trainer.quality_record)}")
    for name, pair in runs.items():
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise CourseError(f"runs[{name!r}] must be a (samples, quality record) pair, got {arguments.shown(pair)}")
        check_snapshots(pair[0], name=f"runs[{name!r}] samples")
    arguments.whole("n_images", n_images, 1, 10_000, example=16)
    arguments.whole("dpi", dpi, 10, 1000, example=60)
    players, names = [], []
    for name, (samples, record) in runs.items():
        if not samples:
            continue
        frames = [png_from_figure(method_frame(images, record, step, f"{name}, step {step}", n_images), dpi=dpi)
                  for step, images in samples]
        players.append(frame_player(frames, [f"step {step}" for step, _ in samples], description="step",
                                    width="520px"))
        names.append(name)
    if not players:
        raise CourseError("method_player got no snapshots: train the methods first (or pass their samples)")
    buttons = W.ToggleButtons(options=names, index=0, description="method")
    stack = W.Stack(players, selected_index=0)
    W.jslink((buttons, "index"), (stack, "selected_index"))
    return W.VBox([buttons, stack])
