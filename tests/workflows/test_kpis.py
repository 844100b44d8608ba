"""KPIs over a hand-computed portfolio of four cards, through the real cycle and payment posting.

At the census of 28 Feb: A and B in 1-29, C in 30-59, D current.
Between 1 and 20 March: A promises and pays (cured, promise kept), B never pays and rolls to
30-59 on the 20th (35 DPD), C breaks its promise but stays in 30-59 (59 DPD), D stays current.
So: 1-29 roll rate 1/2 (efficiency 0.5, goal 0.8 missed), 30-59 roll rate 0/1, cure rate 1/3,
promises kept 1 of 2, USD 50.00 collected. A second book, in three currencies, is read from the
first cycle day (below).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import account_actions, posting
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli import executions
from arrears_cli.kpi_report import kpi_report
from tests.people import give_customer

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
        give_customer(stack, f"KPI-{name}")  # someone to write to


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


# A book in three currencies, read from the first cycle day (28 Feb), when the cycle places it:
# in 1-29 (due 13 Feb, 15 DPD): A (USD), B (MXN), C (PHP), F (PHP); in 30-59 (due 20 Jan): D (USD);
# E (USD) current. Between the cycles of 28 Feb and 3 March: A pays its USD 50.00 past due (cured),
# B pays MXN 1,000.00, all it owes (paid in full: cured), F pays PHP 25.00 of its PHP 50.00 (still
# late), D's USD 50.00 comes through the system of record's posting (cured). On 16 March C and F
# reach 31 DPD and roll to 30-59. So: 1-29 rolls 2 of 4 (efficiency 0.5, goal missed; by balance
# PHP 1.0, USD and MXN 0.0), 30-59 rolls 0 of 1, the later buckets held nothing (no efficiency);
# cure rate 3 of 5; collected USD 50.00, MXN 1,000.00, PHP 25.00 by webhook.
BOOK = {
    "A": ("USD", date(2026, 2, 13)),
    "B": ("MXN", date(2026, 2, 13)),
    "C": ("PHP", date(2026, 2, 13)),
    "F": ("PHP", date(2026, 2, 13)),
    "D": ("USD", date(2026, 1, 20)),
    "E": ("USD", date(2026, 3, 25)),
}


def _book(stack) -> None:
    for name, (currency, due) in BOOK.items():
        accounts_repo.create_account(
            Account(
                f"BK-{name}", "main", ProductType.OPEN_END, currency, 100_000, 100_000, (Due(due, 5000),),
                "en-US", "America/New_York", "US",
                home_shard=shard_of(f"BK-{name}", "main", stack.shard_count),
                next_action_on=date(2026, 2, 28),
            )
        )  # fmt: skip


def _webhook_payment(account: str, minor: int, currency: str) -> None:
    paid = PaymentEvent(
        "standard", f"msg-{account}", "payment.succeeded", Action.PAYMENT,
        datetime.combine(date(2026, 3, 2), time(10), NEW_YORK),
        payment_id=f"pay-{account}", amount=Money(minor, currency), account_ref=account,
    )  # fmt: skip
    assert posting.apply(paid).outcome.value == "applied"


def _run_the_book(stack) -> None:
    _book(stack)
    _cycle(stack, date(2026, 2, 28))
    _webhook_payment("BK-A", 5000, "USD")
    _webhook_payment("BK-B", 100_000, "MXN")
    _webhook_payment("BK-F", 2500, "PHP")
    feed = LedgerEntry("sor-BK-D-1", EntryKind.PAYMENT, Money(-5000, "USD"), date(2026, 3, 2))
    posting.post_ledger_entry("BK-D", feed, "system_of_record")
    for day in (date(2026, 3, 3), date(2026, 3, 16)):
        _cycle(stack, day)


def test_a_period_from_the_first_cycle_day_in_three_currencies_with_cures_by_payment(stack):
    _run_the_book(stack)

    report = kpi_report(stack, "main", date(2026, 2, 28), date(2026, 3, 16))

    early, late = report["buckets"]["1-29"], report["buckets"]["30-59"]
    assert (early["accounts_at_start"], early["rolled"], early["efficiency"], early["goal_met"]) == (
        4,
        2,
        0.5,
        False,
    )
    assert early["roll_rate_by_balance"] == {"MXN": 0.0, "PHP": 1.0, "USD": 0.0}
    assert (late["accounts_at_start"], late["rolled"], late["efficiency"], late["goal_met"]) == (
        1,
        0,
        1.0,
        True,
    )
    for empty in ("60-89", "90-119", "120-179", "180+"):
        assert (report["buckets"][empty]["efficiency"], report["buckets"][empty]["goal_met"]) == (None, None)
    # A and D cured by a payment between the cycles, B by paying in full
    assert (report["cured"], report["delinquent_at_start"], report["cure_rate"]) == (3, 5, 0.6)
    # D's 50.00 came through the system of record: collected as much as A's through a processor
    assert report["collected_minor_units"] == {"MXN": 100_000, "PHP": 2500, "USD": 10_000}
    assert report["accounts_by_bucket"]["30-59"] == 2 and report["accounts_by_bucket"]["closed"] == 1

    # and a period from the next day, whose census the first day closed, reads the same book
    later = kpi_report(stack, "main", date(2026, 3, 1), date(2026, 3, 16))
    assert later["buckets"] == report["buckets"]
    assert (later["cured"], later["delinquent_at_start"]) == (3, 5)


def test_the_kpi_table_shows_each_currency_in_major_units(stack, monkeypatch):
    from arrears_cli import main
    from arrears_cli.commands import common as stack_lookup

    _run_the_book(stack)
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: stack)

    result = CliRunner().invoke(main.app, ["report", "kpis", "--from", "2026-02-28", "--to", "2026-03-16"])

    assert result.exit_code == 0
    assert "collected MXN 1,000.00, PHP 25.00, USD 100.00" in result.output
    assert "cure rate 0.6 (3 of 5)" in result.output


def test_a_payment_posted_by_the_system_of_record_counts_as_collected(stack):
    _book(stack)
    feed = LedgerEntry("sor-BK-D-1", EntryKind.PAYMENT, Money(-5000, "USD"), date(2026, 3, 2))
    posting.post_ledger_entry("BK-D", feed, "system_of_record")

    report = kpi_report(stack, "main", date(2026, 3, 2), date(2026, 3, 2))

    assert report["collected_minor_units"] == {"USD": 5000}


def test_money_dated_on_a_day_already_counted_counts_on_the_day_it_is_posted(stack):
    """A closed day's figures are never restated: the payment keeps its own date on the ledger and
    counts as collected on the next cycle day."""
    from arrears.store import cycle_repo

    _book(stack)
    _cycle(stack, date(2026, 2, 28))
    closed = cycle_repo.latest_census("main", before=date(2026, 3, 1))
    late = PaymentEvent(
        "standard", "msg-late", "payment.succeeded", Action.PAYMENT,
        datetime.combine(date(2026, 2, 28), time(18), NEW_YORK),  # after the day's cycle had run
        payment_id="pay-late", amount=Money(5000, "USD"), account_ref="BK-A",
    )  # fmt: skip
    assert posting.apply(late).outcome.value == "applied"

    [entry] = accounts_repo.timeline("BK-A", kind="ledger")
    assert (entry.occurred_on, entry.detail["posted_on"]) == ("2026-02-28", "2026-03-01")
    assert kpi_report(stack, "main", date(2026, 2, 28), date(2026, 2, 28))["collected_minor_units"] == {}
    assert kpi_report(stack, "main", date(2026, 3, 1), date(2026, 3, 1))["collected_minor_units"] == {
        "USD": 5000
    }
    assert cycle_repo.latest_census("main", before=date(2026, 3, 1)) == closed
