"""What the letters say, as the customer reads it: words of the customer's own variety of the
language, the creditor's opening hours in the letter's language, a reference that shows no more of
the account than the account line; and the Philippines' rules cited for what they govern."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.ledger import Due
from arrears.domain.letters import (
    REFERENCE_CODES,
    SUPPORTED_LOCALES,
    Addressee,
    Creditor,
    LetterCode,
    letter_reference,
    masked_account,
    render,
)
from arrears.domain.strategy import load_strategies
from arrears.services.letter_context import preview

from arrears_cli.letter_samples import ACCOUNT_ID, SENT_ON, sample_context
from tests.unit.test_letters import text_of

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = load_strategies()


def _text(code: LetterCode, locale: str, strategy: str | None = None) -> str:
    context = sample_context(code, locale)
    if strategy is not None:  # the creditor as the strategy's letters present it
        creditor = Creditor(**STRATEGIES[strategy].creditor.for_letter(locale))
        # a Mexican agreement's terms name the account to pay into, which only a Mexican creditor has
        terms = context.agreement_terms if creditor.payment_account else None
        context = replace(context, creditor=creditor, agreement_terms=terms)
    return text_of(render(context))


# --- the reference -------------------------------------------------------------------------------


def test_the_reference_shows_the_account_as_the_account_line_does_with_the_day_and_the_letter():
    reference = letter_reference("7701530042", date(2025, 3, 14), LetterCode.VALIDATION_NOTICE)
    assert reference == "0042-20250314-VN"
    assert masked_account("7701530042") == "•••• 0042"


def test_the_account_line_and_reference_show_letters_and_digits_never_a_separator():
    assert masked_account("US-L95") == "•••• SL95"
    assert letter_reference("US-L95", date(2026, 1, 16), LetterCode.VALIDATION_NOTICE) == "SL95-20260116-VN"
    assert masked_account("ACC-19-000976") == "•••• 0976"
    assert masked_account("A-1") == "•••• A-1"  # too few to pick from: as the id ends


def test_every_letter_code_has_its_own_short_code_in_references():
    assert set(REFERENCE_CODES) == set(LetterCode)
    assert len(set(REFERENCE_CODES.values())) == len(LetterCode)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("code", list(LetterCode))
def test_no_letter_prints_the_full_account_id(code, locale):
    # Given a letter to an account whose id the letter must not print; when it is rendered
    text = _text(code, locale)
    # then the customer reads its reference and its last four characters, never the whole id
    assert ACCOUNT_ID not in text
    assert f"{ACCOUNT_ID[-4:]}-{SENT_ON:%Y%m%d}-{REFERENCE_CODES[code]}" in text


def test_two_letters_to_one_account_on_different_days_or_of_different_codes_differ():
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    references = {letter_reference("A-1", day, code) for day in (monday, tuesday) for code in LetterCode}
    assert len(references) == 2 * len(LetterCode)


def test_a_preview_prints_the_reference_the_letter_would_carry_marked_as_a_preview():
    account = Account(
        "7701539917", "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 20), 5000),),
        "en-US", "America/New_York", "US", home_shard="main#000",
    )  # fmt: skip
    context = preview(account, LetterCode.FIRST_REMINDER, date(2026, 3, 2), Addressee("A. Person"))
    assert context.reference == "PREVIEW 9917-20260302-R1"
    assert account.account_id not in text_of(render(context))


# --- the customer's own words ----------------------------------------------------------------


def test_a_us_spanish_charge_off_notice_says_cancelacion_contable_not_the_mexican_castigo():
    us = _text(LetterCode.CHARGE_OFF_NOTICE, "es-US")
    assert "Aviso de cancelación contable de su cuenta (charge-off)" in us
    assert "registramos la cancelación contable de su cuenta •••• 0042 (en inglés, «charge-off»)" in us
    assert "No cancela ni perdona la deuda. El saldo sigue siendo adeudado." in us
    assert "ni adelantos de efectivo" in us
    assert "castigo" not in us.lower()
    # Mexico keeps its own word
    mexico = _text(LetterCode.CHARGE_OFF_NOTICE, "es-MX")
    assert "registramos el castigo de su cuenta" in mexico and "cancelación contable" not in mexico


@pytest.mark.parametrize("strategy", ["credit_card_us", "personal_loan_us", "agency_loan_us"])
def test_us_spanish_letters_give_the_opening_hours_in_spanish(strategy):
    text = _text(LetterCode.FIRST_REMINDER, "es-US", strategy)
    assert "(lunes a viernes de 8:00 a 20:00, hora del Este)" in text


_ENGLISH_HOURS = re.compile(
    r"\b(Mon|Tue|Tues|Wed|Wednes|Thu|Thurs|Fri|Sat|Satur|Sun)(day)?\b|\bET\b|\bPHT\b|[ap]\.m\.|\btime\)"
)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
@pytest.mark.parametrize("code", list(LetterCode))
def test_no_spanish_letter_of_any_strategy_gives_its_hours_in_english(strategy, code):
    for locale in ("es-US", "es-MX"):
        assert not _ENGLISH_HOURS.search(_text(code, locale, strategy)), (strategy, code, locale)


@pytest.mark.parametrize("locale", ["en-US", "en-PH"])
def test_english_letters_agree_to_an_arrangement_as_us_english_says_it(locale):
    arrangement = _text(LetterCode.ARRANGEMENT_CONFIRMATION, locale)
    assert "Thank you for agreeing to a payment arrangement" in arrangement
    assert "This letter confirms the payments we agreed on:" in arrangement
    settlement = _text(LetterCode.SETTLEMENT_AGREEMENT, locale)
    assert "This letter confirms the settlement we agreed on for your account" in settlement
    for text in (arrangement, settlement):
        assert not re.search(r"\bagree(d|ing)? (a|the)\b|we agreed[:.]| we agreed for\b", text), text


# --- the Philippines' sources ----------------------------------------------------------------

BSP_CARDS = "BSP Circular No. 454"
SEC_LENDERS = "SEC Memorandum Circular No. 18, s. 2019"


def _hours_rule() -> str:
    rules = (ROOT / "docs" / "compliance.md").read_text().splitlines()
    (row,) = [line for line in rules if line.startswith("| `hours`")]
    return row


def test_the_hours_rule_cites_the_philippine_collection_conduct_rules_not_the_interest_ceilings():
    row = _hours_rule()
    assert BSP_CARDS in row and SEC_LENDERS in row
    assert "1133" not in row


@pytest.mark.parametrize(
    "file,source", [("consumer_credit_ph.yaml", BSP_CARDS), ("personal_loan_ph.yaml", SEC_LENDERS)]
)
def test_each_philippine_strategy_names_the_conduct_rule_of_its_lender(file, source):
    header = (ROOT / "strategies" / file).read_text().split("\nname:")[0]
    conduct = " ".join(header.replace("#", " ").split())
    assert f"Collection conduct: {source}" in conduct
    assert "BSP Circular 1133)" not in conduct and "(BSP Circular 1133" not in conduct
