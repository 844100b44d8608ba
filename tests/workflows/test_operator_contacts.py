"""An operator's changes to a customer's contact points through the operator function, and what they
route: returned mail or a bounce retires the point and, with no address left, sends an active
account to skip-trace and any other to an operator; reads opened by level, finds by keyed hash;
nothing of a value in an audit record or a table."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.customer import PointKind, PointStatus, Source
from arrears.domain.ledger import Due
from arrears.domain.stages import Status
from arrears.store import accounts_repo, bureau_repo, customers_repo

from arrears_cli import executions
from tests.operators import call_as, sign_up
from tests.people import NAME, STREET, give_customer

TODAY = date(2026, 3, 2)  # a Monday
EMAIL, PHONE = "rosalind.ov@example.org", "+15205550142"
PLAIN = ("Rosalind", "Okonkwo", "Ocotillo", "85711", "rosalind.ov", "5205550142", "555-0142", "new.one")


@pytest.fixture
def operators(cloud, stack):
    sign_up(cloud, "ana", "specialist_3")  # does not see personal data
    sign_up(cloud, "cy", "specialist_4")  # does


def _account(stack, account_id: str, status: Status = Status.ACTIVE) -> str:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=TODAY, status=status,
        )
    )  # fmt: skip
    return account_id


def _point(stack, customer_id: str, kind: PointKind):
    customer = customers_repo.get(stack.personal_data(), customer_id)
    return next(p for p in customer.points if p.kind is kind)


def _contact(cloud, who: str, account_id: str, request_id: str | None = None, **params):
    return call_as(cloud, who, "contact", account_id, TODAY, request_id, **params)


def _audits(account_id: str) -> list:
    return accounts_repo.timeline(account_id, kind="operator_action")


def _plain_in(cloud, stack) -> list[str]:
    tables = (stack.accounts_table, stack.activity_table, stack.customers_table)
    scanned = "".join(json.dumps(cloud.client("dynamodb").scan(TableName=t)["Items"]) for t in tables)
    return [value for value in PLAIN if value in scanned]


def test_returned_mail_sends_an_active_account_to_skip_trace_and_a_verified_candidate_becomes_a_point(
    cloud, stack, operators
):
    # Given an active account whose customer has an address only (HIT2: the second provider finds them)
    account_id = _account(stack, "CT-HIT2-1")
    give_customer(stack, account_id)
    postal = _point(stack, account_id, PointKind.POSTAL)

    # When a collector marks the address returned by the post office
    marked = _contact(
        cloud, "ana", account_id, "req-returned-1", change="mark", point_id=postal.point_id,
        status="returned_mail", note="returned by USPS: attempted, not known",
    )  # fmt: skip

    # Then the point is retired, the account goes to skip, and the audit names the point, not its value
    assert marked["status"] == "done", marked
    assert marked["result"] == {
        "change": "mark", "point_id": postal.point_id, "kind": "postal", "status": "returned_mail",
        "reach": [], "routed": {account_id: "skip"},
    }  # fmt: skip
    account = accounts_repo.get_account(account_id)
    assert (account.status, account.reach) == (Status.SKIP, ())
    assert _contact(cloud, "ana", account_id, "req-returned-1", change="mark") == marked  # same request
    [audit] = _audits(account_id)
    assert audit.detail["params"]["point_id"] == postal.point_id

    # When the day's cycle runs: it starts the skip-trace, which finds candidates, sealed
    run_at = datetime.combine(TODAY, time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", TODAY, run_at)["status"] == "SUCCEEDED"
    sfn = stack.client("stepfunctions")
    [trace] = sfn.list_executions(stateMachineArn=cloud.stack.outputs["SkipTraceStateMachineArn"])[
        "executions"
    ]
    assert trace["name"] == f"skiptrace-{account_id}-{TODAY.isoformat()}"
    assert executions.wait(stack, trace["executionArn"], timeout_s=120)["status"] == "SUCCEEDED"
    phone = next(c for c in bureau_repo.candidates(stack.personal_data(), account_id) if c.kind == "phone")

    # When a collector who sees personal data reads the candidate, confirms it with the customer and
    # verifies it
    seen = call_as(cloud, "cy", "personal_data", account_id, TODAY)
    offered = next(c for c in seen["candidates"] if c["candidate_id"] == phone.candidate_id)
    verified = _contact(cloud, "cy", account_id, change="verify_candidate", candidate_id=phone.candidate_id)

    # Then it is a verified point of source skip-trace, the account may be called, and the
    # candidate says which point it became; a second verification changes nothing
    assert offered["value"].startswith("+1 520 555 01") and offered["status"] == "unverified"
    assert verified["status"] == "done", verified
    result = verified["result"]
    assert (result["kind"], result["status"], result["reach"]) == ("phone", "verified", ["phone"])
    point = customers_repo.get(stack.personal_data(), account_id).point(result["point_id"])
    assert (point.source, point.status, point.consent) == (
        Source.SKIPTRACE,
        PointStatus.VERIFIED,
        frozenset(),
    )
    assert accounts_repo.get_account(account_id).reach == ("phone",)
    [became] = [c for c in bureau_repo.candidates(stack.personal_data(), account_id) if c.point_id]
    assert (became.candidate_id, became.status) == (phone.candidate_id, "verified")
    again = _contact(cloud, "cy", account_id, change="verify_candidate", candidate_id=phone.candidate_id)
    assert again["result"]["point_id"] == result["point_id"]
    assert _plain_in(cloud, stack) == []


def test_returned_mail_on_an_account_with_a_promise_is_an_operators_task_not_a_trace(cloud, stack, operators):
    # Given an account whose customer promised to pay, with an address only
    account_id = _account(stack, "CT-PROMISE", status=Status.PROMISE_PENDING)
    give_customer(stack, account_id)
    postal = _point(stack, account_id, PointKind.POSTAL)

    # When the letter comes back
    marked = _contact(
        cloud, "ana", account_id, change="mark", point_id=postal.point_id, status="returned_mail"
    )

    # Then the promise stands, and an operator has a task saying why
    assert marked["result"]["routed"] == {account_id: "task:no_mailing_address"}
    assert accounts_repo.get_account(account_id).status is Status.PROMISE_PENDING
    [task] = accounts_repo.timeline(account_id, kind="task")
    assert task.detail["task"] == "no_mailing_address"
    assert task.detail["reason"] == f"postal point {postal.point_id} returned_mail: no mailing address left"
    assert "promise_pending" in task.detail["cause"]


def test_a_retired_point_is_never_verified_again_and_a_failure_fits_its_kind(cloud, stack, operators):
    account_id = _account(stack, "CT-RETIRED")
    give_customer(stack, account_id, email=EMAIL)
    postal = _point(stack, account_id, PointKind.POSTAL)
    email = _point(stack, account_id, PointKind.EMAIL)

    bounced_letter = _contact(
        cloud, "ana", account_id, change="mark", point_id=postal.point_id, status="bounced"
    )
    _contact(cloud, "ana", account_id, change="mark", point_id=email.point_id, status="bounced")
    again = _contact(cloud, "cy", account_id, change="verify", point_id=email.point_id)
    unknown = _contact(cloud, "cy", account_id, change="verify", point_id="email-0000000000000000")

    assert (
        bounced_letter["error"] == "invalid" and "only a email point is bounced" in bounced_letter["message"]
    )
    assert again["error"] == "invalid" and "is bounced: add a new one instead" in again["message"]
    assert unknown["error"] == "invalid" and "no contact point email-0000000000000000" in unknown["message"]
    assert accounts_repo.get_account(account_id).reach == ("postal",)  # the address still stands: no routing
    assert accounts_repo.get_account(account_id).status is Status.ACTIVE


def test_do_not_use_on_the_last_address_is_an_operators_task_never_a_trace(cloud, stack, operators):
    account_id = _account(stack, "CT-DNU")
    give_customer(stack, account_id)
    postal = _point(stack, account_id, PointKind.POSTAL)

    marked = _contact(
        cloud, "cy", account_id, change="mark", point_id=postal.point_id, status="do_not_use",
        note="customer asked us not to write to the office address",
    )  # fmt: skip

    assert marked["result"]["routed"] == {account_id: "task:no_mailing_address"}
    assert accounts_repo.get_account(account_id).status is Status.ACTIVE


def test_an_operator_adds_a_point_and_the_audit_and_the_tables_keep_no_value(cloud, stack, operators):
    # Given an account with no customer on record
    account_id = _account(stack, "CT-ADD")

    # When a collector adds the email the customer gave on a call, with consent, and a phone
    added = _contact(
        cloud, "cy", account_id, "req-add-1", change="add",
        point={"email": "New.One@Example.org", "email_consent": True},
    )  # fmt: skip
    again = _contact(
        cloud, "cy", account_id, "req-add-1", change="add",
        point={"email": "New.One@Example.org", "email_consent": True},
    )  # fmt: skip
    phone = _contact(cloud, "cy", account_id, change="add", point={"phone": "(520) 555-0142"})
    twice = _contact(cloud, "cy", account_id, change="add", point={"phone": "+1 520 555 0142"})
    bad = _contact(cloud, "cy", account_id, change="add", point={"phone": "555-01"})

    # Then the account has a customer who may be emailed and called; the value is in no audit
    assert added["status"] == "done" and added == again
    assert (added["result"]["kind"], added["result"]["status"]) == ("email", "verified")
    assert phone["result"]["reach"] == ["email", "phone"]
    account = accounts_repo.get_account(account_id)
    assert (account.customer_id, account.reach) == (account_id, ("email", "phone"))
    assert twice["error"] == "invalid" and "already has contact point" in twice["message"]
    assert bad["error"] == "invalid" and "point.phone" in bad["message"] and "555-01" not in bad["message"]
    audits = {a.detail["response"]["result"]["kind"]: a.detail for a in _audits(account_id)}
    assert audits["email"]["params"] == {"change": "add", "point": ["email", "email_consent"]}
    assert _plain_in(cloud, stack) == []


def test_a_level_that_does_not_see_personal_data_only_reports_a_points_failure(cloud, stack, operators):
    # Given a customer with an address and an email, and a skip-trace candidate
    account_id = _account(stack, "CT-LEVEL3")
    give_customer(stack, account_id, email=EMAIL)
    postal = _point(stack, account_id, PointKind.POSTAL)
    email = _point(stack, account_id, PointKind.EMAIL)
    before = customers_repo.get(stack.personal_data(), account_id)
    reach = accounts_repo.get_account(account_id).reach

    # When a level 3 (no personal data) tries to choose where the next letter goes
    tried = {
        "address": _contact(
            cloud, "ana", account_id, change="add",
            point={"address_line1": "1 Elsewhere Rd", "city": "Reno", "region": "NV",
                   "postal_code": "89501"},
        ),
        "email": _contact(
            cloud, "ana", account_id, change="add",
            point={"email": "mine@example.net", "email_consent": True,
                   "electronic_notices_consent": True},
        ),
        "verify": _contact(cloud, "ana", account_id, change="verify", point_id=postal.point_id),
        "candidate": _contact(
            cloud, "ana", account_id, change="verify_candidate", candidate_id="cand-0001"
        ),
        "do_not_use": _contact(
            cloud, "ana", account_id, change="mark", point_id=postal.point_id, status="do_not_use"
        ),
    }  # fmt: skip

    # Then each is refused as forbidden, saying why, and the customer's points are as they were
    for name, refused in tried.items():
        assert refused["status_code"] == 403 and refused["error"] == "forbidden", (name, refused)
        assert "needs a level that sees personal data" in refused["message"], name
    assert "adding a contact point" in tried["address"]["message"]
    assert customers_repo.get(stack.personal_data(), account_id) == before
    assert accounts_repo.get_account(account_id).reach == reach

    # But it may report a failure: the email bounced
    bounced = _contact(
        cloud, "ana", account_id, change="mark", point_id=email.point_id, status="bounced",
        note="bounce notice 2026-03-01",
    )  # fmt: skip
    assert bounced["status"] == "done" and bounced["result"]["status"] == "bounced", bounced


def test_a_points_note_is_masked_below_personal_data_and_control_characters_are_refused(
    cloud, stack, operators
):
    account_id = _account(stack, "CT-NOTE")
    give_customer(stack, account_id, email=EMAIL)
    email = _point(stack, account_id, PointKind.EMAIL)

    sneaky = _contact(
        cloud, "cy", account_id, change="mark", point_id=email.point_id, status="do_not_use",
        note="ok\x1b[2J\nnew line",
    )  # fmt: skip
    noted = _contact(
        cloud, "cy", account_id, change="mark", point_id=email.point_id, status="do_not_use",
        note="asked to use her sister's number 520 555 0199",
    )  # fmt: skip
    junior = call_as(cloud, "ana", "personal_data", account_id, TODAY)
    senior = call_as(cloud, "cy", "personal_data", account_id, TODAY)

    assert sneaky["error"] == "invalid" and "control characters" in sneaky["message"], sneaky
    assert noted["status"] == "done", noted
    notes = {who: {p["kind"]: p["note"] for p in answer["points"]} for who, answer in
             (("ana", junior), ("cy", senior))}  # fmt: skip
    assert notes["ana"] == {"postal": "", "email": "•••"}
    assert notes["cy"]["email"] == "asked to use her sister's number 520 555 0199"


def test_personal_data_is_opened_for_a_level_that_sees_it_masked_for_any_other_and_audited_without_values(
    cloud, stack, operators
):
    account_id = _account(stack, "CT-READ")
    give_customer(stack, account_id, email=EMAIL, phone=PHONE)

    junior = call_as(cloud, "ana", "personal_data", account_id, TODAY)
    senior = call_as(cloud, "cy", "personal_data", account_id, TODAY)

    assert junior["masked"] is True and "does not see personal data" in junior["why"]
    assert junior["name"] == "•••"
    assert {p["kind"]: p["value"] for p in junior["points"]} == {
        "postal": "•••, US", "email": "r•••@e•••.org", "phone": "•••• 42"
    }  # fmt: skip
    assert "masked" not in senior and senior["name"] == NAME
    shown = {p["kind"]: p["value"] for p in senior["points"]}
    assert shown["postal"].startswith(STREET) and shown["email"] == EMAIL and shown["phone"] == PHONE
    reads = {a.actor: a.detail for a in _audits(account_id)}
    assert reads["ana"]["response"]["status"] == "read_masked" and reads["cy"]["response"]["status"] == "read"
    assert "name" in reads["cy"]["response"]["result"]["fields"]
    assert _plain_in(cloud, stack) == []


def test_a_phone_written_another_way_finds_its_customers_accounts_by_keyed_hash(cloud, stack, operators):
    first, second = _account(stack, "CT-FIND-1"), _account(stack, "CT-FIND-2")
    give_customer(stack, first, phone=PHONE, customer_id="CUST-FIND")
    give_customer(stack, second, phone=PHONE, customer_id="CUST-FIND")

    found = call_as(cloud, "ana", "find_customer", None, TODAY, phone="(520) 555-0142")
    by_email = call_as(cloud, "ana", "find_customer", None, TODAY, email="nobody@example.org")
    bad = call_as(cloud, "ana", "find_customer", None, TODAY, phone="not a number")

    assert sorted(f["account_id"] for f in found["found"]) == [first, second]
    assert {f["point_id"].split("-")[0] for f in found["found"]} == {"phone"}
    assert by_email == {"kind": "email", "found": []}
    assert bad["error"] == "invalid" and "not a number" not in bad["message"]
    [audit] = _audits(first)
    assert audit.detail["params"] == {"phone": "given"}
    assert audit.detail["response"]["result"] == {"fields": ["found_by:phone"]}
    assert _plain_in(cloud, stack) == []


def test_unreachable_naming_a_point_retires_it_and_routes_only_when_no_address_is_left(
    cloud, stack, operators
):
    account_id = _account(stack, "CT-UNREACH")
    give_customer(stack, account_id, phone=PHONE)
    postal = _point(stack, account_id, PointKind.POSTAL)
    phone = _point(stack, account_id, PointKind.PHONE)

    wrong = call_as(
        cloud, "ana", "unreachable", account_id, TODAY, reason="wrong_number", point_id=phone.point_id
    )
    misfit = call_as(
        cloud, "ana", "unreachable", account_id, TODAY, reason="email_bounced", point_id=postal.point_id
    )
    returned = call_as(
        cloud, "ana", "unreachable", account_id, TODAY, reason="returned_mail", point_id=postal.point_id
    )

    assert wrong["result"]["status_now"] == "active" and wrong["result"]["status"] == "wrong_party"
    assert wrong["result"]["routed"] == {account_id: None}  # the address still stands
    assert misfit["error"] == "invalid" and "email point" in misfit["message"]
    assert returned["result"]["status_now"] == "skip" and returned["result"]["reach"] == []
