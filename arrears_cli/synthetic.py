"""A seeded synthetic portfolio that looks like a real book: mostly current, some self-cure, some roll.

The assumptions are data (ASSUMPTIONS) and are printed in the simulation report, as the
collections domain notes ask: good enough to exercise the engine, not to price a portfolio.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arrears.domain.clock import add_months
from arrears.domain.money import Money

# locale, currency, jurisdiction, time zone, share of accounts, unit scale vs USD
MARKETS = (
    ("en-US", "USD", "US", "America/New_York", 0.50, 1),
    ("es-US", "USD", "US", "America/Los_Angeles", 0.15, 1),
    ("es-MX", "MXN", "MX", "America/Mexico_City", 0.20, 18),
    ("en-PH", "PHP", "PH", "Asia/Manila", 0.15, 57),
)

# Behaviour of the simulated customers, by share. Late payers pay after the due date and
# self-cure; rollers stop paying and most never come back; partial payers pay half.
BEHAVIOURS = (
    ("steady", 0.86),
    ("late", 0.05),
    ("partial", 0.02),
    ("roller", 0.03),
    # customers who deal with a collector: a promise, an arrangement, a dispute, a request to stop
    ("promiser", 0.02),
    ("arranger", 0.01),
    ("disputer", 0.005),
    ("bankrupt", 0.003),
    ("ceaser", 0.002),
)

ASSUMPTIONS = {
    "markets": "50% en-US/USD, 15% es-US/USD, 20% es-MX/MXN, 15% en-PH/PHP",
    "products": "60% open-end (cards, minimum payment 3% of balance, at least 25 USD-equivalent), "
    "40% closed-end (instalment = balance / 12-48 months)",
    "starting delinquency": "about 92% current, 5% 1-29 DPD, 2% 30-59, 1% 60-89",
    "statements": "billed 20 days before the monthly due date",
    "steady payers (89%)": "pay the amount due 0-10 days before the due date",
    "late payers (6%)": "pay everything past due 3-25 days after the due date (self-cure)",
    "partial payers (2%)": "pay half of what is due, around the due date",
    "rollers (3%)": "stop paying; 35% pay all past-due after 20-90 days, the rest never",
    "late fee": "25 USD-equivalent on open-end accounts the day after a missed due date",
    "promisers (2%)": "miss a due; 8 days later promise to pay it within 6 days; 60% keep the promise",
    "arrangers (1%)": "miss a due; 40 days later agree two instalments for what is past due, and pay them",
    "disputers (0.5%)": "dispute the debt 5 days after a missed due; the dispute is resolved 30 days later",
    "bankrupt (0.3%)": "file for bankruptcy 20 days after a missed due (the hold is never lifted)",
    "cease requests (0.2%)": "ask in writing that collection communications stop, 12 days after a missed due",
    "agency placement": "10% of US instalment loans are worked by a third-party collector under Reg F",
}


@dataclass
class Customer:
    account_id: str
    behaviour: str
    due_day: int
    currency: str
    scale: int
    product_type: str
    resumes_after: int | None  # rollers: days after the first missed due when they pay it all


def _pick(rng: random.Random, options: tuple, share_at: int):
    return rng.choices(options, weights=[option[share_at] for option in options])[0]


def generate(count: int, seed: int, start: date) -> tuple[list[dict], list[Customer]]:
    rng = random.Random(seed)  # nosec B311 # seeded synthetic data, never a secret
    records, customers = [], []
    for n in range(count):
        locale, currency, jurisdiction, zone, _, scale = _pick(rng, MARKETS, 4)
        behaviour = _pick(rng, BEHAVIOURS, 1)[0]
        open_end = rng.random() < 0.6
        balance = Money.parse(Decimal(rng.randint(500, 15000) * scale), currency)
        if open_end:
            instalment = max(balance.scaled(Decimal("0.03")).minor, Money.parse(25 * scale, currency).minor)
        else:
            instalment = balance.minor // rng.randint(12, 48)
        due_day = rng.randint(1, 28)
        next_due = date(start.year, start.month, due_day)
        if next_due < start:
            next_due = add_months(next_due, 1)
        late_roll = rng.random()
        months_late = 0 if late_roll < 0.92 else 1 if late_roll < 0.97 else 2 if late_roll < 0.99 else 3
        account_id = f"ACC-{seed}-{n:06d}"
        record = {
            "account_id": account_id,
            "product_type": "open-end" if open_end else "closed-end",
            "currency": currency,
            "balance": str(balance.to_decimal()),
            "amount_past_due": "0",
            "locale": locale,
            "time_zone": zone,
            "jurisdiction": jurisdiction,
            "instalment": str(Money(instalment, currency).to_decimal()),
            "next_due_date": next_due.isoformat(),
        }
        if open_end:  # a line about 1.5 times the balance, in round steps (no draw: the seed's book stays)
            step = Money.parse(500 * scale, currency).minor
            record["credit_limit"] = str(
                Money(-(-balance.minor * 3 // 2 // step) * step, currency).to_decimal()
            )
        if months_late:
            oldest = add_months(next_due, -months_late)
            record["amount_past_due"] = str(
                Money(min(instalment * months_late, balance.minor), currency).to_decimal()
            )
            record["oldest_due_date"] = oldest.isoformat()
            if behaviour == "steady":  # someone already behind is not a steady payer
                behaviour = "late"
        if jurisdiction == "US" and not open_end and rng.random() < 0.10:
            record["placement"] = "agency"
        if rng.random() < 0.6:  # consent to email
            record["email"] = f"{account_id.lower()}@example.com"
        records.append(record)
        resumes = rng.randint(20, 90) if behaviour == "roller" and rng.random() < 0.35 else None
        customers.append(
            Customer(
                account_id,
                behaviour,
                due_day,
                currency,
                scale,
                "open_end" if open_end else "closed_end",
                resumes,
            )
        )
    return records, customers
