"""Figures are drawn for the website's column: at most MAX_FIGURE_PX wide, so their text stays legible."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gan_course.plotting.images import MAX_FIGURE_PX, fit_figsize, new_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_wide_figures_are_scaled_to_the_column_keeping_their_aspect():
    assert fit_figsize((13, 3.8), dpi=100) == (9.4, 3.8 * 9.4 / 13)
    assert fit_figsize((5, 4), dpi=100) == (5, 4)  # narrow figures keep their size
    fig, _ = new_figure(1, 3, figsize=(13, 3.8))
    try:
        width_px = fig.get_figwidth() * fig.dpi
        assert width_px <= MAX_FIGURE_PX + 1e-6
        # the smallest font the package uses (7 pt) is at least 9 px at the figure's size
        assert 7 / 72 * fig.dpi >= 9
    finally:
        plt.close(fig)


def test_the_widest_toy_plot_fits_the_column(monkeypatch):
    """Chapter 1's three-panel generator-loss figure (asked for at 13 in) is drawn at the column's width."""
    from gan_course.plotting.toy import plot_generator_losses
    from gan_course.theory import generator_loss_curves

    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    fig = plot_generator_losses(generator_loss_curves(np.linspace(0.001, 0.999, 200)))
    try:
        assert fig.get_figwidth() * fig.dpi <= MAX_FIGURE_PX + 1e-6, fig.get_size_inches()
        assert fig.get_figwidth() * fig.dpi >= 0.9 * MAX_FIGURE_PX  # scaled to the column, not shrunk further
    finally:
        plt.close(fig)


def test_package_figures_go_through_new_figure():
    """Every plotting module makes its figures with new_figure (which fits them to the column)."""
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "gan_course" / "plotting").glob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\bplt\.(subplots|figure)\(", line) and "def new_figure" not in line
                 and '"""' not in line and p.name != "images.py"]
    assert not offenders, f"make figures with gan_course.plotting.images.new_figure: {offenders}"
