"""Tables of scores that print as plain text and display as HTML tables in a notebook.

The formatting functions (``format_scores``, ``coverage_table``,
``translation.format_measures``) return a :class:`ScoreTable`: a ``str``
(so ``print`` and the command line show the aligned plain-text table, and any
code that treats the result as text keeps working) that also carries its cells.
When a notebook *displays* it (the last expression of a cell, or
``display(table)``), Jupyter, Colab and the website show an HTML table instead:
every column stays readable in a narrow column or on a phone, where a wide
plain-text table would be cut off or scroll.

A displayed table shows at most :data:`MAIN_ROWS` rows: whole sections while they
fit (a first section longer than that is cut to its first rows, so callers put the
rows that matter first), and the full table in a collapsed ``<details>`` beneath.
The plain text is always complete.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

MAIN_ROWS = 8  # rows of a displayed table before the rest goes into a collapsed "full table"


class ScoreTable(str):
    """Plain text as a ``str``; an HTML ``<table>`` as ``_repr_html_``.

    ``header`` names the columns (the first is the row names' column, may be "").
    ``sections`` is a list of ``(title, rows)``: ``title`` (or None) spans the whole
    table above its rows; each row is a list of cell strings, as long as ``header``.
    ``notes`` are sentences shown beneath the table (they are also the text's last lines).
    """

    header: list[str]
    sections: list[tuple[str | None, list[list[str]]]]
    notes: list[str]

    def __new__(cls, text: str, header: Sequence[str], sections: Sequence[tuple[str | None, Sequence[Sequence[str]]]],
                notes: Sequence[str] = ()):
        table = super().__new__(cls, text)
        table.header = [str(h) for h in header]
        table.notes = [str(n) for n in notes]
        table.sections = [(title, [[str(c) for c in row] for row in rows]) for title, rows in sections]
        for _, rows in table.sections:
            for row in rows:
                if len(row) != len(table.header):
                    raise ValueError(f"row {row} has {len(row)} cells, the header {len(table.header)}")
        return table

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text/plain: the table, not its repr
        printer.text(str(self))

    def _repr_html_(self) -> str:
        notes = "".join(f'\n<p class="gan-table-note">{html.escape(n)}</p>' for n in self.notes)
        return self._table_html() + notes

    def _table_html(self) -> str:
        total = sum(len(rows) for _, rows in self.sections)
        if total <= MAIN_ROWS:
            return self._html(self.sections)
        main, left = [], MAIN_ROWS
        for title, rows in self.sections:
            if len(rows) > left:
                if not main:  # the first section alone is too long: its first rows
                    main.append((title, rows[:left]))
                break
            main.append((title, rows))
            left -= len(rows)
        shown = sum(len(rows) for _, rows in main)
        return (self._html(main) + f'\n<details class="gan-table-more"><summary>Full table ({total} rows; '
                f'{total - shown} more)</summary>\n' + self._html(self.sections) + "\n</details>")

    def _html(self, sections) -> str:
        def cell(tag: str, text: str, first: bool) -> str:
            align = "left" if first else "right"
            return f'<{tag} style="text-align: {align}">{html.escape(text)}</{tag}>'

        out = ['<table class="gan-table">', "<thead><tr>"
               + "".join(cell("th", h, i == 0) for i, h in enumerate(self.header)) + "</tr></thead>", "<tbody>"]
        for title, rows in sections:
            if title:
                out.append(f'<tr><th colspan="{len(self.header)}" style="text-align: left; font-weight: normal; '
                           f'font-style: italic">{html.escape(title)}</th></tr>')
            for row in rows:
                out.append("<tr>" + "".join(cell("th" if i == 0 else "td", c, i == 0) for i, c in enumerate(row))
                           + "</tr>")
        out += ["</tbody>", "</table>"]
        return "\n".join(out)
