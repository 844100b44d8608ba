"""Letters: Jinja2 templates per language, rendered with the account's locale, strict about variables.

Templates live in `templates/letters/<language>/<code>.html` (shipped in the layer beside this
package). Amounts and dates are formatted by Babel for the letter's locale through the `money`
and `day` filters, so a template never formats a number itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money

if TYPE_CHECKING:
    from jinja2 import Environment

# Jinja2 and Babel's dates are imported by `render`, not here: every handler imports this module
# for LetterCode (through compliance, standing, strategy), and only the cycle's pages render.

TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "templates" / "letters"


class LetterCode(StrEnum):
    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    PAST_DUE_NOTICE = "past_due_notice"
    FINAL_DEMAND = "final_demand"
    VALIDATION_NOTICE = "validation_notice"
    PROMISE_CONFIRMATION = "promise_confirmation"
    BROKEN_PROMISE = "broken_promise"
    ARRANGEMENT_CONFIRMATION = "arrangement_confirmation"
    SETTLEMENT_AGREEMENT = "settlement_agreement"  # the terms: what to pay, by when, what is forgiven
    SETTLEMENT_VOID = "settlement_void"  # the agreed money did not arrive: nothing was forgiven
    DISPUTE_ACKNOWLEDGEMENT = "dispute_acknowledgement"
    CHARGE_OFF_NOTICE = "charge_off_notice"
    PAYMENT_RECEIVED = "payment_received"
    CREDIT_LINE_CHANGE = "credit_line_change"  # after a credit review, with the notices the law requires
    CORRECTED_STATEMENT = "corrected_statement"  # an adjustment corrected the dues: what changed and why


SUPPORTED_LOCALES = ("en-US", "es-MX", "es-US", "en-PH")


def language_of(locale: str) -> str:
    language = locale.replace("_", "-").split("-")[0].lower()
    if language not in ("en", "es"):
        raise InvalidInput(f"no letters in the language of {locale}")
    return language


@dataclass(frozen=True)
class OwedNotice:
    """A letter the customer is owed by what happened (an operator's action, a broken commitment, a
    limit change), sent by the next cycle before any step of the ladder."""

    code: LetterCode
    trigger: str  # "<what>@<ISO day>": the letter's key, so a cycle run twice sends it once
    # The facts the letter states (a promise's amount and date, ...), as pairs so the notice stays
    # frozen; their values are stored as JSON.
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def on(self) -> date:
        """The day of what caused it, which dates the letter's record."""
        return date.fromisoformat(self.trigger.split("@")[1])

    def to_dict(self) -> dict[str, object]:
        """As stored, and as the operator's tools show it."""
        return {"code": self.code.value, "trigger": self.trigger, "extra": dict(self.extra)}


@dataclass(frozen=True)
class Creditor:
    name: str
    phone: str
    hours: str  # as the customer reads it, in their language
    address: str
    website: str


@dataclass(frozen=True)
class LetterContext:
    """Everything a letter may show. Amounts are integer minor units of `currency`."""

    code: LetterCode
    locale: str
    sent_on: date
    reference: str  # the letter's own id, printed so the customer can quote it
    account_ref: str  # masked account number, e.g. "•••• 0042"
    product_type: str  # open_end | closed_end
    currency: str
    balance: int
    past_due: int
    dpd: int
    oldest_unpaid_on: date | None
    creditor: Creditor
    debt_collector_disclosure: bool = False  # the mini-Miranda (Reg F §1006.18(e))
    extra: dict[str, object] = field(default_factory=dict)  # per letter: promise, arrangement, payment, ...


@lru_cache(maxsize=4)
def _environment(root: str) -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a missing variable fails rendering, never prints blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(context: LetterContext, root: Path = TEMPLATE_ROOT) -> str:
    from babel.dates import format_date
    from jinja2 import Undefined

    language = language_of(context.locale)
    env = _environment(str(root))
    template = env.get_template(f"{language}/{context.code.value}.html")
    babel_locale = context.locale.replace("-", "_")

    def money(minor: int, currency: str | None = None) -> str:
        return Money(int(minor), currency or context.currency).format(context.locale)

    def day(value: date | str) -> str:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()  # a missing date fails like any missing variable
        value = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(value, format="long", locale=babel_locale)

    return template.render(
        letter=context,
        creditor=context.creditor,
        extra=context.extra,
        money=money,
        day=day,
        lang=language,
    )


def available(root: Path = TEMPLATE_ROOT) -> dict[str, set[str]]:
    """The letter codes each language has a template for."""
    return {
        language: {p.stem for p in (root / language).glob("*.html") if not p.stem.startswith("_")}
        for language in ("en", "es")
    }
