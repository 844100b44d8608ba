"""What an adverse action notice on a credit line must name, as data: the bureau's key factors in the
letter's language, the federal agency the ECOA notice names, and the day the notice is due.

- Key factors (FCRA §609(f)(1)(C), §615(a)): the bureau's reason codes differ by score model, so
  `rules/key_factors.yaml` keys them by model and code, with the text in each letter language and
  the principal reason (Reg B) each stands for. A letter prints the table's text for the code,
  never the bureau's English words in a Spanish letter. At most four factors, in the bureau's
  order; when the number of inquiries adversely affected the score and is not among the four, it
  is added as a fifth (§609(f)(9)), never cut.
- The ECOA agency (Reg B §1002.9(b)(1), appendix A): which one depends on the creditor (its
  charter, its size), so each creditor names it in its strategy; the names and addresses are the
  appendix's.
- The deadline (Reg B §1002.9(a)(1)(iii)): within 30 days after taking adverse action on an
  existing account.

A code, a model or an agency we do not know is `AdverseActionIncomplete`: the credit review stops
before the line changes and an operator takes over, rather than a notice that says less than the
law asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arrears.domain.bureau import KeyFactor
from arrears.domain.errors import ArrearsError, InvalidInput

KEY_FACTORS_FILE = Path(__file__).resolve().parents[2] / "rules" / "key_factors.yaml"
NOTICE_DAYS = 30  # Reg B §1002.9(a)(1)(iii)
MAX_KEY_FACTORS = 4  # FCRA §609(f)(1)(C)
# The principal reason a key factor stands for, in the creditor's words (Reg B appendix C's list:
# "delinquent past or present credit obligations", "collection action or judgment", "limited
# credit experience", "number of recent inquiries on credit bureau report"...).
ScoreReason = Literal[
    "delinquent_credit_obligations",
    "collection_or_public_record",
    "high_utilization",
    "short_credit_history",
    "recent_inquiries",
]
INQUIRIES: ScoreReason = "recent_inquiries"


class AdverseActionIncomplete(ArrearsError):
    """An adverse action notice cannot name what the law asks of it (a principal reason, a key factor
    in the letter's language, the creditor's ECOA agency): nothing changes, an operator takes over."""


# Read by the credit review's decide and change steps only: built on first use (defer_build), and
# YAML is imported there too.
class FactorText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    en: str = Field(min_length=3)
    es: str = Field(min_length=3)
    reason: ScoreReason


class KeyFactorTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    version: int = Field(ge=1)
    # score model (as the bureau names it in the report) -> the bureau's code -> what it says
    models: dict[str, dict[str, FactorText]] = Field(min_length=1)

    def text(self, score_model: str, code: str) -> FactorText:
        codes = self.models.get(score_model)
        if codes is None:
            raise AdverseActionIncomplete(f"no key-factor table for the score model {score_model!r}")
        found = codes.get(code)
        if found is None:
            raise AdverseActionIncomplete(f"key factor {code!r} of {score_model!r} is not in the table")
        return found


@lru_cache(maxsize=4)
def load_key_factors(path: Path = KEY_FACTORS_FILE) -> KeyFactorTable:
    import yaml

    try:
        return KeyFactorTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidInput(f"{path.name}: {problems}") from exc


def disclosed_key_factors(
    factors: Sequence[KeyFactor], score_model: str, table: KeyFactorTable | None = None
) -> list[dict[str, str]]:
    """The key factors the notice prints, each as {code, en, es}: the first four in the bureau's
    order, and the inquiries factor as a fifth when it came later (§609(f)(9))."""
    table = table if table is not None else load_key_factors()
    texts = [(f.code, table.text(score_model, f.code)) for f in factors]  # every code known, or stop
    shown = texts[:MAX_KEY_FACTORS]
    if all(t.reason != INQUIRIES for _, t in shown):
        shown += [(code, t) for code, t in texts[MAX_KEY_FACTORS:] if t.reason == INQUIRIES][:1]
    return [{"code": code, "en": t.en, "es": t.es} for code, t in shown]


def score_reasons(
    factors: Sequence[KeyFactor], score_model: str, table: KeyFactorTable | None = None
) -> tuple[str, ...]:
    """What lowered the score, as principal reasons, most important first: a score below a cutoff is
    not itself a specific reason (Reg B §1002.9(b)(2), comment 9(b)(2)-1)."""
    if not factors:
        raise AdverseActionIncomplete(
            "the score came without key factors: its principal reasons cannot be named"
        )
    table = table if table is not None else load_key_factors()
    return tuple(dict.fromkeys(table.text(score_model, f.code).reason for f in factors))


@dataclass(frozen=True)
class Agency:
    """A federal agency as an ECOA notice names it: the office as a sentence of the letter names it
    (article included), in each letter language (the Spanish keeps the English name, which mail to
    the agency must carry), and the address appendix A gives."""

    en: str
    es: str
    address: str


# Reg B appendix A as amended in 2023 (mandatory from March 20, 2024), for the creditors that lend
# to consumers. The appendix also lists air carriers, creditors under the Surface Transportation
# Board or the Packers and Stockyards Act, small business investment companies, brokers and
# dealers, and Farm Credit institutions: add them, with the appendix's address, if one is ever ours.
ECOA_AGENCIES: dict[str, Agency] = {
    # ¶1: banks, savings associations and credit unions over $10 billion in assets, and their affiliates
    "cfpb": Agency(
        "the Consumer Financial Protection Bureau",
        "la Oficina para la Protección Financiera del Consumidor (Consumer Financial Protection Bureau)",
        "1700 G Street NW, Washington, DC 20552",
    ),
    # ¶2(a): national banks, federal savings associations, federal branches and agencies of foreign banks
    "occ": Agency(
        "the Office of the Comptroller of the Currency, Customer Assistance Group",
        "la Oficina del Contralor de la Moneda (Office of the Comptroller of the Currency), "
        "Customer Assistance Group",
        "P.O. Box 53570, Houston, TX 77052",
    ),
    # ¶2(b): state member banks and the others the appendix lists with them
    "frb": Agency(
        "the Federal Reserve Consumer Help Center",
        "el Centro de Ayuda al Consumidor de la Reserva Federal (Federal Reserve Consumer Help Center)",
        "P.O. Box 1200, Minneapolis, MN 55480",
    ),
    # ¶2(c): nonmember insured banks, insured state branches of foreign banks, insured state
    # savings associations
    "fdic": Agency(
        "the Division of Depositor and Consumer Protection, National Center for Consumer and Depositor "
        "Assistance, Federal Deposit Insurance Corporation",
        "la Corporación Federal de Seguro de Depósitos (Federal Deposit Insurance Corporation), Division of "
        "Depositor and Consumer Protection, National Center for Consumer and Depositor Assistance",
        "1100 Walnut Street, Box #11, Kansas City, MO 64106",
    ),
    # ¶2(d): federal credit unions
    "ncua": Agency(
        "the National Credit Union Administration, Office of Consumer Financial Protection",
        "la Administración Nacional de Cooperativas de Crédito (National Credit Union Administration), "
        "Office of Consumer Financial Protection",
        "1775 Duke Street, Alexandria, VA 22314",
    ),
    # ¶9: retailers, finance companies and all other creditors not listed above (and, beside the
    # Bureau, the affiliates of ¶1 that are not banks, savings associations or credit unions)
    "ftc": Agency(
        "the Federal Trade Commission, Consumer Response Center",
        "la Comisión Federal de Comercio (Federal Trade Commission), Consumer Response Center",
        "600 Pennsylvania Avenue NW, Washington, DC 20580",
    ),
}


def ecoa_agencies(codes: Sequence[str]) -> list[dict[str, str]]:
    """The agencies the ECOA notice names, each as {code, en, es, address}."""
    unknown = [c for c in codes if c not in ECOA_AGENCIES]
    if unknown or not codes:
        raise AdverseActionIncomplete(
            f"no ECOA agency named for the creditor ({', '.join(unknown) or 'none configured'})"
        )
    return [
        {"code": c, "en": ECOA_AGENCIES[c].en, "es": ECOA_AGENCIES[c].es, "address": ECOA_AGENCIES[c].address}
        for c in codes
    ]


def notice_due_by(decided_on: date) -> date:
    """The last day the notice may be sent (mailed or delivered: Reg B §1002.2(w))."""
    return decided_on + timedelta(days=NOTICE_DAYS)
