"""Letters: Jinja2 templates per language, rendered with the account's locale, strict about variables.

Templates live in `templates/letters/<language>/<code>.html` (shipped in the layer beside this
package). Amounts and dates are formatted by Babel for the letter's locale through the `money`
and `day` filters, so a template never formats a number itself.

A letter names its addressee: the legal name and the mailing address in the envelope window, the
name in the greeting. Templates print every personal value inside a `<span data-personal>`, so a
stored letter can be shown masked (`mask_personal`) to a level that may not see personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from arrears.domain.agreement_terms import AgreementTerms
from arrears.domain.customer import Address
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


# Each letter code as the reference printed on a letter names it: short enough to read out on a
# call, the same in every language.
REFERENCE_CODES: dict[LetterCode, str] = {
    LetterCode.FIRST_REMINDER: "R1",
    LetterCode.SECOND_REMINDER: "R2",
    LetterCode.PAST_DUE_NOTICE: "PD",
    LetterCode.FINAL_DEMAND: "FD",
    LetterCode.VALIDATION_NOTICE: "VN",
    LetterCode.PROMISE_CONFIRMATION: "PC",
    LetterCode.BROKEN_PROMISE: "BP",
    LetterCode.ARRANGEMENT_CONFIRMATION: "AC",
    LetterCode.SETTLEMENT_AGREEMENT: "SA",
    LetterCode.SETTLEMENT_VOID: "SV",
    LetterCode.DISPUTE_ACKNOWLEDGEMENT: "DA",
    LetterCode.CHARGE_OFF_NOTICE: "CO",
    LetterCode.PAYMENT_RECEIVED: "PR",
    LetterCode.CREDIT_LINE_CHANGE: "CL",
    LetterCode.CORRECTED_STATEMENT: "CS",
}

# How much of an account id a letter shows: its last four characters, as cards and statements do.
SHOWN_OF_ACCOUNT = 4


def _last_shown(account_id: str) -> str:
    """The account's last characters a letter shows: letters and digits only ("US-L95" shows "SL95",
    not "-L95"), or the id's own last characters when it has too few of them."""
    kept = "".join(c for c in account_id if c.isalnum())
    return kept[-SHOWN_OF_ACCOUNT:] if len(kept) >= SHOWN_OF_ACCOUNT else account_id[-SHOWN_OF_ACCOUNT:]


def masked_account(account_id: str) -> str:
    """The account as a letter prints it, e.g. "•••• 0042"."""
    return "•••• " + _last_shown(account_id)


def letter_reference(account_id: str, queued_on: date, code: LetterCode) -> str:
    """The reference a letter prints for the customer to quote, e.g. "0042-20250314-VN": the part of
    the account the masked account line shows, the cycle day that sent the letter, and its code.

    It names no more of the account than the letter's account line does, and it is unique among
    the account's letters: a cycle sends an account at most one letter a day (a re-run of the day
    sends the same one), and its record is kept under that day (`occurred_on`), with the reference.
    """
    return f"{_last_shown(account_id)}-{queued_on:%Y%m%d}-{REFERENCE_CODES[code]}"


SUPPORTED_LOCALES = ("en-US", "es-MX", "es-US", "en-PH")

# Notices the law requires in writing: by email only with the consumer's consent to receive such
# notices electronically (E-SIGN §101(c); Reg F §1006.42 for a debt collector's), else by post.
# The validation notice (Reg F §1006.34), adverse action on the line (ECOA/Reg B §1002.9, FCRA
# §615(a)), and the correction of a billing error (Reg Z §1026.13(e)).
REQUIRED_IN_WRITING = frozenset(
    {LetterCode.VALIDATION_NOTICE, LetterCode.CREDIT_LINE_CHANGE, LetterCode.CORRECTED_STATEMENT}
)
# Letters whose content includes the consumer's mailing address, whichever way they go: the
# validation notice states it in its header and response form (§1006.34(c)(2)(ii)). Without a
# usable address such a letter is not sent at all.
NEEDS_MAILING_ADDRESS = frozenset({LetterCode.VALIDATION_NOTICE})
# Letters whose wording threatens or implies legal action: the final demand says collection will go
# on "as permitted by your account agreement and applicable law" ("conforme a su contrato y a la
# legislación aplicable"). None of them goes on a time-barred debt (Reg F §1006.26(b)).
THREATENS_SUIT = frozenset({LetterCode.FINAL_DEMAND})
# Letters that set the customer a deadline, or say what follows if it passes: the final demand
# ("please contact us by <respond_by> ... we will continue to pursue collection"). During a debt
# collector's validation period such a letter overshadows the consumer's right to dispute the debt
# and to ask for the original creditor (Reg F §1006.38(b)), so none goes before the period ends.
# Read from each template: the reminders, the past-due notice, the broken promise and the charge-off
# notice ask for payment with no date and no threat; the promise, arrangement and settlement letters
# confirm dates the customer agreed to, and the others tell and ask nothing.
SETS_DEADLINE_OR_THREATENS = frozenset({LetterCode.FINAL_DEMAND})

# A debt collector may send the validation notice translated only if the English one goes in the
# same communication or was provided before (Reg F §1006.34(e)). Ours goes with it, every time: the
# customer's letter first, the English one after it in the same envelope or the same email.
ENGLISH_ALONGSIDE = frozenset({LetterCode.VALIDATION_NOTICE})
ENGLISH = "en-US"


def companions(code: LetterCode, locale: str, third_party: bool) -> tuple[str, ...]:
    """The locales of the letters that must go in the same mailing as this one: the English validation
    notice beside a debt collector's translated one (`ENGLISH_ALONGSIDE`); none otherwise."""
    if third_party and code in ENGLISH_ALONGSIDE and language_of(locale) != "en":
        return (ENGLISH,)
    return ()


_BODY = re.compile(r"<body>(.*)</body>", re.S)
_LANG = re.compile(r'<html lang="([a-z]{2})">')


def compose(letter: str, *enclosed: str) -> str:
    """One document of letters that go out together (one envelope, one email): `letter` whole, then
    each enclosed letter's body, each on a page of its own and marked with its language. The letters
    share one stylesheet (`_print.css`), so the first one's head serves them all."""
    sections = []
    for html in enclosed:
        body, lang = _BODY.search(html), _LANG.search(html)
        if body is None or lang is None:
            raise InvalidInput("a letter to enclose is not a rendered letter")
        sections.append(f'<section class="enclosure" lang="{lang.group(1)}">{body.group(1)}</section>\n')
    head, tail = letter.rsplit("</body>", 1)
    return head + "".join(sections) + "</body>" + tail


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
class PayInto:
    """The creditor's own bank account, as a Mexican agreement letter names it for the payment."""

    bank: str
    clabe: str


@dataclass(frozen=True)
class Creditor:
    name: str
    phone: str
    hours: str  # as the customer reads it, in their language
    address: str
    website: str
    payment_account: PayInto | None = None


@dataclass(frozen=True)
class CollectionAgency:
    """The despacho de cobranza that works the account in Mexico, as its letters identify it."""

    name: str
    address: str
    phone: str
    email: str
    redeco: str  # its registration in CONDUSEF's Registro de Despachos de Cobranza


@dataclass(frozen=True)
class Addressee:
    """Who the letter is to, as printed: the legal name, and under it the address lines that show in
    the envelope window (none for an email to a customer without a mailing address)."""

    name: str
    window: tuple[str, ...] = ()


MASK = "•••"


def _locality(address: Address) -> str:
    """The line under the street as the destination's post reads it: the postal code before the
    city in Mexico and the Philippines (Correos de México, PHLPost, as the UPU lists them), after
    the state elsewhere (USPS Publication 28)."""
    if address.country.upper() in ("MX", "PH"):
        place = ", ".join(part for part in (address.city, address.region) if part)
        return " ".join(part for part in (address.postal_code, place) if part)
    return address.window_lines()[-2]


def addressee(name: str, address: Address | None, home_country: str) -> Addressee:
    """The name over the address as a window envelope shows it. Mail within the sender's country
    carries no country line (USPS Publication 28; the same in Mexico and the Philippines); mail
    abroad ends with the country's name in capitals, in English as the UPU accepts it."""
    if address is None:
        return Addressee(name)
    lines = (*address.lines, _locality(address))
    country = address.country.upper()
    if country != home_country.upper():
        from babel import Locale

        lines = (*lines, str(Locale("en").territories.get(country, country)).upper())
    return Addressee(name, lines)


def masked_addressee(hint: str | None) -> Addressee:
    """The addressee as a level that may not see personal data sees it: a hint, never the values."""
    return Addressee(MASK, (hint,) if hint else ())


_PERSONAL = re.compile(r"(<span\b[^>]*\bdata-personal\b[^>]*>)([^<]*)(</span>)")


def mask_personal(html: str) -> tuple[str, int]:
    """A rendered letter with every personal value (each template prints them inside a leaf
    `<span data-personal>`, autoescaped, so no value holds markup) replaced by a mask; and how many."""
    return _PERSONAL.subn(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", html)


@dataclass(frozen=True)
class LetterContext:
    """Everything a letter may show. Amounts are integer minor units of `currency`."""

    code: LetterCode
    locale: str
    sent_on: date
    reference: str  # the letter's own id, printed so the customer can quote it (`letter_reference`)
    account_ref: str  # masked account number, e.g. "•••• 0042" (`masked_account`)
    product_type: str  # open_end | closed_end
    currency: str
    balance: int
    past_due: int
    dpd: int
    oldest_unpaid_on: date | None
    creditor: Creditor
    addressee: Addressee  # the customer's legal name and mailing address; nothing else personal
    debt_collector_disclosure: bool = False  # the mini-Miranda (Reg F §1006.18(e))
    # The letter is from a third-party debt collector (the placed agency), not the creditor: it tells
    # of the creditor's acts (a charge-off) as the creditor's, never as its own.
    third_party: bool = False
    # The account's holds that stop collection (a dispute, a cease request, a bankruptcy, a death,
    # ...; not SCRA, which caps interest and stops no contact). A letter that goes under one tells
    # what it tells and asks for nothing: no invitation to pay, no call to arrange, no "still owed".
    holds: tuple[str, ...] = ()
    # An email under a profile with the electronic opt-out (Reg F §1006.6(e)): the link that stops
    # further emails to the address it went to. None in a printed letter.
    opt_out_link: str | None = None
    # A time-barred debt in a state that requires it: the state's disclosure, in the letter's language
    # (rules/limitations.yaml), printed above the footer of every letter.
    time_barred_disclosure: str | None = None
    extra: dict[str, object] = field(default_factory=dict)  # per letter: promise, arrangement, payment, ...
    # A Mexican agreement letter's money: the debt's parts, the quita, what to pay, whether it settles
    # the debt (CONDUSEF); none elsewhere.
    agreement_terms: AgreementTerms | None = None
    # The despacho de cobranza a Mexican agency letter comes from (CONDUSEF); none otherwise.
    despacho: CollectionAgency | None = None

    @property
    def demand_withheld(self) -> bool:
        """Whether the letter must go without any demand or invitation to pay (`holds`)."""
        return bool(self.holds)


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
        addressee=context.addressee,
        extra=context.extra,
        terms=context.agreement_terms,
        despacho=context.despacho,
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
