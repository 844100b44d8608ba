"""A collections team lead's week: a hand-written book run for seven business days through `local up`.

The book (tests/fixtures/handbook/book.csv) is 25 accounts a team lead would recognise: US cards and
loans, Mexican cards and an insurance premium, Philippine cards and loans, from current to 185 days
past due. It is imported with the CLI into the served stack `arrears local up` runs; then each day
from Monday 2026-03-02 to Tuesday 2026-03-10 (the weekend too: the cycle runs every day) the day's
events are posted and the day's cycle runs. Payments arrive as signed webhooks from three
processors (cures, a partial payment, one made on a Saturday), a collector takes two promises (one
kept, one broken) and a dispute on a call, a settlement beyond her level is approved by a
supervisor and paid in full a week later, and a supervisor confirms a recommended charge-off.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from arrears.adapters import reports_repo
from arrears.domain.ledger import EntryKind
from arrears.domain.money import Money
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli import executions
from arrears_cli.kpi_report import kpi_report
from arrears_cli.main import app
from arrears_cli.simulation import census_disagreements
from arrears_cli.webhook_sender import Kind, Processors, new_payment_id
from tests.cli.conftest import free_port
from tests.conftest import TEST_PARAMETERS
from tests.operators import PASSWORD, call_as, sign_up, stack_of
from tests.people import give_customer

BOOK = Path(__file__).parents[1] / "fixtures" / "handbook" / "book.csv"
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 10)  # Monday to the Tuesday after: 7 business days
WEEK = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
WEEKEND = (date(2026, 3, 7), date(2026, 3, 8))
MON, TUE, WED, THU, FRI, SAT, SUN, MON2, TUE2 = WEEK
NEW_YORK = ZoneInfo("America/New_York")
runner = CliRunner()
WIDE = {"COLUMNS": "250"}  # a table's cells wrap at a narrow terminal's width

SETTLED, CHARGED_OFF, DISPUTED = "US-CARD-0125", "US-CARD-0185", "US-CARD-0065"
RECOMMENDED_ONLY = "US-LOAN-0125"  # a loan past 120 DPD: recommended, never decided this week
KEPT, BROKEN = "US-CARD-0035", "US-LOAN-0035"
CURED = {"US-CARD-0005": TUE, "MX-TDC-0035": WED, "PH-LN-0035": THU, "US-CARD-0006": SAT}
SETTLEMENT_TO_PAY, SETTLEMENT_FORGIVEN = 428_428, 183_612  # 70% of USD 6,120.40, and the 30% forgiven


def _cli(cloud, *args: str) -> str:
    result = runner.invoke(app, [*args, "--endpoint-url", cloud.endpoint_url], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout


def _pay(processors: Processors, provider: str, account_id: str, amount: str, day: date) -> None:
    """The customer pays at 9:00 their time; the processor's signed webhook reaches the stack."""
    account = accounts_repo.get_account(account_id)
    processors.deliver(
        provider,
        Kind.PAYMENT,
        amount=Money.parse(amount, account.currency),
        payment_id=new_payment_id(provider),
        account_id=account_id,
        occurred_at=datetime.combine(day, time(9), ZoneInfo(account.time_zone)),
    )


def _letters(account_id: str) -> list:
    """What the customer is sent (call tasks, recorded beside letters, have no letter code)."""
    return [item for item in accounts_repo.timeline(account_id, kind="letter") if item.detail.get("code")]


def _codes(account_id: str) -> list[str]:
    return [item.detail["code"] for item in _letters(account_id)]


def _sent(account_id: str) -> list[tuple[date, str]]:
    """The account's letters by the day each went out (the timeline's key dates a ladder letter by
    the day its delinquency began, not the day it was sent)."""
    return sorted((date.fromisoformat(i.occurred_on), i.detail["code"]) for i in _letters(account_id))


def _book_letters() -> list:
    return [item for account in accounts_repo.list_accounts("main") for item in _letters(account.account_id)]


def _post_the_days_events(cloud, processors: Processors, day: date) -> None:
    if day == TUE:
        _pay(processors, "stripe", "US-CARD-0005", "85.00", day)  # the whole past due: cures
        call_as(cloud, "ana", "promise", KEPT, day, amount="150.00", pay_by="2026-03-06")
        call_as(cloud, "ana", "promise", BROKEN, day, amount="350.00", pay_by="2026-03-04")
        call_as(
            cloud, "ana", "disposition", DISPUTED, day, outcome="dispute",
            at="2026-03-03T11:15:00-05:00", note="says the January purchases are not hers",
        )  # fmt: skip
        asked = call_as(
            cloud, "ana", "settlement", SETTLED, day, request_id="settle-0125",
            discount_pct="30", pay_by="2026-03-20",
        )  # fmt: skip
        assert asked["status"] == "pending_approval"  # a 30% discount is beyond a specialist 3
        pending = _cli(cloud, "approvals", "list")
        assert "30% off today's balance of USD 6,120.40, paid by 2026-03-20" in pending
        _cli(cloud, "login", "--username", "sam", "--password", PASSWORD)  # the supervisor, four eyes
        approved = _cli(cloud, "approvals", "approve", "settle-0125", "--note", "hardship", "--on", str(day))
        assert json.loads(approved.splitlines()[-1])["result"] == {
            "discount": SETTLEMENT_FORGIVEN, "to_pay": SETTLEMENT_TO_PAY, "pay_by": "2026-03-20"
        }  # fmt: skip
    elif day == WED:
        _pay(processors, "adyen", KEPT, "150.00", day)  # keeps the promise; pays part of the past due
        _pay(processors, "stripe", "MX-TDC-0035", "3400.00", day)  # cures
        _cli(cloud, "accounts", "charge-off", CHARGED_OFF, "--confirm", "--on", day.isoformat())
    elif day == THU:
        _pay(processors, "adyen", "PH-LN-0035", "9000.00", day)  # cures
        _pay(processors, "standard", "US-CARD-0095", "282.00", day)  # the oldest of four instalments
    elif day == SAT:
        _pay(processors, "standard", "US-CARD-0006", "45.00", day)  # paid on a Saturday: cures
    elif day == MON2:
        _pay(processors, "stripe", SETTLED, "4284.28", day)  # the agreed amount, in full


@pytest.fixture
def served(tmp_path, monkeypatch):
    """The stack behind a port with its webhook server, as `arrears local up` serves it, and its
    .arrears/local.json in a scratch working directory. A stack name of its own: a second served
    stack named like tests/cli's, deployed in a process whose moto state another local cloud has
    since restored, fails to create its buckets (CreateBucket answers 500)."""
    from localcloud import LocalCloud
    from localcloud.webhook_server import WebhookServer

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARREARS_CONFIG_DIR", str(tmp_path / "config"))  # this test's sessions only
    port = free_port()
    # set here, not after the start: what the CLI and the stack binding leave is undone afterwards
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with LocalCloud(stack_name="arrears-handbook", port=port, parameters=TEST_PARAMETERS) as cloud:
        http_api = WebhookServer(cloud.handle_http, port=0).start()
        (tmp_path / ".arrears").mkdir()
        (tmp_path / ".arrears" / "local.json").write_text(
            json.dumps({**cloud.describe(), "webhook_url": http_api.url})
        )
        try:
            yield cloud
        finally:
            http_api.stop()


def test_a_hand_written_book_through_a_week_of_cycles(served):
    cloud = served
    stack = stack_of(cloud)
    processors = Processors.from_local(json.loads(Path(".arrears/local.json").read_text()))
    imported = _cli(cloud, "accounts", "import", str(BOOK), "--as-of", FIRST.isoformat(), "--json")
    assert json.loads(imported) == {"imported": 25, "portfolio": "main"}
    for row in csv.DictReader(BOOK.open(encoding="utf-8")):  # a name and an address for each customer
        give_customer(stack, row["account_id"], jurisdiction=row["jurisdiction"])  # emails as imported
    sign_up(cloud, "ana", "specialist_3")
    sign_up(cloud, "sam", "supervisor")

    for day in WEEK:
        # processors post within hours: the day's deliveries are received that (simulated) day
        processors.set_clock(datetime.combine(day + timedelta(days=1), time(0), UTC))
        _post_the_days_events(cloud, processors, day)
        ran = executions.run_cycle(stack, "main", day, datetime.combine(day, time(12), NEW_YORK))
        assert ran["status"] == "SUCCEEDED", day

        assert census_disagreements("main", day) == [], day
        notices = [i for i in _book_letters() if i.detail["code"] == "charge_off_notice"]
        if day < WED:  # before the supervisor confirms: recommended, and nobody told of a charge-off
            assert notices == [], day
            assert accounts_repo.get_account(CHARGED_OFF).status.value == "charge_off_recommended"
        else:  # the cycle of the day it was confirmed sends it, once, and to no other account
            assert [(i.pk, i.occurred_on) for i in notices] == [(CHARGED_OFF, WED.isoformat())], day
        settled = accounts_repo.get_account(SETTLED)
        adjustments = [e for e in accounts_repo.ledger_entries(SETTLED) if e.kind is EntryKind.ADJUSTMENT]
        if TUE <= day < MON2:  # agreed, and nothing forgiven until the money arrives
            assert (settled.balance, settled.status.value, adjustments) == (
                612_040,
                "arrangement_active",
                [],
            ), day
        if day in WEEKEND:  # the cycle runs; letters wait for a business day (the calendar)
            assert [
                (i.pk, i.detail["code"]) for i in _book_letters() if i.occurred_on == day.isoformat()
            ] == []

    processors.set_clock(None)
    _the_agreements_held_and_ended_as_agreed(stack)
    _the_charge_off_was_told_only_once_confirmed(cloud, stack)
    _payments_moved_the_accounts_they_paid(stack)
    _the_kpis_start_on_the_first_day(stack)
    _people_read_amounts_with_their_currency(cloud)
    _a_spanish_reader_reads_spanish(stack)


def _next_business_day(day: date) -> date:
    while day.weekday() >= 5:  # no public holiday in the US, MX or PH this week
        day += timedelta(days=1)
    return day


def _the_agreements_held_and_ended_as_agreed(stack) -> None:
    settled = accounts_repo.get_account(SETTLED)
    entries = {e.entry_id: e for e in accounts_repo.ledger_entries(SETTLED)}
    [payment] = [e for e in entries.values() if e.kind is EntryKind.PAYMENT]
    assert (settled.balance, settled.status.value, payment.amount.minor) == (0, "settled", -SETTLEMENT_TO_PAY)
    writeoff = entries[f"settlement-writeoff:{payment.entry_id}"]  # what was left, in the same write
    assert (writeoff.kind, writeoff.amount.minor, writeoff.occurred_on) == (
        EntryKind.ADJUSTMENT, -SETTLEMENT_FORGIVEN, MON2
    )  # fmt: skip
    assert _sent(SETTLED) == [
        (MON, "final_demand"), (TUE, "settlement_agreement"), (MON2, "payment_received")
    ]  # fmt: skip

    [kept] = [p.detail for p in accounts_repo.timeline(KEPT, kind="promise") if p.detail.get("outcome")]
    assert kept["outcome"] == "kept"
    broken = accounts_repo.get_account(BROKEN)
    assert (broken.status.value, broken.promise) == ("active", None)  # back on the ladder
    [letter] = [i for i in _letters(BROKEN) if i.detail["code"] == "broken_promise"]
    assert letter.occurred_on == _next_business_day(SUN).isoformat()  # grace ended Saturday the 7th

    disputed = accounts_repo.get_account(DISPUTED)
    assert disputed.status.value == "on_hold" and [h.value for h in disputed.holds] == ["dispute"]
    after_hold = [i.detail["code"] for i in _letters(DISPUTED) if i.occurred_on >= WED.isoformat()]
    assert after_hold == ["dispute_acknowledgement"]  # no dunning letter while the dispute stands


def _the_charge_off_was_told_only_once_confirmed(cloud, stack) -> None:
    charged = accounts_repo.get_account(CHARGED_OFF)
    assert (charged.status.value, charged.balance) == ("charged_off", 798_533)  # still owed
    [notice] = [i for i in _letters(CHARGED_OFF) if i.detail["code"] == "charge_off_notice"]
    html = reports_repo.get_text(stack.letters_bucket, notice.detail["document_key"], stack.region)
    assert "on March 4, 2026 we charged off your account" in html and "$7,985.33" in html
    assert "which was 187 days past due" in html  # oldest unpaid 2025-08-29, on the day decided
    assert _sent(CHARGED_OFF) == [(MON, "final_demand"), (WED, "charge_off_notice")]  # nothing after it
    shown = json.loads(_cli(cloud, "accounts", "show", CHARGED_OFF, "--on", LAST.isoformat(), "--json"))
    # charged off, it still owes and still ages: never shown as current
    assert (shown["status"], shown["bucket"], shown["dpd"]) == ("charged_off", "180+", 193)
    undecided = accounts_repo.get_account(RECOMMENDED_ONLY)
    assert undecided.status.value == "charge_off_recommended" and "charge_off_notice" not in _codes(
        RECOMMENDED_ONLY
    )
    [recommended] = accounts_repo.timeline(RECOMMENDED_ONLY, kind="charge_off")
    assert recommended.detail["deadline"] == "2026-02-28"  # 120 DPD reached in February: overdue


def _payments_moved_the_accounts_they_paid(stack) -> None:
    for account_id, day in CURED.items():
        account = accounts_repo.get_account(account_id)
        assert (account.status.value, str(account.bucket), account.past_due) == ("active", "current", 0)
        [thanks] = [i for i in _letters(account_id) if i.detail["code"] == "payment_received"]
        assert thanks.occurred_on == _next_business_day(day).isoformat(), account_id
    partly = accounts_repo.get_account("US-CARD-0095")  # one of four instalments: re-anchored, not cured
    assert (str(partly.bucket), partly.past_due, str(partly.oldest_unpaid_on)) == (
        "60-89",
        84_600,
        "2025-12-27",
    )
    kept = accounts_repo.get_account(KEPT)  # 150.00 of 240.00: the oldest due paid, 90.00 still late
    assert (str(kept.bucket), kept.past_due, str(kept.oldest_unpaid_on)) == ("1-29", 9_000, "2026-02-26")


def _the_kpis_start_on_the_first_day(stack) -> None:
    report = kpi_report(stack, "main", FIRST, LAST)
    at_start = {bucket: figures["accounts_at_start"] for bucket, figures in report["buckets"].items()}
    assert at_start == {"1-29": 5, "30-59": 5, "60-89": 4, "90-119": 3, "120-179": 3, "180+": 1}
    # four cures and the settlement paid in full; the charge-off, which still owes, is none
    assert (report["cured"], report["delinquent_at_start"], report["cure_rate"]) == (5, 21, round(5 / 21, 4))
    assert report["buckets"]["1-29"]["rolled"] == 1  # US-CARD-0028 reached 30 DPD on Wednesday
    assert report["promises"] == {"kept": 1, "broken": 1, "kept_rate": 0.5}
    assert report["collected_minor_units"] == {"MXN": 340_000, "PHP": 900_000, "USD": 484_628}


def _people_read_amounts_with_their_currency(cloud) -> None:
    on = ("--on", LAST.isoformat())
    listed = _cli(cloud, "accounts", "list", *on)
    assert "USD 1,149.56" in listed and "MXN 42,750.25" in listed and "PHP 96,400.00" in listed
    assert not {"114956", "4275025", "9640000"} & set(listed.split())
    shown = _cli(cloud, "accounts", "show", "US-CARD-0095", *on)
    assert "USD 5,358.00" in shown and "2026-01-27: USD 282.00" in shown and "USD 846.00" in shown
    assert "535800" not in shown and "84600" not in shown and "28200" not in shown
    story = _cli(cloud, "accounts", "timeline", SETTLED)
    assert "-USD 4,284.28" in story and "-USD 1,836.12" in story and "USD 6,120.40" in story
    assert "428428" not in story and "183612" not in story and "612040" not in story
    kpis = _cli(cloud, "report", "kpis", "--from", FIRST.isoformat(), "--to", LAST.isoformat())
    assert "\xa0" not in kpis  # one way to write money for people, the same in every report
    assert "USD 4,846.28" in kpis  # collected
    assert "MXN 3,400.00" in kpis and "PHP 9,000.00" in kpis
    assert "484628" not in kpis and "340000" not in kpis and "900000" not in kpis

    _cli(cloud, "login", "--username", "ana", "--password", PASSWORD)
    calls = _cli(cloud, "worklist", "--at", "2026-03-10T10:00:00-05:00", "--format", "json")
    table = _cli(cloud, "worklist", "--at", "2026-03-10T10:00:00-05:00")
    rows = {row["account_id"]: row for row in json.loads(calls)}
    assert rows["PH-CC-0095"]["balance_minor"] == 9_640_000 and "PHP 96,400.00" in table
    assert rows["MX-TDC-0095"]["balance_minor"] == 4_275_025 and "MXN 42,750.25" in table
    assert rows[BROKEN]["why"] == "broken promise" and "USD 8,400.00" in table
    assert DISPUTED not in rows and SETTLED not in rows and CHARGED_OFF not in rows
    assert "9640000" not in table and "4275025" not in table
    _cli(cloud, "login", "--username", "sam", "--password", PASSWORD)
    first = json.loads(_cli(cloud, "worklist", "--at", "2026-03-10T10:00:00-05:00", "--format", "json"))[0]
    assert (first["account_id"], first["why"].split(":")[0]) == (RECOMMENDED_ONLY, "charge-off to decide")


SPANISH_TRIPS = ("Dear", "Balance", "Past due", "days past due", "January", "March", "Sincerely", "payment")


def _a_spanish_reader_reads_spanish(stack) -> None:
    [notice] = [i for i in _letters("MX-TDC-0035") if i.detail["code"] == "past_due_notice"]
    [thanks] = [i for i in _letters("MX-TDC-0035") if i.detail["code"] == "payment_received"]
    notice_html, thanks_html = (
        reports_repo.get_text(stack.letters_bucket, i.detail["document_key"], stack.region)
        for i in (notice, thanks)
    )
    assert '<html lang="es">' in notice_html and "Saldo vencido" in notice_html
    assert "$3,400.00" in notice_html and "$23,456.78" in notice_html  # es-MX: the peso's own sign
    assert "26 de enero de 2026" in notice_html and "35</td>" in notice_html
    assert "Recibimos su pago de $3,400.00 el 4 de marzo de 2026" in thanks_html
    for html in (notice_html, thanks_html):
        assert [phrase for phrase in SPANISH_TRIPS if phrase in html] == []
