"""A standalone HTML report of one simulation run, for a collections manager to open in a browser.

The page must work from a file on a machine without internet, so everything is inline: CSS in a
<style> element and charts as SVG computed here. No JavaScript, no fonts, no CDN.

Money arrives as integer minor units per currency and is only ever turned into `Decimal` for
display; geometry is the only place floats appear.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from arrears.domain.census import CLOSED, GROUPS
from arrears.domain.money import Money
from arrears.domain.stages import Bucket
from babel.numbers import format_decimal
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

# The census groups: the buckets in order, then accounts no longer worked.
BUCKETS: tuple[str, ...] = GROUPS
DELINQUENT_BUCKETS: tuple[str, ...] = tuple(b for b in BUCKETS if b not in (Bucket.CURRENT.value, CLOSED))

# Green for healthy through dark red for the oldest debt, grey for accounts no longer worked.
BUCKET_COLOURS: dict[str, str] = {
    "current": "#2e7d32",
    "1-29": "#9ccc65",
    "30-59": "#fdd835",
    "60-89": "#fb8c00",
    "90-119": "#e53935",
    "120-179": "#b71c1c",
    "180+": "#4a0000",
    "closed": "#9e9e9e",
}

NO_DAYS_NOTE = "No per-day data was recorded for this run, so there is no chart or last-day table."

# Statuses that mean a Step Functions execution did not finish its work.
_FAILED_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})

# Chart geometry in SVG user units; the SVG scales to the page width through its viewBox.
_WIDTH, _HEIGHT = 860, 360
_LEFT, _RIGHT, _TOP = 70, 40, 16  # the right margin fits half of the last date label
_PLOT_BOTTOM = 270  # leaves room below for date labels, the axis title and the legend
_MAX_DATE_LABELS = 6


def render_report(summary: Mapping[str, Any], *, locale: str = "en_US") -> str:
    """The summary of a simulation run as a complete HTML5 document."""
    locale = locale.replace("-", "_")
    days = sorted(summary.get("per_day") or [], key=lambda d: str(d.get("as_of", "")))
    return _PAGE.render(
        title="Arrears simulation report",
        meta=_meta_line(summary, locale),
        headline=_headline(summary, locale),
        no_days_note=NO_DAYS_NOTE,
        all_chart=_stacked_area_svg(days, BUCKETS, "Accounts per bucket", locale) if days else None,
        delinquent_chart=(
            _stacked_area_svg(days, DELINQUENT_BUCKETS, "Delinquent accounts per bucket", locale)
            if days
            else None
        ),
        last_day=_last_day_table(days[-1], locale) if days else None,
        transitions=_transition_rows(summary.get("transitions") or {}, locale),
        letters=_letter_rows(summary.get("letters") or {}, locale),
        violations=len(summary.get("compliance_violations") or []),
        kpis=_kpis(summary.get("kpis")),
        bureau=summary.get("bureau"),
        assumptions=[(str(k), str(v)) for k, v in (summary.get("assumptions") or {}).items()],
    )


# --- formatting -----------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _kpis(kpis: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Bucket efficiency against its goal as bars (an SVG per bucket), and the headline rates."""
    if not kpis:
        return None
    rows = []
    for bucket, figures in kpis["buckets"].items():
        efficiency, goal = figures["efficiency"], figures["goal"]
        width = 0 if efficiency is None else round(efficiency * 200)
        goal_x = None if goal is None else round(goal * 200)
        rows.append(
            {
                "bucket": bucket,
                "at_start": figures["accounts_at_start"],
                "roll": _pct(figures["roll_rate"]),
                "efficiency": _pct(efficiency),
                "goal": _pct(goal),
                "met": {True: "met", False: "missed", None: "–"}[figures["goal_met"]],
                "bar": width,
                "goal_x": goal_x,
                "colour": BUCKET_COLOURS.get(bucket, "#888"),
            }
        )
    promises = kpis["promises"]
    return {
        "rows": rows,
        "cure": f"{_pct(kpis['cure_rate'])} ({kpis['cured']} of {kpis['delinquent_at_start']})",
        "promises": f"{_pct(promises['kept_rate'])} ({promises['kept']} kept, {promises['broken']} broken)",
        "period": f"{kpis['from']} to {kpis['to']}",
    }


def _money(minor: int, currency: str, locale: str = "en_US") -> str:
    return Money(int(minor), currency).format(locale)


def _count(value: Any, locale: str) -> str:
    return format_decimal(int(value or 0), locale=locale)


def _meta_line(summary: Mapping[str, Any], locale: str) -> str:
    parts = [
        f"Seed {summary.get('seed', '?')}",
        f"{_count(summary.get('accounts'), locale)} accounts",
        f"{_count(summary.get('days'), locale)} days",
        f"{summary.get('start', '?')} to {summary.get('end', '?')}",
    ]
    return " · ".join(parts)


# --- headline -------------------------------------------------------------------------------------


def _status_rows(by_status: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
    return [
        {
            "status": str(status),
            "count": _count(count, locale),
            "css": "bad" if status in _FAILED_STATUSES and int(count or 0) > 0 else "",
        }
        for status, count in by_status.items()
    ]


def _invariant(value: Any) -> tuple[str, str]:
    # A summary without the flag has not proven anything, so it must not read as OK.
    if value is True:
        return "OK", "ok"
    if value is False:
        return "BROKEN", "broken"
    return "UNKNOWN", "unknown"


def _headline(summary: Mapping[str, Any], locale: str) -> dict[str, Any]:
    payments = summary.get("payments") or {}
    by_currency = payments.get("by_currency") or {}
    label, css = _invariant(summary.get("ledger_invariant_ok"))
    return {
        "executions": _status_rows(summary.get("executions") or {}, locale),
        "child_executions": _status_rows(summary.get("child_executions") or {}, locale),
        "payments_count": _count(payments.get("count"), locale),
        "payments_amounts": [_money(by_currency[c], c, locale) for c in sorted(by_currency)],
        "invariant_label": label,
        "invariant_css": css,
        "census": _invariant(summary.get("census_invariant_ok")),
    }


# --- tables ---------------------------------------------------------------------------------------


def _last_day_table(day: Mapping[str, Any], locale: str) -> dict[str, Any]:
    accounts = day.get("accounts_by_bucket") or {}
    balances = day.get("balances_by_bucket") or {}
    currencies = sorted(balances)
    rows = [
        {
            "bucket": bucket,
            "colour": BUCKET_COLOURS[bucket],
            "accounts": _count(accounts.get(bucket), locale),
            "balances": [_money((balances[c] or {}).get(bucket, 0), c, locale) for c in currencies],
        }
        for bucket in BUCKETS
    ]
    # Summing integer minor units keeps the total exact.
    totals = {
        "accounts": _count(sum(int(accounts.get(b) or 0) for b in BUCKETS), locale),
        "balances": [
            _money(sum(int((balances[c] or {}).get(b) or 0) for b in BUCKETS), c, locale) for c in currencies
        ],
    }
    return {"as_of": str(day.get("as_of", "")), "currencies": currencies, "rows": rows, "totals": totals}


def _letter_rows(letters: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
    """Letters delivered by code, one column per language (keys are "<language>:<code>")."""
    table: dict[str, dict[str, int]] = {}
    for key, count in letters.items():
        language, _, code = str(key).partition(":")
        table.setdefault(code, {})[language] = int(count or 0)
    return [
        {"code": code, "en": _count(row.get("en", 0), locale), "es": _count(row.get("es", 0), locale)}
        for code, row in sorted(table.items())
    ]


def _transition_rows(transitions: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
    # Ties are broken by name so the same summary always renders the same page.
    ordered = sorted(transitions.items(), key=lambda kv: (-int(kv[1] or 0), str(kv[0])))
    rows = []
    for key, count in ordered:
        source, _, target = str(key).partition("->")
        rows.append({"source": source, "target": target, "count": _count(count, locale)})
    return rows


# --- charts ---------------------------------------------------------------------------------------


def _nice_scale(peak: int, ticks: int = 5) -> tuple[int, int]:
    """Top of the y axis and the tick step, both round numbers so the labels read easily."""
    if peak <= 0:
        return ticks, 1
    raw = peak / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))  # accounts are whole, so a fractional step would only repeat labels
    return math.ceil(peak / step) * step, step


def _cumulative(days: Sequence[Mapping[str, Any]], buckets: Sequence[str]) -> list[list[int]]:
    """Per day, the running total after each bucket: the upper edge of each stacked layer."""
    stacks = []
    for day in days:
        counts = day.get("accounts_by_bucket") or {}
        running, edges = 0, []
        for bucket in buckets:
            running += int(counts.get(bucket) or 0)
            edges.append(running)
        stacks.append(edges)
    return stacks


def _x_positions(n: int) -> list[float]:
    # One day has no width of its own; spreading it across the plot still shows the mix as a band.
    if n == 1:
        return [float(_LEFT), float(_WIDTH - _RIGHT)]
    span = (_WIDTH - _RIGHT - _LEFT) / (n - 1)
    return [_LEFT + i * span for i in range(n)]


def _date_label_indices(n: int) -> list[int]:
    labels = min(n, _MAX_DATE_LABELS)
    if labels <= 1:
        return [0]
    return sorted({round(k * (n - 1) / (labels - 1)) for k in range(labels)})


def _points(xs: Iterable[float], ys: Iterable[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def _series_paths(stacks: list[list[int]], buckets: Sequence[str], y_of: Callable[[int], float]) -> list[str]:
    if len(stacks) == 1:
        stacks = stacks * 2  # matches the two x positions of a single day
    xs = _x_positions(len(stacks))
    paths = []
    for k, bucket in enumerate(buckets):
        upper = [y_of(edges[k]) for edges in stacks]
        lower = [y_of(edges[k - 1] if k else 0) for edges in stacks]
        outline = f"M{_points(xs, upper)} L{_points(reversed(xs), reversed(lower))} Z"
        paths.append(
            f'<path class="series" data-bucket="{escape(bucket)}" fill="{BUCKET_COLOURS[bucket]}" '
            f'stroke="#ffffff" stroke-width="0.5" d="{outline}"><title>{escape(bucket)}</title></path>'
        )
    return paths


def _y_axis(top: int, step: int, y_of: Callable[[int], float], locale: str) -> list[str]:
    parts = []
    for value in range(0, top + 1, step):
        y = y_of(value)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" />'
            f'<text class="y-tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_count(value, locale))}</text>"
        )
    middle = (_TOP + _PLOT_BOTTOM) / 2
    parts.append(
        f'<text class="axis-title" x="16" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle:.1f})">Accounts</text>'
    )
    return parts


def _x_axis(days: Sequence[Mapping[str, Any]]) -> list[str]:
    xs = _x_positions(len(days))
    baseline = f'x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{_PLOT_BOTTOM}" y2="{_PLOT_BOTTOM}"'
    parts = [f'<line class="axis" {baseline} />']
    for i in _date_label_indices(len(days)):
        x = (xs[0] + xs[-1]) / 2 if len(days) == 1 else xs[i]
        parts.append(
            f'<text class="x-tick" x="{x:.1f}" y="{_PLOT_BOTTOM + 18}" text-anchor="middle">'
            f"{escape(str(days[i].get('as_of', '')))}</text>"
        )
    parts.append(
        f'<text class="axis-title" x="{(_LEFT + _WIDTH - _RIGHT) / 2:.1f}" y="{_PLOT_BOTTOM + 40}" '
        f'text-anchor="middle">As-of date</text>'
    )
    return parts


def _legend(buckets: Sequence[str]) -> list[str]:
    slot = (_WIDTH - _RIGHT - _LEFT) / len(buckets)
    y = _HEIGHT - 22
    parts = ['<g class="legend">']
    for i, bucket in enumerate(buckets):
        x = _LEFT + i * slot
        parts.append(
            f'<g class="legend-entry" data-bucket="{escape(bucket)}">'
            f'<rect x="{x:.1f}" y="{y}" width="14" height="14" fill="{BUCKET_COLOURS[bucket]}" />'
            f'<text x="{x + 20:.1f}" y="{y + 12}">{escape(bucket)}</text></g>'
        )
    parts.append("</g>")
    return parts


def _stacked_area_svg(
    days: Sequence[Mapping[str, Any]], buckets: Sequence[str], title: str, locale: str
) -> Markup:
    """Accounts per bucket over time as stacked areas, first bucket at the bottom."""
    stacks = _cumulative(days, buckets)
    top, step = _nice_scale(max(edges[-1] for edges in stacks))

    def y_of(value: int) -> float:
        return _PLOT_BOTTOM - (_PLOT_BOTTOM - _TOP) * value / top

    body = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        *_y_axis(top, step, y_of, locale),
        *_series_paths(stacks, buckets, y_of),
        *_x_axis(days),
        *_legend(buckets),
        "</svg>",
    ]
    # Every piece of input text above went through escape(), so the whole is safe to mark up.
    return Markup("\n".join(body))  # nosec B704 # every input string above went through escape()


# --- page -----------------------------------------------------------------------------------------

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121;
         margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
  h1 { margin-bottom: 0.2rem; }
  .meta { color: #555; margin-top: 0; }
  .headline { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1.5rem 0; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; }
  .card h2 { font-size: 0.85rem; text-transform: uppercase; color: #555; margin: 0 0 0.3rem; }
  .card ul { list-style: none; margin: 0; padding: 0; }
  .big { font-size: 1.5rem; font-weight: 600; }
  .ok { color: #1b5e20; background: #e8f5e9; }
  .broken, .bad { color: #b71c1c; background: #ffebee; }
  .unknown { color: #555; background: #eeeeee; }
  .invariant { padding: 0.1rem 0.5rem; border-radius: 4px; font-weight: 700; }
  table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
  th, td { border-bottom: 1px solid #e0e0e0; padding: 0.3rem 0.8rem; text-align: left; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tfoot td { font-weight: 700; border-top: 2px solid #999; }
  .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.4rem;
            vertical-align: middle; border-radius: 2px; }
  svg.chart { width: 100%; height: auto; font-size: 12px; }
  svg .grid { stroke: #eeeeee; }
  svg .axis { stroke: #616161; }
  svg .axis-title { font-weight: 600; }
  .note { color: #555; font-style: italic; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10pt; }
    section, table, svg { break-inside: avoid; }
    .card, .swatch, svg, .invariant { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  }
</style>
</head>
<body>
{% macro status_list(rows) %}
<ul>
{% for row in rows %}
  <li{% if row.css %} class="{{ row.css }}"{% endif %}>{{ row.status }}: <strong>{{ row.count }}</strong></li>
{% else %}
  <li class="note">none</li>
{% endfor %}
</ul>
{% endmacro %}
<header>
  <h1>{{ title }}</h1>
  <p class="meta">{{ meta }}</p>
</header>

<section class="headline" aria-label="Headline">
  <div class="card" id="executions">
    <h2>Cycle executions</h2>
    {{ status_list(headline.executions) }}
  </div>
  <div class="card" id="child-executions">
    <h2>Child executions</h2>
    {{ status_list(headline.child_executions) }}
  </div>
  <div class="card" id="payments">
    <h2>Payments</h2>
    <div class="big">{{ headline.payments_count }}</div>
    <ul>
    {% for amount in headline.payments_amounts %}
      <li>{{ amount }}</li>
    {% endfor %}
    </ul>
  </div>
  <div class="card" id="ledger-invariant">
    <h2>Ledger invariant</h2>
    <span class="invariant {{ headline.invariant_css }}">{{ headline.invariant_label }}</span>
  </div>
  <div class="card" id="census-invariant">
    <h2>Census equals the accounts, every day</h2>
    <span class="invariant {{ headline.census[1] }}">{{ headline.census[0] }}</span>
  </div>
</section>

<section id="charts">
  <h2>Accounts per bucket over time</h2>
{% if all_chart %}
  {{ all_chart }}
  <h2>Delinquent buckets only</h2>
  {{ delinquent_chart }}
{% else %}
  <p class="note">{{ no_days_note }}</p>
{% endif %}
</section>

<section id="last-day-section">
{% if last_day %}
  <h2>Accounts and balances on {{ last_day.as_of }}</h2>
  <table id="last-day">
    <thead>
      <tr>
        <th>Bucket</th>
        <th class="num">Accounts</th>
        {% for currency in last_day.currencies %}
        <th class="num">Balance {{ currency }}</th>
        {% endfor %}
      </tr>
    </thead>
    <tbody>
    {% for row in last_day.rows %}
      <tr>
        <td><span class="swatch" style="background: {{ row.colour }}"></span>{{ row.bucket }}</td>
        <td class="num">{{ row.accounts }}</td>
        {% for balance in row.balances %}
        <td class="num">{{ balance }}</td>
        {% endfor %}
      </tr>
    {% endfor %}
    </tbody>
    <tfoot>
      <tr>
        <td>Total</td>
        <td class="num">{{ last_day.totals.accounts }}</td>
        {% for balance in last_day.totals.balances %}
        <td class="num">{{ balance }}</td>
        {% endfor %}
      </tr>
    </tfoot>
  </table>
{% else %}
  <h2>Last day</h2>
  <p class="note">{{ no_days_note }}</p>
{% endif %}
</section>

<section id="transitions-section">
  <h2>Bucket transitions over the run</h2>
{% if transitions %}
  <table id="transitions">
    <thead><tr><th>From</th><th>To</th><th class="num">Accounts moved</th></tr></thead>
    <tbody>
    {% for row in transitions %}
      <tr><td>{{ row.source }}</td><td>{{ row.target }}</td><td class="num">{{ row.count }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
{% else %}
  <p class="note">No transitions were recorded.</p>
{% endif %}
</section>

<section id="letters-section">
  <h2>Letters delivered</h2>
{% if letters %}
  <table id="letters">
    <thead><tr><th>Letter</th><th class="num">English</th><th class="num">Spanish</th></tr></thead>
    <tbody>
    {% for row in letters %}
      <tr><td>{{ row.code }}</td><td class="num">{{ row.en }}</td><td class="num">{{ row.es }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
{% else %}
  <p class="note">No letters were delivered.</p>
{% endif %}
  <p>Compliance check (independent of the guardrail): {{ violations }} violation(s).</p>
</section>

{% if kpis %}
<section id="kpis-section">
  <h2>KPIs, {{ kpis.period }}</h2>
  <p>Cure rate: <strong>{{ kpis.cure }}</strong>. Promise-kept rate: <strong>{{ kpis.promises }}</strong>.</p>
  <table id="kpis">
    <thead><tr><th>Bucket</th><th class="num">Accounts at start</th><th class="num">Roll rate</th>
      <th>Efficiency against the monthly goal</th><th class="num">Efficiency</th>
      <th class="num">Goal</th><th>Goal</th></tr></thead>
    <tbody>
    {% for row in kpis.rows %}
      <tr><td>{{ row.bucket }}</td><td class="num">{{ row.at_start }}</td><td class="num">{{ row.roll }}</td>
        <td><svg width="210" height="14" role="img"
          aria-label="efficiency {{ row.efficiency }}, goal {{ row.goal }}">
          <rect x="0" y="2" width="{{ row.bar }}" height="10" fill="{{ row.colour }}"></rect>
          {% if row.goal_x is not none %}
          <line x1="{{ row.goal_x }}" x2="{{ row.goal_x }}" y1="0" y2="14" stroke="#000"></line>
          {% endif %}
        </svg></td>
        <td class="num">{{ row.efficiency }}</td><td class="num">{{ row.goal }}</td>
        <td>{{ row.met }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
</section>
{% endif %}

{% if bureau %}
<section id="bureau-section">
  <h2>Bureau workflows</h2>
  <table id="bureau">
    <tbody>
      <tr><td>Skip-trace executions</td><td>{{ bureau.executions.get("skiptrace", {}) }}</td></tr>
      <tr><td>Credit-review executions</td><td>{{ bureau.executions.get("credit-review", {}) }}</td></tr>
      <tr><td>Pulls (by permissible purpose)</td>
        <td>{{ bureau.pulls }} {{ bureau.pulls_by_purpose }}</td></tr>
      <tr><td>Customers located</td><td>{{ bureau.located }}</td></tr>
      <tr><td>Credit-line changes</td><td>{{ bureau.limit_changes }}</td></tr>
      <tr><td>Credit-line letters (language:status)</td><td>{{ bureau.credit_line_notices }}</td></tr>
    </tbody>
  </table>
</section>
{% endif %}

{% if assumptions %}
<section id="assumptions-section">
  <h2>Assumptions</h2>
  <table id="assumptions">
    <thead><tr><th>Assumption</th><th>Value</th></tr></thead>
    <tbody>
    {% for name, value in assumptions %}
      <tr><td>{{ name }}</td><td>{{ value }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
</section>
{% endif %}
</body>
</html>
"""

# Autoescape is forced on because the template is a string, not a file with an .html suffix.
_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_PAGE = _ENV.from_string(_TEMPLATE)
