"""The money the ledger posted in a period, by channel, currency or day, and its tie-out.

Pure: the store turns each ledger item into a `Posting` (arrears.store.ledger_repo); this module
says what kind and channel a posting is, adds postings up into rows and checks the rows against
the same ledger read another way. Amounts stay in signed minor units, per currency: a row never
adds two currencies together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from arrears.domain.ledger import EntryKind

# The channels the lender's daily feed names (detail["channel"] on the entries it posts).
FEED_CHANNELS = ("branch", "terminal", "transfer", "direct_debit", "deposit", "other")
PROCESSOR = "processor"  # money through a webhook sender (Stripe, Adyen, Standard Webhooks)
SYSTEM = "system"  # fees, interest, adjustments and write-offs the system of record or an operator posted
MAX_CHANNEL_LENGTH = 64

WRITE_OFF_PREFIX = "settlement-writeoff:"
REINSTATED_PREFIX = "settlement-reinstated:"


class ReportKind(StrEnum):
    """A posting as accounting reads it: the ledger's kinds, with a settlement's write-off (and its
    undoing) apart from the other adjustments."""

    PAYMENT = "payment"
    REVERSAL = "reversal"
    FEE = "fee"
    INTEREST = "interest"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    WRITE_OFF_REINSTATED = "write_off_reinstated"


def report_kind(entry_kind: str, entry_id: str) -> ReportKind:
    """The kind a posting is reported as: an adjustment keyed `settlement-writeoff:...` is a write-off
    (arrears.domain.posting.forgiveness_entry), `settlement-reinstated:...` its undoing."""
    kind = EntryKind(entry_kind)
    if kind is EntryKind.ADJUSTMENT and entry_id.startswith(WRITE_OFF_PREFIX):
        return ReportKind.WRITE_OFF
    if kind is EntryKind.ADJUSTMENT and entry_id.startswith(REINSTATED_PREFIX):
        return ReportKind.WRITE_OFF_REINSTATED
    return ReportKind(kind.value)


def channel_of(detail: Mapping[str, Any], kind: ReportKind) -> str:
    """Where the money of a ledger posting came through: the one rule, so that a new writer only
    has to put `detail["channel"]` on its entries.

    - a settlement's write-off (or its undoing) is `system`: no money moved, the system decided it,
      whatever payment completed the settlement;
    - `detail["channel"]` when the writer named one (the daily feed: branch, terminal, transfer,
      direct_debit, deposit, other);
    - `processor:<provider>` when the entry came from a processor's webhook (`detail["event"]`, the
      PaymentEvent's summary): the provider the money went through (`payment_provider`, e.g. a
      Standard Webhooks sender relaying Stripe) or else the sender itself, so each processor's
      row reconciles against that processor's settlement report;
    - `system` otherwise: fees, interest and adjustments of the system of record or an operator.
    """
    if kind in (ReportKind.WRITE_OFF, ReportKind.WRITE_OFF_REINSTATED):
        return SYSTEM
    named = detail.get("channel")
    if isinstance(named, str) and named.strip():
        return named.strip().lower()[:MAX_CHANNEL_LENGTH]
    event = detail.get("event")
    if isinstance(event, Mapping):
        provider = event.get("payment_provider") or event.get("provider")
        if isinstance(provider, str) and provider.strip():
            return f"{PROCESSOR}:{provider.strip().lower()[:MAX_CHANNEL_LENGTH]}"
        return PROCESSOR
    return SYSTEM


@dataclass(frozen=True)
class Posting:
    """One ledger entry as the report reads it; `amount` is signed minor units (a payment negative)."""

    account_id: str
    entry_id: str
    kind: ReportKind
    channel: str
    amount: int
    currency: str
    posted_on: str  # ISO date: the business day the entry counts on


# A row of the report: its group, currency, count of entries and amounts (JSON as it is written).
Row = dict[str, Any]


class By(StrEnum):
    CHANNEL = "channel"
    CURRENCY = "currency"
    DAY = "day"


# Each column of a row, the kinds it adds up and the sign that makes it read positive:
# collected is money in (payments are negative entries), written off is balance forgiven.
COLUMNS: dict[str, tuple[ReportKind, int]] = {
    "collected": (ReportKind.PAYMENT, -1),
    "reversed": (ReportKind.REVERSAL, 1),
    "fees": (ReportKind.FEE, 1),
    "interest": (ReportKind.INTEREST, 1),
    "adjustments": (ReportKind.ADJUSTMENT, 1),
    "written_off": (ReportKind.WRITE_OFF, -1),
    "reinstated": (ReportKind.WRITE_OFF_REINSTATED, 1),
}
AMOUNT_COLUMNS = (*COLUMNS, "net")


def _group(posting: Posting, by: By) -> str:
    if by is By.CHANNEL:
        return posting.channel
    if by is By.DAY:
        return posting.posted_on
    return posting.currency


def rows(postings: Iterable[Posting], by: By) -> list[Row]:
    """One row per group (channel, day, or currency) and currency, sorted, with the count of entries,
    each column's total and `net`: the sum of the entries' signed amounts, what the balances owed
    moved by (negative: they went down). All amounts in minor units."""
    column_of = {kind: (name, sign) for name, (kind, sign) in COLUMNS.items()}
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for posting in postings:
        row = totals.setdefault(
            (_group(posting, by), posting.currency),
            {"entries": 0, **dict.fromkeys(AMOUNT_COLUMNS, 0)},
        )
        name, sign = column_of[posting.kind]
        row["entries"] += 1
        row[name] += sign * posting.amount
        row["net"] += posting.amount
    return [
        {**({} if by is By.CURRENCY else {by.value: group}), "currency": currency, **figures}
        for (group, currency), figures in sorted(totals.items())
    ]


@dataclass(frozen=True)
class Sums:
    """How many entries of a currency, and the sum of their signed amounts."""

    entries: int
    amount: int


def sums_of_rows(report_rows: Iterable[Row]) -> dict[str, Sums]:
    per_currency: dict[str, Sums] = {}
    for row in report_rows:
        seen = per_currency.get(row["currency"], Sums(0, 0))
        per_currency[row["currency"]] = Sums(seen.entries + row["entries"], seen.amount + row["net"])
    return per_currency


def tie_out(report_rows: Iterable[Row], ledger: Mapping[str, Sums]) -> list[Row]:
    """The rows against the ledger read apart, per currency: one line each, `ties` when the count of
    entries and the sum of their amounts agree. A dropped or double-counted entry changes both."""
    reported = sums_of_rows(report_rows)
    lines = []
    for currency in sorted(set(reported) | set(ledger)):
        ours, theirs = reported.get(currency, Sums(0, 0)), ledger.get(currency, Sums(0, 0))
        lines.append(
            {
                "currency": currency,
                "report_entries": ours.entries,
                "ledger_entries": theirs.entries,
                "report_net": ours.amount,
                "ledger_net": theirs.amount,
                "difference": ours.amount - theirs.amount,
                "ties": ours == theirs,
            }
        )
    return lines
