"""Money as integer minor units plus an ISO 4217 currency. No float ever touches it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from arrears.domain.errors import AmountOutOfBounds, CurrencyMismatch, InvalidInput

# The largest amount the ledger holds, in minor units either way (10 trillion dollars): far above
# any real book, far below DynamoDB's 38 digits, so no sum of entries can overflow what is stored.
MAX_MINOR = 10**15


def minor_digits(currency: str) -> int:
    """Decimal places of a currency per CLDR (JPY 0, USD 2, KWD 3)."""
    return get_currency_precision(currency)


def known_currency(currency: str) -> bool:
    from babel.numbers import list_currencies

    return currency in list_currencies()


def bounded(minor: int, what: str) -> int:
    """A balance or entry the ledger can hold, or AmountOutOfBounds before anything is written."""
    if abs(minor) > MAX_MINOR:
        raise AmountOutOfBounds(f"{what} would be beyond the ledger's bound")
    return minor


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidInput(f"money amount must be integer minor units, got {self.minor!r}")
        bounded(self.minor, "an amount")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Major units as written by people ("1234.50") to minor units; refuses sub-minor precision."""
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise InvalidInput(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise InvalidInput(f"not an amount: {amount!r}")
        if value.adjusted() > len(str(MAX_MINOR)):
            raise AmountOutOfBounds(f"{str(amount)[:20]!r} is beyond the ledger's bound")
        scaled = value.scaleb(minor_digits(currency))
        if scaled != scaled.to_integral_value():
            raise InvalidInput(f"{amount!r} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_digits(self.currency))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def scaled(self, ratio: Decimal) -> Money:
        """A share of this amount, rounded half-even to the minor unit."""
        return Money(int((Decimal(self.minor) * ratio).to_integral_value(ROUND_HALF_EVEN)), self.currency)

    def format(self, locale: str) -> str:
        return format_currency(self.to_decimal(), self.currency, locale=locale.replace("-", "_"))

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"
