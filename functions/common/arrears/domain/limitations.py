"""Statutes of limitations: the day an account's debt becomes time-barred, and what that changes.

`rules/limitations.yaml` holds, per US state and product, the years after which a suit to collect is
barred, counted from the date of default (the oldest unpaid due date the account knows), and the
disclosure the states that require one want in a letter to a time-barred account.

Reg F §1006.26(b): a debt collector must not sue or threaten to sue on a time-barred debt. The safe
reading when the period cannot be known (a US account without a state, or in a state or territory
the file does not list) is that the debt may be time-barred: the account is `unknown`, never
silently "not time-barred", and the guardrail refuses a letter that threatens suit for it as it
would for a time-barred one. It carries no disclosure, since which one is not known.

An account keeps the earliest bar date ever found for it (`Account.time_barred_on`, `kept_bar`): a
change that would move the bar later (the feed naming another state, a new address in another state,
a re-age moving the oldest due date) never does, and the effective bar is the earlier of the kept one
and the one its state and default give now. A debt once barred stays barred: a payment that revives
the period in some states is not modelled (fail safe: a suit is threatened too rarely, never wrongly).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import oldest_unpaid_due

if TYPE_CHECKING:  # the account imports the guardrail, which imports this module
    from arrears.domain.account import Account

LIMITATIONS_FILE = Path(__file__).resolve().parents[2] / "rules" / "limitations.yaml"
# The territories among the USPS codes: an account there may be imported, and its period is unknown
# unless the file lists it; the 50 states and DC (the rest) the file must cover.
TERRITORIES = frozenset({"AS", "GU", "MP", "PR", "UM", "VI"})


def usps_states() -> frozenset[str]:
    """The USPS codes an account's `state` may take: the US subdivisions the `holidays` library knows
    (the states, DC and the territories)."""
    from holidays.countries.united_states import UnitedStates  # deferred: read by import rows, rules

    return frozenset(UnitedStates.subdivisions)


def usps_state(value: str) -> str:
    """A state code as an import names it, upper-cased, if it is a USPS code (for a field validator)."""
    code = value.strip().upper()
    if code not in usps_states():
        raise ValueError(f"{value!r} is not a USPS state code (e.g. CA, NY, DC)")
    return code


# Read by the cycle and the operator's tools on first use (defer_build), YAML imported there too.
class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    open_end: int = Field(ge=1, le=20)  # credit cards, open accounts
    closed_end: int = Field(ge=1, le=20)  # written contracts, instalment loans
    source: str = Field(min_length=5)


class Disclosure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    source: str = Field(min_length=5)
    en: str = Field(min_length=20)
    es: str = Field(min_length=20)


class LimitationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Literal["limitations"]
    version: int = Field(ge=1)
    # the date of default: the oldest unpaid due date (the account keeps no other date of last payment)
    starts: Literal["default"]
    states: dict[str, Period]
    disclosures: dict[str, Disclosure] = {}

    @model_validator(mode="after")
    def _covers_every_state(self) -> LimitationRules:
        missing = sorted(usps_states() - TERRITORIES - set(self.states))
        if missing:
            raise ValueError(f"no limitation period for {', '.join(missing)}")
        unknown = sorted((set(self.states) | set(self.disclosures)) - usps_states())
        if unknown:
            raise ValueError(f"not USPS state codes: {', '.join(unknown)}")
        without = sorted(set(self.disclosures) - set(self.states))
        if without:
            raise ValueError(f"a disclosure without a limitation period: {', '.join(without)}")
        return self


@lru_cache(maxsize=4)
def load_limitations(path: Path = LIMITATIONS_FILE) -> LimitationRules:
    import yaml

    try:
        return LimitationRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidInput(f"{path.name}: {problems}") from exc


@dataclass(frozen=True)
class Limitations:
    """What the statute of limitations says of one account's debt."""

    state: str | None = None
    barred_on: date | None = None  # the first day a suit is barred; None: not in default
    unknown: str | None = None  # why the period cannot be known: the debt may be time-barred
    disclosure_state: str | None = None  # the state whose disclosure a letter carries once barred
    version: int | None = None  # of rules/limitations.yaml
    # the bar date is one kept from before a change (of state, or of the due dates) that would move it later
    kept: bool = False

    def time_barred(self, on: date) -> bool:
        return self.barred_on is not None and on >= self.barred_on

    def no_suit_threat(self, on: date) -> str | None:
        """Why a letter or call must not threaten suit on `on`, or None when it may."""
        if self.unknown:
            return f"{self.unknown}: the debt may be time-barred, so nothing may threaten suit"
        if self.time_barred(on):
            assert self.barred_on is not None  # nosec B101 # time_barred says so
            since = self.barred_on.isoformat()
            where = f"{self.state}, kept from before a change to the account" if self.kept else self.state
            return f"the debt is time-barred since {since} ({where}): do not threaten suit"
        return None

    def disclosure(self, on: date, language: str, rules: LimitationRules | None = None) -> str | None:
        """The state's time-barred disclosure in the letter's language, for a letter provided on `on`."""
        if self.disclosure_state is None or not self.time_barred(on):
            return None
        found = (rules or load_limitations()).disclosures[self.disclosure_state]
        return found.es if language == "es" else found.en

    def no_later_than(self, kept: date | None) -> Limitations:
        """These limitations with the bar date an account kept (`kept_bar`), where that is earlier."""
        if kept is None or (self.barred_on is not None and self.barred_on <= kept):
            return self
        return replace(self, barred_on=kept, kept=True)


NOT_APPLICABLE = Limitations()  # an account outside the US: no state statute applies here


def _years_after(day: date, years: int) -> date:
    """The anniversary `years` on; the 28th for a 29 February (the earlier day: a bar is never late)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def limitations_of(
    jurisdiction: str,
    state: str | None,
    product_type: str,
    defaulted_on: date | None,
    rules: LimitationRules | None = None,
) -> Limitations:
    """The limitations of an account: its `jurisdiction`, `state`, `product_type` (open_end or
    closed_end) and the date of default (its oldest unpaid due date; None when nothing is unpaid)."""
    if jurisdiction != "US":
        return NOT_APPLICABLE
    rules = rules or load_limitations()
    if state is None:
        return Limitations(unknown="the account's state is not recorded", version=rules.version)
    period = rules.states.get(state)
    if period is None:
        return Limitations(state, unknown=f"no limitation period for {state} on file", version=rules.version)
    years = period.open_end if product_type == "open_end" else period.closed_end
    barred_on = _years_after(defaulted_on, years) if defaulted_on else None
    disclosure_state = state if state in rules.disclosures else None
    return Limitations(state, barred_on, disclosure_state=disclosure_state, version=rules.version)


def of_account(account: Account, rules: LimitationRules | None = None) -> Limitations:
    """The account's limitations, from its date of default as last evaluated (its oldest unpaid due),
    barred no later than the bar date it keeps (`kept_bar`)."""
    found = limitations_of(
        account.jurisdiction, account.state, account.product_type.value, account.oldest_unpaid_on, rules
    )
    return found.no_later_than(account.time_barred_on)


def kept_bar(before: Account, after: Account, on: date, rules: LimitationRules | None = None) -> Account:
    """`after`, the account as a change on `on` leaves it, keeping the earliest bar date found for it.

    Called where the account is evaluated (the cycle) and where a change can move the bar later (a
    state from the feed or from an address, a re-age): the bar as it stood before the change (the one
    kept, or its state's years from its oldest unpaid due, as last evaluated or as its dues say on
    `on`) and the one after it; the earliest is kept. A bar found once is kept even if it has not
    come yet, so that no later change postpones it.
    """
    earliest = _earliest(_bar_as_it_stands(before, on, rules), _bar_as_it_stands(after, on, rules))
    return after if earliest == after.time_barred_on else replace(after, time_barred_on=earliest)


def _bar_as_it_stands(account: Account, on: date, rules: LimitationRules | None) -> date | None:
    # the default as the cycle last saw it or as the dues show it today, whichever is earlier: an
    # account not yet evaluated has only its dues, one whose dues were just moved only its evaluation
    defaulted = _earliest(account.oldest_unpaid_on, oldest_unpaid_due(account.dues, on))
    found = limitations_of(account.jurisdiction, account.state, account.product_type.value, defaulted, rules)
    return _earliest(account.time_barred_on, found.barred_on)


def _earliest(*days: date | None) -> date | None:
    return min((d for d in days if d is not None), default=None)
