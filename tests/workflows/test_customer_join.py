"""A new account joins a customer on record only as they stand; what the system of record sends
again of a customer it has (the employer flag, an address it replaced) keeps its meaning."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.contact_values import ContactColumns
from arrears.domain.customer import Customer, PointKind, PointStatus, Source
from arrears.services import customers
from arrears.store import accounts_repo, customers_repo

ON = date(2026, 3, 2)
ROW = {
    "customer_id": "C-1",
    "name": "Mariana Quintero Ybarra",
    "address_line1": "4417 Calle Ocotillo",
    "city": "Tucson",
    "region": "AZ",
    "postal_code": "85711",
    "email": "mariana.quintero@example.org",
    "email_consent": "yes",
}
PLAIN = ("Mariana", "Quintero", "Ocotillo", "85711", "mariana.quintero", "Eve", "eve.m")


@pytest.fixture
def keys(stack):
    return stack.personal_data()


def _account(stack, account_id: str) -> Account:
    return Account(
        account_id, "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", "America/Phoenix", "US",
        home_shard=shard_of(account_id, "main", stack.shard_count),
    )  # fmt: skip


def _incoming(account_id: str = "A-1", **changes: str) -> Customer | None:
    row = {k: v for k, v in {**ROW, **changes}.items() if v}
    return ContactColumns.model_validate(row).customer(account_id, "US", Source.IMPORT, ON)


def _open(stack, keys, account_id: str, **changes: str) -> Account:
    return customers.open_account(keys, _account(stack, account_id), _incoming(account_id, **changes), ON)


def _joined(account_id: str) -> list[dict]:
    return [
        dict(e.detail) for e in accounts_repo.timeline(account_id, kind=customers.JOINED, consistent=True)
    ]


def test_a_new_account_naming_a_customer_with_other_data_is_refused_and_the_customer_is_untouched(
    stack, keys
):
    _open(stack, keys, "A-1")
    before = customers_repo.get(keys, "C-1")

    with pytest.raises(customers.JoinRefused) as refused:
        _open(stack, keys, "A-2", name="Eve Mallory", email="eve.m@example.net")

    assert refused.value.field == "customer_id"
    assert "C-1" in refused.value.reason and "name, email" in refused.value.reason
    assert not [v for v in PLAIN if v in str(refused.value)]
    after = customers_repo.get(keys, "C-1")
    assert (after.name_hash, after.points, after.accounts) == (before.name_hash, before.points, ("A-1",))
    assert accounts_repo.get_accounts(["A-2"]) == []
    assert _joined("A-1") == []


@pytest.mark.parametrize(
    "changes",
    [{"name": "Mariana Q. Ybarra"}, {"address_line1": "12 W Congress St"}, {"phone": "(520) 555-0199"}],
)
def test_one_differing_value_is_enough_to_refuse(stack, keys, changes):
    _open(stack, keys, "A-1")
    with pytest.raises(customers.JoinRefused):
        _open(stack, keys, "A-2", **changes)


def test_the_same_customer_in_full_or_by_id_alone_joins_and_the_other_accounts_are_told(stack, keys):
    _open(stack, keys, "A-1")
    # spacing and case of the name are not another name
    same = _open(stack, keys, "A-2", name="  mariana  QUINTERO ybarra ")
    by_id = customers.open_account(keys, _account(stack, "A-3"), Customer("C-1", None, accounts=("A-3",)), ON)

    assert same.customer_id == by_id.customer_id == "C-1"
    assert same.reach == by_id.reach == accounts_repo.get_account("A-1").reach == ("postal", "email")
    assert customers_repo.get(keys, "C-1").accounts == ("A-1", "A-2", "A-3")
    assert _joined("A-1") == [{"account_id": "A-2"}, {"account_id": "A-3"}]
    assert _joined("A-2") == [{"account_id": "A-3"}]
    assert _joined("A-3") == []


def test_a_customer_id_alone_for_a_customer_not_on_record_is_refused(stack, keys):
    alone = Customer("C-NOBODY", None, accounts=("A-9",))
    with pytest.raises(customers.JoinRefused) as refused:
        customers.open_account(keys, _account(stack, "A-9"), alone, ON)
    assert str(refused.value) == "customer_id: no customer C-NOBODY; a new customer needs a name"
    assert customers_repo.find(keys, "C-NOBODY") is None
    assert accounts_repo.get_accounts(["A-9"]) == []


def _email(customer: Customer):
    return next(p for p in customer.points if p.kind is PointKind.EMAIL)


def test_the_employer_flag_is_set_by_a_row_and_cleared_by_no_row(stack, keys):
    _open(stack, keys, "A-1", email_is_employer="yes")
    # the same account's later rows: one without the column, one saying no
    customers.record(keys, _incoming("A-1"), ON)
    assert _email(customers_repo.get(keys, "C-1")).employer
    customers.record(keys, _incoming("A-1", email_is_employer="no"), ON)
    assert _email(customers_repo.get(keys, "C-1")).employer
    assert accounts_repo.get_account("A-1").reach == ("postal",)  # never emailed at the employer's


def test_an_address_the_system_of_record_replaced_and_sends_again_is_current_again(stack, keys):
    first = customers.rules.mailing_address(customers.record(keys, _incoming(), ON))
    moved = customers.record(keys, _incoming(address_line1="12 W Congress St"), ON)
    second = customers.rules.mailing_address(moved)
    assert moved.point(first.point_id).status is PointStatus.DO_NOT_USE

    later = date(2026, 4, 1)
    back = customers.record(keys, _incoming(), later)

    again = back.point(first.point_id)
    assert (again.status, again.changed_on) == (PointStatus.UNVERIFIED, later)
    assert "sent again by the import" in again.note and "unverified" in again.note
    assert back.point(second.point_id).status is PointStatus.DO_NOT_USE
    assert back.point(second.point_id).note == "replaced by the import on 2026-04-01"
    assert customers.rules.mailing_address(back).point_id == first.point_id


@pytest.mark.parametrize(
    "status", [PointStatus.RETURNED_MAIL, PointStatus.WRONG_PARTY, PointStatus.DO_NOT_USE]
)
def test_an_address_retired_for_any_other_reason_stays_retired(stack, keys, status):
    first = customers.rules.mailing_address(customers.record(keys, _incoming(), ON))
    customers_repo.update(
        keys, "C-1", lambda c: customers.rules.change_status(c, first.point_id, status, ON, "by mail")
    )

    again = customers.record(keys, _incoming(), date(2026, 4, 1))

    assert again.point(first.point_id).status is status
    assert customers.rules.mailing_address(again) is None
