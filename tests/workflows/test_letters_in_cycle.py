"""The cycle's letters: chosen by strategy, let through by the guardrail, addressed to the customer
as they can be reached, sent exactly once."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest
from arrears.adapters import mail_gateway, reports_repo
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.errors import StoreUnavailable
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import posting
from arrears.store import accounts_repo, letters_repo

from arrears_cli import executions
from arrears_cli.inconsistencies import inconsistencies
from arrears_cli.simulation import census_disagreements
from tests.operators import call_as, sign_up
from tests.people import NAME, STREET, give_customer

AS_OF = date(2026, 3, 2)  # a Monday: letters and calls wait for a business day
# What the lender gave with the placement: the debt as of its last statement, the balance since
LENDER = "Arrears Card Services"
PLACED = CreditorData(LENDER, LENDER, ItemizationKind.LAST_STATEMENT, date(2026, 1, 31), 100_000)
NOON_NY = datetime.combine(AS_OF, time(12), ZoneInfo("America/New_York"))


def _account(stack, account_id: str, days_late: int, *, email: str | None = None, **fields) -> Account:
    """A late account whose customer has a mailing address (and `email`, with consent to email)."""
    oldest = date.fromordinal(AS_OF.toordinal() - days_late)
    account = Account(
        account_id,
        "main",
        ProductType.OPEN_END,
        "USD",
        100_000,
        100_000,
        (Due(oldest, 5000),),
        "en-US",
        "America/New_York",
        "US",
        home_shard=shard_of(account_id, "main", stack.shard_count),
        next_action_on=AS_OF,
        **fields,
    )
    accounts_repo.create_account(account)
    give_customer(stack, account_id, email=email)
    return account


def _emails_sent(stack) -> int:
    return int(boto3.client("ses", region_name=stack.region).get_send_quota()["SentLast24Hours"])


def _letters(account_id: str) -> list:
    return accounts_repo.timeline(account_id, kind="letter")


def _run(stack, day=AS_OF):
    return executions.run_cycle(
        stack, "main", day, datetime.combine(day, time(12), ZoneInfo("America/New_York"))
    )


def _fail_once(monkeypatch, module, name, error: Exception | None = None):
    original, calls = getattr(module, name), {"n": 0}
    error = error or RuntimeError("injected fault")

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


def test_a_late_card_account_is_emailed_its_reminder_once(stack):
    _account(stack, "MAIL-1", 6, email="customer@example.com")

    assert _run(stack)["status"] == "SUCCEEDED"
    assert _run(stack, date(2026, 3, 3))["status"] == "SUCCEEDED"

    (letter,) = _letters("MAIL-1")
    assert (letter.status, letter.detail["code"], letter.detail["channel"]) == (
        "sent",
        "first_reminder",
        "email",
    )
    assert letter.detail["strategy"] == "credit_card_us@4" and letter.detail["arm"] in (
        "champion",
        "challenger",
    )
    html = reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)
    assert "$1,000.00" in html and "$50.00" in html
    assert _emails_sent(stack) == 1


def test_a_customer_without_email_gets_the_letter_by_post_in_the_days_print_batch(stack):
    _account(stack, "POST-1", 16)  # the card ladder's 15-DPD step is a printed letter

    summary = json.loads(_run(stack)["output"])

    (letter,) = _letters("POST-1")
    assert (letter.status, letter.detail["code"]) == ("printed", "second_reminder")
    assert letter.detail["batch"] == summary["print_batch"]["manifest"]  # the batch it was recorded in
    assert letter.detail["superseded"] == ["courtesy_reminder"] or letter.detail["superseded"] == [
        "courtesy_reminder",
        "early_call",
    ]
    manifest = reports_repo.get_text(stack.letters_bucket, summary["print_batch"]["manifest"], stack.region)
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert [(r["account_id"], r["code"], r["locale"]) for r in rows] == [
        ("POST-1", "second_reminder", "en-US")
    ]
    assert rows[0]["document"] == letter.detail["document_key"]  # read where it is stored, not copied
    assert (rows[0]["name"], rows[0]["address_line1"], rows[0]["postal_code"]) == (NAME, STREET, "85711")
    assert "<html" in reports_repo.get_text(stack.letters_bucket, rows[0]["document"], stack.region)
    assert summary["print_batch"]["letters"] == 1 and summary["contacts"] == {"printed:second_reminder": 1}
    assert _emails_sent(stack) == 0


def test_a_hold_stops_the_letter_and_says_why(stack):
    _account(stack, "HOLD-1", 16, holds=("bankruptcy",))
    _run(stack)
    (letter,) = _letters("HOLD-1")
    assert (letter.status, letter.detail["rule"]) == ("denied", "hold:bankruptcy")
    assert "document_key" not in letter.detail


@pytest.mark.parametrize(
    "module,name",
    [(reports_repo, "put_text"), (letters_repo, "record"), (accounts_repo, "save_account")],
    ids=["before the document is stored", "before the letter is recorded", "before the account is saved"],
)
def test_a_fault_at_any_step_then_a_rerun_sends_one_letter(stack, monkeypatch, module, name):
    _account(stack, "MAIL-2", 6, email="customer@example.com")
    calls = _fail_once(monkeypatch, module, name)

    assert _run(stack)["status"] == "FAILED"
    assert _run(stack)["status"] == "SUCCEEDED"

    assert calls["n"] >= 2
    assert [letter.status for letter in _letters("MAIL-2")] == ["sent"]
    assert _emails_sent(stack) == 1


def test_a_throttled_send_is_retried_by_the_workflow_and_sent_once(stack, monkeypatch):
    _account(stack, "MAIL-3", 6, email="customer@example.com")
    _fail_once(monkeypatch, mail_gateway, "send_email", StoreUnavailable("SES: Throttling"))

    assert _run(stack)["status"] == "SUCCEEDED"
    assert [letter.status for letter in _letters("MAIL-3")] == ["sent"]
    assert _emails_sent(stack) == 1


def test_a_crash_after_sending_never_sends_a_second_copy(stack, monkeypatch):
    _account(stack, "MAIL-4", 6, email="customer@example.com")
    original = letters_repo.move

    def crash_when_marking_sent(item, from_status, to_status, **detail):
        if to_status == letters_repo.SENT:
            raise RuntimeError("injected crash after SES accepted the message")
        return original(item, from_status, to_status, **detail)

    monkeypatch.setattr(letters_repo, "move", crash_when_marking_sent)
    assert _run(stack)["status"] == "FAILED"
    monkeypatch.setattr(letters_repo, "move", original)
    summary = json.loads(_run(stack)["output"])

    assert _emails_sent(stack) == 1
    assert summary["contacts"] == {"sending:first_reminder": 1}  # left for someone to look at, not resent


def test_an_agency_account_gets_the_validation_notice_first_with_the_disclosure(stack):
    accounts_repo.create_account(
        Account(
            "AGENCY-1",
            "main",
            ProductType.CLOSED_END,
            "USD",
            100_000,
            100_000,
            (Due(date(2026, 2, 21), 5000),),
            "es-US",
            "America/Chicago",
            "US",
            home_shard=shard_of("AGENCY-1", "main", stack.shard_count),
            next_action_on=AS_OF,
            placement="agency",
            creditor_data=PLACED,
        )
    )
    give_customer(stack, "AGENCY-1")
    _run(stack)
    (letter,) = _letters("AGENCY-1")
    assert (letter.detail["code"], letter.detail["strategy"], letter.status) == (
        "validation_notice",
        "agency_loan_us@2",
        "printed",
    )
    html = reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)
    assert "cobrador de deudas" in html.lower()  # the disclosure, in the customer's language
    kept = accounts_repo.get_account("AGENCY-1")
    assert kept.validation_notice_on == AS_OF
    assert kept.creditor_data == PLACED  # the lender's data, as stored and read back
    text = " ".join(html.split())
    assert f"que usted le debe a {LENDER}" in text and "Al 31 de enero de 2026, usted debía:" in text


def test_a_notice_whose_itemization_does_not_add_up_is_not_sent_and_an_operator_is_asked(stack):
    """The lender says 1,000.00 was owed on its last statement and nothing is in the ledger since,
    yet the balance is 1,000.01: no table may say it. Nothing is rendered or mailed, the refusal is
    recorded with its reason, and an operator's task asks for the data to be mended."""
    accounts_repo.create_account(
        Account(
            "AGENCY-3", "main", ProductType.CLOSED_END, "USD", 100_001, 100_001,
            (Due(date(2026, 2, 21), 5000),), "en-US", "America/New_York", "US",
            home_shard=shard_of("AGENCY-3", "main", stack.shard_count), next_action_on=AS_OF,
            placement="agency", creditor_data=PLACED,
        )
    )  # fmt: skip
    give_customer(stack, "AGENCY-3")
    _run(stack)

    (letter,) = _letters("AGENCY-3")
    assert (letter.detail["code"], letter.status, letter.detail["rule"]) == (
        "validation_notice", letters_repo.DENIED, "itemization",
    )  # fmt: skip
    assert "comes to 1000.00 USD, the balance is 1000.01 USD" in letter.detail["reason"]
    assert "document_key" not in letter.detail
    (task,) = accounts_repo.timeline("AGENCY-3", kind="task")
    assert task.detail["task"] == "validation_notice_itemization"
    assert accounts_repo.get_account("AGENCY-3").validation_notice_on is None  # no notice provided
    # the next days, on the same facts, it is neither refused again nor asked of an operator again
    for later in (AS_OF + timedelta(days=1), AS_OF + timedelta(days=2)):
        _run(stack, later)
    assert [r.status for r in _letters("AGENCY-3")] == [letters_repo.DENIED]
    assert len(accounts_repo.timeline("AGENCY-3", kind="task")) == 1


def test_a_day_caught_up_on_later_dates_the_notice_and_counts_its_period_from_the_day_it_goes(stack):
    """Reg F §1006.34(b)(5) counts from the day the notice is provided: Monday's cycle, run only on
    Wednesday, mails its notice in Wednesday's batch, dated Wednesday, and the period ends with it."""
    accounts_repo.create_account(
        Account(
            "AGENCY-2", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
            (Due(date(2026, 2, 21), 5000),), "en-US", "America/New_York", "US",
            home_shard=shard_of("AGENCY-2", "main", stack.shard_count), next_action_on=AS_OF,
            placement="agency", creditor_data=PLACED,
        )
    )  # fmt: skip
    give_customer(stack, "AGENCY-2")
    wednesday = date(2026, 3, 4)
    executions.run_cycle(stack, "main", AS_OF, datetime.combine(wednesday, time(9), NOON_NY.tzinfo))

    (letter,) = _letters("AGENCY-2")
    assert (letter.detail["code"], letter.status, letter.detail["sent_on"]) == (
        "validation_notice", "printed", "2026-03-04",
    )  # fmt: skip
    html = reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)
    text = " ".join(html.split())
    # five days after Wednesday 4 March: Mar 5, 6, 9, 10, 11; then 30 days (from Monday: April 8)
    assert "<dd>March 4, 2026</dd>" in text and "Call or write to us by April 10, 2026" in text
    assert accounts_repo.get_account("AGENCY-2").validation_notice_on == wednesday
    # its reference shows the account as its account line does, with the cycle day and the letter
    assert letter.detail["reference"] == "NCY2-20260302-VN"
    assert "Reference</dt><dd>NCY2-20260302-VN</dd>" in text and "AGENCY-2" not in text


def test_a_card_at_180_dpd_is_only_recommended_until_a_supervisor_confirms_then_the_notice_goes_out(
    cloud, stack
):
    """Nothing tells the customer of a charge-off before one is confirmed; a specialist's
    confirmation waits for a supervisor; the confirmed one leaves the balance owed."""
    _account(stack, "OLD-1", 182)  # oldest due 2025-09-01: 180 DPD on Feb 28
    sign_up(cloud, "ana", "specialist_3")
    sign_up(cloud, "sam", "supervisor")
    _run(stack)
    _run(stack, date(2026, 3, 3))
    account = accounts_repo.get_account("OLD-1")
    assert account.status.value == "charge_off_recommended"
    codes = [r.detail["code"] for r in _letters("OLD-1")]
    assert "charge_off_notice" not in codes and codes == ["final_demand"]  # the catch-up's last letter
    [recommended] = accounts_repo.timeline("OLD-1", kind="charge_off")
    assert recommended.detail["deadline"] == "2026-02-28"  # 180 DPD reached on Feb 28: overdue already

    asked = call_as(cloud, "ana", "charge_off", "OLD-1", date(2026, 3, 3), decision="confirm")
    assert asked["status"] == "pending_approval" and "supervisor" in asked["reason"]
    assert accounts_repo.get_account("OLD-1").status.value == "charge_off_recommended"
    refused = call_as(cloud, "sam", "charge_off", "OLD-1", date(2026, 3, 3), decision="decline")
    assert refused["error"] == "invalid" and "exception" in refused["message"]

    done = call_as(cloud, "sam", "charge_off", "OLD-1", date(2026, 3, 3), decision="confirm")
    assert done["status"] == "done" and done["result"]["status_now"] == "charged_off"
    charged = accounts_repo.get_account("OLD-1")
    assert (charged.status.value, charged.balance) == ("charged_off", 100_000)
    census = [f for f in inconsistencies(today=date(2026, 3, 3)) if f["problem"] == "census_vs_accounts"]
    assert census == []  # the census still has it where it counted it: the next close moves it
    _run(stack, date(2026, 3, 4))
    assert census_disagreements("main", date(2026, 3, 4)) == []  # closed: counted as closed
    notice = [r for r in _letters("OLD-1") if r.detail["code"] == "charge_off_notice"]
    assert [r.status for r in notice] == ["printed"]
    html = reports_repo.get_text(stack.letters_bucket, notice[0].detail["document_key"], stack.region)
    assert "March 3, 2026" in html and "183 days past due" in html and "$1,000.00" in html  # since 2025-09-01
    _run(stack, date(2026, 3, 5))  # and no "your account is current" letter after it
    assert [r.detail["code"] for r in _letters("OLD-1")] == ["final_demand", "charge_off_notice"]


def test_the_cure_letter_states_the_payment_that_cured_the_account(stack):
    _account(stack, "CURE-1", 16)
    _run(stack)
    entry = LedgerEntry("pay-cure", EntryKind.PAYMENT, Money(-5000, "USD"), date(2026, 3, 3))
    posting.post_ledger_entry("CURE-1", entry, "test")
    _run(stack, date(2026, 3, 3))

    cured = [r for r in _letters("CURE-1") if r.detail["code"] == "payment_received"]
    assert [r.status for r in cured] == ["printed"]
    html = reports_repo.get_text(stack.letters_bucket, cured[0].detail["document_key"], stack.region)
    assert "$50.00" in html and "$0.00" not in html
