"""Grids, figures and the training-health check."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gan_course.errors import CourseError  # noqa: E402
from gan_course.plotting import image_grid, plot_health, plot_losses, show_grid, show_snapshots  # noqa: E402
from gan_course.plotting.history import plot_compare  # noqa: E402
from gan_course.plotting.images import ShownFigure, save_grid  # noqa: E402
from helpers import fake_history  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*non-interactive.*:UserWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ grids
@pytest.mark.parametrize("batch,nrow,size", [(64, None, (242, 242)), (16, None, (122, 122)),
                                             (8, 8, (32, 242)), (6, 3, (62, 92))])
def test_image_grid_size(batch, nrow, size):
    grid = image_grid(torch.zeros(batch, 1, 28, 28), nrow=nrow)
    assert tuple(grid.shape) == (3, *size)  # make_grid returns RGB; n images of 28 px with 2 px padding: n * 30 + 2


def test_image_grid_uses_the_fixed_range_not_min_max():
    images = torch.full((4, 1, 28, 28), -0.5)  # a dull grey batch must stay dull grey
    grid = image_grid(images)
    inner = grid[0, 2:30, 2:30]
    torch.testing.assert_close(inner, torch.full_like(inner, 0.25))
    assert grid.min() >= 0 and grid.max() <= 1


def test_image_grid_rgb_and_bad_shape():
    assert image_grid(torch.zeros(4, 3, 8, 8)).shape[0] == 3
    with pytest.raises(CourseError, match="batch"):
        image_grid(torch.zeros(1, 28, 28))


def test_save_grid(tmp_path):
    from PIL import Image

    path = save_grid(torch.zeros(16, 1, 28, 28), tmp_path / "sub" / "grid.png")
    assert Image.open(path).size == (122, 122)


def test_show_grid_and_snapshots_return_shown_figures(capsys):
    fig = show_grid(torch.zeros(16, 1, 28, 28), title="x")
    assert isinstance(fig, Figure) and isinstance(fig, ShownFigure)
    assert fig._ipython_display_() is None  # Jupyter does not echo it a second time
    snaps = [(s, torch.zeros(16, 1, 28, 28)) for s in range(1, 25)]
    fig = show_snapshots(snaps, max_cols=5)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titled) == 10 and titled[0] == "step 1" and titled[-1] == "step 24"
    assert show_snapshots([]) is None  # after loading a pretrained generator: a note, not an error
    assert "USE_PRETRAINED" in capsys.readouterr().out


def test_history_plots_print_a_note_without_afake_history(capsys):
    from gan_course.plotting import plot_health, plot_losses
    from gan_course.widgets import snapshot_player

    for history in (None, {"step": []}):
        assert plot_losses(history) is None and plot_health(history) is None
    assert snapshot_player([]) is None
    assert capsys.readouterr().out.count("USE_PRETRAINED") == 5


def test_show_grid_on_given_axes_returns_that_figure():
    fig, ax = plt.subplots()
    assert show_grid(torch.zeros(4, 1, 28, 28), ax=ax) is fig


def test_plot_losses_health_and_compare(capsys):
    h = fake_history(500, 0.6, 0.4)
    fig = plot_losses(h)
    assert len(fig.axes[0].lines) == 4  # three losses and the log 2 line
    fig = plot_health(h)
    assert fig.axes[0].get_ylim() == (0.0, 1.0)
    assert "health:" in capsys.readouterr().out
    fig = plot_compare({"a": h, "b": fake_history(300, 0.9, 0.1)}, "d_fake", logy=True, hline=0.5)
    assert [line.get_label() for line in fig.axes[0].lines][:2] == ["a", "b"]
    with pytest.raises(CourseError, match="no 'nope'"):
        plot_compare({"a": h}, "nope")
