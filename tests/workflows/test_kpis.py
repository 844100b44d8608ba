"""KPIs over a hand-computed portfolio of four cards, through the real cycle and payment posting.

At the census of 28 Feb: A and B in 1-29, C in 30-59, D current.
Between 1 and 20 March: A promises and pays (cured, promise kept), B never pays and rolls to
30-59 on the 20th (35 DPD), C breaks its promise but stays in 30-59 (59 DPD), D stays current.
So: 1-29 roll rate 1/2 (efficiency 0.5, goal 0.8 missed), 30-59 roll rate 0/1, cure rate 1/3,
promises kept 1 of 2, USD 50.00 collected.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import account_actions, posting
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli import executions
from arrears_cli.kpi_report import kpi_report

NEW_YORK = ZoneInfo("America/New_York")
DUES = {"A": date(2026, 2, 13), "B": date(2026, 2, 13), "C": date(2026, 1, 20), "D": date(2026, 3, 25)}


def _portfolio(stack) -> None:
    for name, due in DUES.items():
        accounts_repo.create_account(
            Account(
                f"KPI-{name}", "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(due, 5000),),
                "en-US", "America/New_York", "US",
                home_shard=shard_of(f"KPI-{name}", "main", stack.shard_count),
                next_action_on=date(2026, 2, 28),
            )
        )  # fmt: skip


def _cycle(stack, day: date) -> None:
    assert (
        executions.run_cycle(stack, "main", day, datetime.combine(day, time(12), NEW_YORK))["status"]
        == "SUCCEEDED"
    )


def _run_the_month(stack) -> None:
    _portfolio(stack)
    _cycle(stack, date(2026, 2, 28))
    _cycle(stack, date(2026, 3, 1))
    account_actions.take_promise("KPI-A", 5000, date(2026, 3, 6), date(2026, 3, 2), "ana")
    account_actions.take_promise("KPI-C", 5000, date(2026, 3, 6), date(2026, 3, 2), "ana")
    paid = PaymentEvent(
        "standard", "msg-kpi-a", "payment.succeeded", Action.PAYMENT,
        datetime.combine(date(2026, 3, 5), time(10), NEW_YORK),
        payment_id="pay-kpi-a", amount=Money(5000, "USD"), account_ref="KPI-A",
    )  # fmt: skip
    assert posting.apply(paid).outcome.value == "applied"
    for day in (date(2026, 3, 5), date(2026, 3, 20)):
        _cycle(stack, day)


def test_kpis_match_the_hand_computed_figures(stack):
    _run_the_month(stack)

    report = kpi_report(stack, "main", date(2026, 3, 1), date(2026, 3, 20))

    early, late = report["buckets"]["1-29"], report["buckets"]["30-59"]
    assert (early["accounts_at_start"], early["rolled"], early["roll_rate"]) == (2, 1, 0.5)
    assert (early["efficiency"], early["goal"], early["goal_met"]) == (0.5, 0.8, False)
    assert (late["accounts_at_start"], late["rolled"], late["roll_rate"], late["goal_met"]) == (
        1,
        0,
        0.0,
        True,
    )
    assert early["roll_rate_by_balance"] == {"USD": 0.5}  # B's 1,000.00 of the bucket's 2,000.00
    assert (report["cure_rate"], report["cured"], report["delinquent_at_start"]) == (0.3333, 1, 3)
    assert report["promises"] == {"kept": 1, "broken": 1, "kept_rate": 0.5}
    assert report["collected_minor_units"] == {"USD": 5000}
    assert report["accounts_by_bucket"]["current"] == 2 and report["accounts_by_bucket"]["30-59"] == 2


def test_the_kpi_report_exports_to_xlsx_matching_the_json(stack, tmp_path, monkeypatch):
    import json

    from openpyxl import load_workbook

    from arrears_cli import main
    from arrears_cli.commands import common as stack_lookup

    _run_the_month(stack)
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: stack)
    runner = CliRunner()
    args = ["report", "kpis", "--from", "2026-03-01", "--to", "2026-03-20"]
    as_json = json.loads(runner.invoke(main.app, [*args, "--json"]).stdout)
    out = tmp_path / "kpis.xlsx"
    assert runner.invoke(main.app, [*args, "--format", "xlsx", "--output", str(out)]).exit_code == 0

    book = load_workbook(out)
    by_bucket = {row["bucket"]: row for row in _sheet(book, "buckets")}
    for bucket, figures in as_json["buckets"].items():
        assert by_bucket[bucket]["rolled"] == figures["rolled"]
        assert by_bucket[bucket]["accounts_at_start"] == figures["accounts_at_start"]
    # every other KPI has its sheet, with the JSON's figures (amounts in major units per currency)
    rates = {row["kpi"]: row for row in _sheet(book, "rates")}
    assert (rates["cure rate"]["rate"], rates["cure rate"]["count"]) == (0.3333, 1)
    assert (rates["promise-kept rate"]["rate"], rates["promise-kept rate"]["of"]) == (0.5, 2)
    assert {
        (r["bucket"], r["currency"]): r["roll_rate_by_balance"] for r in _sheet(book, "roll rates by balance")
    }[("1-29", "USD")] == 0.5
    assert _sheet(book, "collected") == [{"currency": "USD", "collected": 50}]
    letters = {f"{r['channel']}:{r['code']}": r["delivered"] for r in _sheet(book, "letters")}
    assert letters == as_json["letters"] and sum(letters.values()) > 0
    assert {r["arm"] for r in _sheet(book, "arms")} == set(as_json["arms"])


def _sheet(book, title: str) -> list[dict]:
    header, *rows = [[c.value for c in row] for row in book[title].iter_rows()]
    return [dict(zip(header, row, strict=True)) for row in rows]
