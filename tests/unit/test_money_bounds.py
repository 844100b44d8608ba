"""Money the ledger can hold: the bound either way, what parsing refuses and why, and the plain
operations the rest of the domain counts on (zero, negation, its text)."""

from decimal import Decimal

import pytest
from arrears.domain.errors import AmountOutOfBounds, CurrencyMismatch, InvalidInput
from arrears.domain.money import MAX_MINOR, Money, bounded, known_currency, minor_digits


def test_the_bound_is_ten_trillion_dollars_in_cents():
    assert MAX_MINOR == 10**15


@pytest.mark.parametrize("minor", [MAX_MINOR, -MAX_MINOR, MAX_MINOR - 1, 0])
def test_an_amount_at_the_bound_either_way_is_held(minor):
    assert bounded(minor, "a balance") == minor
    assert Money(minor, "USD").minor == minor


@pytest.mark.parametrize("minor", [MAX_MINOR + 1, -MAX_MINOR - 1])
def test_one_minor_unit_beyond_the_bound_is_refused_and_says_what(minor):
    with pytest.raises(AmountOutOfBounds, match="^a balance would be beyond the ledger's bound$"):
        bounded(minor, "a balance")
    with pytest.raises(AmountOutOfBounds, match="^an amount would be beyond the ledger's bound$"):
        Money(minor, "USD")


@pytest.mark.parametrize("minor", [True, 1.0, "100", Decimal(1)])
def test_only_integer_minor_units_make_money(minor):
    with pytest.raises(InvalidInput, match="^money amount must be integer minor units, got "):
        Money(minor, "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1234.50", "USD", 123450),
        (" 12.5 ", "USD", 1250),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        (7, "USD", 700),
        (Decimal("0.01"), "USD", 1),
        ("-3.10", "EUR", -310),
    ],
)
def test_major_units_as_written_become_minor_units(amount, currency, minor):
    assert Money.parse(amount, currency) == Money(minor, currency)


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", "-inf"])
def test_text_that_is_no_finite_amount_is_refused(amount):
    with pytest.raises(InvalidInput, match=f"^not an amount: {amount!r}$"):
        Money.parse(amount, "USD")


def test_a_decimal_beyond_the_currency_is_refused_and_names_it():
    with pytest.raises(InvalidInput, match=r"^'12.345' has more decimals than USD allows$"):
        Money.parse("12.345", "USD")
    with pytest.raises(InvalidInput, match=r"^'1.5' has more decimals than JPY allows$"):
        Money.parse("1.5", "JPY")


def test_parsing_refuses_a_number_too_long_for_the_ledger_before_scaling_it():
    # 10**17 has 18 digits: refused as text, before any arithmetic on it
    with pytest.raises(AmountOutOfBounds, match=r"^'1000000000000000000' is beyond the ledger's bound$"):
        Money.parse("1" + "0" * 18, "USD")
    with pytest.raises(AmountOutOfBounds, match=r"^'1e\+17' is beyond the ledger's bound$"):
        Money.parse("1e+17", "USD")
    # one order below that is a number parsing lets through to the ledger's own bound
    with pytest.raises(AmountOutOfBounds, match="^an amount would be beyond"):
        Money.parse("1e+16", "USD")
    assert Money.parse("1e+13", "USD") == Money(MAX_MINOR, "USD")


def test_only_a_long_amount_is_cut_in_the_refusal():
    with pytest.raises(AmountOutOfBounds) as refused:
        Money.parse("9" * 40, "USD")
    assert str(refused.value) == f"{'9' * 20!r} is beyond the ledger's bound"


def test_minor_digits_and_known_currencies():
    assert (minor_digits("JPY"), minor_digits("USD"), minor_digits("KWD")) == (0, 2, 3)
    assert known_currency("MXN") and not known_currency("XYZ")


def test_zero_negation_and_text():
    assert Money.zero("EUR") == Money(0, "EUR")
    assert -Money(250, "USD") == Money(-250, "USD")
    assert str(Money(123450, "USD")) == "1234.50 USD"
    assert str(Money(1234, "JPY")) == "1234 JPY"
    assert Money(1234, "KWD").to_decimal() == Decimal("1.234")


def test_adding_or_taking_across_currencies_is_refused_and_names_both():
    with pytest.raises(CurrencyMismatch, match="^USD and EUR$"):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(CurrencyMismatch, match="^USD and EUR$"):
        Money(1, "USD") - Money(1, "EUR")
    assert Money(500, "USD") - Money(200, "USD") == Money(300, "USD")


@pytest.mark.parametrize(
    ("minor", "ratio", "share"),
    [(5, "0.5", 2), (15, "0.5", 8), (25, "0.5", 12), (-15, "0.5", -8), (100, "0.333", 33)],
)
def test_a_share_rounds_half_to_even(minor, ratio, share):
    assert Money(minor, "USD").scaled(Decimal(ratio)) == Money(share, "USD")


def test_format_reads_the_locale_with_a_hyphen():
    assert Money(123450, "USD").format("en-US") == "$1,234.50"
    assert Money(123450, "MXN").format("es-MX") == "$1,234.50"
    assert Money(123450, "EUR").format("es-ES") == "1.234,50\xa0€"
