"""The HTML report of a simulation run: a standalone page whose numbers match the summary it was given."""

from __future__ import annotations

import copy
from html.parser import HTMLParser

import pytest

from arrears_cli.report_html import BUCKETS, NO_DAYS_NOTE, render_report

DELINQUENT = ("1-29", "30-59", "60-89", "90-119", "120-179", "180+")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class Page(HTMLParser):
    """Just enough of a DOM for the assertions: elements, tables by id, SVGs, and nesting errors."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str], int | None]] = []  # (tag, attrs, svg index)
        self.svgs: list[list[str]] = []  # text nodes per <svg>
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self._svg: int | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "svg":
            self.svgs.append([])
            self._svg = len(self.svgs) - 1
        self.elements.append((tag, attributes, self._svg))
        if tag == "table":
            self._table = attributes.get("id", f"table-{len(self.tables)}")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}, self._svg))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> while open: {self.stack[-3:]}")
            return
        self.stack.pop()
        if tag == "svg":
            self._svg = None
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._svg is not None:
            self.svgs[self._svg].append(data.strip())

    def in_svg(self, index: int, css_class: str) -> list[dict[str, str]]:
        return [a for t, a, s in self.elements if s == index and css_class in a.get("class", "").split()]

    def by_id(self, element_id: str) -> dict[str, str]:
        return next(a for _, a, _ in self.elements if a.get("id") == element_id)

    def rows(self, table_id: str) -> dict[str, list[str]]:
        """Body rows of a table keyed by their first cell."""
        return {row[0]: row[1:] for row in self.tables[table_id][1:] if row}


def _day(as_of: str, accounts: dict[str, int], usd: dict[str, int], mxn: dict[str, int]) -> dict:
    return {
        "as_of": as_of,
        "accounts_by_bucket": accounts,
        "balances_by_bucket": {"USD": usd, "MXN": mxn},
        "transitions": {},
        "changed_accounts": 1,
        "evaluated_accounts": 2,
    }


@pytest.fixture
def summary() -> dict:
    first = _day("2026-01-01", {"current": 990, "1-29": 10}, {"current": 1}, {"current": 2})
    middle = _day("2026-01-02", {"current": 980, "1-29": 15, "30-59": 5}, {"current": 1}, {"current": 2})
    # Last day: "closed" is left out on purpose (a missing key counts as 0) and a count passes 1,000.
    last = _day(
        "2026-01-03",
        {"current": 1234, "1-29": 21, "30-59": 32, "60-89": 43, "90-119": 54, "120-179": 65, "180+": 76},
        {"current": 12345600, "1-29": 99, "180+": 7},
        {"current": 500000},
    )
    return {
        "accounts": 1000,
        "days": 3,
        "seed": 7,
        "start": "2026-01-01",
        "end": "2026-01-03",
        "executions": {"SUCCEEDED": 3, "FAILED": 0},
        "child_executions": {"SUCCEEDED": 48},
        "transitions": {"current->1-29": 120, "1-29->current": 90, "1-29->30-59": 20, "new->current": 900},
        "payments": {"count": 2100, "by_currency": {"USD": 12345600, "MXN": 500000, "JPY": 123456}},
        "ledger_invariant_ok": True,
        "assumptions": {"steady payers": "80%", "late self-curers": "10%"},
        "per_day": [first, middle, last],
    }


def test_output_is_a_complete_standalone_html_document(summary):
    html = render_report(summary)
    page = Page(html)

    assert html.startswith("<!DOCTYPE html>")
    assert page.errors == []
    assert "Arrears simulation report" in "".join(page.text)
    # Opened from disk with no network: nothing may be fetched or executed.
    assert "<script" not in html.lower()
    assert "://" not in html
    assert not [a for _, a, _ in page.elements if "src" in a or "href" in a]


def test_header_shows_seed_accounts_days_and_date_range(summary):
    meta = " ".join(Page(render_report(summary)).text)

    for expected in ("Seed 7", "1,000 accounts", "3 days", "2026-01-01 to 2026-01-03"):
        assert expected in meta


def test_overview_chart_has_one_series_and_one_legend_entry_per_bucket(summary):
    page = Page(render_report(summary))

    assert len(page.svgs) == 2
    series = page.in_svg(0, "series")
    legend = page.in_svg(0, "legend-entry")
    assert [s["data-bucket"] for s in series] == list(BUCKETS)
    assert [e["data-bucket"] for e in legend] == list(BUCKETS)
    fills = {s["data-bucket"]: s["fill"] for s in series}
    assert len(set(fills.values())) == len(BUCKETS)
    # The legend swatch must be the colour of the series it names.
    swatches = [a["fill"] for t, a, s in page.elements if s == 0 and t == "rect"]
    assert swatches == [fills[b] for b in BUCKETS]


def test_delinquent_chart_leaves_out_current_and_closed(summary):
    page = Page(render_report(summary))

    assert [s["data-bucket"] for s in page.in_svg(1, "series")] == list(DELINQUENT)
    assert [e["data-bucket"] for e in page.in_svg(1, "legend-entry")] == list(DELINQUENT)


def _y_ticks(svg_text: list[str]) -> list[int]:
    return [int(t.replace(",", "")) for t in svg_text if t.replace(",", "").isdigit()]


def test_chart_axes_show_dates_and_a_count_scale_that_fits_the_data(summary):
    page = Page(render_report(summary))
    overview, delinquent = page.svgs

    assert "2026-01-01" in overview
    assert "2026-01-03" in overview
    last_total = sum(summary["per_day"][-1]["accounts_by_bucket"].values())
    assert 0 in _y_ticks(overview)
    assert max(_y_ticks(overview)) >= last_total
    # The point of the second chart: its scale follows the small buckets, not the whole book.
    delinquent_total = last_total - summary["per_day"][-1]["accounts_by_bucket"]["current"]
    assert delinquent_total <= max(_y_ticks(delinquent)) < last_total


def _edges(path: dict[str, str]) -> tuple[list[float], list[float]]:
    """Upper and lower edge y values of a stacked layer, both from left to right."""
    upper, lower = path["d"].removeprefix("M").removesuffix(" Z").split(" L")
    ys = [[float(point.split(",")[1]) for point in edge.split()] for edge in (upper, lower)]
    return ys[0], ys[1][::-1]


def test_layers_are_stacked_in_proportion_to_their_counts(summary):
    for day in summary["per_day"]:
        day["accounts_by_bucket"] = {"current": 900, "1-29": 100}
    page = Page(render_report(summary))
    grid = sorted(float(a["y1"]) for a in page.in_svg(0, "grid"))
    top_y, zero_y = grid[0], grid[-1]  # the 1,000 and 0 gridlines
    layers = {p["data-bucket"]: _edges(p) for p in page.in_svg(0, "series")}

    current_top = zero_y + 0.9 * (top_y - zero_y)
    assert layers["current"][0] == pytest.approx([current_top] * 3, abs=0.1)
    assert layers["current"][1] == pytest.approx([zero_y] * 3, abs=0.1)
    assert layers["1-29"][1] == layers["current"][0]
    assert layers["closed"][0] == pytest.approx([top_y] * 3, abs=0.1)
    # A bucket nobody is in is a layer of no height.
    assert layers["60-89"][0] == layers["60-89"][1]


def test_last_day_table_shows_each_bucket_count_and_balance(summary):
    page = Page(render_report(summary))
    header = page.tables["last-day"][0]
    rows = page.rows("last-day")

    assert header == ["Bucket", "Accounts", "Balance MXN", "Balance USD"]
    assert list(rows) == [*BUCKETS, "Total"]
    last = summary["per_day"][-1]["accounts_by_bucket"]
    for bucket in BUCKETS:
        expected = f"{last.get(bucket, 0):,}"
        assert rows[bucket][0] == expected, bucket
    assert rows["current"] == ["1,234", "MX$5,000.00", "$123,456.00"]
    assert rows["1-29"][2] == "$0.99"
    assert rows["180+"][2] == "$0.07"
    assert rows["closed"] == ["0", "MX$0.00", "$0.00"]
    assert rows["Total"] == ["1,525", "MX$5,000.00", "$123,457.06"]


def test_payments_are_formatted_in_each_currency_own_precision(summary):
    page = Page(render_report(summary))
    text = " ".join(page.text)

    assert "2,100" in text
    assert "$123,456.00" in text
    assert "MX$5,000.00" in text
    # JPY has no minor unit: 123456 minor units are 123,456 yen, not 1,234.56.
    assert "¥123,456" in text
    assert "¥1,234.56" not in text


def test_three_decimal_currency_keeps_all_its_digits(summary):
    summary["per_day"][-1]["balances_by_bucket"] = {"KWD": {"current": 1234567}}
    rows = Page(render_report(summary)).rows("last-day")

    assert rows["current"][1].endswith("1,234.567")


def test_intact_ledger_reads_ok(summary):
    page = Page(render_report(summary))
    badge = next(a for t, a, _ in page.elements if "invariant" in a.get("class", "").split())

    assert "ok" in badge["class"].split()
    assert ">OK</span>" in render_report(summary)


def test_broken_ledger_invariant_is_shown_as_broken(summary):
    summary["ledger_invariant_ok"] = False
    html = render_report(summary)
    badge = next(a for t, a, _ in Page(html).elements if "invariant" in a.get("class", "").split())

    assert "broken" in badge["class"].split()
    assert ">BROKEN</span>" in html
    assert ">OK</span>" not in html


def test_missing_invariant_is_not_reported_as_ok(summary):
    del summary["ledger_invariant_ok"]
    html = render_report(summary)

    assert ">OK</span>" not in html
    assert ">UNKNOWN</span>" in html


def test_failed_executions_are_flagged(summary):
    summary["executions"] = {"SUCCEEDED": 2, "FAILED": 1}
    html = render_report(summary)

    assert '<li class="bad">FAILED: <strong>1</strong></li>' in html
    assert "<li>SUCCEEDED: <strong>2</strong></li>" in html


def test_transitions_are_sorted_by_count_descending(summary):
    rows = Page(render_report(summary)).tables["transitions"][1:]

    assert rows == [
        ["new", "current", "900"],
        ["current", "1-29", "120"],
        ["1-29", "current", "90"],
        ["1-29", "30-59", "20"],
    ]


def test_empty_per_day_shows_a_note_instead_of_charts(summary):
    summary["per_day"] = []
    del summary["assumptions"]
    page = Page(render_report(summary))

    assert page.errors == []
    assert page.svgs == []
    assert "last-day" not in page.tables
    assert NO_DAYS_NOTE in "".join(page.text)
    assert "assumptions" not in page.tables


def test_single_day_still_draws_every_series(summary):
    summary["per_day"] = summary["per_day"][-1:]
    page = Page(render_report(summary))

    assert [s["data-bucket"] for s in page.in_svg(0, "series")] == list(BUCKETS)
    assert "2026-01-03" in page.svgs[0]


def test_html_special_characters_in_input_are_escaped(summary):
    summary["assumptions"] = {"<script>alert(1)</script>": 'a & b "quoted" <b>bold</b>'}
    summary["per_day"] = copy.deepcopy(summary["per_day"])
    summary["per_day"][0]["as_of"] = "<img src=x>"
    html = render_report(summary)
    page = Page(html)

    assert "<script>" not in html
    assert "<b>bold</b>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Escaped, not dropped: the reader sees exactly what was written.
    assert page.rows("assumptions") == {"<script>alert(1)</script>": ['a & b "quoted" <b>bold</b>']}
    assert page.errors == []


def test_letters_are_tabled_by_code_and_language_with_the_compliance_count():
    page = render_report(
        {"letters": {"en:first_reminder": 12, "es:first_reminder": 3}, "compliance_violations": []}
    )
    assert "first_reminder" in page and ">12<" in page and ">3<" in page
    assert "0 violation(s)" in page


def test_the_report_shows_bucket_efficiency_against_its_goal_and_the_headline_rates():
    from arrears_cli.report_html import render_report

    kpis = {
        "from": "2026-03-01",
        "to": "2026-03-20",
        "buckets": {
            "1-29": {
                "accounts_at_start": 2,
                "roll_rate": 0.5,
                "efficiency": 0.5,
                "goal": 0.8,
                "goal_met": False,
            },
        },
        "cure_rate": 0.3333,
        "cured": 1,
        "delinquent_at_start": 3,
        "promises": {"kept": 1, "broken": 1, "kept_rate": 0.5},
    }

    html = render_report({"kpis": kpis})

    assert 'id="kpis"' in html and "missed" in html and "33.3% (1 of 3)" in html
    assert 'width="100"' in html and 'x1="160"' in html  # the bar at 50%, the goal mark at 80%
