"""Reconciliation of posted payments against processor settlement reports, hand-computed."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import posting
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli import main
from arrears_cli.commands import common as stack_lookup

AT = datetime.combine(date(2026, 3, 5), time(10), ZoneInfo("America/New_York"))
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STRIPE_REPORT = (FIXTURES / "stripe_balance_change_itemized.csv").read_text()
ADYEN_REPORT = (FIXTURES / "adyen_settlement_details.csv").read_text()


def _post(
    event_id: str, provider: str, payment_id: str, minor: int, account: str, action=Action.PAYMENT, **kw
):
    event = PaymentEvent(
        provider, event_id, "test", action, AT, payment_id=payment_id, amount=Money(minor, "USD"),
        account_ref=account, **kw,
    )  # fmt: skip
    return posting.apply(event).outcome.value


@pytest.fixture
def posted(stack):
    accounts_repo.create_account(
        Account(
            "REC-1", "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 13), 5000),),
            "en-US", "America/New_York", "US", home_shard=shard_of("REC-1", "main", stack.shard_count),
        )
    )  # fmt: skip
    assert _post("e1", "stripe", "pi_A", 5000, "REC-1") == "applied"
    assert _post("e2", "stripe", "pi_A", 1000, None, Action.REFUND, reversal_id="re_1") == "applied"
    assert _post("e3", "stripe", "pi_B", 3000, "REC-1") == "applied"
    assert _post("e4", "stripe", "pi_C", 1000, "REC-1") == "applied"
    assert _post("e5", "stripe", "pi_E", 700, "NO-SUCH") == "suspense"
    assert _post("e6", "adyen", "8815000000000001", 2500, "REC-1") == "applied"
    assert (
        _post("e7", "adyen", "8815000000000001", 2500, None, Action.CHARGEBACK, reversal_id="cb1")
        == "applied"
    )
    return stack


def _reconcile(posted, tmp_path, monkeypatch, text: str) -> list[dict]:
    report = tmp_path / "report.csv"
    report.write_text(text)
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: posted)
    answer = CliRunner().invoke(
        main.app, ["report", "reconcile", "--processor-report", str(report), "--json"]
    )
    assert answer.exit_code == 0, answer.output
    return json.loads(answer.stdout)


def test_a_stripe_report_sorts_every_payment_into_what_matches_and_what_does_not(
    posted, tmp_path, monkeypatch
):
    rows = {r["payment_id"]: r for r in _reconcile(posted, tmp_path, monkeypatch, STRIPE_REPORT)}

    assert {pid: r["result"] for pid, r in rows.items()} == {
        "pi_A": "matched",  # 50.00 paid, 10.00 refunded on both sides
        "pi_B": "amount_difference",  # we posted 30.00, they settled 29.00
        "pi_C": "missing_theirs",
        "pi_D": "missing_ours",
        "pi_E": "suspense",  # paid and settled, but no account of ours to post it to
    }
    assert (rows["pi_A"]["ours_reversed"], rows["pi_A"]["theirs_reversed"]) == (1000, 1000)
    assert (rows["pi_B"]["ours_paid"], rows["pi_B"]["theirs_paid"]) == (3000, 2900)


def test_an_adyen_settlement_report_nets_a_chargeback_and_skips_fees(posted, tmp_path, monkeypatch):
    rows = _reconcile(posted, tmp_path, monkeypatch, ADYEN_REPORT)

    assert [(r["payment_id"], r["result"], r["theirs_paid"], r["theirs_reversed"]) for r in rows] == [
        ("8815000000000001", "matched", 2500, 2500)
    ]


def test_a_file_that_is_neither_report_is_refused_clearly(posted, tmp_path, monkeypatch):
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    monkeypatch.setattr(stack_lookup, "_stack", lambda *args: posted)
    answer = CliRunner().invoke(main.app, ["report", "reconcile", "--processor-report", str(report)])
    assert answer.exit_code == 1 and "not a Stripe" in answer.output
