"""Kernel-free players: one PNG frame per step, and the three jslinks that drive them."""

import io

import ipywidgets as W
import pytest
import torch
from ipywidgets.widgets.widget import _instances
from ipywidgets.widgets.widget_link import Link
from PIL import Image

from gan_course.errors import CourseError
from gan_course.latent import slerp
from gan_course.models import MLPConfig, MLPGenerator
from gan_course.widgets import (figure_player, frame_player, latent_walk_player, png_from_figure,
                                png_from_images, snapshot_player)


def _parts(player):
    """(play, slider, captions, images) of a frame_player."""
    (controls, stack) = player.children
    play, slider, captions = controls.children
    return play, slider, captions, stack


def _links_of(*widgets):
    """Every live jslink whose source or target is one of ``widgets``."""
    ids = {id(w) for w in widgets}
    links = [w for w in list(_instances.values()) if isinstance(w, Link)]
    return [ln for ln in links if id(ln.source[0]) in ids or id(ln.target[0]) in ids]


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_frame_player_frames_and_links():
    frames = [png_from_images(torch.rand(4, 1, 8, 8) * 2 - 1) for _ in range(5)]
    player = frame_player(frames, [f"f{i}" for i in range(5)])
    play, slider, captions, stack = _parts(player)
    assert len(stack.children) == 5 and len(captions.children) == 5
    assert all(isinstance(c, W.Image) for c in stack.children)
    assert slider.max == 4 and play.max == 4 and slider.value == 4 and stack.selected_index == 4
    links = _links_of(play, slider, captions, stack)
    pairs = {(type(ln.source[0]).__name__, ln.source[1], type(ln.target[0]).__name__, ln.target[1]) for ln in links}
    assert pairs == {("Play", "value", "IntSlider", "value"),
                     ("IntSlider", "value", "Stack", "selected_index")}
    assert sum(1 for ln in links if ln.target[0] is captions) == 1
    assert sum(1 for ln in links if ln.target[0] is stack) == 1
    assert len(links) == 3


def test_frame_player_start_and_errors():
    frames = [png_from_images(torch.zeros(1, 1, 4, 4))] * 3
    player = frame_player(frames, ["a", "b", "c"], start=0)
    assert _parts(player)[1].value == 0 and _parts(player)[3].selected_index == 0
    with pytest.raises(CourseError, match="one label per frame"):
        frame_player(frames, ["a"])
    with pytest.raises(CourseError, match="start"):
        frame_player(frames, ["a", "b", "c"], start=3)


def test_snapshot_player_one_frame_per_snapshot():
    snaps = [(step, torch.rand(16, 1, 28, 28) * 2 - 1) for step in (10, 20, 30)]
    play, slider, captions, stack = _parts(snapshot_player(snaps, n_images=16, scale=1))
    assert len(stack.children) == 3
    assert [c.value for c in captions.children] == ["<b>step 10</b>", "<b>step 20</b>", "<b>step 30</b>"]
    # 16 images of 28 px -> a 4x4 grid with 2 px padding: 4 * 30 + 2 = 122 px
    assert _png_size(stack.children[0].value) == (122, 122)


def test_png_grid_maps_the_fixed_range():
    images = torch.stack([torch.full((1, 2, 2), -1.0), torch.full((1, 2, 2), 1.0)])
    img = Image.open(io.BytesIO(png_from_images(images, nrow=2, scale=1)))
    assert img.mode == "L"
    assert img.getpixel((2, 2)) == 0 and img.getpixel((6, 2)) == 255  # black and white, not stretched


@pytest.mark.parametrize("walks", [None, 3])
def test_latent_walk_player(walks):
    torch.manual_seed(0)
    cfg = MLPConfig(latent_dim=8, g_hidden=(16, 16))
    G = MLPGenerator(cfg).train()
    shape = (8,) if walks is None else (walks, 8)
    path = slerp(torch.randn(shape), torch.randn(shape), torch.linspace(0, 1, 7))
    player = latent_walk_player(G, path, scale=2)
    assert G.training  # put back in training mode
    play, slider, captions, stack = _parts(player)
    assert len(stack.children) == 7 and slider.max == 6 and slider.value == 0
    assert captions.children[-1].value == "<b>t = 1.00</b>"
    # one image is 28 px; a row of n images has 2 px padding around each: n * 30 + 2
    expected = (28 * 2, 28 * 2) if walks is None else ((walks * 30 + 2) * 2, 32 * 2)
    assert _png_size(stack.children[0].value) == expected
    assert stack.children[0].layout.width == f"{expected[0]}px"
    assert len(_links_of(play, slider, captions, stack)) == 3


def test_latent_walk_player_rejects_a_bad_path():
    G = MLPGenerator(MLPConfig(latent_dim=8, g_hidden=(16, 16)))
    with pytest.raises(CourseError, match="slerp"):
        latent_walk_player(G, torch.randn(8))


def test_figure_player_renders_each_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def make(i):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, i])
        return fig

    play, slider, captions, stack = _parts(figure_player(make, 4, [str(i) for i in range(4)]))
    assert len(stack.children) == 4
    assert all(_png_size(c.value)[0] > 0 for c in stack.children)
    assert png_from_figure(make(1))[:4] == b"\x89PNG"
