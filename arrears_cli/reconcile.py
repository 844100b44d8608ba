"""`arrears report reconcile`: the ledger's collected payments against a processor's settlement report.

Reads Stripe's itemized balance-change report (`balance_change_from_activity.itemized`, amounts
in major units) or Adyen's Settlement details report; the header says which. Every payment id
lands in one of: matched, amount_difference, suspense (they paid it, it sits in our suspense),
missing_ours (they settled it, we never posted it), missing_theirs (we posted it, they did not
settle it in the report's period).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money
from arrears.domain.posting import Receipt

STRIPE_KINDS = {"charge": "paid", "payment": "paid", "refund": "reversed", "dispute": "reversed",
                "dispute_reversal": "returned"}  # fmt: skip
ADYEN_KINDS = {
    "Settled": "paid",
    "Refunded": "reversed",
    "Chargeback": "reversed",
    "ChargebackReversed": "returned",
}


@dataclass(frozen=True)
class Line:
    payment_id: str
    kind: str  # paid, reversed (refund, chargeback), returned (a won dispute)
    amount: Money
    on: date


@dataclass(frozen=True)
class Settlement:
    provider: str
    lines: list[Line]

    @property
    def period(self) -> tuple[date, date]:
        days = [line.on for line in self.lines]
        return min(days), max(days)


def _money(text: str, currency: str, where: str) -> Money:
    try:
        return Money.parse((text or "0").replace(",", ""), currency)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from exc


def read(text: str) -> Settlement:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    header = set(rows[0]) if rows else set()
    if {"balance_transaction_id", "reporting_category", "gross", "payment_intent_id"} <= header:
        return Settlement("stripe", list(_stripe(rows)))
    if {"Psp Reference", "Type", "Gross Currency", "Gross Credit (GC)"} <= header:
        return Settlement("adyen", list(_adyen(rows)))
    raise InvalidInput("not a Stripe itemized balance report or an Adyen settlement details report")


def _stripe(rows):
    for n, row in enumerate(rows, 2):
        kind = STRIPE_KINDS.get(row["reporting_category"])
        if kind is None or not row.get("payment_intent_id"):
            continue  # fees, payouts, transfers: not a customer's payment
        currency = row["currency"].upper()
        gross = _money(row["gross"], currency, f"line {n}")
        on = datetime.fromisoformat(row["created_utc"]).date()
        yield Line(row["payment_intent_id"], kind, Money(abs(gross.minor), currency), on)


def _adyen(rows):
    for n, row in enumerate(rows, 2):
        kind = ADYEN_KINDS.get(row["Type"])
        if kind is None:
            continue
        currency = row["Gross Currency"].upper()
        credit = _money(row.get("Gross Credit (GC)", ""), currency, f"line {n}")
        debit = _money(row.get("Gross Debit (GC)", ""), currency, f"line {n}")
        on = datetime.fromisoformat(row["Creation Date"][:19]).date()
        yield Line(row["Psp Reference"], kind, Money(credit.minor + debit.minor, currency), on)


def reconcile(settlement: Settlement, ours: list[Receipt]) -> list[dict]:
    theirs: dict[str, dict] = defaultdict(lambda: {"paid": 0, "reversed": 0, "currency": None})
    for line in settlement.lines:
        entry = theirs[line.payment_id]
        entry["currency"] = line.amount.currency
        if line.kind == "returned":
            entry["reversed"] -= line.amount.minor
        else:
            entry[line.kind] += line.amount.minor
    held = {r.payment_id: r for r in ours}
    rows = []
    for payment_id in sorted(set(theirs) | set(held)):
        mine, settled = held.get(payment_id), theirs.get(payment_id)
        row = {
            "provider": settlement.provider,
            "payment_id": payment_id,
            "currency": (mine.amount.currency if mine else settled["currency"]),
            "ours_paid": mine.amount.minor if mine else None,
            "ours_reversed": mine.reversed if mine else None,
            "theirs_paid": settled["paid"] if settled else None,
            "theirs_reversed": settled["reversed"] if settled else None,
            "account_id": mine.account_id if mine else None,
        }
        if mine is None:
            row["result"] = "missing_ours"
        elif settled is None:
            row["result"] = "missing_theirs"
        elif (mine.amount.minor, mine.reversed) != (settled["paid"], settled["reversed"]):
            row["result"] = "amount_difference"
        elif mine.status == "suspense":
            row["result"] = "suspense"
        else:
            row["result"] = "matched"
        rows.append(row)
    return rows
