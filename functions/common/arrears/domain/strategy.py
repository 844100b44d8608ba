"""Dunning strategies as data: a ladder of steps keyed by days past due, validated at load time.

A strategy is a YAML file under `strategies/`. A mistake in one is refused when it is loaded,
with a message naming the file, the step and the field, never discovered by a customer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from arrears.domain import business_days, clabe
from arrears.domain.account import ProductType
from arrears.domain.adverse_action import ECOA_AGENCIES
from arrears.domain.charge_off import FFIEC_CHARGE_OFF_DPD
from arrears.domain.compliance import PROFILES, Channel
from arrears.domain.errors import ArrearsError
from arrears.domain.letters import CollectionAgency, LetterCode, PayInto, language_of
from arrears.domain.stages import Status

STRATEGY_ROOT = Path(__file__).resolve().parents[2] / "strategies"


class StrategyError(ArrearsError):
    """A strategy file that cannot be used; the message names file, step and field."""


# The cycle's five steps import this module for its types; only a page of accounts loads
# strategies. So the models are built when the first strategy is read (defer_build), and YAML is
# imported there too.
class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1)
    at_dpd: int = Field(ge=1, le=3650)
    channel: Channel | None = None  # none: a step that only recommends charge-off to the team
    letter: LetterCode | None = None
    # A held account's steps still fall due: the guardrail refuses them and the refusal is recorded,
    # so "why was nothing sent?" has an answer. A promise or an arrangement pauses the ladder.
    statuses: tuple[Status, ...] = (Status.ACTIVE, Status.ON_HOLD)
    skiptrace: bool = False
    credit_review: bool = False
    recommend_charge_off: bool = False

    @model_validator(mode="after")
    def _letter_needs_a_written_channel(self) -> Step:
        if self.channel in (Channel.LETTER, Channel.EMAIL) and self.letter is None:
            raise ValueError(f"a {self.channel} step needs a letter code")
        if self.channel is None and not self.recommend_charge_off:
            raise ValueError("a step needs a channel unless it only recommends charge-off")
        if self.letter is LetterCode.CHARGE_OFF_NOTICE:
            # the notice states that the account was charged off: only a confirmed charge-off sends it
            raise ValueError("the charge-off notice is sent when an operator confirms, not by a step")
        return self


class Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered_and_unique(self) -> Ladder:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique")
        if list(self.steps) != sorted(self.steps, key=lambda s: s.at_dpd):
            raise ValueError("steps must be in order of at_dpd")
        return self


class PaymentAccount(BaseModel):
    """The creditor's own bank account, which a Mexican agreement letter tells the customer to pay
    into: never a collector's (CONDUSEF, despachos de cobranza)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    bank: str = Field(min_length=1, max_length=80)
    clabe: str  # the 18-digit CLABE, validated with its check digit

    @model_validator(mode="after")
    def _a_real_clabe(self) -> PaymentAccount:
        problem = clabe.problem_with(self.clabe)
        if problem:
            raise ValueError(f"clabe: {problem}")
        return self


class Despacho(BaseModel):
    """A collection agency (despacho de cobranza) working the creditor's accounts in Mexico, as its
    letters identify it: name, address, phone, email and its registration in CONDUSEF's Registro de
    Despachos de Cobranza (REDECO)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=300)
    phone: str = Field(min_length=1, max_length=40)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=120)
    # as REDECO lists it; its format is CONDUSEF's, so only its shape is checked here
    redeco: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9/.-]{2,39}$")

    def for_letter(self) -> CollectionAgency:
        return CollectionAgency(**self.model_dump())


class CreditorInfo(BaseModel):
    """Who the letters come from and how the customer reaches them."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    # opening hours as the customer reads them, per letter language ("en", "es"): one text for all
    # would tell a Spanish reader "Mon-Fri"
    hours: dict[str, str] = Field(min_length=1)
    address: str = Field(min_length=1)
    website: str = Field(min_length=1)
    # The federal agencies an ECOA adverse action notice names for this creditor (Reg B
    # §1002.9(b)(1), appendix A), by code (arrears.domain.adverse_action.ECOA_AGENCIES): the CFPB
    # for a bank over $10 billion, the OCC, FRB, FDIC or NCUA by charter below it, the FTC for
    # finance companies and other non-banks; a non-bank affiliate of a large bank names two.
    ecoa_agencies: tuple[str, ...] = Field(default=(), max_length=2)
    # The account a Mexican agreement letter names for the payment (required in Mexico).
    payment_account: PaymentAccount | None = None

    @model_validator(mode="after")
    def _hours_in_each_language(self) -> CreditorInfo:
        missing = {"en", "es"} - set(self.hours)
        if missing:
            raise ValueError(f"hours needs a text in {', '.join(sorted(missing))} (the letters' languages)")
        unknown = [a for a in self.ecoa_agencies if a not in ECOA_AGENCIES]
        if unknown:
            raise ValueError(
                f"ecoa_agencies: {', '.join(unknown)} unknown; one of {', '.join(sorted(ECOA_AGENCIES))}"
            )
        return self

    def for_letter(self, locale: str) -> dict[str, str]:
        """The creditor as a letter in `locale` presents it (the ECOA agencies go with the notice that
        names them)."""
        paid_into = self.payment_account
        return {
            **self.model_dump(exclude={"ecoa_agencies", "payment_account"}),
            "hours": self.hours[language_of(locale)],
            **({"payment_account": PayInto(paid_into.bank, paid_into.clabe)} if paid_into else {}),
        }


class Strategy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    product_type: ProductType
    jurisdictions: tuple[str, ...] = Field(min_length=1)
    placement: str | None = None  # "agency": for accounts placed with a third-party collector
    # The despacho de cobranza that works the accounts of an agency strategy in Mexico; its letters
    # identify it (required there, and only there).
    despacho: Despacho | None = None
    compliance_profile: str
    creditor: CreditorInfo
    champion: Ladder
    challenger: Ladder | None = None
    challenger_share: float = Field(default=0.0, ge=0.0, le=0.5)
    # Letters are queued and calls made only on business days of the account's jurisdiction: on a
    # weekend or a public holiday the steps wait for the next one. On unless a strategy says
    # otherwise, so a new strategy cannot contact customers on a Sunday by forgetting a line.
    business_days_only: bool = True
    # An adjustment that corrects the dues (the feed's, or an operator's) queues a corrected-statement
    # letter: what was corrected, why, and the balance after it. Off unless a strategy asks for it.
    corrected_statement: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Strategy:
        if self.compliance_profile not in PROFILES:
            raise ValueError(f"compliance_profile must be one of {', '.join(sorted(PROFILES))}")
        unknown = [j for j in self.jurisdictions if self.business_days_only and not business_days.knows(j)]
        if unknown:
            raise ValueError(f"jurisdictions without a holiday calendar: {', '.join(unknown)}")
        if self.challenger_share and self.challenger is None:
            raise ValueError("challenger_share is set but there is no challenger ladder")
        us = "US" in self.jurisdictions
        if self.creditor.ecoa_agencies and not us:
            raise ValueError("creditor.ecoa_agencies: the ECOA notice is US law; no US jurisdiction here")
        own_line = self.product_type is ProductType.OPEN_END and self.placement is None
        if us and own_line and not self.creditor.ecoa_agencies:
            # a US credit line can be reduced, frozen or closed: the notice names the agency
            raise ValueError(
                "creditor.ecoa_agencies: a US credit line's adverse action notice names the "
                "creditor's federal agency (Reg B appendix A)"
            )
        self._mexican_requirements()
        limit = FFIEC_CHARGE_OFF_DPD[self.product_type]
        for arm, ladder in self.arms().items():
            for step in ladder.steps:
                if step.recommend_charge_off and step.at_dpd > limit:
                    raise ValueError(
                        f"{arm} step {step.name!r} recommends charge-off after FFIEC's {limit} DPD"
                    )
        return self

    def _mexican_requirements(self) -> None:
        """CONDUSEF: an agreement letter names the creditor's own account to pay into; a despacho's
        letters identify it with its REDECO registration."""
        mexico = "MX" in self.jurisdictions
        if mexico and self.creditor.payment_account is None:
            raise ValueError(
                "creditor.payment_account: a Mexican agreement letter names the creditor's own "
                "account (bank and CLABE) to pay into"
            )
        agency = self.placement == "agency"
        if mexico and agency and self.despacho is None:
            raise ValueError(
                "despacho: an agency strategy in Mexico names its despacho de cobranza (name, "
                "address, phone, email, REDECO registration)"
            )
        if self.despacho is not None and not (mexico and agency):
            raise ValueError("despacho: only an agency strategy in Mexico names a despacho de cobranza")

    def arms(self) -> dict[str, Ladder]:
        return {"champion": self.champion} | ({"challenger": self.challenger} if self.challenger else {})

    def arm_for(self, account_id: str) -> str:
        """Stable assignment: the same account is in the same arm on every run and every machine."""
        digest = int(hashlib.sha256(f"{self.name}:{account_id}".encode()).hexdigest()[:8], 16)
        return (
            "challenger"
            if self.challenger and digest % 10_000 < self.challenger_share * 10_000
            else "champion"
        )

    def ladder_for(self, account_id: str) -> tuple[str, Ladder]:
        arm = self.arm_for(account_id)
        return arm, self.arms()[arm]

    @property
    def label(self) -> str:
        """name@version: recorded with every decision the strategy takes."""
        return f"{self.name}@{self.version}"


def _where(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """'champion.steps[2] (second_reminder).channel' from a pydantic error location."""
    parts: list[str] = []
    location = list(error["loc"])
    node: Any = data
    for item in location:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]"
            try:
                node = node[item]
                if isinstance(node, dict) and node.get("name"):
                    parts[-1] += f" ({node['name']})"
            except (IndexError, KeyError, TypeError):
                pass
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "strategy"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StrategyError(f"{path}: cannot be read: {exc}") from exc


def _validated(path: Path, text: str) -> Strategy:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StrategyError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise StrategyError(f"{path}: must be a mapping of strategy fields")
    try:
        return Strategy.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}: {_where(e, data)}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        ]
        raise StrategyError("\n".join(problems)) from exc


def load_strategy(path: Path) -> Strategy:
    return _validated(path, _text(path))


def load_strategies(root: Path | None = None) -> dict[str, Strategy]:
    """Every strategy under `root` (default STRATEGY_ROOT, looked up now) as its file says today.

    The files are read on every call, so an edit takes effect at the next one and a broken file
    fails it; parsing and validation, the costly part, are skipped while no file's text changed.
    """
    folder = STRATEGY_ROOT if root is None else root
    return dict(_parsed(tuple((path, _text(path)) for path in sorted(folder.glob("*.yaml")))))


# Keyed on the files' texts: a few KB hashed per call, against milliseconds of YAML and pydantic.
# An error is not cached, so a broken file fails every call until it is mended.
@lru_cache(maxsize=4)
def _parsed(texts: tuple[tuple[Path, str], ...]) -> tuple[tuple[str, Strategy], ...]:
    strategies = [_validated(path, text) for path, text in texts]
    return tuple((s.name, s) for s in strategies)


def strategy_for(
    strategies: Mapping[str, Strategy],
    product_type: ProductType,
    jurisdiction: str,
    placement: str | None = None,
) -> Strategy | None:
    """The strategy that works this kind of account; the first by name if several claim it."""
    for name in sorted(strategies):
        candidate = strategies[name]
        if (
            candidate.product_type is product_type
            and jurisdiction in candidate.jurisdictions
            and candidate.placement == placement
        ):
            return candidate
    return None


def steps_due(ladder: Ladder, fired: frozenset[str], dpd: int, status: Status) -> tuple[Step, ...]:
    """Steps whose day has come and that have not fired in this delinquency episode, oldest first."""
    return tuple(s for s in ladder.steps if s.at_dpd <= dpd and s.name not in fired and status in s.statuses)


def next_step_dpd(ladder: Ladder, fired: frozenset[str], dpd: int) -> int | None:
    upcoming = [s.at_dpd for s in ladder.steps if s.at_dpd > dpd and s.name not in fired]
    return min(upcoming) if upcoming else None
