"""Score tables print as aligned text (the command line, print) and display as HTML tables in a notebook."""

from __future__ import annotations

from html.parser import HTMLParser

from gan_course.metrics import ModeCoverage, ScoreTable, coverage_table, format_scores
from gan_course.metrics.translation import format_measures

ROWS = {"DCGAN": {"fd": 12.3456, "kid": 1.234, "precision": 0.5, "recall": 0.25, "label_accuracy": 0.875}}
LADDER = {"real test images": {"fd": 0.5, "kid": 0.01, "precision": 0.7, "recall": 0.72}}


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._in = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._in = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.rows[-1][-1] += data


def _cells(table: ScoreTable) -> list[list[str]]:
    parser = _Cells()
    parser.feed(table._repr_html_())
    return parser.rows


def test_format_scores_prints_text_and_displays_every_column_as_html():
    table = format_scores(ROWS, ladder=LADDER)
    assert isinstance(table, str)  # print() and the CLI see the aligned plain text
    lines = str(table).splitlines()
    assert "recall ↑" in lines[0] and "label accuracy" in lines[0]
    assert lines[2].split() == ["DCGAN", "12.35", "1.23", "0.500", "0.250", "0.875"]
    rows = _cells(table)
    assert rows[0] == ["", "FD ↓", "KID ↓", "precision ↑", "recall ↑", "label accuracy"]
    assert rows[1] == ["DCGAN", "12.35", "1.23", "0.500", "0.250", "0.875"]
    assert rows[2][0].startswith("reference ladder")  # a caption row, then the ladder
    assert rows[3] == ["real test images", "0.50", "0.01", "0.700", "0.720", ""]


def test_names_are_escaped_in_html():
    table = format_scores({"<b>G</b> & co": ROWS["DCGAN"]}, ladder=False)
    assert "<b>G</b>" not in table._repr_html_() and "&lt;b&gt;G&lt;/b&gt; &amp; co" in table._repr_html_()


def test_ipython_shows_the_table_not_its_repr():
    from IPython.core.formatters import PlainTextFormatter

    table = format_measures({"appearance": {"cycle_l1_A": 0.1234, "psnr": 21.5}, "shape": {"psnr": 19.0}})
    assert PlainTextFormatter()(table) == str(table)
    assert _cells(table) == [["", "appearance", "shape"], ["cycle_l1_A", "0.123", "-"], ["psnr", "21.500", "19.000"]]


def test_coverage_table_has_an_html_form():
    table = coverage_table({"baseline": [ModeCoverage(8, 8, 0.9, (1,) * 8, 1),
                                         ModeCoverage(6, 8, 0.8, (1,) * 8, 1)]})
    assert "baseline" in str(table).splitlines()[2]
    assert _cells(table)[1] == ["baseline", "2", "7.00 ± 1.41", "85.0 ± 7.1", "8/90, 6/80"]


def _main_and_full(table: ScoreTable) -> tuple[str, str | None]:
    page = table._repr_html_()
    if "<details" not in page:
        return page, None
    main, rest = page.split("<details", 1)
    return main, rest


def test_a_long_table_shows_its_first_section_and_collapses_the_rest():
    runs = {f"run {i}": ROWS["DCGAN"] for i in range(6)}
    ladder = {f"rung {i}": LADDER["real test images"] for i in range(5)}
    table = format_scores(runs, ladder=ladder)  # 6 runs + 5 rungs = 11 rows > MAIN_ROWS
    main, full = _main_and_full(table)
    assert full is not None and "Full table (11 rows; 5 more)" in full
    assert [f"run {i}" in main for i in range(6)] == [True] * 6  # the runs stay in view
    assert "rung 0" not in main  # the ladder does not fit beside them: it is folded away
    assert all(f"rung {i}" in full for i in range(5)) and all(f"run {i}" in full for i in range(6))
    assert len(str(table).splitlines()) == 2 + 6 + 2 + 5  # the printed text keeps every row


def test_a_short_table_is_not_folded():
    main, full = _main_and_full(format_scores({"a": ROWS["DCGAN"]}, ladder=LADDER))
    assert full is None and "real test images" in main


def test_cyclegan_measures_put_the_chapters_measures_first():
    from gan_course.metrics.translation import MAIN_MEASURES, format_measures

    scores = {k: 0.5 for k in ["area_real_A", "spread_AtoB", *reversed(MAIN_MEASURES), "fd_real_A"]}
    table = format_measures({"run": scores})
    main, full = _main_and_full(table)
    rows = [line.split()[0] for line in str(table).splitlines()[1:]]
    assert rows[:len(MAIN_MEASURES)] == list(MAIN_MEASURES)
    assert all(k in main for k in MAIN_MEASURES) and "area_real_A" not in main and "area_real_A" in full


# ------------------------------------------------------------------ one line instead of the ladder (chapters 3-7)
RUNGS = {"real": {"fd": 1.0, "kid": 0.0, "precision": 0.9, "recall": 0.9},
         "light blur": {"fd": 30.0, "kid": 4.0, "precision": 0.8, "recall": 0.2},
         "noise": {"fd": 390.0, "kid": 110.0, "precision": 1.0, "recall": 0.0},
         "heavy blur": {"fd": 130.0, "kid": 20.0, "precision": 0.5, "recall": 0.0}}


def _at(fd: float) -> dict[str, float]:
    return {"fd": fd, "kid": 1.0, "precision": 0.5, "recall": 0.5}


def test_where_it_stands_names_the_two_rungs_that_bracket_the_fd():
    from gan_course.metrics import where_it_stands

    assert "between light blur (FD 30.0) and heavy blur (FD 130.0)" in where_it_stands(_at(45.2), RUNGS)
    assert "between real (FD 1.0) and light blur (FD 30.0)" in where_it_stands(_at(30.0 - 1e-9), RUNGS)
    assert "below every rung, even real (FD 1.0)" in where_it_stands(_at(0.5), RUNGS)
    assert "above every rung, even noise (FD 390.0)" in where_it_stands(_at(400.0), RUNGS)
    assert where_it_stands(_at(45.2), RUNGS).startswith("FD 45.2 lies")


def test_a_table_with_the_ladder_as_a_line_shows_one_sentence_per_row_and_no_rungs(monkeypatch):
    import gan_course.metrics.images as images

    monkeypatch.setattr(images, "reference_ladder", lambda device="cpu", n=None: dict(RUNGS))
    table = format_scores({"DCGAN": _at(45.2), "MLP": _at(150.0)}, ladder="line")
    assert [row[0] for row in _cells(table)] == ["", "DCGAN", "MLP"]  # no rung in the table
    page = table._repr_html_()
    assert 'class="gan-table-note">DCGAN: FD 45.2 lies between light blur' in page
    assert "MLP: FD 150.0 lies between heavy blur (FD 130.0) and noise (FD 390.0)" in page
    assert str(table).splitlines()[-1].startswith("MLP: FD 150.0 lies")  # the printed text has the lines too


def test_a_ladder_that_is_neither_a_switch_nor_rungs_nor_line_gets_one_clear_error():
    import pytest

    from gan_course.errors import CourseError

    for bad in ("lines", "", "True"):
        with pytest.raises(CourseError, match="ladder must be True, False, a dict of rungs or 'line'"):
            format_scores({"DCGAN": _at(45.2)}, ladder=bad)
