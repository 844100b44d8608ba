"""The independent checker finds nothing when the guardrail works, and catches it when it does not."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.adapters import reports_repo
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Decision
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel
from dunning import contacts
from dunning.contacts import retry_key

from arrears_cli import compliance_check, executions
from tests.people import STREET, give_customer

AS_OF = date(2026, 3, 2)  # a Monday: on a weekend the letters would wait, and there would be nothing to check
# What the lender gave with the placement: the debt as of its last statement, the balance since
LENDER = "Arrears Card Services"
PLACED = CreditorData(LENDER, LENDER, ItemizationKind.LAST_STATEMENT, date(2026, 1, 31), 100_000)


def _late(stack, account_id: str, zone: str, email: str | None = None, **fields) -> None:
    accounts_repo.create_account(
        Account(
            account_id,
            "main",
            ProductType.OPEN_END,
            "USD",
            100_000,
            100_000,
            (Due(date(2026, 2, 24), 5000),),
            "en-US",
            zone,
            "US",
            home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
            **fields,
        )
    )
    give_customer(stack, account_id, email=email)  # an address to write to, and `email` to email


def _risky_book(stack) -> None:
    """An early-morning email in Los Angeles, a bankrupt customer, and one who opted out of email."""
    _late(stack, "LA-EMAIL", "America/Los_Angeles", email="la@example.com")
    _late(stack, "BANKRUPT", "America/New_York", holds=("bankruptcy",))
    _late(stack, "NO-EMAIL", "America/New_York", email="no@example.com", opted_out=("email",))


def _run(stack) -> dict:
    run_at = datetime.combine(AS_OF, time(9), ZoneInfo("America/New_York"))  # 06:00 in Los Angeles
    run = executions.run_cycle(stack, "main", AS_OF, run_at)
    assert run["status"] == "SUCCEEDED"
    return json.loads(run["output"])


def test_with_the_guardrail_on_the_checker_finds_nothing(stack):
    _risky_book(stack)
    _run(stack)
    assert compliance_check.report() == []
    assert {r.pk for r in compliance_check.letter_records()} == {"LA-EMAIL", "NO-EMAIL"}  # both by post


def test_with_the_guardrail_off_the_checker_reports_each_breach(stack, monkeypatch):
    monkeypatch.setattr(contacts, "check", lambda contact, history, profile: Decision.allow())
    _risky_book(stack)
    _run(stack)
    found = {(v["account_id"], v["rule"]) for v in compliance_check.report()}
    assert found == {("LA-EMAIL", "contact_hours"), ("BANKRUPT", "hold"), ("NO-EMAIL", "opt_out")}


def _placed_past_the_notice(
    stack, account_id: str = "AGENCY-95", locale: str = "en-US", street: str | None = STREET
) -> None:
    """An instalment loan placed with the agency at 95 days past due (Reg F: the validation notice first)."""
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
            (Due(AS_OF - timedelta(days=95), 5000),), locale, "America/New_York", "US",
            home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=AS_OF,
            placement="agency", state="NY", creditor_data=PLACED,
        )
    )  # fmt: skip
    give_customer(stack, account_id, street=street)


def test_an_account_placed_past_the_notice_step_gets_the_notice_and_the_checker_finds_nothing(stack):
    _placed_past_the_notice(stack)
    _run(stack)
    sent = [r.detail["code"] for r in compliance_check.letter_records() if r.pk == "AGENCY-95"]
    assert sent == ["validation_notice"]
    assert compliance_check.report(AS_OF + timedelta(days=30)) == []


def test_with_the_guardrail_off_a_demand_without_the_notice_is_flagged(stack, monkeypatch):
    monkeypatch.setattr(contacts, "check", lambda contact, history, profile: Decision.allow())
    monkeypatch.setattr(contacts, "notice_first", lambda due, account, strategy: due)
    _placed_past_the_notice(stack)
    _run(stack)
    sent = [r.detail["code"] for r in compliance_check.letter_records() if r.pk == "AGENCY-95"]
    assert sent == ["final_demand"]
    found = [v for v in compliance_check.report(AS_OF + timedelta(days=30)) if v["account_id"] == "AGENCY-95"]
    assert {v["rule"] for v in found} == {"validation_notice_first", "validation_notice_timely"}
    timely = next(v for v in found if v["rule"] == "validation_notice_timely")
    assert timely["letter"] == "final_demand"
    assert "not provided; due by 2026-03-09" in timely["detail"]
    # within the five business days the breach is not yet one
    assert not [v for v in compliance_check.report(AS_OF) if v["rule"] == "validation_notice_timely"]


def test_a_notice_later_than_five_business_days_after_a_conversation_is_flagged():
    def record(pk, sk, on, **detail):
        return ActivityModel(pk=pk, sk=sk, kind=detail.pop("kind"), occurred_on=on, detail=detail)

    call = record("C", "c", "2026-03-02", kind="disposition", profile="us_reg_f", outcome="promise")
    late = record("C", "l", "2026-03-10", kind="letter", profile="us_reg_f", code="validation_notice")
    in_time = record("C", "l", "2026-03-09", kind="letter", profile="us_reg_f", code="validation_notice")
    flagged = compliance_check.check_validation_notices([late], [call], date(2026, 4, 1))
    assert [(v.rule, v.letter, v.occurred_on) for v in flagged] == [
        ("validation_notice_timely", "call", "2026-03-02")
    ]
    assert compliance_check.check_validation_notices([in_time], [call], date(2026, 4, 1)) == []


def test_a_spanish_validation_notice_goes_in_one_envelope_with_the_english_one(stack):
    # Given an es-US customer of the agency, owed the validation notice
    _placed_past_the_notice(stack, "AGENCY-ES", "es-US")
    # When the day's cycle sends it
    summary = _run(stack)
    # Then its record names the English notice as going with it
    (letter,) = [r for r in compliance_check.letter_records() if r.pk == "AGENCY-ES"]
    assert (letter.detail["code"], letter.detail["locale"]) == ("validation_notice", "es-US")
    assert letter.detail["companions"] == ["en-US"]
    # the one document the vendor prints holds the Spanish notice, then the English one
    html = reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)
    assert html.index("Aviso sobre su deuda") < html.index('<section class="enclosure" lang="en">')
    assert html.index('<section class="enclosure" lang="en">') < html.index("Notice about your debt</h1>")
    # and the print manifest's item lists both for its envelope
    manifest = reports_repo.get_text(stack.letters_bucket, summary["print_batch"]["manifest"], stack.region)
    (row,) = [r for r in csv.DictReader(io.StringIO(manifest)) if r["account_id"] == "AGENCY-ES"]
    assert (row["document"], row["locale"], row["companions"]) == (
        letter.detail["document_key"],
        "es-US",
        "en-US",
    )
    # so the independent checker finds nothing to say
    assert compliance_check.report(AS_OF + timedelta(days=30)) == []


def _notice(pk: str, on: str, locale: str, **detail) -> ActivityModel:
    detail = {"profile": "us_reg_f", "code": "validation_notice", "locale": locale, **detail}
    return ActivityModel(pk=pk, sk=f"{on}#{locale}", kind="letter", occurred_on=on, detail=detail)


def test_a_spanish_validation_notice_without_the_english_one_is_flagged():
    alone = _notice("S", "2026-03-02", "es-US")
    with_english = _notice("S", "2026-03-02", "es-US", companions=["en-US"])
    english_before = [_notice("S", "2026-03-01", "en-US"), alone]
    english_same_day_apart = [_notice("S", "2026-03-02", "en-US"), alone]
    flagged = compliance_check.check_validation_notice_english([alone])
    assert [(v.rule, v.account_id, v.occurred_on) for v in flagged] == [
        ("validation_notice_english", "S", "2026-03-02")
    ]
    assert compliance_check.check_validation_notice_english([with_english]) == []
    assert compliance_check.check_validation_notice_english(english_before) == []
    # an English notice in another mailing the same day is not "provided earlier"
    assert len(compliance_check.check_validation_notice_english(english_same_day_apart)) == 1
    # a creditor's own Spanish letters are not a debt collector's notice
    assert (
        compliance_check.check_validation_notice_english(
            [_notice("S", "2026-03-02", "es-US", profile="us_first_party")]
        )
        == []
    )


def _old_california_debt(stack) -> None:
    """An instalment loan placed with the agency in California, in default for five years (barred after
    four), its validation notice provided long ago: the final demand is the step due."""
    account = Account(
        "OLD-CA", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
        (Due(date(2021, 2, 2), 100_000),), "en-US", "America/Los_Angeles", "US",
        home_shard=shard_of("OLD-CA", "main", stack.shard_count), next_action_on=AS_OF,
        placement="agency", state="CA",
    )  # fmt: skip
    accounts_repo.create_account(account)
    stored = accounts_repo.get_account("OLD-CA")  # the ladder's bookkeeping, as earlier cycles left it
    accounts_repo.save_account(
        replace(stored, validation_notice_on=date(2021, 6, 1), episode_on=date(2021, 2, 3),
                fired=("validation_notice",))
    )  # fmt: skip
    give_customer(stack, "OLD-CA")


def test_a_time_barred_debt_gets_no_final_demand_and_the_checker_agrees(stack):
    _old_california_debt(stack)
    _run(stack)
    (refused,) = [r for r in ActivityModel.query("OLD-CA") if r.kind == "letter"]
    assert (refused.detail["code"], refused.status, refused.detail["rule"]) == (
        "final_demand", "denied", "time_barred",
    )  # fmt: skip
    assert refused.detail["time_barred_on"] == "2025-02-02"
    assert compliance_check.report(AS_OF) == []


def test_with_the_guardrail_off_a_final_demand_to_a_time_barred_debt_is_flagged(stack, monkeypatch):
    monkeypatch.setattr(contacts, "check", lambda contact, history, profile: Decision.allow())
    _old_california_debt(stack)
    _run(stack)
    found = {v["rule"] for v in compliance_check.report(AS_OF) if v["account_id"] == "OLD-CA"}
    assert "time_barred_threat" in found
    # the letter carried the California disclosure: only the threat is flagged
    assert "time_barred_disclosure" not in found


def test_a_notice_refused_for_want_of_an_address_goes_once_the_address_comes(stack):
    # Given a placed debt whose customer has no mailing address: the notice is refused and routed
    _placed_past_the_notice(stack, "AGENCY-NA", street=None)
    _run(stack)
    assert not [r for r in compliance_check.letter_records() if r.pk == "AGENCY-NA"]  # nothing delivered
    denied = [r for r in ActivityModel.query("AGENCY-NA") if r.kind == "letter"]
    assert [(r.detail["code"], r.status) for r in denied] == [("validation_notice", "denied")]
    # When the address comes (the lender's feed, a skip-trace) and the next cycle runs
    give_customer(stack, "AGENCY-NA", on=AS_OF + timedelta(days=1))
    tuesday = AS_OF + timedelta(days=1)
    run_at = datetime.combine(tuesday, time(9), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", tuesday, run_at)["status"] == "SUCCEEDED"
    # Then the notice goes, under a record of its own; the refusal stays on record
    sent = [r for r in compliance_check.letter_records() if r.pk == "AGENCY-NA"]
    assert [(r.detail["code"], r.sk.rsplit("#", 1)[-1]) for r in sent] == [
        ("validation_notice", f"validation_notice@{retry_key(accounts_repo.get_account('AGENCY-NA'))}")
    ]
    assert accounts_repo.get_account("AGENCY-NA").validation_notice_on is not None
    assert compliance_check.report(tuesday) == []


def test_two_business_days_after_the_notice_the_reminder_goes_and_the_final_demand_waits(stack):
    # Given the repro (Reg F §1006.38(b)): an agency loan placed 95 days late, its validation notice
    # provided on Friday 27 February (the period ends 5 April), every later step due by Monday
    friday = AS_OF - timedelta(days=3)
    _placed_past_the_notice(stack, "AGENCY-VP")
    stored = accounts_repo.get_account("AGENCY-VP")
    notice_sent = {"validation_notice_on": friday, "episode_on": friday, "fired": ("validation_notice",)}
    accounts_repo.save_account(replace(stored, **notice_sent))
    notice = {"code": "validation_notice", "profile": "us_reg_f", "channel": "letter", "locale": "en-US"}
    notice["sent_on"] = str(friday)
    ActivityModel(
        "AGENCY-VP", f"{friday}#letter#validation_notice", kind="letter", occurred_on=str(friday),
        actor="collection_cycle", status="printed", detail=notice,
    ).save()  # fmt: skip
    # When Monday's cycle runs
    _run(stack)
    # Then the past-due notice goes, and the final demand waits, unfired, for the period to end
    sent = [r.detail["code"] for r in compliance_check.letter_records() if r.pk == "AGENCY-VP"]
    assert sorted(sent) == ["past_due_notice", "validation_notice"]
    assert "final_demand" not in accounts_repo.get_account("AGENCY-VP").fired
    # and the independent checker finds nothing to say
    assert compliance_check.report(AS_OF) == []
