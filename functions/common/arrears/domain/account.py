"""The collections view of an account, as plain data the logic works on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from arrears.domain.commitments import Arrangement, Promise
from arrears.domain.compliance import Hold
from arrears.domain.itemization import CreditorData
from arrears.domain.ledger import Due
from arrears.domain.letters import OwedNotice
from arrears.domain.stages import Bucket, Status


class ProductType(StrEnum):
    OPEN_END = "open_end"  # revolving: cards, lines of credit
    CLOSED_END = "closed_end"  # instalment loans, premium plans


@dataclass(frozen=True)
class Account:
    account_id: str
    portfolio: str
    product_type: ProductType
    currency: str
    opening_balance: int
    balance: int
    dues: tuple[Due, ...]
    locale: str
    time_zone: str
    jurisdiction: str
    home_shard: str  # its write shard of the `collectible` index, fixed at import
    status: Status = Status.ACTIVE
    bucket: Bucket | None = None  # None until the first cycle has looked at it
    dpd: int = 0
    past_due: int = 0
    oldest_unpaid_on: date | None = None
    instalment: int | None = None
    next_action_on: date | None = None
    last_evaluated_on: date | None = None
    census_balance: int = 0  # the balance last counted in the portfolio census
    episode_on: date | None = None  # first day of the current delinquency episode
    fired: tuple[str, ...] = ()  # ladder steps already acted on in this episode
    holds: tuple[Hold, ...] = ()  # what stops or pauses collection (a dispute, a bankruptcy, ...)
    opted_out: tuple[str, ...] = ()  # channels the customer opted out of
    customer_id: str | None = None  # the customer (Customers table) whose account this is
    # How the customer can be reached today (domain.customer.Reach), kept by the customers service
    # whenever a contact point changes: the cycle plans a channel from it without the customer item.
    reach: tuple[str, ...] = ()
    placement: str | None = None  # "agency": worked by a third-party debt collector (Reg F)
    state: str | None = None  # US: the USPS state whose statute of limitations applies (domain.limitations)
    # the earliest bar date ever found for the debt: no later change of state or due dates postpones it
    # (domain.limitations.kept_bar); None until one is found (in default, in a state on file)
    time_barred_on: date | None = None
    # What the lender says of a placed debt for the validation notice (original and current
    # creditor, itemization date and amount): given with the placement, required for a US one.
    creditor_data: CreditorData | None = None
    # the day a debt collector's validation notice was provided (`compliance.provided_on`)
    validation_notice_on: date | None = None
    promise: Promise | None = None
    arrangement: Arrangement | None = None  # a settlement for less is one too
    notices: tuple[OwedNotice, ...] = ()  # letters owed, oldest first: the next cycles send one a day
    # The census group the last cycle counted the account in, kept when a payment moves it between
    # cycles so the next cycle records the move from where the census has it; None: bucket/status say it.
    counted_as: str | None = None
    # Bureau workflows: the credit line (open-end; minor units) and when each workflow last ran.
    credit_limit: int | None = None
    charging_frozen: bool = False  # new charges refused (a freeze, short of closing the line)
    traced_on: date | None = None  # last skip-trace: the cooldown runs from here
    unlocatable_on: date | None = None  # every provider tried and none found the customer
    reviewed_on: date | None = None  # last credit review
    last_conversation_at: datetime | None = None  # the last call in which we spoke with the customer
    # Money received and not yet owed (an overpayment), by the payment that left it (its receipt's
    # key): a reversal of another payment draws on it before reopening dues (decision 22).
    credits: dict[str, int] = field(default_factory=dict)
    version: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def shard_of(account_id: str, portfolio: str, shard_count: int) -> str:
    """Stable write shard of the `collectible` index, so one day's work spreads over partitions."""
    digest = int(hashlib.sha256(account_id.encode()).hexdigest()[:8], 16)
    return shard_key(portfolio, digest % shard_count)


def shard_key(portfolio: str, index: int) -> str:
    return f"{portfolio}#{index:03d}"
