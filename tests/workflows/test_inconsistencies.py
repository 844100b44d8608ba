"""The inconsistency report finds what a bug or a hand edit would leave behind, and nothing else."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.stages import Status
from arrears.services import posting
from arrears.store import accounts_repo
from arrears.store.models import AccountModel, ActivityModel

from arrears_cli import executions
from arrears_cli.inconsistencies import inconsistencies

AS_OF = date(2026, 3, 1)


def _card(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 50_000, 50_000, (Due(date(2026, 2, 13), 5000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
        )
    )  # fmt: skip


def test_a_balance_off_its_ledger_and_a_stage_off_its_dpd_are_reported(stack):
    for name in ("INC-OK", "INC-BAL", "INC-STAGE"):
        _card(stack, name)
    run_at = datetime.combine(AS_OF, time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", AS_OF, run_at)["status"] == "SUCCEEDED"
    assert inconsistencies() == []  # the engine leaves none

    AccountModel.get("INC-BAL").update(actions=[AccountModel.balance.set(49_000)])  # a hand edit
    AccountModel.get("INC-STAGE").update(actions=[AccountModel.bucket.set("60-89")])

    found = {(f["account_id"], f["problem"]) for f in inconsistencies()}
    # the hand-moved bucket also leaves the census disagreeing with the accounts it counts
    assert found == {
        ("INC-BAL", "balance_vs_ledger"),
        ("INC-STAGE", "stage_vs_dpd"),
        ("", "census_vs_accounts"),
    }
    census = {f["detail"] for f in inconsistencies() if f["problem"] == "census_vs_accounts"}
    assert census == {
        "portfolio main, census of 2026-03-01: 1-29: 3 accounts in the census, 2 on the accounts",
        "portfolio main, census of 2026-03-01: 60-89: 0 accounts in the census, 1 on the accounts",
        "portfolio main, census of 2026-03-01: 1-29: 1500.00 USD in the census, 1000.00 USD on the accounts",
        "portfolio main, census of 2026-03-01: 60-89: 0.00 USD in the census, 500.00 USD on the accounts",
    }


# The bad states below are built directly in the tables, as a bug, a failed rollback or a hand
# edit would leave them; before the report read the items as stored, each of them was either
# missed or stopped the whole report.

BALANCE_OFF = (
    "balance 490.00 USD, opening 500.00 USD + ledger 0.00 USD (0 entries) = 500.00 USD; off by -10.00 USD"
)


def _raw_update(stack, account_id: str, expression: str, values: dict | None = None, names=None) -> None:
    arguments = {"TableName": stack.accounts_table, "Key": {"account_id": {"S": account_id}}}
    arguments["UpdateExpression"] = expression
    if values:
        arguments["ExpressionAttributeValues"] = values
    if names:
        arguments["ExpressionAttributeNames"] = names
    stack.client("dynamodb").update_item(**arguments)


def _raw_ledger_item(
    stack, account_id: str, entry_id: str, amount: str | None, currency: str, kind: str
) -> None:
    item = {
        "pk": {"S": account_id},
        "sk": {"S": f"2026-02-20#ledger#{entry_id}"},
        "kind": {"S": "ledger"},
        "occurred_on": {"S": "2026-02-20"},
        "actor": {"S": "test"},
        "currency": {"S": currency},
        "detail": {"S": json.dumps({"entry_kind": kind, "entry_id": entry_id})},
    }
    if amount is not None:
        item["amount"] = {"N": amount}
    stack.client("dynamodb").put_item(TableName=stack.activity_table, Item=item)


def _rows(portfolio: str | None = None) -> dict[tuple[str, str], list[str]]:
    rows: dict[tuple[str, str], list[str]] = {}
    for found in inconsistencies(portfolio):
        rows.setdefault((found["account_id"], found["problem"]), []).append(found["detail"])
    return rows


def test_an_orphaned_ledger_is_reported_after_its_account_is_deleted(stack):
    _card(stack, "INC-GONE")
    posting.post_ledger_entry(
        "INC-GONE", LedgerEntry("p1", EntryKind.PAYMENT, Money(-2_000, "USD"), date(2026, 2, 20)), "test"
    )
    # the payment the failed rollback left behind (10^126 minor units), then the lost account item
    _raw_ledger_item(stack, "INC-GONE", "p2", str(-(10**126)), "USD", "payment")
    assert _rows()[("INC-GONE", "balance_vs_ledger")] == [  # summed exactly, not in floats
        f"balance 480.00 USD, opening 500.00 USD + ledger -{10**124 + 20}.00 USD (2 entries) "
        f"= -{10**124 - 480}.00 USD; off by {10**124}.00 USD"
    ]
    AccountModel.get("INC-GONE").delete()

    orphan = f"2 ledger entries (-{10**124 + 20}.00 USD) under an account id with no account item"
    for portfolio in (None, "main", "another"):  # no account item says which portfolio it was in
        assert _rows(portfolio) == {("INC-GONE", "orphaned_ledger"): [orphan]}


def test_a_balance_off_its_ledger_is_reported_whatever_the_status_and_currency(stack):
    for status in Status:
        _card(stack, f"INC-{status.value}")
        _raw_update(
            stack,
            f"INC-{status.value}",
            "SET #status = :status, balance = :balance",
            {":status": {"S": status.value}, ":balance": {"N": "49000"}},
            {"#status": "status"},
        )
    for account_id, currency, balance in (("INC-JPY", "JPY", "49000"), ("INC-KWD", "KWD", "50001")):
        _card(stack, account_id)
        _raw_update(
            stack,
            account_id,
            "SET currency = :currency, balance = :balance",
            {":currency": {"S": currency}, ":balance": {"N": balance}},
        )
    _card(stack, "INC-FINE")  # a ledger that agrees: not reported
    posting.post_ledger_entry(
        "INC-FINE", LedgerEntry("f1", EntryKind.FEE, Money(2_500, "USD"), date(2026, 2, 20)), "test"
    )

    expected = {(f"INC-{s.value}", "balance_vs_ledger"): [BALANCE_OFF] for s in Status}
    expected[("INC-JPY", "balance_vs_ledger")] = [
        "balance 49000 JPY, opening 50000 JPY + ledger 0 JPY (0 entries) = 50000 JPY; off by -1000 JPY"
    ]
    expected[("INC-KWD", "balance_vs_ledger")] = [
        "balance 50.001 KWD, opening 50.000 KWD + ledger 0.000 KWD (0 entries) = 50.000 KWD; off by 0.001 KWD"
    ]
    assert _rows() == expected
    assert _rows("main") == expected


def test_entries_and_accounts_the_engine_cannot_read_are_reported_and_the_rest_still_is(stack):
    _card(stack, "INC-RULES")
    _raw_ledger_item(stack, "INC-RULES", "eur", "-1000", "EUR", "payment")  # not the account's currency
    _raw_ledger_item(stack, "INC-RULES", "half", "-250.5", "USD", "payment")  # not whole cents
    _raw_ledger_item(stack, "INC-RULES", "sign", "300", "USD", "payment")  # a payment adding to the debt
    _raw_ledger_item(stack, "INC-RULES", "kind", "-100", "USD", "gift")  # no such kind
    _raw_ledger_item(stack, "INC-RULES", "none", None, "USD", "payment")  # no amount
    _card(stack, "INC-CENTS")  # int() would have rounded this balance into agreement
    _raw_update(stack, "INC-CENTS", "SET balance = :b", {":b": {"N": "50000.4"}})
    _card(stack, "INC-STATUS")  # the engine cannot read it; the balance is still checked
    _raw_update(
        stack,
        "INC-STATUS",
        "SET #status = :bogus, balance = :b",
        {":bogus": {"S": "bogus"}, ":b": {"N": "49000"}},
        {"#status": "status"},
    )
    _card(stack, "INC-NOBAL")
    _raw_update(stack, "INC-NOBAL", "REMOVE balance")
    _card(stack, "INC-BAL")
    _raw_update(stack, "INC-BAL", "SET balance = :b", {":b": {"N": "49000"}})

    rows = _rows()
    assert rows[("INC-RULES", "ledger_entry_invalid")] == [
        "2026-02-20#ledger#eur: -10.00 EUR on an account kept in USD",
        "2026-02-20#ledger#half: -2.505 USD is not in whole minor units",
        "2026-02-20#ledger#kind: ValueError reading it",
        "2026-02-20#ledger#none: no readable amount",
        "2026-02-20#ledger#sign: a payment entry cannot be 3.00 USD",
    ]
    assert rows[("INC-RULES", "balance_vs_ledger")] == [
        "balance 500.00 USD, opening 500.00 USD + ledger -0.505 USD (3 entries, 2 not counted) "
        "= 499.495 USD; off by 0.505 USD"
    ]
    assert rows[("INC-CENTS", "balance_vs_ledger")] == [
        "balance 500.004 USD, opening 500.00 USD + ledger 0.00 USD (0 entries) = 500.00 USD; off by 0.004 USD"
    ]
    assert rows[("INC-STATUS", "balance_vs_ledger")] == [BALANCE_OFF]
    assert rows[("INC-STATUS", "account_unreadable")] == [
        "account INC-STATUS cannot be read: 'bogus' is not a valid Status"
    ]
    assert [d.split(";")[-1].strip() for d in rows[("INC-NOBAL", "account_unreadable")]] == [
        "no readable balance, opening balance or currency: balance not checked"
    ]
    assert rows[("INC-BAL", "balance_vs_ledger")] == [BALANCE_OFF]
    assert set(rows) == {
        ("INC-RULES", "ledger_entry_invalid"),
        ("INC-RULES", "balance_vs_ledger"),
        ("INC-CENTS", "balance_vs_ledger"),
        ("INC-STATUS", "balance_vs_ledger"),
        ("INC-STATUS", "account_unreadable"),
        ("INC-NOBAL", "account_unreadable"),
        ("INC-BAL", "balance_vs_ledger"),
    }


def _letter(account_id: str, profile: str) -> None:
    ActivityModel(
        account_id,
        f"2026-03-01#letter#{account_id}",
        kind="letter",
        occurred_on="2026-03-01",
        actor="test",
        status="sent",
        detail={"code": "first_notice", "holds": ["dispute"], "channel": "letter", "profile": profile},
    ).save()


def test_the_portfolio_filter_keeps_its_own_accounts_and_whatever_it_cannot_place(stack):
    _card(stack, "INC-MAIN")
    _card(stack, "INC-OTHER")
    _card(stack, "INC-NOWHERE")
    for account_id in ("INC-MAIN", "INC-OTHER", "INC-NOWHERE"):
        _raw_update(stack, account_id, "SET balance = :b", {":b": {"N": "49000"}})
    _raw_update(stack, "INC-OTHER", "SET portfolio = :p", {":p": {"S": "other"}})
    _raw_update(stack, "INC-NOWHERE", "REMOVE portfolio")  # cannot be placed: shown under any filter
    _letter("INC-OTHER", "us_first_party")
    held = ["first_notice sent while on a dispute hold"]

    assert _rows("main") == {
        ("INC-MAIN", "balance_vs_ledger"): [BALANCE_OFF],
        ("INC-NOWHERE", "balance_vs_ledger"): [BALANCE_OFF],
    }
    assert _rows("other") == {
        ("INC-OTHER", "balance_vs_ledger"): [BALANCE_OFF],
        ("INC-OTHER", "dunned_on_hold"): held,
        ("INC-NOWHERE", "balance_vs_ledger"): [BALANCE_OFF],
    }

    _letter("INC-MAIN", "no_such_profile")  # the compliance check cannot judge it and stops
    rows = _rows()
    assert rows[("", "check_failed")] == [
        "the compliance check stopped (KeyError): dunned_on_hold not checked"
    ]
    assert {key for key in rows if key[1] == "balance_vs_ledger"} == {
        ("INC-MAIN", "balance_vs_ledger"),
        ("INC-OTHER", "balance_vs_ledger"),
        ("INC-NOWHERE", "balance_vs_ledger"),
    }
