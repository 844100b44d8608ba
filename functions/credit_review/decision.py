"""The credit-line decision, plain Python: rules kept as data, and which notice the law asks for.

Rules live in `rules/credit_review.yaml` (in the layer beside `arrears`). A mistake in the file
is refused at load with the rule and field named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import arrears
from arrears.domain import adverse_action
from arrears.domain.account import Account, ProductType
from arrears.domain.adverse_action import AdverseActionIncomplete, KeyFactorTable, ScoreReason
from arrears.domain.bureau import CreditReport
from arrears.domain.compliance import Hold
from arrears.domain.errors import InvalidInput
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import CLOSED_STATUSES
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RULES_FILE = Path(arrears.__file__).resolve().parent.parent / "rules" / "credit_review.yaml"
Action = Literal["keep", "reduce", "freeze", "close", "extend"]
# The reasons a rule states itself: each is what one of its conditions found (`When.finds`).
RuleReason = Literal["delinquent_with_us", "delinquency_elsewhere", "insufficient_credit_history"]
# Every principal reason a decision can give: the rule's own, and what lowered a score (its key
# factors, by the bureau's code: arrears.domain.adverse_action). The letters word each of them.
ReasonCode = Literal[RuleReason, ScoreReason]
MAX_REASONS = 4  # Reg B comment 9(b)(2)-1: more than four is not likely to be helpful
ADVERSE = {"reduce", "freeze", "close"}
SCORE_FIELDS = {"min_score", "max_score"}
REPORT_FIELDS = {
    "min_score",
    "max_score",
    "min_delinquencies_elsewhere",
    "max_delinquencies_elsewhere",
    "thin_file",
}
ACCOUNT_FIELDS = {"min_dpd", "max_dpd"}


# Five functions import this module; only the decision step reads the rules. The models are
# built when the rules are first read (defer_build), and YAML is imported there too.
class When(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    min_dpd: int | None = Field(default=None, ge=0)
    max_dpd: int | None = Field(default=None, ge=0)
    min_score: int | None = None
    max_score: int | None = None
    min_delinquencies_elsewhere: int | None = Field(default=None, ge=0)
    max_delinquencies_elsewhere: int | None = Field(default=None, ge=0)
    thin_file: bool | None = None

    def used(self) -> set[str]:
        return {k for k, v in self.model_dump().items() if v is not None}

    def holds(self, account: Account, report: CreditReport | None) -> bool:
        checks = []
        if self.min_dpd is not None:
            checks.append(account.dpd >= self.min_dpd)
        if self.max_dpd is not None:
            checks.append(account.dpd <= self.max_dpd)
        score = report.score if report is not None and report.outcome == "scored" else None
        if self.min_score is not None:
            checks.append(score is not None and score >= self.min_score)
        if self.max_score is not None:
            checks.append(score is not None and score <= self.max_score)
        elsewhere = report.delinquencies_elsewhere if report is not None else None
        if self.min_delinquencies_elsewhere is not None:
            checks.append(elsewhere is not None and elsewhere >= self.min_delinquencies_elsewhere)
        if self.max_delinquencies_elsewhere is not None:
            checks.append(elsewhere is not None and elsewhere <= self.max_delinquencies_elsewhere)
        if self.thin_file is not None:
            checks.append((report is not None and report.outcome == "thin_file") == self.thin_file)
        return all(checks)

    def finds(self, reason: str) -> bool:
        """Whether a rule with these conditions has found `reason` true of the customer when it holds."""
        match reason:
            case "delinquent_with_us":
                return bool(self.min_dpd)
            case "delinquency_elsewhere":
                return bool(self.min_delinquencies_elsewhere)
            case "insufficient_credit_history":
                return self.thin_file is True
        return False


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1)
    when: When
    action: Action
    limit_pct: int | None = Field(default=None, ge=1, le=300)  # new limit as a share of the current one
    # Principal reasons (Reg B §1002.9(b)(2)) are what the rule found, never what it did not read:
    # `reasons` name what its own conditions found; `reasons_from_score` adds what lowered the
    # score it read (the report's key factors, by code), since a score below a cutoff is no reason.
    reasons: tuple[RuleReason, ...] = Field(default=(), max_length=MAX_REASONS)
    reasons_from_score: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        used = self.when.used()
        if not used:
            raise ValueError("a rule needs at least one condition")
        if self.action == "reduce" and not (self.limit_pct and self.limit_pct < 100):
            raise ValueError("reduce needs limit_pct below 100")
        if self.action == "extend" and not (self.limit_pct and self.limit_pct > 100):
            raise ValueError("extend needs limit_pct above 100")
        if self.action in ADVERSE and not (self.reasons or self.reasons_from_score):
            raise ValueError("an adverse action needs its principal reasons (Reg B §1002.9(b)(2))")
        unfounded = [r for r in self.reasons if not self.when.finds(r)]
        if unfounded:
            raise ValueError(
                f"{', '.join(unfounded)}: a principal reason must be what the rule's conditions found"
            )
        reads_score = bool(used & SCORE_FIELDS)
        if self.reasons_from_score and not reads_score:
            raise ValueError("reasons_from_score needs a condition on the score")
        if reads_score and self.action in ADVERSE and not self.reasons_from_score:
            raise ValueError(
                "an adverse action on the score states what lowered it: reasons_from_score: true "
                "(a score below a cutoff is not a specific reason, Reg B comment 9(b)(2)-1)"
            )
        return self

    def principal_reasons(
        self, report: CreditReport | None, factors: KeyFactorTable | None
    ) -> tuple[str, ...]:
        """The rule's own reasons, then what lowered the score, at most four, each once."""
        found: list[str] = list(self.reasons)
        if self.reasons_from_score:
            if report is None or report.outcome != "scored":
                raise AdverseActionIncomplete("a rule on the score decided without a score")
            found += adverse_action.score_reasons(report.key_factors, report.score_model, factors)
        return tuple(dict.fromkeys(found))[:MAX_REASONS]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    version: int = Field(ge=1)
    rules: tuple[Rule, ...] = Field(min_length=1)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> Rules:
    import yaml

    try:
        return Rules.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidInput(f"{path.name}: {problems}") from exc


@dataclass(frozen=True)
class Decision:
    action: str
    rule: str | None
    rules_version: int
    old_limit: int
    new_limit: int
    freeze: bool
    reasons: tuple[str, ...]
    used_report: bool  # the deciding rule read the bureau report
    delinquency_based: bool  # the deciding rule read this account's own delinquency
    ecoa_statement: bool  # Reg B §1002.9(a)(2): specific reasons owed
    fcra_disclosure: bool  # FCRA §615(a) with the §609(f) score disclosure owed

    @property
    def changes(self) -> bool:
        return self.action != "keep"

    def to_dict(self) -> dict:
        return {**asdict(self), "reasons": list(self.reasons)}


NO_REVIEW_UNDER = frozenset({Hold.BANKRUPTCY, Hold.DECEASED})


def refusal(account: Account, as_of: date, cooldown_days: int) -> str | None:
    """Why this account's line must not be reviewed today, or None."""
    if account.product_type is not ProductType.OPEN_END or account.credit_limit is None:
        return "no credit line to review"
    if account.status in CLOSED_STATUSES:
        return f"the account is {account.status.value}"
    if stopped := sorted(set(account.holds) & NO_REVIEW_UNDER):
        # the stay (11 U.S.C. §362) or the estate stands between the lender and the line: a pull
        # and a cut would be an act to collect, with its adverse-action notice stopped by the hold
        return f"the account is on a {stopped[0]} hold"
    if (
        account.reviewed_on
        and account.reviewed_on != as_of
        and (as_of - account.reviewed_on).days < cooldown_days
    ):
        return f"reviewed on {account.reviewed_on.isoformat()}; next review after {cooldown_days} days"
    return None


def _rounded(minor: int, step: int = 100) -> int:
    return minor // step * step


def decide(
    account: Account, report: CreditReport | None, rules: Rules, factors: KeyFactorTable | None = None
) -> Decision:
    """The first rule that holds, and what it means for the line and the notices. `factors`: the
    key-factor table (rules/key_factors.yaml unless given), read when reasons come from the score."""
    limit = account.credit_limit or 0
    rule = next((r for r in rules.rules if r.when.holds(account, report)), None)
    action = rule.action if rule else "keep"
    new_limit, freeze = limit, account.charging_frozen
    if action == "reduce":
        # never below what is already owed: the line closes down to the balance, not under it
        new_limit = min(limit, max(_rounded(limit * rule.limit_pct // 100), max(account.balance, 0)))
        if new_limit >= limit:
            action = "keep"
    elif action == "extend":
        new_limit = _rounded(limit * rule.limit_pct // 100)
    elif action == "freeze":
        if account.charging_frozen:
            action = "keep"
        freeze = True
    elif action == "close":
        new_limit, freeze = 0, True
    used = rule.when.used() if rule and action != "keep" else set()
    adverse = action in ADVERSE
    us = account.jurisdiction == "US"
    used_report = bool(used & REPORT_FIELDS)
    delinquency_based = bool(used & ACCOUNT_FIELDS)
    return Decision(
        action=action,
        rule=rule.name if rule and action != "keep" else None,
        rules_version=rules.version,
        old_limit=limit,
        new_limit=new_limit,
        freeze=freeze,
        reasons=rule.principal_reasons(report, factors) if rule and action != "keep" else (),
        used_report=used_report,
        delinquency_based=delinquency_based,
        ecoa_statement=us and adverse and not delinquency_based,
        fcra_disclosure=us and adverse and used_report,
    )


def notice(
    decision: Decision,
    report: CreditReport | None,
    as_of: date,
    ecoa_agencies: Sequence[str] = (),
    factors: KeyFactorTable | None = None,
) -> OwedNotice:
    """The letter the customer is owed: the change, and the legal sections only where they apply.

    `ecoa_agencies`: the creditor's (its strategy's creditor data), named by the ECOA statement.
    Each key factor and agency goes with its text in every letter language, so the letter prints it
    in the customer's; what cannot be named raises AdverseActionIncomplete, before the line changes.
    """
    scored = report is not None and report.outcome == "scored" and decision.fcra_disclosure
    factors_shown = (
        adverse_action.disclosed_key_factors(report.key_factors, report.score_model, factors)
        if scored
        else []
    )
    return OwedNotice(
        LetterCode.CREDIT_LINE_CHANGE,
        notice_trigger(as_of),
        (
            ("action", decision.action),
            ("old_limit", decision.old_limit),
            ("new_limit", decision.new_limit),
            ("effective_on", as_of.isoformat()),
            ("reasons", list(decision.reasons)),
            ("ecoa_statement", decision.ecoa_statement),
            (
                "ecoa_agencies",
                adverse_action.ecoa_agencies(ecoa_agencies) if decision.ecoa_statement else [],
            ),
            ("fcra_disclosure", decision.fcra_disclosure),
            ("bureau", report.bureau.model_dump() if decision.fcra_disclosure and report else None),
            ("score", report.score if scored else None),
            ("score_low", report.score_low if scored else None),
            ("score_high", report.score_high if scored else None),
            ("scored_on", report.scored_on.isoformat() if scored else None),
            ("key_factors", factors_shown),
        ),
    )


def notice_trigger(as_of: date) -> str:
    """The notice's key, which is also its letter's: the overdue check finds the letter by it."""
    return f"credit-review@{as_of.isoformat()}"


def owed_by_law(decision: Decision) -> bool:
    """Whether the notice is one the law requires (ECOA reasons, or the FCRA §615(a) notice), and so
    one with a deadline to meet (Reg B §1002.9(a)(1)(iii): 30 days)."""
    return decision.ecoa_statement or decision.fcra_disclosure
