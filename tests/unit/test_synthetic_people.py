"""The simulator's made-up customers: import rows that validate, phones valid for their country,
emails nobody owns, the same people for the same seed, and the book unchanged by them."""

from __future__ import annotations

from collections import Counter
from datetime import date

import phonenumbers
import pytest
from arrears.domain.contact_values import ContactColumns
from arrears.domain.customer import Consent, PointKind, Source
from arrears.domain.intake import AccountRecord

from arrears_cli.synthetic import generate

START = date(2026, 1, 1)
RESERVED = ("example.com", "example.net", "example.org")


@pytest.fixture(scope="module")
def book():
    return generate(400, 11, START)


def test_every_row_validates_as_an_import_row_with_its_customer(book):
    records, people = book

    for record, person in zip(records, people, strict=True):
        row = AccountRecord.model_validate(record)
        customer = row.customer_of(Source.IMPORT, START)
        assert customer is not None and customer.customer_id == person.customer_id
        assert customer.name and len(customer.name.split()) >= 2
        postal = [p for p in customer.points if p.kind is PointKind.POSTAL]
        assert len(postal) == 1 and postal[0].value.country == record["jurisdiction"]
    columns = set(ContactColumns.model_fields)
    assert {k for r in records for k in r} >= columns - {"address_line3"}


def test_phones_are_valid_for_the_accounts_country_and_us_ones_are_fictional(book):
    records, _ = book
    phones = [(r["phone"], r["jurisdiction"]) for r in records if "phone" in r]

    assert len(phones) > 0.8 * len(records)
    for raw, country in phones:
        number = phonenumbers.parse(raw, country)
        assert phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == country
        if country == "US":  # 555-0100..0199: the range the North American plan keeps for fiction
            assert phonenumbers.national_significant_number(number)[3:8] == "55501"


def test_emails_are_at_reserved_domains_and_consent_is_about_sixty_percent(book):
    records, people = book
    emails = [r for r in records if "email" in r]
    consenting = [r for r in emails if r["email_consent"] == "yes"]

    assert all(r["email"].endswith(RESERVED) for r in emails)
    assert 0.5 < len(consenting) / len(records) < 0.7
    assert any(r["electronic_notices_consent"] == "yes" for r in consenting)
    assert any(r["email_is_employer"] == "yes" for r in emails)
    assert all(
        p.dead_mailbox <= ("email" in r and r["email_consent"] == "yes")
        for r, p in zip(records, people, strict=True)
    )


def test_each_market_has_its_own_people_and_some_contact_goes_bad(book):
    records, people = book
    countries = Counter(r["country"] for r in records)

    assert set(countries) == {"US", "MX", "PH"}
    assert all(r["country"] == r["jurisdiction"] for r in records)
    assert any("ñ" in r["name"] or "á" in r["name"] or "é" in r["name"] for r in records)  # es_MX names
    assert 0 < sum(p.moved_away for p in people) < len(people) / 5
    assert 0 < sum(p.dead_mailbox for p in people) < len(people) / 5
    row = AccountRecord.model_validate(next(r for r in records if r.get("sms_consent") == "yes"))
    phone = next(p for p in row.customer_of(Source.IMPORT, START).points if p.kind is PointKind.PHONE)
    assert phone.mobile and Consent.SMS in phone.consent


def test_the_same_seed_makes_the_same_people_and_the_book_is_the_one_without_them(book):
    records, people = book
    again, _ = generate(400, 11, START)
    bare, bare_people = generate(400, 11, START, people=False)

    assert again == records
    assert [{k: v for k, v in r.items() if k in b} for r, b in zip(records, bare, strict=True)] == bare
    assert [p.behaviour for p in people] == [p.behaviour for p in bare_people]
    assert not any("name" in r for r in bare)
    assert generate(400, 12, START)[0][0]["name"] != records[0]["name"]
