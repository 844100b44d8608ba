"""Letters under a hold (issue 19, item 7): only the letters a hold allows go, and they ask for
nothing; and a debt collector's charge-off notice says the creditor charged the account off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, Hold, check
from arrears.domain.ledger import Due
from arrears.domain.letters import Addressee, Creditor, LetterCode, render
from arrears.domain.strategy import load_strategies
from arrears.services.letter_context import preview

from arrears_cli.letter_samples import sample_context
from tests.unit.test_letters import text_of

NOON = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("America/New_York"))
STRATEGIES = load_strategies()

# the words that invite or demand payment, per language
DEMAND = {
    "en": (
        "you can pay", "you can still pay", "keep paying", "keep making your payments", "you still owe",
        "call us to agree", "remains to be paid",
    ),
    "es": (
        "puede pagar", "puede seguir pagando", "seguir realizando sus pagos", "sigue pendiente",
        "llámenos para acordar", "falta cubrir",
    ),
}  # fmt: skip
NOT_A_REQUEST = {"en": "It is not a request for payment.", "es": "No es una solicitud de pago."}


def _text(code: LetterCode, locale: str, holds: tuple[str, ...] = (), **extra: object) -> str:
    context = sample_context(code, locale)
    context = replace(context, holds=holds, extra={**context.extra, **extra})
    return text_of(render(context)).lower()


@pytest.mark.parametrize("locale", ["en-US", "es-US", "es-MX"])
@pytest.mark.parametrize("hold", ["dispute", "fraud"])
def test_a_payment_receipt_under_a_hold_confirms_the_payment_and_invites_none(locale, hold):
    text = _text(LetterCode.PAYMENT_RECEIVED, locale, (hold,))
    language = locale[:2]
    assert not [words for words in DEMAND[language] if words in text]
    assert NOT_A_REQUEST[language].lower() in text


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_a_payment_receipt_without_a_hold_still_tells_what_remains_past_due(locale):
    text = _text(LetterCode.PAYMENT_RECEIVED, locale)
    assert any(words in text for words in DEMAND[locale[:2]])


@pytest.mark.parametrize("locale", ["en-US", "es-US", "es-MX"])
@pytest.mark.parametrize("action", ["freeze", "close"])
@pytest.mark.parametrize("hold", ["bankruptcy", "deceased", "cease_communication", "dispute"])
def test_a_credit_line_letter_under_a_hold_says_nothing_of_paying(locale, action, hold):
    text = _text(LetterCode.CREDIT_LINE_CHANGE, locale, (hold,), action=action)
    language = locale[:2]
    assert not [words for words in DEMAND[language] if words in text]
    assert NOT_A_REQUEST[language].lower() in text


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_a_closed_line_without_a_hold_still_says_the_balance_is_owed(locale):
    text = _text(LetterCode.CREDIT_LINE_CHANGE, locale, action="close")
    assert any(words in text for words in DEMAND[locale[:2]])


@pytest.mark.parametrize("hold", [Hold.CEASE_COMMUNICATION, Hold.BANKRUPTCY, Hold.DECEASED, Hold.DISPUTE])
def test_no_charge_off_notice_goes_under_a_hold_that_stops_collection(hold):
    # §1006.6(c)(2) lets a cease request be answered only that efforts end or a remedy may follow
    contact = Contact(Channel.LETTER, LetterCode.CHARGE_OFF_NOTICE, NOON)
    decision = check(contact, ContactHistory(holds=frozenset({hold})), PROFILES["us_first_party"])
    assert not decision.allowed
    assert decision.rule == f"hold:{hold}"


@pytest.mark.parametrize("hold", [Hold.CEASE_COMMUNICATION, Hold.BANKRUPTCY, Hold.DECEASED, Hold.DISPUTE])
def test_the_owed_credit_line_notice_still_goes_under_any_hold(hold):
    contact = Contact(Channel.LETTER, LetterCode.CREDIT_LINE_CHANGE, NOON)
    assert check(contact, ContactHistory(holds=frozenset({hold})), PROFILES["us_first_party"]).allowed


@pytest.mark.parametrize("locale", ["en-US", "es-US", "es-MX"])
def test_a_charge_off_notice_under_a_hold_invites_no_payment(locale):
    text = _text(LetterCode.CHARGE_OFF_NOTICE, locale, ("legal",))
    assert not [words for words in DEMAND[locale[:2]] if words in text]


def _agency(locale: str) -> str:
    context = sample_context(LetterCode.CHARGE_OFF_NOTICE, locale)
    creditor = Creditor(**STRATEGIES["agency_loan_us"].creditor.for_letter(locale))
    return text_of(render(replace(context, creditor=creditor, third_party=True))).lower()


def test_the_agencys_charge_off_notice_says_the_creditor_charged_it_off():
    text = _agency("en-US")
    assert "we charged off" not in text and "our books" not in text
    assert "the creditor of your account" in text and "charged it off" in text
    assert "loss in its books" in text


def test_the_agencys_spanish_charge_off_notice_says_the_creditor_charged_it_off():
    text = _agency("es-US")
    assert "registramos" not in text and "nuestros libros" not in text
    assert "el acreedor de su cuenta" in text and "libros del acreedor" in text


def test_a_creditors_own_charge_off_notice_still_says_we():
    assert "we charged off" in text_of(render(sample_context(LetterCode.CHARGE_OFF_NOTICE, "en-US"))).lower()


def test_the_letter_context_carries_the_holds_that_stop_collection_not_scra():
    account = Account(
        "7701539917", "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 20), 5000),),
        "en-US", "America/New_York", "US", home_shard="main#000",
    )  # fmt: skip
    held = replace(account, holds=(Hold.SCRA, Hold.BANKRUPTCY))
    context = preview(held, LetterCode.FIRST_REMINDER, date(2026, 3, 2), Addressee("A. Person"))
    assert context.holds == ("bankruptcy",) and context.demand_withheld and not context.third_party
    scra = preview(
        replace(account, holds=(Hold.SCRA,)), LetterCode.FIRST_REMINDER, date(2026, 3, 2), Addressee("A")
    )
    assert scra.holds == () and not scra.demand_withheld


def test_the_letter_context_of_an_agency_placed_account_is_a_third_partys():
    account = Account(
        "7701539917", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
        (Due(date(2026, 2, 20), 5000),), "en-US", "America/New_York", "US", home_shard="main#000",
        placement="agency",
    )  # fmt: skip
    context = preview(account, LetterCode.CHARGE_OFF_NOTICE, date(2026, 3, 2), Addressee("A. Person"))
    assert context.third_party
