"""Money is integer minor units with a currency; parsing refuses what the currency cannot hold."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from arrears.domain.errors import CurrencyMismatch, InvalidInput
from arrears.domain.money import Money, minor_digits
from hypothesis import given
from hypothesis import strategies as st

currencies = st.sampled_from(["USD", "MXN", "PHP", "JPY", "KWD", "EUR"])


@given(currencies, st.integers(min_value=-(10**15), max_value=10**15))
def test_parsing_the_decimal_form_gives_back_the_same_minor_units(currency, minor):
    money = Money(minor, currency)
    assert Money.parse(str(money.to_decimal()), currency) == money


@given(currencies, st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12))
def test_addition_and_subtraction_are_exact(currency, a, b):
    assert (Money(a, currency) + Money(b, currency)).minor == a + b
    assert (Money(a, currency) - Money(b, currency) + Money(b, currency)) == Money(a, currency)


def test_minor_digits_follow_iso_4217():
    assert (minor_digits("JPY"), minor_digits("USD"), minor_digits("KWD")) == (0, 2, 3)


@pytest.mark.parametrize(
    "amount,currency", [("1.005", "USD"), ("1.5", "JPY"), ("abc", "USD"), ("NaN", "USD")]
)
def test_parse_refuses_sub_minor_precision_and_garbage(amount, currency):
    with pytest.raises(InvalidInput):
        Money.parse(amount, currency)


def test_floats_are_refused_as_minor_units():
    with pytest.raises(InvalidInput):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        Money(1, "USD") + Money(1, "MXN")


def test_scaled_rounds_half_even_to_the_minor_unit():
    assert Money(1050, "USD").scaled(Decimal("0.03")).minor == 32  # 31.5 -> 32
    assert Money(1150, "USD").scaled(Decimal("0.03")).minor == 34  # 34.5 -> 34


def test_format_uses_the_customers_locale():
    assert Money(123456, "USD").format("en-US") == "$1,234.56"
    assert Money(123456, "MXN").format("es-MX") == "$1,234.56"
    assert "1,234.56" in Money(123456, "PHP").format("en-PH")


def test_scaled_rounds_half_even_whatever_decimal_context_the_caller_is_in():
    # Given a caller working under another rounding (the CLI's exact context, a report's own)
    with localcontext(rounding=ROUND_HALF_UP):
        # Then a share of 34.5 cents is still 34: banker's rounding is the ledger's, not the caller's
        assert Money(1150, "USD").scaled(Decimal("0.03")).minor == 34
        assert Money(1050, "USD").scaled(Decimal("0.03")).minor == 32
