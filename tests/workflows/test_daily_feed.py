"""The daily feed through the real path: the file put in S3, its Object Created event starting the
daily_feed workflow, its Lambdas applying rows to DynamoDB, and the report written beside it.

The day's file of portfolio main, 28 November 2026 (DAY below, JSON Lines, one line a row):
- FD-US-1, closed-end in USD (en-US): opened at USD 1,200.00 with an instalment of USD 100.00;
  billed USD 100.00 due 21 Nov; paid USD 40.00 at a branch (BR-1) on 24 Nov, which came back as
  a bounced cheque on 27 Nov; charged a USD 15.00 fee on 27 Nov; reported deceased on 28 Nov.
  So: balance 120,000 - 4,000 + 4,000 + 1,500 = 121,500 minor; due 21 Nov: 10,000 (paid 4,000,
  reopened 4,000); a deceased hold; three ledger entries (payment, reversal, fee).
- FD-MX-1, open-end in MXN (es-MX): opened at MXN 5,000.00 with a credit line of MXN 20,000.00;
  billed MXN 500.00 due 25 Nov; paid MXN 200.00 at a terminal (TPV-1) on 26 Nov; adjusted by
  MXN -50.00 on 27 Nov ("late charge waived"). So: balance 500,000 - 20,000 - 5,000 = 475,000 minor;
  due 25 Nov: 50,000 - 20,000 paid - 5,000 (a negative adjustment lowers the newest dues too,
  decision on re-billing) = 25,000; two ledger entries (payment, adjustment).
Control totals, signed as written: USD 100 + 40 + 40 + 15 = 195.00; MXN 500 + 200 - 50 = 650.00.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Hold
from arrears.domain.ledger import Due, EntryKind
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import posting
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli import feeds, main
from arrears_cli.commands import common as stack_lookup

ON = date(2026, 11, 28)
PORTFOLIO = "main"

DAY = """\
{"record_id": "acc-us-1", "type": "account", "account_id": "FD-US-1", "product_type": "closed_end", "currency": "USD", "balance": "1200.00", "instalment": "100.00", "locale": "en-US", "time_zone": "America/New_York", "jurisdiction": "US"}
{"record_id": "acc-mx-1", "type": "account", "account_id": "FD-MX-1", "product_type": "open_end", "currency": "MXN", "balance": "5000.00", "credit_limit": "20000.00", "locale": "es-MX", "time_zone": "America/Mexico_City", "jurisdiction": "MX"}
{"record_id": "st-us-1", "type": "statement", "account_id": "FD-US-1", "amount": "100.00", "currency": "USD", "statement_date": "2026-11-01", "due_date": "2026-11-21"}
{"record_id": "st-mx-1", "type": "statement", "account_id": "FD-MX-1", "amount": "500.00", "currency": "MXN", "statement_date": "2026-11-05", "due_date": "2026-11-25"}
{"record_id": "pay-us-1", "type": "payment", "account_id": "FD-US-1", "amount": "40.00", "currency": "USD", "date": "2026-11-24", "channel": "branch", "reference": "BR-1"}
{"record_id": "pay-mx-1", "type": "payment", "account_id": "FD-MX-1", "amount": "200.00", "currency": "MXN", "date": "2026-11-26", "channel": "terminal", "reference": "TPV-1"}
{"record_id": "rev-us-1", "type": "reversal", "account_id": "FD-US-1", "amount": "40.00", "currency": "USD", "date": "2026-11-27", "reference": "BR-1", "reason": "bounced cheque"}
{"record_id": "adj-mx-1", "type": "adjustment", "account_id": "FD-MX-1", "amount": "-50.00", "currency": "MXN", "date": "2026-11-27", "reason": "late charge waived"}
{"record_id": "fee-us-1", "type": "fee", "account_id": "FD-US-1", "amount": "15.00", "currency": "USD", "date": "2026-11-27", "reason": "returned cheque fee"}
{"record_id": "sts-us-1", "type": "status", "account_id": "FD-US-1", "date": "2026-11-28", "status": "deceased"}
{"type": "trailer", "record_count": 10, "control_totals": {"USD": "195.00", "MXN": "650.00"}}
"""  # noqa: E501 - a row is one line of the file
DAY_ROWS = 10
US, MX = "FD-US-1", "FD-MX-1"
DUE = Due(date(2026, 11, 10), 5000)  # what an account made by the tests below owes


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _jsonl(*rows: dict) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def _send(stack, path: Path) -> feeds.Sent:
    return feeds.send(stack, path, PORTFOLIO, ON, timeout_s=60)


def _ledger(account_id: str) -> dict[str, tuple[str, int, date]]:
    """entry id -> (kind, signed minor units, value date)"""
    return {
        e.entry_id: (e.kind.value, e.amount.minor, e.occurred_on)
        for e in accounts_repo.ledger_entries(account_id, consistent=True)
    }


def _books(*account_ids: str) -> dict[str, tuple]:
    """What a resend must leave alone: each account's balance, dues, holds and ledger."""
    books = {}
    for account in accounts_repo.get_accounts(list(account_ids)):
        books[account.account_id] = (
            account.balance,
            account.dues,
            account.holds,
            _ledger(account.account_id),
        )
    return books


def _problems(sent: feeds.Sent) -> set[tuple[int, str]]:
    return {(p["line"], p["field"]) for p in sent.report["problems"]}


def _account(stack, account_id: str, balance: int) -> None:
    accounts_repo.create_account(
        Account(
            account_id, PORTFOLIO, ProductType.OPEN_END, "USD", balance, balance, (DUE,), "en-US",
            "America/New_York", "US", home_shard=shard_of(account_id, PORTFOLIO, stack.shard_count),
        )
    )  # fmt: skip


def _payment(record_id: str, account_id: str, minor: int, reference: str, **more: str) -> dict:
    return {
        "record_id": record_id, "type": "payment", "account_id": account_id, "currency": "USD",
        "amount": str(Money(minor, "USD").to_decimal()), "date": "2026-11-27", "channel": "branch",
        "reference": reference, **more,
    }  # fmt: skip


def _trailer(count: int, usd: str) -> dict:
    return {"type": "trailer", "record_count": count, "control_totals": {"USD": usd}}


@pytest.fixture
def day(stack, tmp_path) -> feeds.Sent:
    """The day's file, sent once and applied."""
    sent = _send(stack, _write(tmp_path, "day.jsonl", DAY))
    assert sent.status == "SUCCEEDED", sent.report
    return sent


# ------------------------------------------------------------------ 1. a day applied, once


def test_a_day_s_file_opens_accounts_and_applies_each_row(day):
    us, mx = accounts_repo.get_account(US), accounts_repo.get_account(MX)

    assert (us.portfolio, us.product_type, us.currency, us.locale) == (
        PORTFOLIO,
        "closed_end",
        "USD",
        "en-US",
    )
    assert (us.opening_balance, us.instalment) == (120_000, 10_000)
    assert (us.balance, us.dues) == (121_500, (Due(date(2026, 11, 21), 10_000),))
    assert us.holds == (Hold.DECEASED,)
    assert (mx.portfolio, mx.product_type, mx.currency, mx.locale) == (PORTFOLIO, "open_end", "MXN", "es-MX")
    assert (mx.opening_balance, mx.credit_limit) == (500_000, 2_000_000)
    assert (mx.balance, mx.dues, mx.holds) == (475_000, (Due(date(2026, 11, 25), 25_000),), ())

    # one ledger entry per money row (a statement bills a due; it is no ledger entry)
    assert _ledger(US) == {
        "feed:BR-1": ("payment", -4000, date(2026, 11, 24)),
        "feed:rev-us-1": ("reversal", 4000, date(2026, 11, 27)),
        "feed-fee:fee-us-1": ("fee", 1500, date(2026, 11, 27)),
    }
    assert _ledger(MX) == {
        "feed:TPV-1": ("payment", -20_000, date(2026, 11, 26)),
        "feed-adjustment:adj-mx-1": ("adjustment", -5000, date(2026, 11, 27)),
    }
    assert [(s.due_on, s.amount) for s in accounts_repo.statements(US)] == [(date(2026, 11, 21), 10_000)]
    assert [(s.due_on, s.amount) for s in accounts_repo.statements(MX)] == [(date(2026, 11, 25), 50_000)]
    # the channel the system of record named is on the payments' ledger items
    channels = {
        item.detail["entry_id"]: item.detail.get("channel")
        for account_id in (US, MX)
        for item in accounts_repo.timeline(account_id, kind="ledger")
        if item.detail["entry_kind"] == EntryKind.PAYMENT.value
    }
    assert channels == {"feed:BR-1": "branch", "feed:TPV-1": "terminal"}


def test_the_report_beside_the_file_counts_what_was_applied(day, stack):
    report = day.report

    assert day.key == "feeds/main/2026-11-28/day.jsonl"
    assert feeds.read_report(stack, day.key) == report  # reports/<key>.report.json in the feeds bucket
    assert (report["file"], report["status"], report["rows"]) == (day.key, "applied", DAY_ROWS)
    assert (report["applied"], report["duplicates"], report["repeated_in_file"]) == (DAY_ROWS, 0, 0)
    assert report["by_type"] == {
        "account": 2, "adjustment": 1, "fee": 1, "payment": 2, "reversal": 1, "statement": 2, "status": 1,
    }  # fmt: skip
    # minor units of the payments applied, by channel and currency
    assert report["by_channel"] == {"branch:USD": 4000, "terminal:MXN": 20_000}
    assert report["noted"] == []
    assert feeds.day_status(PORTFOLIO, ON) == [
        {
            "file": day.key, "status": "applied", "applied": DAY_ROWS, "duplicates": 0, "problems": 0,
            "execution": report["execution"],
        }
    ]  # fmt: skip


def test_the_same_rows_sent_again_change_nothing(day, stack, tmp_path):
    before = _books(US, MX)

    again = _send(stack, _write(tmp_path, "day.jsonl", DAY))
    renamed = _send(stack, _write(tmp_path, "day-resent.jsonl", DAY))

    assert (again.status, renamed.status) == ("SUCCEEDED", "SUCCEEDED")
    assert _books(US, MX) == before
    assert len(_ledger(US)) + len(_ledger(MX)) == 5
    for sent in (again, renamed):
        assert (sent.report["applied"], sent.report["duplicates"]) == (0, DAY_ROWS)
        assert (sent.report["by_type"], sent.report["by_channel"]) == ({}, {})
    assert renamed.key == "feeds/main/2026-11-28/day-resent.jsonl"


LEDGER_PERIOD = [
    "report",
    "ledger",
    "--from",
    "2026-11-24",
    "--to",
    "2026-11-28",
    "--by",
    "channel",
    "--json",
]


def _ledger_report(stack, monkeypatch) -> tuple[int, dict]:
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: stack)
    answer = CliRunner().invoke(main.app, LEDGER_PERIOD)
    return answer.exit_code, json.loads(answer.stdout)


def test_the_ledger_report_shows_the_feed_s_channels_and_ties(day, stack, monkeypatch):
    code, report = _ledger_report(stack, monkeypatch)

    rows = {(r["channel"], r["currency"]): r for r in report["rows"]}
    assert (rows[("branch", "USD")]["collected"], rows[("terminal", "MXN")]["collected"]) == (4000, 20_000)
    assert rows[("terminal", "MXN")]["net"] == -20_000
    assert (rows[("system", "USD")]["fees"], rows[("system", "MXN")]["adjustments"]) == (1500, -5000)
    assert {t["currency"]: (t["ledger_entries"], t["ledger_net"], t["ties"]) for t in report["tie_out"]} == {
        "MXN": (2, -25_000, True),
        "USD": (3, 1500, True),
    }
    assert code == 0 and report["ties"] is True


def test_a_bounced_branch_payment_is_reversed_on_the_branch_row(day, stack, monkeypatch):
    _, report = _ledger_report(stack, monkeypatch)

    rows = {(r["channel"], r["currency"]): r for r in report["rows"]}
    branch = rows[("branch", "USD")]
    assert (branch["entries"], branch["collected"], branch["reversed"], branch["net"]) == (2, 4000, 4000, 0)
    assert not any(channel.startswith("processor") for channel, _ in rows)


# ------------------------------------------------------------------ 2. a file that is not whole


# The same day as the system of record writes it in CSV (a header on line 1): A-1 opened at USD
# 1,200.00, billed 100.00, paid 40.00 at a branch, the cheque bounced; its trailer says 180.01 where
# the rows carry 100.00 + 40.00 + 40.00 = 180.00.
CSV_DAY = """\
record_id,type,account_id,product_type,currency,balance,locale,time_zone,jurisdiction,instalment,date,amount,channel,reference,statement_date,due_date,reason,status,record_count,control_totals
r1,account,A-1,closed_end,USD,1200.00,en-US,America/New_York,US,100.00,,,,,,,,,,
r2,statement,A-1,,USD,,,,,,,100.00,,,2026-11-01,2026-11-21,,,,
r3,payment,A-1,,USD,,,,,,2026-11-25,40.00,branch,BR-1,,,,,,
r4,reversal,A-1,,USD,,,,,,2026-11-27,40.00,,BR-1,,,bounced cheque,,,
r5,status,A-1,,,,,,,,2026-11-28,,,,,,,deceased,,
,trailer,,,,,,,,,,,,,,,,,5,USD=180.01
"""  # noqa: E501 - a row is one line of the file


def _one_bad_amount() -> tuple[str, str]:
    # line 5 only: the branch payment (the reversal on line 7 says 40.00 as well)
    bad = DAY.replace('"amount": "40.00", "currency": "USD"', '"amount": "40.005", "currency": "USD"', 1)
    return "day.jsonl", bad


def _truncated() -> tuple[str, str]:
    lines = DAY.splitlines(keepends=True)
    return "day.jsonl", "".join(lines[:9]) + lines[9][:40]  # cut inside line 10; no trailer came


def _off_by_one_cent() -> tuple[str, str]:
    return "day.csv", CSV_DAY


@pytest.mark.parametrize(
    ("file", "problems"),
    [
        (_one_bad_amount, {(5, "amount"): "40.005"}),
        (_truncated, {(0, "file"): "ends without its trailer", (10, "row"): "not valid JSON"}),
        (_off_by_one_cent, {(7, "control_totals"): "USD 180.01 is not the rows' 180.00"}),
    ],
    ids=["an amount in thousandths of a dollar", "truncated", "control total off by one cent"],
)
def test_a_file_that_is_not_whole_is_quarantined_and_nothing_of_it_applied(stack, tmp_path, file, problems):
    sent = _send(stack, _write(tmp_path, *file()))

    assert sent.status == "FAILED"
    assert stack.client("stepfunctions").describe_execution(executionArn=sent.execution_arn)["error"] == (
        "FeedQuarantined"
    )
    assert (sent.report["status"], sent.report["applied"]) == ("quarantined", 0)
    named = {(p["line"], p["field"]): p["reason"] for p in sent.report["problems"]}
    assert set(named) == set(problems)
    assert all(problems[where] in named[where] for where in problems), named
    assert accounts_repo.get_accounts([US, MX, "A-1"]) == []  # the accounts it would have opened
    [status] = feeds.day_status(PORTFOLIO, ON)
    assert (status["status"], status["applied"], status["problems"]) == (
        "quarantined",
        0,
        len(_problems(sent)),
    )


# ------------------------------------------------------------------ 3. a record id reused


def test_a_record_id_sent_before_with_other_content_is_refused_and_the_first_stands(stack, tmp_path):
    _account(stack, "FD-RE-1", 50_000)
    first = _jsonl(_payment("pay-1", "FD-RE-1", 2500, "BR-7"), _trailer(1, "25.00"))
    other = _jsonl(
        _payment("pay-2", "FD-RE-1", 1000, "BR-8"),
        _payment("pay-1", "FD-RE-1", 3000, "BR-7"),  # line 2: pay-1 again, now USD 30.00
        _trailer(2, "40.00"),
    )
    assert _send(stack, _write(tmp_path, "first.jsonl", first)).status == "SUCCEEDED"

    sent = _send(stack, _write(tmp_path, "second.jsonl", other))

    assert (sent.status, sent.report["status"]) == ("FAILED", "quarantined")
    assert sent.report["problems"] == [
        {"line": 2, "field": "record_id", "reason": "pay-1 was applied before with other content"}
    ]
    account = accounts_repo.get_account("FD-RE-1")
    assert (account.balance, account.dues) == (47_500, (Due(DUE.due_on, 2500),))
    assert _ledger("FD-RE-1") == {"feed:BR-7": ("payment", -2500, date(2026, 11, 27))}  # pay-2 neither


# ------------------------------------------------------------------ 4. a payment seen by webhook first


def test_a_processor_payment_seen_by_webhook_first_posts_once(stack, tmp_path):
    _account(stack, "FD-WH-1", 50_000)
    webhook = PaymentEvent(
        "stripe", "evt_wh_1", "payment_intent.succeeded", Action.PAYMENT,
        datetime(2026, 11, 27, 15, tzinfo=UTC), payment_id="pi_X", amount=Money(3000, "USD"),
        account_ref="FD-WH-1",
    )  # fmt: skip
    assert posting.apply(webhook).outcome.value == "applied"
    row = _payment("pay-wh-1", "FD-WH-1", 3000, "TPV-9", processor="stripe", processor_payment_id="pi_X")
    row["channel"] = "terminal"

    sent = _send(stack, _write(tmp_path, "day.jsonl", _jsonl(row, _trailer(1, "30.00"))))

    assert sent.status == "SUCCEEDED"
    assert (sent.report["applied"], sent.report["duplicates"], sent.report["by_channel"]) == (0, 1, {})
    assert accounts_repo.get_account("FD-WH-1").balance == 47_000
    assert _ledger("FD-WH-1") == {"stripe:pi_X": ("payment", -3000, date(2026, 11, 27))}


# ------------------------------------------------------------------ 5. a reversal before its payment


def test_a_reversal_before_its_payment_waits_and_applies_when_the_payment_comes(stack, tmp_path):
    _account(stack, "FD-RV-1", 50_000)
    reversal = {
        "record_id": "rev-9", "type": "reversal", "account_id": "FD-RV-1", "amount": "30.00",
        "currency": "USD", "date": "2026-11-27", "reference": "BR-9", "reason": "bounced cheque",
    }  # fmt: skip
    early = _send(stack, _write(tmp_path, "early.jsonl", _jsonl(reversal, _trailer(1, "30.00"))))

    assert early.status == "SUCCEEDED"
    assert early.report["applied"] == 0
    assert [(n["line"], n["record_id"], n["outcome"], n["amount"]) for n in early.report["noted"]] == [
        (1, "rev-9", "waiting", 3000)
    ]
    assert accounts_repo.get_account("FD-RV-1").balance == 50_000
    assert _ledger("FD-RV-1") == {}

    later = _send(
        stack,
        _write(
            tmp_path, "later.jsonl", _jsonl(_payment("pay-9", "FD-RV-1", 3000, "BR-9"), _trailer(1, "30.00"))
        ),
    )

    assert later.status == "SUCCEEDED" and later.report["applied"] == 1
    account = accounts_repo.get_account("FD-RV-1")
    assert (account.balance, account.dues) == (50_000, (DUE,))
    assert _ledger("FD-RV-1") == {
        "feed:BR-9": ("payment", -3000, date(2026, 11, 27)),
        "feed:rev-9": ("reversal", 3000, date(2026, 11, 27)),
    }


# ------------------------------------------------------------------ found on the way


def test_a_row_repeated_word_for_word_is_applied_once_under_a_trailer_over_every_line(stack, tmp_path):
    _account(stack, "FD-RP-1", 50_000)
    fee = {
        "record_id": "fee-7", "type": "fee", "account_id": "FD-RP-1", "amount": "15.00", "currency": "USD",
        "date": "2026-11-27",
    }  # fmt: skip
    # the sender counts and sums the same two lines: 2 records, USD 15.00 + 15.00
    sent = _send(stack, _write(tmp_path, "day.jsonl", _jsonl(fee, fee, _trailer(2, "30.00"))))

    assert sent.status == "SUCCEEDED", sent.report.get("problems")
    assert (sent.report["applied"], sent.report["repeated_in_file"]) == (1, 1)
    assert accounts_repo.get_account("FD-RP-1").balance == 51_500


def test_a_feed_opens_accounts_of_its_own_portfolio_only(stack, tmp_path):
    row = json.loads(DAY.splitlines()[0]) | {"portfolio": "other"}

    sent = _send(stack, _write(tmp_path, "day.jsonl", _jsonl(row, _trailer(1, "0"))))

    assert [a.portfolio for a in accounts_repo.get_accounts([US])] in ([], [PORTFOLIO])
    assert (sent.status, sent.report["status"]) == ("FAILED", "quarantined")
    assert _problems(sent) == {(1, "portfolio")}


def test_only_an_object_under_feeds_starts_the_workflow(stack, tmp_path):
    # Given the feeds bucket; when objects land outside feeds/ (a report, a chunk) and one under it
    s3, sfn = stack.client("s3"), stack.client("stepfunctions")
    for key in ("reports/feeds/main/2026-11-28/x.jsonl.report.json", "work/feeds/main/x/chunk-00001.json"):
        s3.put_object(Bucket=stack.feeds_bucket, Key=key, Body=b"{}")
    assert sfn.list_executions(stateMachineArn=stack.feed_state_machine)["executions"] == []
    # then only the file under feeds/ starts it (and, being no feed, is quarantined by line)
    sent = _send(stack, _write(tmp_path, "day.jsonl", "[1, 2]\n"))
    assert len(sfn.list_executions(stateMachineArn=stack.feed_state_machine)["executions"]) == 1
    assert sent.status == "FAILED"
    assert sent.report["problems"][0] == {"line": 1, "field": "row", "reason": "not a JSON object"}


def test_a_reversal_never_takes_money_from_another_accounts_payment(stack, tmp_path):
    # Given a branch payment of FD-A-1, applied
    _account(stack, "FD-A-1", 50_000)
    _account(stack, "FD-B-1", 50_000)
    _send(
        stack,
        _write(
            tmp_path, "one.jsonl", _jsonl(_payment("pay-a", "FD-A-1", 3000, "BR-A"), _trailer(1, "30.00"))
        ),
    )
    before = _books("FD-A-1", "FD-B-1")
    # when a later file reverses it on FD-B-1
    reversal = {
        "record_id": "rev-b", "type": "reversal", "account_id": "FD-B-1", "amount": "30.00",
        "currency": "USD", "date": "2026-11-28", "reference": "BR-A", "reason": "recalled",
    }  # fmt: skip
    sent = _send(stack, _write(tmp_path, "two.jsonl", _jsonl(reversal, _trailer(1, "30.00"))))
    # then the file is refused naming the reference, and neither account moved
    assert sent.report["status"] == "quarantined"
    assert _problems(sent) == {(1, "reference")}
    assert _books("FD-A-1", "FD-B-1") == before


def test_rows_dated_far_from_the_feeds_day_are_refused(stack, tmp_path):
    _account(stack, "FD-D-1", 50_000)
    old = _payment("pay-old", "FD-D-1", 1000, "BR-OLD") | {"date": "1900-01-01"}
    ahead = _payment("pay-ahead", "FD-D-1", 1000, "BR-AHEAD") | {"date": "2026-11-29"}  # the day after ON
    last = _payment("pay-last", "FD-D-1", 1000, "BR-LAST") | {"date": ON.isoformat()}
    sent = _send(stack, _write(tmp_path, "day.jsonl", _jsonl(old, ahead, last, _trailer(3, "30.00"))))
    assert _problems(sent) == {(1, "date"), (2, "date")}
    assert accounts_repo.get_account("FD-D-1").balance == 50_000


def test_an_update_with_an_impossible_position_is_refused_whole_not_half_applied(stack, tmp_path):
    _account(stack, "FD-U-1", 50_000)
    update = {
        "record_id": "acc-u-2", "type": "account", "account_id": "FD-U-1", "product_type": "open_end",
        "currency": "USD", "balance": "500.00", "amount_past_due": "45.00", "oldest_due_date": "2026-12-15",
        "locale": "en-US", "time_zone": "America/Denver", "jurisdiction": "US",
    }  # fmt: skip
    pay = _payment("pay-u", "FD-U-1", 1000, "BR-U")
    sent = _send(stack, _write(tmp_path, "day.jsonl", _jsonl(pay, update, _trailer(2, "10.00"))))
    assert sent.status == "FAILED" and sent.report["status"] == "quarantined"
    assert (2, "oldest_due_date") in _problems(sent)
    assert accounts_repo.get_account("FD-U-1").balance == 50_000  # the payment before it waits too


def test_an_update_changes_only_what_it_gives_and_each_sending_is_kept(stack, tmp_path):
    _send(stack, _write(tmp_path, "day.jsonl", DAY))
    update = {
        "record_id": "acc-mx-2", "type": "account", "account_id": MX, "product_type": "open_end",
        "currency": "MXN", "locale": "es-MX", "time_zone": "America/Tijuana", "jurisdiction": "MX",
    }  # fmt: skip
    _send(stack, _write(tmp_path, "update.jsonl", _jsonl(update, {"type": "trailer", "record_count": 1})))
    _send(stack, _write(tmp_path, "update.jsonl", _jsonl(update, {"type": "trailer", "record_count": 1})))
    account = accounts_repo.get_account(MX)
    assert (account.time_zone, account.credit_limit) == ("America/Tijuana", 2_000_000)
    sendings = [
        (r["file"].rsplit("/", 1)[1], r["applied"], r["duplicates"]) for r in feeds.day_status(PORTFOLIO, ON)
    ]
    assert sorted(sendings) == [("day.jsonl", DAY_ROWS, 0), ("update.jsonl", 0, 1), ("update.jsonl", 1, 0)]


def test_the_days_cycle_ages_the_accounts_as_the_rows_say_and_says_the_feed_was_applied(day, stack):
    from datetime import time
    from zoneinfo import ZoneInfo

    from arrears_cli import executions

    # run at 09:00 in New York, after the 08:00 cut-off: it does not wait, and says the feed came
    done = executions.run_cycle(
        stack, PORTFOLIO, ON, datetime.combine(ON, time(9), ZoneInfo("America/New_York"))
    )
    summary = json.loads(done["output"])
    assert done["status"] == "SUCCEEDED"
    assert summary["feed"]["applied"] is True
    assert [f["status"] for f in summary["feed"]["files"]] == ["applied"]
    us, mx = accounts_repo.get_account(US), accounts_repo.get_account(MX)
    # FD-US-1: its 100.00 due of 21 Nov is unpaid (the branch payment bounced): 7 days past due
    assert (us.dpd, us.bucket.value, us.past_due) == (7, "1-29", 10_000)
    # FD-MX-1: 500.00 due 25 Nov, 200.00 paid at a terminal, 50.00 waived: 250.00 past due for 3 days
    assert (mx.dpd, mx.bucket.value, mx.past_due) == (3, "1-29", 25_000)


def test_a_cycle_without_its_days_feed_runs_after_the_cutoff_and_says_so(stack):
    from datetime import time
    from zoneinfo import ZoneInfo

    from arrears_cli import executions

    early = datetime.combine(ON, time(6), ZoneInfo("America/New_York"))  # waits in steps to 08:00, then runs
    done = executions.run_cycle(stack, PORTFOLIO, ON, early)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["feed"] == {"applied": False, "files": []}
    waits = [
        e
        for e in stack.client("stepfunctions").get_execution_history(executionArn=done["executionArn"])[
            "events"
        ]
        if e["type"] == "WaitStateEntered"
    ]
    assert len(waits) == 12  # ten minutes at a time, two hours


# ------------------------------------------------------------------ the customer's columns

CUSTOMER = {
    "customer_id": "CUST-FD-1", "name": "Mariana Quintero Ybarra", "address_line1": "4417 Calle Ocotillo",
    "city": "Tucson", "region": "AZ", "postal_code": "85711", "phone": "(520) 555-0142",
}  # fmt: skip
PLAIN = ("Quintero", "Ocotillo", "85711", "5205550142", "555-0142", "mq.new", "mq.old")


def _opening(record_id: str, account_id: str, **columns: str) -> dict:
    return {
        "record_id": record_id, "type": "account", "account_id": account_id, "product_type": "open_end",
        "currency": "USD", "balance": "300.00", "locale": "en-US", "time_zone": "America/Phoenix",
        "jurisdiction": "US", **columns,
    }  # fmt: skip


def _scan(cloud, table: str) -> str:
    return json.dumps(cloud.client("dynamodb").scan(TableName=table)["Items"])


def test_an_account_rows_customer_is_sealed_and_a_later_email_reaches_all_the_customers_accounts(
    cloud, stack, tmp_path
):
    from arrears.domain.customer import PointKind, PointStatus
    from arrears.store import customers_repo

    # Given a day opening two accounts of one customer (an address and a phone; an email without consent)
    first = _jsonl(
        _opening("acc-fd-c1", "FD-C-1", **CUSTOMER, email="mq.old@example.org"),
        _opening("acc-fd-c2", "FD-C-2", customer_id="CUST-FD-1"),
        {"type": "trailer", "record_count": 2},
    )
    assert _send(stack, _write(tmp_path, "day.jsonl", first)).status == "SUCCEEDED"
    opened = {a.account_id: a for a in accounts_repo.get_accounts(["FD-C-1", "FD-C-2"])}
    assert {a.customer_id for a in opened.values()} == {"CUST-FD-1"}
    assert [a.reach for a in opened.values()] == [("postal", "phone")] * 2  # the email: kept, not used

    # When a later row of the second account gives a new email with consent
    update = _opening("acc-fd-c2-2", "FD-C-2", email="mq.new@example.org", email_consent="yes")
    sent = _send(
        stack, _write(tmp_path, "update.jsonl", _jsonl(update, {"type": "trailer", "record_count": 1}))
    )

    # Then both accounts may be emailed, the old email is kept unused, and no table, report or
    # timeline holds a value in plaintext
    assert sent.status == "SUCCEEDED", sent.report
    assert [a.reach for a in accounts_repo.get_accounts(["FD-C-1", "FD-C-2"])] == [
        ("postal", "email", "phone")
    ] * 2
    customer = customers_repo.get(stack.personal_data(), "CUST-FD-1")
    emails = [p.status for p in customer.points if p.kind is PointKind.EMAIL]
    assert sorted(emails) == [PointStatus.DO_NOT_USE, PointStatus.VERIFIED]
    [terms] = accounts_repo.timeline("FD-C-2", kind="terms")
    assert terms.detail["contact"] == ["email"] and "email" not in terms.detail
    for table in (stack.accounts_table, stack.activity_table, stack.customers_table):
        assert not [v for v in PLAIN if v in _scan(cloud, table)], table
    assert not [v for v in PLAIN if v in json.dumps(sent.report)]


def test_a_bad_contact_column_quarantines_the_file_naming_the_field_never_the_value(stack, tmp_path):
    rows = _jsonl(
        _opening("acc-fd-b1", "FD-B-1", phone="555-01"),
        _opening("acc-fd-b2", "FD-B-2", email="mq.old@", address_line1="9 Hidden Way"),
        {"type": "trailer", "record_count": 2},
    )

    sent = _send(stack, _write(tmp_path, "day.jsonl", rows))

    assert (sent.status, sent.report["status"]) == ("FAILED", "quarantined")
    assert _problems(sent) == {(1, "phone"), (2, "email")}
    assert not [v for v in ("555-01", "mq.old", "Hidden") if v in json.dumps(sent.report)]
    assert accounts_repo.get_accounts(["FD-B-1", "FD-B-2"]) == []


def test_an_accounts_customer_never_changes(stack, tmp_path):
    _send(
        stack,
        _write(tmp_path, "day.jsonl", _jsonl(_opening("acc-fd-m1", "FD-M-1", **CUSTOMER), _trailer_of(1))),
    )
    moved = _opening("acc-fd-m1-2", "FD-M-1", customer_id="CUST-OTHER", phone="+1 520 555 0199")

    sent = _send(stack, _write(tmp_path, "update.jsonl", _jsonl(moved, _trailer_of(1))))

    assert _problems(sent) == {(1, "customer_id")}
    assert accounts_repo.get_account("FD-M-1").customer_id == "CUST-FD-1"


def _trailer_of(count: int) -> dict:
    return {"type": "trailer", "record_count": count}


def test_a_new_account_naming_a_customer_with_other_data_is_refused_and_one_as_on_record_joins(
    stack, tmp_path
):
    _send(
        stack,
        _write(tmp_path, "day.jsonl", _jsonl(_opening("acc-fd-j1", "FD-J-1", **CUSTOMER), _trailer_of(1))),
    )
    hijack = _opening("acc-fd-j2", "FD-J-2", **CUSTOMER | {"name": "Eve Mallory", "phone": "+1 520 555 0199"})
    same = _opening("acc-fd-j3", "FD-J-3", **CUSTOMER)

    sent = _send(stack, _write(tmp_path, "later.jsonl", _jsonl(hijack, same, _trailer_of(2))))

    [noted] = sent.report["noted"]
    assert (noted["line"], noted["outcome"]) == (1, "refused")
    assert noted["reason"].startswith("customer_id: customer CUST-FD-1 is on record with another name, phone")
    assert "Eve" not in json.dumps(sent.report) and "0199" not in json.dumps(sent.report)
    assert accounts_repo.get_accounts(["FD-J-2"]) == []
    assert accounts_repo.get_account("FD-J-3").customer_id == "CUST-FD-1"
    joined = accounts_repo.timeline("FD-J-1", kind="customer_joined", consistent=True)
    assert [dict(e.detail) for e in joined] == [{"account_id": "FD-J-3"}]
