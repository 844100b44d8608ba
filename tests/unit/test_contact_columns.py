"""The customer columns of an import or feed row, as an operator reads their refusals and as the
customer's contact points come out of them (test_customer_rules holds the basics)."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.contact_values import ContactColumns, email, lookup_form, phone, printable
from arrears.domain.customer import Address, Consent, PointKind, PointStatus, Source
from arrears.domain.rows import FieldProblem

ON = date(2026, 3, 2)
ADDRESS = {"address_line1": "12 Elm St", "city": "Dayton", "region": "OH", "postal_code": "45402"}


# --- printable text --------------------------------------------------------------------------------


@pytest.mark.parametrize("length,taken", [(9, True), (10, True), (11, False)])
def test_text_is_taken_up_to_its_longest_and_refused_one_character_beyond(length, taken):
    if taken:
        assert printable("a" * length, "city", 10) == "a" * length
    else:
        with pytest.raises(ValueError, match="^city is longer than 10 characters$"):
            printable("a" * length, "city", 10)


def test_a_formula_start_is_refused_naming_every_character_refused():
    with pytest.raises(ValueError, match="^region may not begin with =, \\+, -, @$"):
        printable("=SUM(A1)", "region", 60)


def test_a_name_without_a_letter_says_so():
    with pytest.raises(ValueError, match="^name has no letter$"):
        printable("\u3164", "name", 140, a_name=True)
    assert printable("\u3164", "city", 140) == "\u3164"  # only a name must have a letter


def test_a_letter_unicode_gives_no_name_is_still_a_letter():
    # Tangut ideographs are letters (Lo) that Python's unicodedata names none of: still printed
    assert printable("\U00017000", "name", 140, a_name=True) == "\U00017000"


def test_a_one_line_value_refuses_a_line_break_and_another_folds_it():
    with pytest.raises(ValueError, match="^original_creditor is one line: no line breaks$"):
        printable("Bank of\nRockville", "original_creditor", 140, one_line=True)
    assert printable("Bank of\nRockville", "city", 140) == "Bank of Rockville"


# --- email and phone ---------------------------------------------------------------------------------


def test_an_email_with_a_local_part_beyond_ascii_is_refused():
    # a mail system without SMTPUTF8 could not deliver it: refused rather than bounced later
    with pytest.raises(ValueError, match="^email is not a valid email address$"):
        email("josé@example.org")
    assert email("jose@example.org") == "jose@example.org"


def test_a_number_is_refused_naming_the_country_it_was_dialled_in():
    with pytest.raises(ValueError, match="^phone is not a valid number for MX$"):
        phone("+52 55 1234", "US")  # a Mexican number, too short
    with pytest.raises(ValueError, match="^phone is not a valid number for US$"):
        phone("12", "US")
    with pytest.raises(ValueError, match="^phone is not a phone number$"):
        phone("+52 1", "MX")


def test_an_email_is_looked_up_lower_cased_and_a_phone_as_written():
    assert lookup_form(PointKind.EMAIL, "Ana.Ruiz@Example.ORG") == "ana.ruiz@example.org"
    assert lookup_form(PointKind.PHONE, "+15205550142") == "+15205550142"


# --- yes/no flags -------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["", None, "no", "N", "false", "0", False])
def test_a_blank_or_no_flag_gives_no_consent(written):
    assert ContactColumns.model_validate({"sms_consent": written}).sms_consent is False


@pytest.mark.parametrize("written", ["yes", "Y", "true", "1", "sí", "SI", True])
def test_a_yes_flag_gives_consent(written):
    assert ContactColumns.model_validate({"sms_consent": written}).sms_consent is True


# --- the row's problems, as the import report names them ---------------------------------------------


def _problem(row: dict, jurisdiction: str = "US") -> tuple[str, str]:
    with pytest.raises(FieldProblem) as refused:
        ContactColumns.model_validate(row).contact_problem(jurisdiction)
    return refused.value.field, refused.value.reason


@pytest.mark.parametrize(
    "row",
    [
        {"address_line1": "12 Elm St"},
        {"address_line1": "12 Elm St", "city": "Dayton"},
        {"address_line1": "12 Elm St", "postal_code": "45402"},
    ],
)
def test_an_address_needs_both_its_city_and_postal_code(row):
    assert _problem(row) == ("address_line1", "address_line1 needs city and postal_code")


@pytest.mark.parametrize("row", [{"city": "Dayton"}, {"postal_code": "45402"}])
def test_a_city_or_postal_code_without_a_street_line_is_refused(row):
    assert _problem(row) == ("address_line1", "a city or postal_code needs address_line1")


def test_a_bad_phone_is_a_problem_of_the_phone_column_in_the_row_s_country():
    assert _problem({"phone": "12"}) == ("phone", "is not a valid number for US")
    assert _problem({"phone": "+52 1"}, "MX") == ("phone", "is not a phone number")


def test_a_complete_row_has_no_problem():
    ContactColumns.model_validate({**ADDRESS, "phone": "5205550142"}).contact_problem("US")


# --- the points and the customer a row makes ----------------------------------------------------------


def test_an_address_is_kept_as_the_envelope_prints_it():
    columns = ContactColumns.model_validate(
        {"address_line1": "1 High St", "address_line2": "Flat 2", "city": "London", "postal_code": "sw1a 1aa"}
    )
    assert columns.address("MX") == Address(("1 High St", "Flat 2"), "London", "", "SW1A 1AA", "MX")
    assert ContactColumns.model_validate({**ADDRESS, "country": "US"}).address("MX").country == "US"


def test_every_point_of_a_row_is_named_by_its_source_and_dated_the_day_it_arrived():
    columns = ContactColumns.model_validate(
        {
            **ADDRESS,
            "email": "ana@example.org",
            "email_consent": "yes",
            "electronic_notices_consent": "yes",
            "email_is_employer": "yes",
            "phone": "(520) 555-0142",
            "sms_consent": "yes",
            "mobile_calls_consent": "yes",
        }
    )
    postal, mail, dial = columns.points("US", Source.FEED, ON)
    assert (postal.point_id, postal.kind, postal.added_on) == ("feed-postal", PointKind.POSTAL, ON)
    assert (mail.point_id, mail.value, mail.added_on) == ("feed-email", "ana@example.org", ON)
    assert mail.consent == {Consent.EMAIL, Consent.ELECTRONIC_NOTICES}
    assert (mail.status, mail.employer) == (PointStatus.VERIFIED, True)
    assert (dial.point_id, dial.value, dial.added_on, dial.mobile) == ("feed-phone", "+15205550142", ON, True)
    assert dial.consent == {Consent.SMS, Consent.CALLS_TO_MOBILE}


def test_an_email_not_said_to_be_the_employers_is_not():
    (mail,) = ContactColumns.model_validate({"email": "ana@example.org"}).points("US", Source.IMPORT, ON)
    assert mail.employer is False


def test_consent_to_calls_on_a_mobile_alone_gives_no_consent_to_texts():
    columns = ContactColumns.model_validate({"phone": "(520) 555-0142", "mobile_calls_consent": "yes"})
    (dial,) = columns.points("US", Source.IMPORT, ON)
    assert dial.consent == {Consent.CALLS_TO_MOBILE}


def test_the_customer_of_a_row_speaks_its_language_and_holds_its_account():
    columns = ContactColumns.model_validate({**ADDRESS, "name": "Ana Ruiz", "language": "es"})
    customer = columns.customer("A-1", "US", Source.IMPORT, ON)
    assert (customer.customer_id, customer.language, customer.accounts) == ("A-1", "es", ("A-1",))
    assert customer.points[0].added_on == ON
    named = ContactColumns.model_validate({"customer_id": "C-9", "name": "Ana Ruiz"})
    assert named.customer("A-1", "US", Source.IMPORT, ON).customer_id == "C-9"
