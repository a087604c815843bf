"""Tables of scores that print as plain text and display as HTML tables in a notebook.

The formatting functions (``format_scores``, ``coverage_table``,
``translation.format_measures``) return a :class:`ScoreTable`: a ``str``
(so ``print`` and the command line show the aligned plain-text table, and any
code that treats the result as text keeps working) that also carries its cells.
When a notebook *displays* it (the last expression of a cell, or
``display(table)``), Jupyter, Colab and the website show an HTML table instead:
every column stays readable in a narrow column or on a phone, where a wide
plain-text table would be cut off or scroll.
"""

from __future__ import annotations

import html
from collections.abc import Sequence


class ScoreTable(str):
    """Plain text as a ``str``; an HTML ``<table>`` as ``_repr_html_``.

    ``header`` names the columns (the first is the row names' column, may be "").
    ``sections`` is a list of ``(title, rows)``: ``title`` (or None) spans the whole
    table above its rows; each row is a list of cell strings, as long as ``header``.
    """

    header: list[str]
    sections: list[tuple[str | None, list[list[str]]]]

    def __new__(cls, text: str, header: Sequence[str], sections: Sequence[tuple[str | None, Sequence[Sequence[str]]]]):
        table = super().__new__(cls, text)
        table.header = [str(h) for h in header]
        table.sections = [(title, [[str(c) for c in row] for row in rows]) for title, rows in sections]
        for _, rows in table.sections:
            for row in rows:
                if len(row) != len(table.header):
                    raise ValueError(f"row {row} has {len(row)} cells, the header {len(table.header)}")
        return table

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text/plain: the table, not its repr
        printer.text(str(self))

    def _repr_html_(self) -> str:
        def cell(tag: str, text: str, first: bool) -> str:
            align = "left" if first else "right"
            return f'<{tag} style="text-align: {align}">{html.escape(text)}</{tag}>'

        out = ['<table class="gan-table">', "<thead><tr>"
               + "".join(cell("th", h, i == 0) for i, h in enumerate(self.header)) + "</tr></thead>", "<tbody>"]
        for title, rows in self.sections:
            if title:
                out.append(f'<tr><th colspan="{len(self.header)}" style="text-align: left; font-weight: normal; '
                           f'font-style: italic">{html.escape(title)}</th></tr>')
            for row in rows:
                out.append("<tr>" + "".join(cell("th" if i == 0 else "td", c, i == 0) for i, c in enumerate(row))
                           + "</tr>")
        out += ["</tbody>", "</table>"]
        return "\n".join(out)
