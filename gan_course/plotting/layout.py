"""Legible figures: find text that overprints other text, and place point labels where they do not.

:func:`text_overlaps` measures, with the figure's renderer, the box of every piece of text a reader
must read (tick labels, axis labels, titles, legends, annotations) and returns the pairs that overlap,
and the annotations that run out of their axes. :func:`check_text` runs it when a figure is made and
warns (:class:`FigureTextWarning`) if anything collides; tests turn the warning into an error.
:func:`label_points` places point labels next to their points, trying several sides, so that they
neither overlap each other nor leave the axes.
"""

from __future__ import annotations

import warnings
from typing import Iterable, Sequence

from matplotlib.transforms import Bbox


class FigureTextWarning(UserWarning):
    """Two texts of a figure overlap, or a label runs out of its axes."""


def _renderer(fig):
    fig.canvas.draw()  # lays the figure out (tight/constrained layout) and positions every text
    return fig.canvas.get_renderer()


def _shown(artist) -> bool:
    if not artist.get_visible():
        return False
    text = artist.get_text() if hasattr(artist, "get_text") else "x"
    return bool(str(text).strip())


def figure_texts(fig) -> list[tuple[str, object]]:
    """(description, artist) of every visible, non-empty text a reader must read in ``fig``."""
    found: list[tuple[str, object]] = []
    if fig._suptitle is not None and _shown(fig._suptitle):
        found.append(("suptitle", fig._suptitle))
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        name = f"axes {i}"
        for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            if not axis.get_visible():
                continue
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            # only the ticks drawn: those inside the view (the others keep labels that are never shown)
            ticks = [t for t in axis.get_major_ticks() + axis.get_minor_ticks()
                     if t.get_loc() is not None and low - span <= t.get_loc() <= high + span]
            for tick in ticks:
                for label in (tick.label1, tick.label2):
                    if _shown(label):
                        found.append((f"{name} {which} tick '{label.get_text()}'", label))
            if _shown(axis.label):
                found.append((f"{name} {which} label '{axis.label.get_text()}'", axis.label))
        for title in (ax.title, ax._left_title, ax._right_title):
            if _shown(title):
                found.append((f"{name} title '{title.get_text()}'", title))
        for text in ax.texts:
            if _shown(text):
                found.append((f"{name} text '{text.get_text()}'", text))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found.append((f"{name} legend", legend))
    for legend in fig.legends:
        if legend.get_visible():
            found.append(("figure legend", legend))
    return found


def _inside(outer: Bbox, inner: Bbox, slack: float = 0.5) -> bool:
    return (inner.x0 >= outer.x0 - slack and inner.x1 <= outer.x1 + slack
            and inner.y0 >= outer.y0 - slack and inner.y1 <= outer.y1 + slack)


def text_overlaps(fig, pad: float = 0.0) -> list[str]:
    """Every collision between the texts of ``fig`` (pixel boxes from its renderer, grown by ``pad``
    pixels), and every annotation (``ax.text``/``ax.annotate``) that runs out of its axes or every
    text out of the figure. An empty list means the figure's text is legible."""
    renderer = _renderer(fig)
    items = []
    for name, artist in figure_texts(fig):
        box = artist.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        items.append((name, artist, box.expanded(1 + 2 * pad / max(box.width, 1), 1 + 2 * pad / max(box.height, 1))))
    problems = []
    whole = fig.bbox
    for k, (name, artist, box) in enumerate(items):
        if not _inside(whole, box):
            problems.append(f"{name} runs out of the figure")
        axes = getattr(artist, "axes", None)
        if axes is not None and artist in axes.texts and not _inside(axes.bbox, box):
            problems.append(f"{name} runs out of its axes")
        for other_name, other, other_box in items[k + 1:]:
            if box.overlaps(other_box):
                # a legend drawn over the axes' own texts is the legend's business, not a collision of
                # labels, unless it covers an annotation
                problems.append(f"{name} overlaps {other_name}")
    return problems


def check_text(fig) -> list[str]:
    """:func:`text_overlaps`, reported as a :class:`FigureTextWarning` (one line per collision)."""
    problems = text_overlaps(fig)
    if problems:
        warnings.warn("figure text overlaps: " + "; ".join(problems[:6]), FigureTextWarning, stacklevel=2)
    return problems


#: Offsets (points) tried in order for a point label: right-above, right-below, left-above, ...
_OFFSETS = ((5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
            (-5, -4, "right", "top"), (0, 8, "center", "bottom"), (0, -8, "center", "top"),
            (10, 12, "left", "bottom"), (10, -12, "left", "top"), (-10, 12, "right", "bottom"),
            (-10, -12, "right", "top"), (14, 0, "left", "center"), (-14, 0, "right", "center"),
            (0, 18, "center", "bottom"), (0, -18, "center", "top"))


def label_points(ax, points: Sequence[tuple[float, float]], labels: Sequence[str], avoid: Iterable = (),
                 **text_kwargs) -> list:
    """Annotate each point with its label on the first side (of :data:`_OFFSETS`) where the label
    stays inside the axes and overlaps neither an earlier label, nor the axes' other texts, nor the
    boxes in ``avoid``. Falls back to the first side if none is free. Returns the annotations."""
    fig = ax.figure
    renderer = _renderer(fig)
    taken = [b for b in avoid]
    taken += [t.get_window_extent(renderer) for t in ax.texts if _shown(t)]
    placed = []
    for (x, y), label in zip(points, labels):
        chosen = None
        for dx, dy, ha, va in _OFFSETS:
            note = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **text_kwargs)
            box = note.get_window_extent(renderer)
            if _inside(ax.bbox, box) and not any(box.overlaps(t) for t in taken):
                chosen = note
                break
            note.remove()
        if chosen is None:
            dx, dy, ha, va = _OFFSETS[0]
            chosen = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **text_kwargs)
        taken.append(chosen.get_window_extent(renderer))
        placed.append(chosen)
    return placed
