"""A seeded synthetic portfolio that looks like a real book: mostly current, some self-cure, some roll.

The assumptions are data (ASSUMPTIONS) and are printed in the simulation report, as the
collections domain notes ask: good enough to exercise the engine, not to price a portfolio.

Each account's customer is a made-up person of the account's market (faker: en_US, es_MX, en_PH),
given as the import's customer columns (domain.contact_values.ContactColumns): a legal name, a postal
address, mostly an email and a phone, with consent as a lender records it. Nothing here is anyone's:
emails are at the reserved example.com/net/org domains, US phones in the 555-0100..0199 range kept
for fiction; MX and PH phones are valid numbers of their plans, drawn at random (those plans keep no
range for fiction). The people are drawn from their own seeded generators, so the book (balances,
dues, behaviours) is the same seed's book with or without them.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import phonenumbers
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
    "agency placement": "10% of US instalment loans, and a third of those two months or more behind, are "
    "worked by a third-party collector under Reg F; a third of such Mexican cards by a despacho",
    "US state": "one of CA, NY, TX, OH, FL, IL, GA, WA at random; the customer's address is in it",
    "old debts": "1 agency-placed loan in 4 is an old debt, wholly past due for 5-8 years, never paid: "
    "most are time-barred (rules/limitations.yaml), so no letter may threaten suit",
    "customers": "one per account: a legal name, a postal address (faker en_US for US accounts, es_MX "
    "for MX, en_PH for PH; es-US customers have es_MX names), 85% an email, 90% a phone; values made "
    "up, emails at reserved example domains, US phones in the 555-01xx range kept for fiction",
    "consent": "60% consent to email (half of them to electronic notices too); 4% of emails are the "
    "employer's; half of the mobiles consent to texts and to autodialled calls",
    "returned mail": "1 address in 6 of customers already behind or about to roll, 1 in 60 of the "
    "others, is one the customer left: each letter printed to it comes back 4-9 days later",
    "bounces": "1 email in 12 with consent is a dead mailbox: an email sent to it bounces the next day",
    "email opt-outs": "1 customer in 10 (by account id) who gets an email with an opt-out link (US "
    "profiles, Reg F §1006.6(e)) follows it the next day, through the public endpoint",
}

# How a market's customers are made up: the faker locale of their names, of their addresses and
# phones, and the country.
PEOPLE = {
    "en-US": ("en_US", "en_US", "US"),
    "es-US": ("es_MX", "en_US", "US"),  # Spanish-speaking customers in the US
    "es-MX": ("es_MX", "es_MX", "MX"),
    "en-PH": ("en_PH", "en_PH", "PH"),
}
# Area codes of each plan, and how many subscriber digits follow. US numbers are 555-0100..0199,
# the range the North American plan keeps for fiction; MX and PH have none, so a number is drawn
# until phonenumbers calls it valid for its country.
US_AREAS = ("212", "213", "305", "312", "404", "415", "512", "520", "602", "617", "702", "713", "786", "917")
MX_AREAS = (("55", 8), ("33", 8), ("81", 8), ("222", 7), ("442", 7), ("664", 7), ("999", 7))
PH_AREAS = (("0917", 7), ("0918", 7), ("0927", 7), ("0939", 7), ("0998", 7), ("02", 8), ("032", 7))
BEHIND = ("late", "partial", "roller", "promiser", "arranger", "disputer", "bankrupt", "ceaser")


@dataclass
class Customer:
    account_id: str
    behaviour: str
    due_day: int
    currency: str
    scale: int
    product_type: str
    resumes_after: int | None  # rollers: days after the first missed due when they pay it all
    customer_id: str = ""
    moved_away: bool = False  # the address on file is one the customer left: letters come back
    dead_mailbox: bool = False  # the email on file bounces


@cache
def _faker(locale: str):
    from faker import Faker  # the CLI's tooling (pyproject dev), never the functions'

    return Faker(locale)


def _phone(rng: random.Random, country: str) -> str:
    """A number valid for `country`, written as the lender's system keeps it (its national format,
    one in five in E.164)."""
    number = None
    for _ in range(50):
        if country == "US":
            raw = f"+1{rng.choice(US_AREAS)}55501{rng.randint(0, 99):02d}"
        else:
            area, digits = rng.choice(MX_AREAS if country == "MX" else PH_AREAS)
            first = str(rng.randint(2, 9)) if country == "MX" or area == "02" else str(rng.randint(1, 9))
            raw = area + first + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
        parsed = phonenumbers.parse(raw, country)
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
    if number is None:  # never seen; the plan's own example is valid by definition
        number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    style = (
        phonenumbers.PhoneNumberFormat.E164 if rng.random() < 0.2 else phonenumbers.PhoneNumberFormat.NATIONAL
    )
    return phonenumbers.format_number(number, style)


def _ascii(text: str) -> str:
    """An email's local part from a name: accents dropped (the import takes ASCII addresses only)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain if c.isalnum() or c in "._-").strip("._-") or "customer"


def _address(fake, country: str, rng: random.Random, state: str | None = None) -> dict:
    if country == "US":
        state = state or fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        lines = [f"{fake.building_number()} {fake.street_name()}"]
        if rng.random() < 0.25:
            lines.append(fake.secondary_address())
        return {
            "lines": lines,
            "city": fake.city(),
            "region": state,
            "postal_code": fake.postcode_in_state(state),
        }
    if country == "MX":
        return {
            "lines": [fake.street_address(), f"Col. {fake.city()}"],
            "city": fake.city(),
            "region": fake.state(),
            "postal_code": fake.postcode()[:5],
        }
    return {
        "lines": [fake.street_address()],
        "city": fake.province_lgu(),
        "region": fake.province(),
        "postal_code": fake.postcode(),
    }


def person(
    seed: int, n: int, locale: str, behaviour: str, email_consent: bool, state: str | None = None
) -> tuple[dict, bool, bool]:
    """The customer columns of account `n`'s row (ContactColumns' names), and whether the customer
    has moved away from that address and whether the email bounces. Reproducible from the seed."""
    names, places, country = PEOPLE[locale]
    rng = random.Random(f"{seed}:person:{n}")  # nosec B311 # seeded synthetic data, never a secret
    namer, placer = _faker(names), _faker(places)
    namer.seed_instance(f"{seed}:name:{n}")
    first, last = namer.first_name(), namer.last_name()
    name = f"{first} {last} {namer.last_name()}" if names == "es_MX" else f"{first} {last}"
    placer.seed_instance(f"{seed}:place:{n}")
    address = _address(placer, country, rng, state)  # a US customer lives in the account's state
    columns: dict = {"customer_id": f"CUS-{seed}-{n:06d}", "name": name, "language": locale[:2]}
    for i, line in enumerate(address["lines"][:3], start=1):
        columns[f"address_line{i}"] = line[:100]
    columns |= {"city": address["city"], "region": address["region"], "postal_code": address["postal_code"]}
    columns["country"] = country
    if email_consent or rng.random() < 0.625:  # 85% in all: 60% with consent, 25% without
        employer = rng.random() < 0.04
        local = _ascii(namer.user_name() if rng.random() < 0.5 else f"{first}.{last}".lower())
        domain = f"{placer.domain_word()}.example.com" if employer else placer.safe_domain_name()
        columns |= {"email": f"{local}@{domain}", "email_consent": "yes" if email_consent else "no"}
        columns["electronic_notices_consent"] = "yes" if email_consent and rng.random() < 0.5 else "no"
        columns["email_is_employer"] = "yes" if employer else "no"
    if rng.random() < 0.9:
        columns["phone"] = _phone(rng, country)
        columns["sms_consent"] = "yes" if rng.random() < 0.5 else "no"
        columns["mobile_calls_consent"] = "yes" if rng.random() < 0.5 else "no"
    moved_away = rng.random() < (1 / 6 if behaviour in BEHIND else 1 / 60)
    dead_mailbox = email_consent and "email" in columns and rng.random() < 1 / 12
    return columns, moved_away, dead_mailbox


# Where a US account's customer lives: a few states with and without a time-barred disclosure
# (rules/limitations.yaml), and periods from 3 to 10 years.
SIMULATED_STATES = ("CA", "NY", "TX", "OH", "FL", "IL", "GA", "WA")


def _pick(rng: random.Random, options: tuple, share_at: int):
    return rng.choices(options, weights=[option[share_at] for option in options])[0]


# The lender whose loans the book's agency accounts were placed from (strategies: its own ladders).
LENDER = "Arrears Card Services"


def creditor_data(record: dict, last_statement: date) -> dict:
    """What the lender gives with a placement (docs/feed.md): it still owns the debt, and the agency
    itemizes from the last statement, which the import's balance is (the ledger itemizes the rest)."""
    return {
        "original_creditor": LENDER,
        "current_creditor": LENDER,
        "itemization_kind": "last_statement",
        "itemization_date": last_statement.isoformat(),
        "itemization_amount": record["balance"],
    }


def generate(count: int, seed: int, start: date, people: bool = True) -> tuple[list[dict], list[Customer]]:
    """The book's import rows and how each customer behaves. With `people`, each row carries its
    customer (the import's customer columns); without, accounts only (a bench of the cycle alone)."""
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
        placed = jurisdiction == "US" and not open_end and rng.random() < 0.10
        # what lenders place is mostly debt two months or more behind: a third of such US loans and
        # Mexican cards (a despacho), drawn apart from the book's stream as below
        behind = months_late >= 2 and (
            jurisdiction == "US" and not open_end or jurisdiction == "MX" and open_end
        )
        placed = placed or bool(behind and random.Random(f"{seed}:placement:{n}").random() < 0.33)  # nosec B311
        if placed:
            record["placement"] = "agency"
        if placed and jurisdiction == "US":
            record.update(creditor_data(record, add_months(next_due, -1)))
        # drawn apart from the book's own stream, so that every other account of a seed stays as it was
        aside = random.Random(f"{seed}:limitations:{n}")  # nosec B311 # seeded synthetic data
        if jurisdiction == "US":
            record["state"] = aside.choice(SIMULATED_STATES)  # the customer's address is in it
        old_debt = record.get("placement") == "agency" and aside.random() < 0.25
        if old_debt:
            oldest = date(start.year - aside.randint(5, 8), start.month, due_day)
            record |= {"amount_past_due": record["balance"], "oldest_due_date": oldest.isoformat()}
        email_consent = rng.random() < 0.6
        records.append(record)
        resumes = rng.randint(20, 90) if behaviour == "roller" and rng.random() < 0.35 else None
        if old_debt:  # years behind and never paying
            behaviour, resumes = "roller", None
        customer = Customer(
            account_id,
            behaviour,
            due_day,
            currency,
            scale,
            "open_end" if open_end else "closed_end",
            resumes,
        )
        if people:
            columns, customer.moved_away, customer.dead_mailbox = person(
                seed, n, locale, behaviour, email_consent, record.get("state")
            )
            record.update(columns)
            customer.customer_id = columns["customer_id"]
        customers.append(customer)
    return records, customers
