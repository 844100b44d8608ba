"""The electronic opt-out (Reg F §1006.6(e)), end to end: an email under Reg F carries the statement
and a signed link; following it (the public endpoint on the webhooks' API) stops emails to that
account and address at once, and the next letter goes by post."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.adapters import reports_repo
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due
from arrears.services import account_actions
from arrears.store import accounts_repo, customers_repo

from arrears_cli import compliance_check, executions
from tests.people import give_customer

MONDAY = date(2026, 3, 2)
# What the lender gave with the placement: the debt as of its last statement, the balance since
LENDER = "Arrears Card Services"
PLACED = CreditorData(LENDER, LENDER, ItemizationKind.LAST_STATEMENT, date(2026, 1, 31), 100_000)
NY = ZoneInfo("America/New_York")


def _run(stack, day: date) -> None:
    ran = executions.run_cycle(stack, "main", day, datetime.combine(day, time(12), NY))
    assert ran["status"] == "SUCCEEDED", ran


def _letters(account_id: str) -> list:
    return accounts_repo.timeline(account_id, kind="letter")


def _link_path(html: str) -> str:
    found = re.search(r'href="https://[^/"]+(/opt-out/[^"]+)"', html)
    assert found, "the email carries no opt-out link"
    return found.group(1)


def _agency_account(stack, account_id: str, locale: str = "en-US") -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
            (Due(date(2026, 2, 21), 5000),), locale, "America/New_York", "US",
            home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=MONDAY,
            placement="agency", creditor_data=PLACED,
        )
    )  # fmt: skip
    give_customer(stack, account_id, email="rosalind.ov@example.org")


def test_a_reg_f_email_offers_the_opt_out_and_after_it_the_next_letter_goes_by_post(cloud, stack):
    # Given an agency account (Reg F) whose validation notice went by post, and a promise taken: its
    # confirmation goes by email
    _agency_account(stack, "OPT-1", locale="es-US")
    _run(stack, MONDAY)
    account_actions.take_promise("OPT-1", 5000, date(2026, 3, 9), date(2026, 3, 3), "ana")
    _run(stack, date(2026, 3, 3))
    email = _letters("OPT-1")[-1]
    assert (email.detail["code"], email.detail["channel"], email.status) == (
        "promise_confirmation",
        "email",
        "sent",
    )
    assert email.detail["opt_out_offered"] is True
    html = reports_repo.get_text(stack.letters_bucket, email.detail["document_key"], stack.region)
    assert "Para dejar de recibir correos electrónicos en esta dirección" in html  # the customer's language
    path = _link_path(html)
    assert "OPT-1" not in path and "example.org" not in path  # a token, no account id or address in clear

    # When the customer opens the link: a page with one button, nothing changed yet
    shown = cloud.handle_http("GET", path, {}, b"")
    assert shown.status == 200 and b'<form method="post">' in shown.body
    # never inside another site's frame, where its button could be clicked for the customer
    headers = {k.lower(): v for k, v in shown.headers.items()}
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert accounts_repo.get_account("OPT-1").opted_out == ()
    # and presses it
    done = cloud.handle_http("POST", path, {}, b"")
    assert done.status == 200 and "Listo" in done.body.decode()
    versions = (
        accounts_repo.get_account("OPT-1").version,
        customers_repo.get(stack.personal_data(), "OPT-1"),
    )
    again = cloud.handle_http("POST", path, {}, b"")
    assert again.status == 200 and "ya estaba hecho" in again.body.decode()
    # a replayed link (a forwarded email) writes nothing: no version moves
    assert (
        accounts_repo.get_account("OPT-1").version,
        customers_repo.get(stack.personal_data(), "OPT-1"),
    ) == versions

    # Then the account is opted out once, the email point no longer consented, and the next letter
    # the customer is owed goes by post
    account = accounts_repo.get_account("OPT-1")
    assert account.opted_out == ("email",) and "email" not in account.reach
    [recorded] = accounts_repo.timeline("OPT-1", kind="opt_out")
    assert (recorded.actor, recorded.detail["channel"], recorded.detail["letter"]) == (
        "customer", "email", email.detail["reference"],
    )  # fmt: skip
    point = customers_repo.get(stack.personal_data(), "OPT-1").point(email.detail["point_id"])
    assert point.consent == frozenset() and {c.value for c in point.withdrawn} == {
        "email",
        "electronic_notices",
    }
    account_actions.take_promise("OPT-1", 5000, date(2026, 3, 12), date(2026, 3, 4), "ana")
    _run(stack, date(2026, 3, 4))
    after = _letters("OPT-1")[-1]
    assert (after.detail["code"], after.detail["channel"], after.status) == (
        "promise_confirmation", "letter", "printed",
    )  # fmt: skip
    assert compliance_check.report(today=date(2026, 3, 4)) == []


def test_a_forged_or_malformed_link_is_refused_with_a_4xx_and_changes_nothing(cloud, stack):
    _agency_account(stack, "OPT-2")
    _run(stack, MONDAY)
    account_actions.take_promise("OPT-2", 5000, date(2026, 3, 9), date(2026, 3, 3), "ana")
    _run(stack, date(2026, 3, 3))
    email = _letters("OPT-2")[-1]
    path = _link_path(reports_repo.get_text(stack.letters_bucket, email.detail["document_key"], stack.region))
    version, body, signature = path.removeprefix("/opt-out/").split(".")
    other = "T1BULTM"  # base64 of another account's id, with this link's signature
    forged = [
        f"/opt-out/{version}.{body}.{signature[:-2]}AA",  # the signature altered
        f"/opt-out/{version}.{body[:-2]}{body[-1]}{body[-2]}.{signature}",  # the fields altered
        f"/opt-out/{version}.{other}.{signature}",
        "/opt-out/" + "A" * 2000,  # too long
        "/opt-out/o1..",
        "/opt-out/%00%ff",
    ]
    for target in forged:
        for method in ("GET", "POST"):
            answer = cloud.handle_http(method, target, {}, b"")
            assert 400 <= answer.status < 500, (target, method, answer)
            assert b"not valid" in answer.body  # our page, in both languages: never a 500
    assert accounts_repo.get_account("OPT-2").opted_out == ()
    assert accounts_repo.timeline("OPT-2", kind="opt_out") == []
    assert json.loads(json.dumps(compliance_check.report(today=date(2026, 3, 3)))) == []


def test_a_local_cloud_serving_http_points_the_opt_out_links_at_its_own_server(cloud):
    import os

    from localcloud.cloud import forget_cached_state

    public = os.environ["OPT_OUT_URL"]
    assert public.startswith("https://") and ".execute-api." in public  # as the template says
    try:
        cloud.serve_http_at("http://127.0.0.1:3190/")
        assert os.environ["OPT_OUT_URL"] == "http://127.0.0.1:3190"  # a link a browser here can open
    finally:
        os.environ["OPT_OUT_URL"] = public
        forget_cached_state(keep_clients=True)
