"""Which contact point a letter, an email or a call may use, and what a failed delivery changes."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.contact_values import ContactColumns, email, phone
from arrears.domain.customer import (
    Address,
    Consent,
    ContactError,
    ContactPoint,
    Customer,
    PointKind,
    PointStatus,
    Reach,
    Source,
    add_point,
    change_status,
    delivery_failed,
    email_address,
    mailing_address,
    masked,
    phones,
    reach,
)
from arrears.domain.rows import FieldProblem
from pydantic import ValidationError

ON = date(2026, 3, 2)
HOME = Address(("12 Elm St",), "Dayton", "OH", "45402", "US")
OLD_HOME = Address(("9 Oak Ave",), "Dayton", "OH", "45403", "US")


def _postal(pid: str, status=PointStatus.UNVERIFIED, added=ON, value=HOME) -> ContactPoint:
    return ContactPoint(pid, PointKind.POSTAL, value, Source.IMPORT, status, added_on=added)


def _email(pid: str, consent=frozenset({Consent.EMAIL}), status=PointStatus.VERIFIED, employer=False):
    return ContactPoint(pid, PointKind.EMAIL, "ana@example.org", Source.IMPORT, status, consent, employer)


def _customer(*points: ContactPoint) -> Customer:
    return Customer("C-1", "Ana Ruiz", points=points, accounts=("A-1",))


def test_a_verified_address_goes_before_a_newer_unverified_one_and_a_returned_one_never():
    verified = _postal("p-old", PointStatus.VERIFIED, date(2025, 1, 1), OLD_HOME)
    newer = _postal("p-new", added=date(2026, 1, 1))
    assert mailing_address(_customer(newer, verified)).point_id == "p-old"
    assert mailing_address(_customer(newer, _postal("p-x", added=date(2025, 1, 1)))).point_id == "p-new"
    returned = _postal("p-r", PointStatus.RETURNED_MAIL)
    assert mailing_address(_customer(returned)) is None
    assert mailing_address(_customer(newer)) is not None


@pytest.mark.parametrize(
    "status", [PointStatus.WRONG_PARTY, PointStatus.DO_NOT_USE, PointStatus.RETURNED_MAIL]
)
def test_no_retired_address_is_mailed(status):
    assert mailing_address(_customer(_postal("p", status))) is None


def test_an_email_needs_verification_and_consent_and_is_never_the_employers():
    assert email_address(_customer(_email("e")), required_notice=False).point_id == "e"
    assert email_address(_customer(_email("e", status=PointStatus.UNVERIFIED)), required_notice=False) is None
    assert email_address(_customer(_email("e", consent=frozenset())), required_notice=False) is None
    assert email_address(_customer(_email("e", employer=True)), required_notice=False) is None
    assert email_address(_customer(_email("e", status=PointStatus.BOUNCED)), required_notice=False) is None


def test_a_notice_required_in_writing_goes_by_email_only_with_consent_to_electronic_notices():
    plain = _email("e")
    both = _email("e2", consent=frozenset({Consent.EMAIL, Consent.ELECTRONIC_NOTICES}))
    assert email_address(_customer(plain), required_notice=True) is None
    assert email_address(_customer(plain, both), required_notice=True).point_id == "e2"


def test_reach_says_how_the_customer_can_be_reached_and_loses_post_when_the_letter_comes_back():
    both = _email("e", consent=frozenset({Consent.EMAIL, Consent.ELECTRONIC_NOTICES}))
    phone_point = ContactPoint("t", PointKind.PHONE, "+15205550142", Source.IMPORT)
    customer = _customer(_postal("p"), both, phone_point)
    assert reach(customer) == (Reach.POSTAL, Reach.EMAIL, Reach.EMAIL_NOTICES, Reach.PHONE)
    after = delivery_failed(customer, "p", ON, "returned by the post office")
    assert after.point("p").status is PointStatus.RETURNED_MAIL
    assert after.point("p").changed_on == ON
    assert reach(after) == (Reach.EMAIL, Reach.EMAIL_NOTICES, Reach.PHONE)
    assert delivery_failed(customer, "e", ON).point("e").status is PointStatus.BOUNCED


def test_a_phone_cannot_come_back_as_mail_and_an_unknown_point_is_refused_by_id():
    customer = _customer(ContactPoint("t", PointKind.PHONE, "+15205550142", Source.IMPORT))
    with pytest.raises(ContactError, match="only mail returns or bounces"):
        delivery_failed(customer, "t", ON)
    with pytest.raises(ContactError, match="no contact point nope"):
        change_status(customer, "nope", PointStatus.VERIFIED, ON)


def test_a_retired_point_is_never_made_good_again_but_a_usable_one_can_be_retired():
    customer = _customer(_postal("p", PointStatus.RETURNED_MAIL), _postal("q"))
    with pytest.raises(ContactError, match="returned_mail"):
        change_status(customer, "p", PointStatus.VERIFIED, ON)
    assert change_status(customer, "q", PointStatus.VERIFIED, ON).point("q").status is PointStatus.VERIFIED
    retired = change_status(customer, "q", PointStatus.DO_NOT_USE, ON, "asked not to be written to")
    assert retired.point("q").note == "asked not to be written to"
    assert (
        change_status(retired, "p", PointStatus.WRONG_PARTY, ON).point("p").status is PointStatus.WRONG_PARTY
    )


def test_a_point_is_added_once():
    customer = _customer(_postal("p"))
    assert [p.point_id for p in add_point(customer, _postal("q")).points] == ["p", "q"]
    with pytest.raises(ContactError, match="already has"):
        add_point(customer, _postal("p"))


def test_phones_a_collector_may_dial_verified_first():
    unverified = ContactPoint("t1", PointKind.PHONE, "+15205550142", Source.IMPORT)
    verified = ContactPoint("t2", PointKind.PHONE, "+15205550143", Source.OPERATOR, PointStatus.VERIFIED)
    wrong = ContactPoint("t3", PointKind.PHONE, "+15205550144", Source.IMPORT, PointStatus.WRONG_PARTY)
    assert [p.point_id for p in phones(_customer(unverified, verified, wrong))] == ["t2", "t1"]


def test_masked_points_never_carry_enough_to_reach_the_customer():
    assert masked(_postal("p")) == "•••, US"
    assert masked(_email("e")) == "a•••@e•••.org"
    # the domain may name the employer: its first character and top-level domain only
    work = ContactPoint("w", PointKind.EMAIL, "pat.kim@acme-widgets.example", Source.IMPORT)
    assert masked(work) == "p•••@a•••.example"
    assert masked(ContactPoint("x", PointKind.EMAIL, "pat@localhost", Source.IMPORT)) == "p•••@l•••"
    assert masked(ContactPoint("t", PointKind.PHONE, "+15205550142", Source.IMPORT)) == "•••• 42"
    assert masked(ContactPoint("t", PointKind.PHONE, None, Source.IMPORT)) == "•••"


def test_the_window_lines_of_an_address():
    assert HOME.window_lines() == ("12 Elm St", "Dayton, OH 45402", "US")
    assert Address(("Calle 5 #12",), "Ciudad de México", "", "06700", "MX").window_lines() == (
        "Calle 5 #12",
        "Ciudad de México 06700",
        "MX",
    )


def test_emails_and_phones_are_normalised_and_refused_without_echoing_them():
    assert email("Ana.Ruiz@Example.ORG ") == "Ana.Ruiz@example.org"
    with pytest.raises(ValueError, match="^email is not a valid email address$"):
        email("ana.ruiz@@example")
    assert phone("(520) 555-0142", "US") == ("+15205550142", True)  # US numbers may be mobiles
    assert phone("+52 55 1234 5678", "US")[0] == "+525512345678"
    with pytest.raises(ValueError) as refused:
        phone("555-0142-99999", "US")
    assert "0142" not in str(refused.value)


ROW = {
    "name": "Ana Ruiz",
    "address_line1": "12 Elm St",
    "city": "Dayton",
    "region": "OH",
    "postal_code": "45402",
}


def test_a_rows_columns_make_its_customer_with_consent_only_where_given():
    columns = ContactColumns.model_validate(
        {
            **ROW,
            "email": "ana@example.org",
            "email_consent": "yes",
            "phone": "5205550142",
            "sms_consent": "no",
        }
    )
    customer = columns.customer("A-1", "US", Source.FEED, ON)
    kinds = {p.kind: p for p in customer.points}
    assert customer.customer_id == "A-1" and customer.name == "Ana Ruiz"
    assert kinds[PointKind.POSTAL].value == HOME
    assert kinds[PointKind.EMAIL].consent == frozenset({Consent.EMAIL})
    assert kinds[PointKind.EMAIL].status is PointStatus.VERIFIED
    assert kinds[PointKind.PHONE].consent == frozenset()
    assert {p.source for p in customer.points} == {Source.FEED}
    unconsented = ContactColumns.model_validate({**ROW, "email": "ana@example.org"})
    email_point = next(
        p for p in unconsented.customer("A-1", "US", Source.FEED, ON).points if p.kind is PointKind.EMAIL
    )
    assert email_point.status is PointStatus.UNVERIFIED and email_point.consent == frozenset()
    assert ContactColumns().customer("A-1", "US", Source.FEED, ON) is None


def test_electronic_notice_consent_counts_only_with_consent_to_email():
    columns = ContactColumns.model_validate({"email": "ana@example.org", "electronic_notices_consent": "yes"})
    point = columns.customer("A-1", "US", Source.IMPORT, ON).points[0]
    assert point.consent == frozenset()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"address_line1": "12 Elm St"}, "address_line1"),
        ({"city": "Dayton"}, "address_line1"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_an_incomplete_address_or_a_bad_phone_is_a_problem_of_its_field(row, field):
    with pytest.raises(FieldProblem) as problem:
        ContactColumns.model_validate(row).contact_problem("US")
    assert problem.value.field == field


def test_consent_is_yes_or_no_and_text_is_bounded_and_printable():
    with pytest.raises(ValidationError, match="email_consent is yes or no"):
        ContactColumns.model_validate({"email_consent": "maybe"})
    with pytest.raises(ValidationError, match="control characters"):
        ContactColumns.model_validate({"name": "Ana\x07Ruiz"})
    with pytest.raises(ValidationError, match="at most 140"):
        ContactColumns.model_validate({"name": "A" * 141})
    assert ContactColumns.model_validate({"name": "  Ana   Ruiz "}).name == "Ana Ruiz"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("field", ["name", "address_line1", "city", "region"])
def test_a_value_a_spreadsheet_would_run_as_a_formula_is_refused(field, start):
    with pytest.raises(ValidationError, match=f"{field} may not begin with"):
        ContactColumns.model_validate({field: f'{start}HYPERLINK("http://evil.example")'})
    assert ContactColumns.model_validate({field: "O'Brien-Smith"}).model_dump()[field] == "O'Brien-Smith"


@pytest.mark.parametrize("blank", ["\u3164", "\u2800\u2800", "- .", "12"])
def test_a_name_without_a_letter_is_refused(blank):
    with pytest.raises(ValidationError, match="name"):
        ContactColumns.model_validate({"name": blank})
    assert ContactColumns.model_validate({"name": "Ng"}).name == "Ng"


def test_a_country_is_a_real_iso_code():
    with pytest.raises(ValidationError, match="not an ISO 3166"):
        ContactColumns.model_validate({"country": "ZZ"})
    assert ContactColumns.model_validate({"country": "MX"}).country == "MX"


def test_a_line_separator_inside_a_field_does_not_split_its_row():
    from arrears.domain.rows import read_rows

    csv_text = 'account_id,name\r\nA-1,"Ana\u2028Ruiz"\r\nA-2,Bo\x85b\n'
    assert [(n, r["account_id"]) for n, r in read_rows(csv_text, json_lines=False)] == [
        (2, "A-1"),
        (3, "A-2"),
    ]
    jsonl = '{"name": "Ana\u2028Ruiz"}\n{"name": "Bo"}\n'
    assert [n for n, _ in read_rows(jsonl, json_lines=True)] == [1, 2]
