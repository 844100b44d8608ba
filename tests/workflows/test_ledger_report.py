"""`arrears report ledger` over money posted through the real paths, hand-computed.

Two accounts of portfolio main, one in USD and one in MXN, and one of another portfolio:
- 5 March: a Stripe payment USD 50.00; a payment MXN 300.00 through a Standard Webhooks sender
  relaying Adyen; a fee USD 15.00 from the system of record;
- 6 March: a Stripe refund USD 10.00 of that payment; an adjustment MXN -20.00 from the system of
  record; a payment USD 20.00 at a branch (as the daily feed writes it: `detail.channel`);
- 7 March (outside the period asked): a fee USD 5.00; and the other portfolio's payment on 5 March.
So, 5-6 March: processor:stripe USD collected 50.00, reversed 10.00; processor:adyen MXN collected
300.00; system USD fees 15.00; system MXN adjustments -20.00; branch USD collected 20.00.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.commitments import Arrangement, Settlement
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import posting
from arrears.store import accounts_repo, ledger_repo
from typer.testing import CliRunner

from arrears_cli import main
from arrears_cli.commands import common as stack_lookup

NEW_YORK = ZoneInfo("America/New_York")
MARCH_5, MARCH_6, MARCH_7 = date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 7)
PERIOD = ["--from", "2026-03-05", "--to", "2026-03-06"]


def _account(stack, account_id: str, currency: str, portfolio: str = "main", balance: int = 100_000) -> None:
    accounts_repo.create_account(
        Account(
            account_id, portfolio, ProductType.OPEN_END, currency, balance, balance,
            (Due(date(2026, 2, 13), 5000),), "en-US", "America/New_York", "US",
            home_shard=shard_of(account_id, portfolio, stack.shard_count),
        )
    )  # fmt: skip


def _webhook(provider: str, event_id: str, action: Action, on: date, minor: int, currency: str, **kw) -> None:
    event = PaymentEvent(
        provider, event_id, "test", action, datetime.combine(on, time(10), NEW_YORK),
        amount=Money(minor, currency), **kw,
    )  # fmt: skip
    assert posting.apply(event).outcome.value == "applied"


def _system(account_id: str, entry_id: str, kind: EntryKind, minor: int, currency: str, on: date) -> None:
    posting.post_ledger_entry(account_id, LedgerEntry(entry_id, kind, Money(minor, currency), on), "sor")


def _at_a_branch(stack, account_id: str, minor: int, on: date, shard: str | None = None) -> None:
    """A payment as the daily feed posts it: a system-of-record entry naming its channel."""
    entry = LedgerEntry(f"feed-{account_id}-{on}-{minor}", EntryKind.PAYMENT, Money(-minor, "USD"), on)
    shard = shard or shard_of(account_id, "main", stack.shard_count)
    item = accounts_repo.ledger_item(account_id, entry, "daily_feed", shard)
    item.detail = {**item.detail, "channel": "branch"}
    assert accounts_repo.put_activity(item, once=True)


@pytest.fixture
def posted(stack, monkeypatch):
    _account(stack, "LDG-U", "USD")
    _account(stack, "LDG-M", "MXN")
    _account(stack, "ELSE-1", "USD", portfolio="other")
    _webhook("stripe", "evt_1", Action.PAYMENT, MARCH_5, 5000, "USD", payment_id="pi_1", account_ref="LDG-U")
    _webhook(
        "standard", "msg_1", Action.PAYMENT, MARCH_5, 30_000, "MXN",
        payment_id="psp_1", account_ref="LDG-M", payment_provider="adyen",
    )  # fmt: skip
    _system("LDG-U", "fee-1", EntryKind.FEE, 1500, "USD", MARCH_5)
    _webhook("stripe", "evt_2", Action.REFUND, MARCH_6, 1000, "USD", payment_id="pi_1", reversal_id="re_1")
    _system("LDG-M", "adj-1", EntryKind.ADJUSTMENT, -2000, "MXN", MARCH_6)
    _at_a_branch(stack, "LDG-U", 2000, MARCH_6)
    _system("LDG-U", "fee-2", EntryKind.FEE, 500, "USD", MARCH_7)
    _webhook("stripe", "evt_9", Action.PAYMENT, MARCH_5, 700, "USD", payment_id="pi_9", account_ref="ELSE-1")
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: stack)
    return stack


def _ledger(*args: str) -> tuple[int, dict]:
    answer = CliRunner().invoke(main.app, ["report", "ledger", *PERIOD, *args, "--json"])
    return answer.exit_code, json.loads(answer.stdout)


AMOUNTS = ("entries", "collected", "reversed", "fees", "interest", "adjustments", "written_off", "net")


def test_by_channel_each_channel_and_currency_has_its_own_totals_and_they_tie(posted):
    code, report = _ledger()

    assert code == 0 and report["amounts"] == "minor units" and report["by"] == "channel"
    rows = {(r["channel"], r["currency"]): tuple(r[k] for k in AMOUNTS) for r in report["rows"]}
    assert rows == {
        ("branch", "USD"): (1, 2000, 0, 0, 0, 0, 0, -2000),
        ("processor:adyen", "MXN"): (1, 30_000, 0, 0, 0, 0, 0, -30_000),
        ("processor:stripe", "USD"): (2, 5000, 1000, 0, 0, 0, 0, -4000),
        ("system", "MXN"): (1, 0, 0, 0, 0, -2000, 0, -2000),
        ("system", "USD"): (1, 0, 0, 1500, 0, 0, 0, 1500),  # 7 March's fee is outside the period
    }
    assert report["ties"] is True
    assert {t["currency"]: (t["ledger_entries"], t["ledger_net"], t["ties"]) for t in report["tie_out"]} == {
        "MXN": (2, -32_000, True),
        "USD": (4, -4500, True),  # the other portfolio's USD 7.00 is in neither
    }


def test_by_currency_and_by_day(posted):
    _, by_currency = _ledger("--by", "currency")
    _, by_day = _ledger("--by", "day")

    assert [(r["currency"], r["entries"], r["collected"], r["net"]) for r in by_currency["rows"]] == [
        ("MXN", 2, 30_000, -32_000),
        ("USD", 4, 7000, -4500),
    ]
    assert [(r["day"], r["currency"], r["entries"], r["net"]) for r in by_day["rows"]] == [
        ("2026-03-05", "MXN", 1, -30_000),
        ("2026-03-05", "USD", 2, -3500),
        ("2026-03-06", "MXN", 1, -2000),
        ("2026-03-06", "USD", 2, -1000),
    ]
    assert by_currency["ties"] and by_day["ties"]


@pytest.mark.parametrize("broken", ["dropped", "double counted"])
def test_a_dropped_or_double_counted_entry_does_not_tie_and_exits_non_zero(posted, monkeypatch, broken):
    read = ledger_repo.posted_between

    def misread(first, last, shards):
        postings = list(read(first, last, shards))
        return postings[1:] if broken == "dropped" else [*postings, postings[0]]

    monkeypatch.setattr(ledger_repo, "posted_between", misread)
    answer = CliRunner().invoke(main.app, ["report", "ledger", *PERIOD])

    assert answer.exit_code == 1
    assert "DOES NOT TIE to the ledger" in answer.output


def test_table_csv_and_xlsx_show_the_same_rows_in_major_units(posted, tmp_path):
    from openpyxl import load_workbook

    runner = CliRunner()
    table = runner.invoke(main.app, ["report", "ledger", *PERIOD], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    header, *lines = [line for line in table.stdout.splitlines() if "│" in line or "┃" in line]
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "channel", "currency", "entries", "collected", "reversed", "fees", "adjustments", "net",
    ]  # fmt: skip
    # (nothing written off, no interest: those columns are left out of the table)
    cells = {tuple(c.strip() for c in line.strip("│").split("│"))[:2]: line for line in lines}
    assert "MXN 300.00" in cells[("processor:adyen", "MXN")]
    stripe = cells[("processor:stripe", "USD")]
    assert "USD 50.00" in stripe and "USD 10.00" in stripe and "-USD 40.00" in stripe
    assert "ties to the ledger" in table.output

    out = tmp_path / "ledger.csv"
    as_csv = ["report", "ledger", *PERIOD, "--format", "csv", "--output", str(out)]
    assert runner.invoke(main.app, as_csv).exit_code == 0
    assert "processor:stripe,USD,2,50.00,10.00" in out.read_text()

    book_file = tmp_path / "ledger.xlsx"
    args = ["report", "ledger", *PERIOD, "--by", "currency", "--format", "xlsx", "--output", str(book_file)]
    assert runner.invoke(main.app, args).exit_code == 0
    book = load_workbook(book_file)
    header, *rows = [[c.value for c in row] for row in book["ledger"].iter_rows()]
    by_currency = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert (by_currency["USD"]["collected"], by_currency["USD"]["net"]) == (70, -45)
    assert by_currency["MXN"]["adjustments"] == -20
    assert [c.value for c in book["tie-out"]["G"]] == ["ties", True, True]


def test_a_settlement_write_off_is_its_own_column_on_the_system_row(posted):
    # Given an account settled for USD 90.00 of its USD 100.00, paid through Stripe on 6 March
    _account(posted, "LDG-S", "USD", balance=10_000)
    agreed = Arrangement((Due(MARCH_6, 9000),), date(2026, 3, 1), settlement=Settlement(1000, "r-1"))
    accounts_repo.save_account(replace(accounts_repo.get_account("LDG-S"), arrangement=agreed))
    _webhook("stripe", "evt_s", Action.PAYMENT, MARCH_6, 9000, "USD", payment_id="pi_s", account_ref="LDG-S")

    code, report = _ledger()

    # the USD 10.00 forgiven moved no money: the system's row, apart from adjustments
    rows = {(r["channel"], r["currency"]): r for r in report["rows"]}
    system = rows[("system", "USD")]
    assert (system["written_off"], system["adjustments"], system["fees"], system["net"]) == (
        1000,
        0,
        1500,
        500,
    )
    assert rows[("processor:stripe", "USD")]["collected"] == 5000 + 9000
    assert code == 0 and report["ties"]


def test_an_entry_the_day_index_does_not_reach_is_caught_by_the_tie_out(posted):
    # Given an entry indexed under a shard no layout of the portfolio names (a defect elsewhere)
    _at_a_branch(posted, "LDG-U", 300, MARCH_6, shard=f"main#{posted.shard_count + 3:03d}")

    code, report = _ledger()

    usd = {t["currency"]: t for t in report["tie_out"]}["USD"]
    assert code == 1 and not report["ties"]
    assert (usd["report_entries"], usd["ledger_entries"], usd["difference"]) == (4, 5, 300)
