"""Letters that go out together: which must (the English validation notice beside a debt collector's
translated one), how they are put in one document, and the account as a letter shows it."""

import pytest
from arrears.domain.errors import InvalidInput
from arrears.domain.letters import LetterCode, companions, compose, masked_account


@pytest.mark.parametrize(
    "code,locale,third_party,expected",
    [
        (LetterCode.VALIDATION_NOTICE, "es-MX", True, ("en-US",)),
        (LetterCode.VALIDATION_NOTICE, "es_US", True, ("en-US",)),
        (LetterCode.VALIDATION_NOTICE, "en-US", True, ()),
        (LetterCode.VALIDATION_NOTICE, "es-US", False, ()),
        (LetterCode.FINAL_DEMAND, "es-US", True, ()),
    ],
)
def test_only_a_debt_collectors_translated_validation_notice_goes_with_the_english_one(
    code, locale, third_party, expected
):
    assert companions(code, locale, third_party) == expected


SPANISH = '<html lang="es"><head><link rel="stylesheet"></head><body><p>Aviso</p></body></html>'
ENGLISH = '<html lang="en"><head><style>x</style></head><body><p>Notice</p></body></html>'


def test_an_enclosed_letter_is_its_body_on_a_page_of_its_own_marked_with_its_language():
    assert compose(SPANISH, ENGLISH, ENGLISH.replace("Notice", "Again")) == (
        '<html lang="es"><head><link rel="stylesheet"></head><body><p>Aviso</p>'
        '<section class="enclosure" lang="en"><p>Notice</p></section>\n'
        '<section class="enclosure" lang="en"><p>Again</p></section>\n'
        "</body></html>"
    )


def test_a_letter_alone_is_unchanged():
    assert compose(SPANISH) == SPANISH


@pytest.mark.parametrize(
    "enclosed",
    [
        "<p>Notice</p>",
        '<html lang="en"><p>Notice</p></html>',  # no body
        "<html><body><p>Notice</p></body></html>",  # no language
    ],
)
def test_what_is_not_a_rendered_letter_is_not_enclosed(enclosed):
    with pytest.raises(InvalidInput) as refused:
        compose(SPANISH, enclosed)
    assert str(refused.value) == "a letter to enclose is not a rendered letter"


@pytest.mark.parametrize(
    "account_id,shown", [("A-B-C-D", "•••• ABCD"), ("A-B-C", "•••• -B-C"), ("US-L95", "•••• SL95")]
)
def test_a_letter_shows_the_last_four_letters_and_digits_of_the_account(account_id, shown):
    assert masked_account(account_id) == shown
