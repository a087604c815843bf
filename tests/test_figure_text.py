"""No two texts of a figure overprint (gan_course.plotting.layout), checked when the figure is made.

The helper measures every text a reader must read (tick labels, axis labels, titles, legends,
annotations) with the figure's renderer; chapter 8's figures, drawn with numbers like the chapter's,
must come out with none overlapping and no label out of its axes.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gan_course.plotting import layout  # noqa: E402
from gan_course.plotting.images import MIN_THUMBNAIL_PX, show_grid  # noqa: E402
from gan_course.plotting.metrics import plot_fd_vs_n, plot_precision_recall  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def strict():
    """Any FigureTextWarning is an error inside the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", layout.FigureTextWarning)
        yield


def test_overlapping_texts_are_found():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    problems = layout.text_overlaps(fig)
    assert any("first label" in p and "second label" in p for p in problems), problems
    with pytest.warns(layout.FigureTextWarning, match="overlaps"):
        layout.check_text(fig)


def test_a_label_out_of_its_axes_is_found():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.annotate("real train images", (0.98, 0.5), xytext=(4, 0), textcoords="offset points")
    assert any("runs out of its axes" in p for p in layout.text_overlaps(fig))


def test_crowded_log_ticks_are_found():
    """The log axis's minor labels between 200 and 5000 overprint on a narrow figure."""
    fig, ax = plt.subplots(figsize=(2.5, 2))
    ax.plot([200, 500, 1000, 2000, 5000], [1, 2, 3, 4, 5])
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.LogFormatterSciNotation(labelOnlyBase=False))
    assert any("tick" in p and "overlaps" in p for p in layout.text_overlaps(fig))


def test_a_clean_figure_passes(strict):
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("title")
    ax.legend()
    fig.tight_layout()
    assert layout.text_overlaps(fig) == []


def test_label_points_separates_close_points(strict):
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    points = [(0.60, 0.70), (0.62, 0.71), (0.64, 0.69), (0.97, 0.5)]
    notes = layout.label_points(ax, points, ["psi=0.75", "psi=1.0", "psi=1.25", "real train images"])
    assert len(notes) == 4
    assert layout.text_overlaps(fig) == []


# ------------------------------------------------------------------ chapter 8's figures
FD_CURVES = {"real train images": {200: 11.21, 500: 5.22, 1000: 2.01, 2000: 1.12, 5000: 0.38},
             "vanilla GAN (chapter 2)": {200: 74.59, 500: 69.23, 1000: 73.02, 2000: 72.15, 5000: 73.43}}
SWEEP = {"psi=0.25": {"precision": 0.494, "recall": 0.020}, "psi=0.5": {"precision": 0.753, "recall": 0.355},
         "psi=0.75": {"precision": 0.727, "recall": 0.546}, "psi=1.0": {"precision": 0.713, "recall": 0.621},
         "psi=1.25": {"precision": 0.688, "recall": 0.658}}
LADDER = {"real train images": {"precision": 0.72, "recall": 0.74},
          "light blur (σ=0.7 px)": {"precision": 0.70, "recall": 0.62},
          "heavy blur (σ=1.5 px)": {"precision": 0.35, "recall": 0.15},
          "one class only (Bag)": {"precision": 0.92, "recall": 0.05},
          "uniform noise": {"precision": 0.0, "recall": 0.0}}


def test_fd_vs_n_ticks_do_not_collide(strict):
    fig = plot_fd_vs_n(FD_CURVES)
    assert layout.text_overlaps(fig) == []
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert labels == ["200", "500", "1000", "2000", "5000"]


def test_truncation_plot_labels_are_legible(strict):
    fig = plot_precision_recall(SWEEP, reference=LADDER, title="Truncating the noise of the chapter-4 generator")
    assert layout.text_overlaps(fig) == []
    shown = {t.get_text() for t in fig.axes[0].texts}
    assert set(SWEEP) | set(LADDER) <= shown


def test_psi_grid_thumbnails_are_large_enough():
    """Chapter 8 shows 32 images 16 to a row: each must be drawn at least MIN_THUMBNAIL_PX wide."""
    images = torch.zeros(32, 1, 32, 32)
    fig = show_grid(images, nrow=16, title="DCGAN, psi = 0.25")
    ax = fig.axes[0]
    fig.canvas.draw()
    per_image = ax.get_window_extent().width / 16
    assert per_image >= MIN_THUMBNAIL_PX * 0.9, f"{per_image:.0f} px per image"


# ------------------------------------------------------------------ players' text
def _image_widgets(widget):
    import ipywidgets as W

    if isinstance(widget, W.Image):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from _image_widgets(child)


def test_transposed_conv_player_text_is_at_least_11_px():
    """Chapter 4's player: every frame shown at its drawn size, and its smallest text 11 px or more."""
    from PIL import Image
    import io

    from gan_course.widgets.dcgan import PLAYER_DPI, transposed_conv_player

    fig, ax = plt.subplots(figsize=(7, 2.6))
    from gan_course.plotting.convolution import plot_transposed_conv_1d

    plot_transposed_conv_1d(4, 4, 2, 1, ax=ax)
    smallest_pt = min(t.get_fontsize() for t in ax.texts + [ax.title])
    assert smallest_pt * PLAYER_DPI / 72 >= 11, f"smallest text {smallest_pt * PLAYER_DPI / 72:.1f} px"
    player = transposed_conv_player([(4, 4, 2, 1), (4, 3, 2, 1)])
    from gan_course.widgets.players import TEXT_FRAME_CLASS

    for image in _image_widgets(player):
        assert image.layout.width == f"{Image.open(io.BytesIO(image.value)).width}px", "frame not at its drawn size"
        assert TEXT_FRAME_CLASS in image._dom_classes  # what the site's browser test looks for


def test_translation_player_rows_are_labelled_and_not_shrunk():
    from PIL import Image
    import io

    from gan_course.widgets.cyclegan import LABEL_PX, translation_player

    assert LABEL_PX >= 11
    n_show = 4
    snapshots = [(10, torch.zeros(6 * n_show, 1, 28, 28)), (20, torch.ones(6 * n_show, 1, 28, 28))]
    player = translation_player(snapshots, n_show)
    images = list(_image_widgets(player))
    assert len(images) == 2
    for image in images:
        frame = Image.open(io.BytesIO(image.value)).convert("L")
        assert image.layout.width == f"{frame.width}px"
        assert "gan-text-frame" in image._dom_classes
        # the left margin holds dark text (the row names); the all-black/white grid starts after it
        margin = frame.width - n_show * (28 + 2) * 3 - 2 * 3
        assert margin > 40, f"no room for row labels ({margin} px)"
        assert frame.crop((0, 0, margin, frame.height)).getextrema()[0] < 128, "no row label drawn"
