"""Letters that can be mailed and emails that arrive: each letter is addressed to the customer as they
can be reached today, names them, and leaves no personal value anywhere but the sealed customer, the
letter itself and the day's print manifest, both under the personal-data key."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.adapters import mail_gateway, reports_repo
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.contact_values import ContactColumns
from arrears.domain.customer import ContactPoint, PointKind, Source, mailing_address
from arrears.domain.customer import delivery_failed as returned
from arrears.domain.ledger import Due
from arrears.domain.stages import Status
from arrears.services import customers
from arrears.store import accounts_repo, customers_repo

from arrears_cli import executions
from tests.people import NAME, STREET, give_customer

AS_OF = date(2026, 3, 2)  # a Monday: letters go out on business days


def _account(stack, account_id: str, days_late: int, locale="en-US", zone="America/New_York",
             jurisdiction="US", currency="USD", **fields) -> Account:  # fmt: skip
    account = Account(
        account_id, "main", ProductType.OPEN_END, currency, 100_000, 100_000,
        (Due(AS_OF - timedelta(days=days_late), 5000),), locale, zone, jurisdiction,
        home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=AS_OF, **fields,
    )  # fmt: skip
    accounts_repo.create_account(account)
    return account


def _customer(stack, account_id: str, jurisdiction: str, **row) -> None:
    """A customer from an import row's columns (full address), recorded as an import records it."""
    columns = ContactColumns.model_validate({"customer_id": account_id, **row})
    incoming = columns.customer(account_id, jurisdiction, Source.IMPORT, AS_OF)
    saved = customers.record(stack.personal_data(), incoming, AS_OF)
    accounts_repo.apply_with_writes(account_id, lambda a: (replace(a, customer_id=saved.customer_id), []))
    customers.refresh_reach(saved)


def _run(stack, day: date = AS_OF) -> dict:
    ran = executions.run_cycle(
        stack, "main", day, datetime.combine(day, time(12), ZoneInfo("America/New_York"))
    )
    assert ran["status"] == "SUCCEEDED", ran
    return json.loads(ran["output"])


def _letters(account_id: str) -> list:
    return accounts_repo.timeline(account_id, kind="letter")


def _html(stack, letter) -> str:
    return reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)


def _window(html: str) -> list[str]:
    block = re.search(r'<address class="window"[^>]*>(.*?)</address>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", line) for line in block.split("<br>")]


@pytest.fixture
def emails(monkeypatch) -> list[dict]:
    """What reaches SES: each message's recipient and subject."""
    sent, send = [], mail_gateway.send_email

    def recording(sender, to, subject, html, region, reference):
        sent.append({"to": to, "subject": subject, "html": html})
        return send(sender, to, subject, html, region, reference)

    monkeypatch.setattr(mail_gateway, "send_email", recording)
    return sent


LOCALES = {  # locale: (jurisdiction, zone, currency, the customer's row)
    "en-US": ("US", "America/New_York", "USD",
              {"name": "Rosalind Okonkwo-Vance", "address_line1": "4417 Calle Ocotillo", "city": "Tucson",
               "region": "AZ", "postal_code": "85711"}),
    "es-US": ("US", "America/Chicago", "USD",
              {"name": "Mariana Quintero Ybarra", "address_line1": "2210 W Cermak Rd",
               "address_line2": "Apt 2", "city": "Chicago", "region": "IL", "postal_code": "60608"}),
    "es-MX": ("MX", "America/Mexico_City", "MXN",
              {"name": "José Luis Hernández Ramírez", "address_line1": "Calle Río Lerma 118",
               "address_line2": "Col. Cuauhtémoc", "city": "Ciudad de México", "region": "CDMX",
               "postal_code": "06500"}),
    "en-PH": ("PH", "Asia/Manila", "PHP",
              {"name": "Maria Cristina D. Santos", "address_line1": "12 Ortigas Avenue",
               "address_line2": "Barangay Ugong", "city": "Pasig City", "region": "Metro Manila",
               "postal_code": "1604"}),
}  # fmt: skip
LOCALITY = {
    "en-US": "Tucson, AZ 85711",
    "es-US": "Chicago, IL 60608",
    "es-MX": "06500 Ciudad de México, CDMX",
    "en-PH": "1604 Pasig City, Metro Manila",
}


def test_a_letter_in_each_locale_names_the_customer_and_prints_the_window_address(stack):
    for locale, (jurisdiction, zone, currency, row) in LOCALES.items():
        account_id = f"LOC-{locale}"
        _account(stack, account_id, 16, locale, zone, jurisdiction, currency)  # a printed reminder is due
        _customer(stack, account_id, jurisdiction, **row)

    summary = _run(stack)

    for locale, (_, _, _, row) in LOCALES.items():
        (letter,) = _letters(f"LOC-{locale}")
        assert (letter.status, letter.detail["channel"], letter.detail["locale"]) == (
            "printed",
            "letter",
            locale,
        )
        html = _html(stack, letter)
        streets = [row[k] for k in ("address_line1", "address_line2") if k in row]
        assert _window(html) == [row["name"], *streets, LOCALITY[locale]]  # no country line at home
        greeting = "Dear" if locale.startswith("en") else "Estimado(a)"
        assert f"{greeting} <span data-personal>{row['name']}</span>" in html
    assert summary["print_batch"]["letters"] == 4


def test_the_print_manifest_lists_every_printed_letter_with_its_mailing_address_under_the_personal_data_key(
    cloud, stack
):
    _account(stack, "PRINT-1", 16)
    give_customer(stack, "PRINT-1")
    _account(stack, "PRINT-2", 16, locale="es-US")
    give_customer(stack, "PRINT-2", name="Mariana Quintero Ybarra", street="2210 W Cermak Rd")
    _account(stack, "MAILED-1", 6)  # an email reminder: not in the print batch
    give_customer(stack, "MAILED-1", email="mailed.one@example.org")

    summary = _run(stack)

    batch = summary["print_batch"]
    assert (batch["letters"], batch["postage_class"]) == (2, "first_class")
    s3 = cloud.client("s3")
    head = s3.head_object(Bucket=stack.letters_bucket, Key=batch["manifest"])
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", stack.personal_data().key_arn)
    rows = {
        r["account_id"]: r
        for r in csv.DictReader(
            io.StringIO(reports_repo.get_text(stack.letters_bucket, batch["manifest"], stack.region))
        )
    }
    assert set(rows) == {"PRINT-1", "PRINT-2"}
    columns = ("name", "address_line1", "address_line2", "city", "region", "postal_code", "country",
               "postage_class", "language", "code")  # fmt: skip
    assert {k: rows["PRINT-1"][k] for k in columns} == {
        "name": NAME, "address_line1": STREET, "address_line2": "", "city": "Tucson", "region": "AZ",
        "postal_code": "85711", "country": "US", "postage_class": "first_class", "language": "en",
        "code": "second_reminder",
    }  # fmt: skip
    assert (rows["PRINT-2"]["name"], rows["PRINT-2"]["language"]) == ("Mariana Quintero Ybarra", "es")
    for account_id, row in rows.items():
        (letter,) = _letters(account_id)
        assert row["document"] == letter.detail["document_key"]
        assert row["letter_id"] == f"{letter.pk}/{letter.sk}"
        stored = s3.head_object(Bucket=stack.letters_bucket, Key=row["document"])
        assert stored["SSEKMSKeyId"] == stack.personal_data().key_arn  # the letter names the customer too


def test_nothing_personal_is_in_the_letters_records_the_days_summary_or_the_logs(
    stack, cloud, emails, monkeypatch
):
    import logging

    from arrears.adapters.observability import logger

    from localcloud.lambda_runtime import LOG_SINK

    logs = io.StringIO()
    monkeypatch.setattr(LOG_SINK, "target", logs)  # the functions' stdout: metrics, and logs
    # the functions' logger, wherever its stream went when it was first imported
    handler = logging.StreamHandler(logs)
    handler.setFormatter(logger.registered_formatter)
    monkeypatch.setattr(logger._logger, "handlers", [*logger._logger.handlers, handler])
    _account(stack, "QUIET-1", 16)
    give_customer(stack, "QUIET-1", email="rosalind.ov@example.org", phone="(520) 555-0142")
    _account(stack, "QUIET-2", 6)
    give_customer(stack, "QUIET-2", email="rosalind.ov2@example.org")

    summary = _run(stack)

    assert emails and _letters("QUIET-1")[0].status == "printed"  # both ways were used
    personal = (NAME, STREET, "Okonkwo", "Ocotillo", "85711", "rosalind.ov", "555-0142", "5205550142")
    activity = json.dumps(cloud.client("dynamodb").scan(TableName=stack.activity_table)["Items"])
    accounts = json.dumps(cloud.client("dynamodb").scan(TableName=stack.accounts_table)["Items"])
    assert '"level":"INFO"' in logs.getvalue().replace(" ", "")  # the functions did log
    for where, text in (("activity", activity), ("accounts", accounts), ("summary", json.dumps(summary)),
                        ("logs", logs.getvalue())):  # fmt: skip
        assert [value for value in personal if value in text] == [], where
    (letter,) = _letters("QUIET-1")
    point = mailing_address(customers_repo.get(stack.personal_data(), "QUIET-1"))
    assert (letter.detail["customer_id"], letter.detail["point_id"]) == ("QUIET-1", point.point_id)


def test_an_active_account_with_no_usable_address_is_not_sent_a_letter_and_goes_to_skip_trace(cloud, stack):
    _account(stack, "ADDR-NONE-NOHIT", 16)  # no customer on record at all
    _account(stack, "ADDR-PHONE-NOHIT", 16)
    give_customer(stack, "ADDR-PHONE-NOHIT", street=None, phone="(520) 555-0142")  # a number, no address

    summary = _run(stack)

    for account_id in ("ADDR-NONE-NOHIT", "ADDR-PHONE-NOHIT"):
        (letter,) = _letters(account_id)
        assert (letter.status, letter.detail["code"], letter.detail["rule"], letter.detail["reason"]) == (
            "denied", "second_reminder", "no_address", "no usable mailing address",
        )  # fmt: skip
        assert letter.detail["routed"] == "skip" and "document_key" not in letter.detail
        assert accounts_repo.get_account(account_id).status is Status.SKIP
    assert summary["print_batch"]["letters"] == 0 and summary["contacts"] == {"denied:second_reminder": 2}
    sfn = stack.client("stepfunctions")
    traces = sfn.list_executions(stateMachineArn=cloud.stack.outputs["SkipTraceStateMachineArn"])[
        "executions"
    ]
    assert sorted(e["name"] for e in traces) == [
        "skiptrace-ADDR-NONE-NOHIT-2026-03-02", "skiptrace-ADDR-PHONE-NOHIT-2026-03-02",
    ]  # fmt: skip
    for trace in traces:
        started = sfn.describe_execution(executionArn=trace["executionArn"])
        assert json.loads(started["input"])["reason"] == "skip_status"


def test_a_letter_owed_to_an_account_that_is_not_active_and_has_no_address_becomes_an_operators_task(stack):
    from arrears.services import account_actions

    _account(stack, "ADDR-PROMISE", 16)
    give_customer(stack, "ADDR-PROMISE", street=None)  # a name, nowhere to write to
    account_actions.take_promise(
        "ADDR-PROMISE", 5000, AS_OF + timedelta(days=5), AS_OF - timedelta(days=1), "ana"
    )

    _run(stack)

    (letter,) = _letters("ADDR-PROMISE")
    assert (letter.detail["code"], letter.status, letter.detail["rule"]) == (
        "promise_confirmation", "denied", "no_address",
    )  # fmt: skip
    assert letter.detail["routed"] == "task:no_mailing_address"
    account = accounts_repo.get_account("ADDR-PROMISE")
    assert account.status is Status.PROMISE_PENDING  # its own work goes on
    (task,) = accounts_repo.timeline("ADDR-PROMISE", kind="task")
    assert (task.detail["task"], task.detail["reason"], task.status) == (
        "no_mailing_address", "no usable mailing address", "open",
    )  # fmt: skip
    assert "promise_confirmation" in task.detail["cause"]


def test_an_email_goes_to_the_consented_verified_address_never_the_employers_or_an_unconsented_one(
    stack, emails
):
    _account(stack, "EMAIL-OK", 6)
    give_customer(stack, "EMAIL-OK", email="rosalind@example.org")
    _account(stack, "EMAIL-WORK", 6)
    give_customer(stack, "EMAIL-WORK", email="r.okonkwo@employer.example", employer_email=True)
    _account(stack, "EMAIL-NOCONSENT", 6)
    give_customer(stack, "EMAIL-NOCONSENT", email="rosalind2@example.org", email_consent=False)

    _run(stack)

    assert [e["to"] for e in emails] == ["rosalind@example.org"]
    assert "<span data-personal>Rosalind Okonkwo-Vance</span>" in emails[0]["html"]
    (sent,) = _letters("EMAIL-OK")
    assert (sent.status, sent.detail["channel"]) == ("sent", "email")
    email_point = customers_repo.get(stack.personal_data(), "EMAIL-OK").points
    assert sent.detail["point_id"] == next(p.point_id for p in email_point if p.kind is PointKind.EMAIL)
    for account_id in ("EMAIL-WORK", "EMAIL-NOCONSENT"):
        (letter,) = _letters(account_id)
        assert (letter.status, letter.detail["channel"], letter.detail["fallback"]) == (
            "printed", "letter", "no email address with consent: sent by mail",
        )  # fmt: skip


def test_a_returned_letters_address_is_never_used_again_and_a_new_one_is(stack):
    keys = stack.personal_data()
    _account(stack, "RETURN-1-NOHIT", 16)  # the 15-DPD printed reminder goes today
    saved = give_customer(stack, "RETURN-1-NOHIT")
    first_address = mailing_address(saved)
    _run(stack)
    assert _letters("RETURN-1-NOHIT")[0].detail["point_id"] == first_address.point_id

    # the post office returns it; skip-trace finds another address
    customers.delivery_failed(keys, "RETURN-1-NOHIT", first_address.point_id, AS_OF, "returned by USPS")
    found = ContactPoint("new", PointKind.POSTAL, replace(first_address.value, lines=("12 W Congress St",)),
                         Source.SKIPTRACE, added_on=AS_OF)  # fmt: skip
    moved = customers.add_to_account(keys, accounts_repo.get_account("RETURN-1-NOHIT"), found, AS_OF)
    _run(stack, AS_OF + timedelta(days=21))  # 37 DPD: the past-due notice, by post

    later = [r for r in _letters("RETURN-1-NOHIT") if r.detail["code"] == "past_due_notice"]
    assert [r.status for r in later] == ["printed"]
    assert later[0].detail["point_id"] == mailing_address(moved).point_id != first_address.point_id
    assert _window(_html(stack, later[0]))[1] == "12 W Congress St"


def test_a_returned_letters_address_alone_leaves_the_next_letter_unsent(stack):
    keys = stack.personal_data()
    _account(stack, "RETURN-2-NOHIT", 16)
    saved = give_customer(stack, "RETURN-2-NOHIT")
    _run(stack)
    customers.delivery_failed(keys, "RETURN-2-NOHIT", mailing_address(saved).point_id, AS_OF)

    _run(stack, AS_OF + timedelta(days=21))

    later = [r for r in _letters("RETURN-2-NOHIT") if r.detail["code"] == "past_due_notice"]
    assert [(r.status, r.detail["rule"]) for r in later] == [("denied", "no_address")]
    assert accounts_repo.get_account("RETURN-2-NOHIT").status is Status.SKIP


def test_a_point_retired_after_the_plan_read_the_account_is_checked_again_when_the_letter_is_sent(stack):
    keys = stack.personal_data()
    _account(stack, "STALE-1-NOHIT", 16)
    saved = give_customer(stack, "STALE-1-NOHIT")
    # the address comes back, and the account is not told (its reach still says postal)
    point = mailing_address(saved).point_id
    customers_repo.update(keys, "STALE-1-NOHIT", lambda c: returned(c, point, AS_OF))
    assert "postal" in accounts_repo.get_account("STALE-1-NOHIT").reach

    summary = _run(stack)

    (letter,) = _letters("STALE-1-NOHIT")
    assert (letter.status, letter.detail["rule"], letter.detail["routed"]) == (
        "denied",
        "no_address",
        "skip",
    )
    assert "document_key" not in letter.detail and summary["print_batch"]["letters"] == 0
    assert accounts_repo.get_account("STALE-1-NOHIT").status is Status.SKIP


def test_an_email_whose_address_bounced_since_the_plan_goes_by_post(stack, emails):
    keys = stack.personal_data()
    _account(stack, "STALE-2", 6)
    saved = give_customer(stack, "STALE-2", email="bounces@example.org")
    email = next(p for p in saved.points if p.kind is PointKind.EMAIL).point_id
    customers_repo.update(keys, "STALE-2", lambda c: returned(c, email, AS_OF))

    _run(stack)

    (letter,) = _letters("STALE-2")
    assert emails == [] and (letter.status, letter.detail["channel"]) == ("printed", "letter")
    assert letter.detail["fallback"] == "the email address is no longer usable: sent by mail"


def test_a_customer_without_a_name_on_record_is_not_written_to_and_an_operator_is_asked(stack):
    _account(stack, "NAMELESS-1", 16)
    _customer(
        stack, "NAMELESS-1", "US", address_line1=STREET, city="Tucson", region="AZ", postal_code="85711"
    )

    summary = _run(stack)

    (letter,) = _letters("NAMELESS-1")
    assert (letter.status, letter.detail["rule"], letter.detail["routed"]) == (
        "denied", "no_name", "task:no_mailing_address",
    )  # fmt: skip
    assert "document_key" not in letter.detail and summary["print_batch"]["letters"] == 0
    (task,) = accounts_repo.timeline("NAMELESS-1", kind="task")
    assert task.detail["reason"] == "no name on record to address it to"
    assert accounts_repo.get_account("NAMELESS-1").status is Status.ACTIVE  # its address is good
