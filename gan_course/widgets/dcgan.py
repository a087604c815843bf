"""Chapter 4's kernel-free views of (transposed) convolution sizes.

* :func:`size_calculator` — two sliders (stride, padding) over pre-rendered
  tables of output sizes, for many input and kernel sizes at once;
* :func:`transposed_conv_player` — a slider over drawings of one transposed
  convolution in 1-D (:func:`~gan_course.plotting.convolution.plot_transposed_conv_1d`:
  which output positions each input writes to, and how many writes each gets).

Like :mod:`gan_course.widgets.players`, every frame is computed in Python once and the
sliders are tied to ``Stack`` widgets with ``jslink``, so they keep working on
the static website, without a kernel. Every number comes from
:mod:`gan_course.models.sizes`, the tested formulas.
"""

from __future__ import annotations

import html
from typing import Sequence

from .. import arguments
from ..errors import CourseError
from ..models.sizes import conv_output_size, transposed_conv_output_size
from ..plotting.convolution import plot_transposed_conv_1d
from .players import figure_player

DCGAN_LAYER = (4, 4, 2, 1)  # (i, k, s, p) of the 4x4 -> 8x8 layer: highlighted in the tables


def _size_or_dash(fn, *args) -> str:
    try:
        return str(fn(*args))
    except CourseError:  # the layer cannot exist (output < 1 or kernel larger than the padded input)
        return "–"


def size_table_html(s: int, p: int, i_values: Sequence[int], k_values: Sequence[int],
                    highlight: tuple[int, int, int, int] | None = DCGAN_LAYER) -> str:
    """Two HTML tables for one (stride, padding): transposed-conv and conv output sizes, rows i, columns k."""
    def table(title: str, fn) -> str:
        head = "".join(f"<th style='padding:2px 6px'>k={k}</th>" for k in k_values)
        rows = []
        for i in i_values:
            cells = []
            for k in k_values:
                style = "padding:2px 6px;text-align:right"
                if highlight is not None and (i, k, s, p) == highlight:
                    style += ";background:#ffe08a;font-weight:bold"
                cells.append(f"<td style='{style}'>{_size_or_dash(fn, i, k, s, p)}</td>")
            rows.append(f"<tr><th style='padding:2px 6px'>i={i}</th>{''.join(cells)}</tr>")
        return (f"<div style='display:inline-block;vertical-align:top;margin-right:24px'>"
                f"<div><b>{html.escape(title)}</b></div>"
                f"<table style='border-collapse:collapse;font-family:monospace'><tr><th></th>{head}</tr>"
                f"{''.join(rows)}</table></div>")

    return (table(f"ConvTranspose2d: o = (i−1)·{s} − 2·{p} + k", transposed_conv_output_size)
            + table(f"Conv2d: o = ⌊(i + 2·{p} − k) / {s}⌋ + 1", conv_output_size))


def size_calculator(i_values: Sequence[int] = range(1, 9), k_values: Sequence[int] = range(1, 8),
                    strides: Sequence[int] = (1, 2, 3, 4), paddings: Sequence[int] = (0, 1, 2, 3),
                    highlight: tuple[int, int, int, int] | None = DCGAN_LAYER, start: tuple[int, int] = (2, 1)):
    """A kernel-free output-size calculator: sliders for stride and padding over tables of (i, k).

    Each (stride, padding) pair is one pre-rendered pair of tables (transposed
    convolution and convolution). The stride slider selects a ``Stack`` of
    padding stacks, and the padding slider selects inside every one of them;
    both links live in the browser. ``–`` marks layers PyTorch would refuse.
    ``start`` is the (stride, padding) shown first.
    """
    import ipywidgets as W

    for name, value in (("i_values", i_values), ("k_values", k_values), ("strides", strides), ("paddings", paddings)):
        for j, v in enumerate(arguments.sequence(name, value, "a list of whole numbers, e.g. range(1, 9)")):
            arguments.whole(f"{name}[{j}]", v, 0, 10_000, example=1)
    if not (isinstance(start, tuple) and len(start) == 2):
        raise CourseError(f"start must be a (stride, padding) pair, got {arguments.shown(start)}")
    if highlight is not None and not (isinstance(highlight, tuple) and len(highlight) == 4):
        raise CourseError(f"highlight must be None or an (i, k, s, p) tuple, got {arguments.shown(highlight)}")
    strides, paddings = list(strides), list(paddings)
    if not strides or not paddings or not list(i_values) or not list(k_values):
        raise CourseError("size_calculator needs at least one stride, padding, input size and kernel size")
    if start[0] not in strides or start[1] not in paddings:
        raise CourseError(f"start={start} must be a (stride, padding) pair from strides={strides} "
                          f"and paddings={paddings}: pick one of them")
    inner = [W.Stack([W.HTML(size_table_html(s, p, i_values, k_values, highlight)) for p in paddings],
                     selected_index=paddings.index(start[1])) for s in strides]
    outer = W.Stack(inner, selected_index=strides.index(start[0]))
    s_slider = W.SelectionSlider(options=[(str(s), s) for s in strides], value=start[0], description="stride s")
    p_slider = W.SelectionSlider(options=[(str(p), p) for p in paddings], value=start[1], description="padding p")
    W.jslink((s_slider, "index"), (outer, "selected_index"))
    for stack in inner:  # the padding slider drives the padding stack of every stride
        W.jslink((p_slider, "index"), (stack, "selected_index"))
    return W.VBox([W.HBox([s_slider, p_slider]), outer])


#: The transposed-convolution player's resolution: its smallest text (8 pt) is then 11 px or more on the page.
PLAYER_DPI = 100


def transposed_conv_player(configs: Sequence[tuple[int, int, int, int]], dpi: int = PLAYER_DPI):
    """A slider over :func:`plot_transposed_conv_1d` drawings, one per ``(i, k, s, p)``, shown at their
    drawn size (about 700 px wide at the default ``dpi``, where 8 pt text is 11 px tall)."""
    import matplotlib.pyplot as plt

    arguments.sequence("configs", configs, "a list of (i, k, s, p) tuples, e.g. [(4, 4, 2, 1)]")
    if not all(isinstance(c, (tuple, list)) for c in configs):
        raise CourseError("configs must be a list of (i, k, s, p) tuples, e.g. [(4, 4, 2, 1)]")
    arguments.whole("dpi", dpi, 10, 1000, example=100)
    configs = [tuple(c) for c in configs]
    if not configs or any(len(c) != 4 for c in configs):
        raise CourseError("transposed_conv_player expects a list of (i, k, s, p) tuples, e.g. [(4, 4, 2, 1)]")
    for c in configs:
        transposed_conv_output_size(*c)  # a clear error for an impossible layer, before any drawing

    def make(n: int):
        fig, ax = plt.subplots(figsize=(7, 2.6))
        plot_transposed_conv_1d(*configs[n], ax=ax)
        fig.tight_layout()
        return fig

    return figure_player(make, len(configs), [f"i={i}, k={k}, s={s}, p={p}" for i, k, s, p in configs],
                         description="layer", dpi=dpi)
