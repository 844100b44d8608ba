"""Customers at rest: sealed field by field under the personal-data key, found by keyed hash,
and what a returned letter changes for the accounts."""

from __future__ import annotations

import json
from datetime import date

import pytest
from arrears.domain.contact_values import ContactColumns
from arrears.domain.customer import PointKind, PointStatus, Reach, Source
from arrears.domain.errors import CustomerNotFound
from arrears.services import customers
from arrears.store import customers_repo

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
    "phone": "(520) 555-0142",
}
PLAIN = ("Mariana", "Quintero", "Ocotillo", "85711", "mariana.quintero", "555-0142", "5205550142")


@pytest.fixture
def keys(stack):
    return stack.personal_data()


def _incoming(**changes):
    return ContactColumns.model_validate({**ROW, **changes}).customer("A-1", "US", Source.IMPORT, ON)


def test_a_scan_of_the_customers_table_shows_no_personal_value_and_the_operator_side_opens_them(cloud, keys):
    customers.record(keys, _incoming(), ON)
    raw = json.dumps(cloud.client("dynamodb").scan(TableName=keys.table)["Items"])
    assert not [value for value in PLAIN if value in raw]
    opened = customers.open_for_letter(keys, "C-1")
    assert opened.name == "Mariana Quintero Ybarra"
    assert {p.kind: p.value for p in opened.points}[PointKind.PHONE] == "+15205550142"
    assert {p.kind: p.value for p in opened.points}[PointKind.POSTAL].window_lines()[-2] == "Tucson, AZ 85711"


def test_a_ciphertext_moved_onto_another_customer_does_not_open(cloud, keys):
    customers.record(keys, _incoming(), ON)
    customers.record(keys, _incoming(customer_id="C-2", name="Someone Else"), ON)
    table = cloud.client("dynamodb")
    one = table.get_item(TableName=keys.table, Key={"pk": {"S": "customer#C-1"}, "sk": {"S": "profile"}})[
        "Item"
    ]
    table.update_item(
        TableName=keys.table,
        Key={"pk": {"S": "customer#C-2"}, "sk": {"S": "profile"}},
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": one["name"]},
    )
    with pytest.raises(customers_repo.personal_data.PersonalDataUnavailable):
        customers.open_for_letter(keys, "C-2")


def test_an_email_or_phone_finds_its_customer_by_keyed_hash(cloud, keys):
    saved = customers.record(keys, _incoming(), ON)
    phone = next(p for p in saved.points if p.kind is PointKind.PHONE)
    assert customers_repo.owners(keys, PointKind.PHONE, "+15205550142") == [("C-1", phone.point_id)]
    assert customers_repo.owners(keys, PointKind.EMAIL, "MARIANA.QUINTERO@example.org")[0][0] == "C-1"
    assert customers_repo.owners(keys, PointKind.PHONE, "+15205550143") == []


def test_the_same_address_sent_again_keeps_its_returned_mail_status_and_a_new_one_replaces_it(cloud, keys):
    saved = customers.record(keys, _incoming(), ON)
    postal = next(p for p in saved.points if p.kind is PointKind.POSTAL)
    customers_repo.update(keys, "C-1", lambda c: customers.rules.delivery_failed(c, postal.point_id, ON))
    again = customers.record(keys, _incoming(), ON)
    assert again.point(postal.point_id).status is PointStatus.RETURNED_MAIL
    assert Reach.POSTAL not in customers.rules.reach(again)
    moved = customers.record(keys, _incoming(address_line1="12 W Congress St"), ON)
    assert customers.rules.mailing_address(moved).point_id != postal.point_id
    assert len([p for p in moved.points if p.kind is PointKind.POSTAL]) == 2


def test_an_unknown_customer_is_not_found(cloud, keys):
    with pytest.raises(CustomerNotFound):
        customers.open_for_letter(keys, "C-404")


def test_an_accounts_reach_follows_its_customers_points(stack):
    from arrears.domain.account import Account, ProductType, shard_of
    from arrears.store import accounts_repo

    from tests.people import give_customer

    accounts_repo.create_account(
        Account("R-1", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", "America/New_York", "US",
                home_shard=shard_of("R-1", "main", stack.shard_count))
    )  # fmt: skip
    saved = give_customer(stack, "R-1", email="r1@example.org")
    assert accounts_repo.get_account("R-1").reach == ("postal", "email")
    assert accounts_repo.get_account("R-1").customer_id == "R-1"
    postal = customers.rules.mailing_address(saved)
    customers.delivery_failed(stack.personal_data(), "R-1", postal.point_id, ON, "returned by USPS")
    assert accounts_repo.get_account("R-1").reach == ("email",)
    assert customers.needs_tracing(accounts_repo.get_account("R-1"))
