"""What the customer module decides about contact points beyond the basics of test_customer_rules:
the facts an operator sees of a point, which of two points is used, how a customer is reached when
only some consent is given, what a change leaves written, and how little a mask shows."""

from __future__ import annotations

from datetime import date

import pytest
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
    change_status,
    delivery_failed,
    facts_of,
    mailing_address,
    masked,
    reach,
    withdraw_consent,
)

ON = date(2026, 3, 2)
HOME = Address(("12 Elm St",), "Dayton", "OH", "45402", "US")


def _postal(pid: str, added: date | None, status=PointStatus.UNVERIFIED) -> ContactPoint:
    return ContactPoint(pid, PointKind.POSTAL, HOME, Source.IMPORT, status, added_on=added)


def _customer(*points: ContactPoint) -> Customer:
    return Customer("C-1", "Ana Ruiz", points=points, accounts=("A-1",))


def test_the_facts_of_a_point_are_everything_but_its_value():
    point = ContactPoint(
        "feed-email", PointKind.EMAIL, "ana@example.org", Source.FEED, PointStatus.VERIFIED,
        consent=frozenset({Consent.ELECTRONIC_NOTICES, Consent.EMAIL}), employer=True, mobile=False,
        added_on=date(2026, 1, 5), changed_on=ON, note="confirmed on a call",
        withdrawn=frozenset({Consent.SMS, Consent.CALLS_TO_MOBILE}),
    )  # fmt: skip
    assert facts_of(point) == {
        "point_id": "feed-email",
        "kind": "email",
        "source": "feed",
        "status": "verified",
        "consent": ["electronic_notices", "email"],
        "employer": True,
        "mobile": False,
        "added_on": "2026-01-05",
        "changed_on": "2026-03-02",
        "note": "confirmed on a call",
        "withdrawn": ["calls_to_mobile", "sms"],
    }


def test_the_facts_of_a_point_never_dated_say_so():
    phone = ContactPoint("t", PointKind.PHONE, None, Source.SKIPTRACE, mobile=True)
    facts = facts_of(phone)
    assert (facts["added_on"], facts["changed_on"], facts["mobile"], facts["consent"]) == (
        None,
        None,
        True,
        [],
    )


def test_of_two_unverified_addresses_the_most_recently_added_is_mailed_whatever_their_order():
    older, newer = _postal("p-old", date(2025, 1, 1)), _postal("p-new", date(2026, 1, 1))
    assert mailing_address(_customer(older, newer)).point_id == "p-new"
    assert mailing_address(_customer(newer, older)).point_id == "p-new"


def test_an_address_with_no_date_added_comes_after_a_dated_one():
    undated, dated = _postal("p-undated", None), _postal("p-dated", date(2020, 1, 1))
    assert mailing_address(_customer(undated, dated)).point_id == "p-dated"
    assert mailing_address(_customer(dated, undated)).point_id == "p-dated"


def test_consent_to_email_alone_reaches_by_email_but_not_for_notices():
    plain = ContactPoint("e", PointKind.EMAIL, "ana@example.org", Source.IMPORT, PointStatus.VERIFIED,
                         frozenset({Consent.EMAIL}))  # fmt: skip
    assert reach(_customer(plain)) == (Reach.EMAIL,)
    assert reach(_customer()) == ()


def test_a_change_without_a_note_leaves_none():
    customer = _customer(_postal("p", ON), ContactPoint("e", PointKind.EMAIL, "a@b.org", Source.IMPORT))
    assert change_status(customer, "p", PointStatus.VERIFIED, ON).point("p").note == ""
    assert delivery_failed(customer, "e", ON).point("e").note == ""
    assert delivery_failed(customer, "p", ON, "moved away").point("p").note == "moved away"


def test_a_failed_delivery_on_an_unknown_point_names_the_customer_and_the_point():
    with pytest.raises(ContactError) as refused:
        delivery_failed(_customer(_postal("p", ON)), "nope", ON)
    assert str(refused.value) == "customer C-1 has no contact point nope"


def test_an_opt_out_takes_back_the_consent_and_keeps_the_point_as_it_was():
    point = ContactPoint("e", PointKind.EMAIL, "a@b.org", Source.IMPORT, PointStatus.VERIFIED,
                         frozenset({Consent.EMAIL, Consent.ELECTRONIC_NOTICES}))  # fmt: skip
    other = ContactPoint("e2", PointKind.EMAIL, "c@d.org", Source.IMPORT, PointStatus.VERIFIED,
                         frozenset({Consent.EMAIL, Consent.ELECTRONIC_NOTICES}))  # fmt: skip
    after = withdraw_consent(
        _customer(point, other), "e", frozenset({Consent.ELECTRONIC_NOTICES}), ON, "opt-out link"
    )
    changed = after.point("e")
    assert (changed.consent, changed.withdrawn) == ({Consent.EMAIL}, {Consent.ELECTRONIC_NOTICES})
    assert (changed.status, changed.changed_on, changed.note) == (PointStatus.VERIFIED, ON, "opt-out link")
    assert after.point("e2") == other  # only the point opted out of changes
    unnoted = withdraw_consent(_customer(point), "e", frozenset({Consent.EMAIL}), ON).point("e")
    assert (unnoted.consent, unnoted.note) == ({Consent.ELECTRONIC_NOTICES}, "")
    with pytest.raises(ContactError, match="^customer C-1 has no contact point nope$"):
        withdraw_consent(_customer(point), "nope", frozenset({Consent.EMAIL}), ON)


@pytest.mark.parametrize(
    "value,shown",
    [
        # a sub-domain would name the employer: only the first character of the host and the
        # top-level domain after the last dot are shown
        ("pat@mail.acme-widgets.example", "p•••@m•••.example"),
        # a quoted local part may itself hold an @: the domain is what follows the last one
        ('"pat@home"@acme.example', '"•••@a•••.example'),
    ],
)
def test_a_masked_email_shows_one_character_of_each_side_and_the_top_level_domain(value, shown):
    assert masked(ContactPoint("e", PointKind.EMAIL, value, Source.IMPORT)) == shown
