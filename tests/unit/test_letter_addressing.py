"""How a letter is addressed and keyed: the envelope window line by line, the masked addressee, the
letter language of a locale, an owed notice as the operator's tools show it."""

import pytest
from arrears.domain.customer import Address
from arrears.domain.errors import InvalidInput
from arrears.domain.letters import (
    MASK,
    Addressee,
    LetterCode,
    OwedNotice,
    addressee,
    language_of,
    mask_personal,
    masked_addressee,
)

DAYTON = Address(("12 Elm St",), "Dayton", "OH", "45402", "US")
MANILA = Address(("12 Mabini St",), "Manila", "Metro Manila", "1000", "PH")


def test_a_domestic_us_envelope_ends_with_city_state_and_zip():
    assert addressee("Ann Lee", DAYTON, "US") == Addressee("Ann Lee", ("12 Elm St", "Dayton, OH 45402"))


def test_a_philippine_envelope_puts_the_postal_code_before_the_city_and_no_country_at_home():
    assert addressee("Jose Cruz", MANILA, "PH") == Addressee(
        "Jose Cruz", ("12 Mabini St", "1000 Manila, Metro Manila")
    )


def test_mail_abroad_ends_with_the_country_in_capitals():
    assert addressee("Jose Cruz", MANILA, "US").window[-1] == "PHILIPPINES"


def test_a_country_babel_does_not_name_is_printed_as_its_code():
    abroad = Address(("1 Main St",), "Somewhere", "", "99999", "QQ")
    assert addressee("Ann Lee", abroad, "US").window[-1] == "QQ"


def test_the_masked_addressee_shows_the_hint_and_nothing_else():
    assert masked_addressee("postal address on file") == Addressee(MASK, ("postal address on file",))
    assert masked_addressee(None) == Addressee(MASK, ())
    assert masked_addressee("") == Addressee(MASK, ())


def test_every_personal_value_is_masked_and_counted():
    html = '<p>Dear <span data-personal>Ann Lee</span>, <span class="x" data-personal>12 Elm St</span></p>'
    assert mask_personal(html) == (
        f'<p>Dear <span data-personal>{MASK}</span>, <span class="x" data-personal>{MASK}</span></p>',
        2,
    )


@pytest.mark.parametrize("locale,language", [("es_MX", "es"), ("en-PH", "en"), ("ES-us", "es"), ("en", "en")])
def test_the_letter_language_of_a_locale(locale, language):
    assert language_of(locale) == language


def test_a_locale_without_letters_is_refused_and_named():
    with pytest.raises(InvalidInput) as refused:
        language_of("fr_CA")
    assert str(refused.value) == "no letters in the language of fr_CA"


def test_an_owed_notice_as_stored_and_shown():
    notice = OwedNotice(LetterCode.CHARGE_OFF_NOTICE, "charge_off_notice@2026-07-20", (("dpd", 186),))
    assert notice.to_dict() == {
        "code": "charge_off_notice",
        "trigger": "charge_off_notice@2026-07-20",
        "extra": {"dpd": 186},
    }
