"""The portfolio census: accounts and balances per bucket, carried forward day by day by the changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from arrears.domain.account import Account
from arrears.domain.money import Money
from arrears.domain.stages import BUCKETS, CLOSED_STATUSES, Bucket, Status

CLOSED = "closed"
GROUPS: tuple[str, ...] = (*[b.value for b in BUCKETS], CLOSED)


def group_of(bucket: Bucket | None, status: Status) -> str | None:
    if status in CLOSED_STATUSES:
        return CLOSED
    return bucket.value if bucket else None


@dataclass(frozen=True)
class Change:
    """One account's move in the census: from a group and balance to another."""

    from_group: str | None
    to_group: str
    currency: str
    balance_before: int
    balance_after: int


class Census(TypedDict, total=False):
    """As stored: accounts per group, and their balances per currency and group (minor units).
    Empty before the first cycle."""

    accounts: dict[str, int]
    balances: dict[str, dict[str, int]]


def roll_forward(previous: Census, changes: Iterable[Change]) -> Census:
    accounts: Counter[str] = Counter()
    accounts.update(previous.get("accounts", {}))
    balances: dict[str, Counter[str]] = {c: Counter(v) for c, v in previous.get("balances", {}).items()}
    for change in changes:
        per_currency = balances.setdefault(change.currency, Counter())
        if change.from_group is not None:
            accounts[change.from_group] -= 1
            per_currency[change.from_group] -= change.balance_before
        accounts[change.to_group] += 1
        per_currency[change.to_group] += change.balance_after
    return {
        "accounts": {g: accounts.get(g, 0) for g in GROUPS},
        "balances": {c: {g: v.get(g, 0) for g in GROUPS} for c, v in sorted(balances.items())},
    }


def transitions(changes: Iterable[Change]) -> dict[str, int]:
    moves = Counter(f"{c.from_group or 'new'}->{c.to_group}" for c in changes if c.from_group != c.to_group)
    return dict(sorted(moves.items()))


def census_of(accounts: Iterable[Account], as_counted: bool = False) -> Census:
    """The census the accounts themselves make: each account a cycle has looked at, in its group
    with its balance. `as_counted`: where the census last counted it, which a payment or an
    operator's action since the last close does not change until the next cycle counts the move."""
    changes = []
    for account in accounts:
        if as_counted:
            group, amount = (
                account.counted_as or group_of(account.bucket, account.status),
                account.census_balance,
            )
        else:
            group, amount = group_of(account.bucket, account.status), account.balance
        if group is not None:
            changes.append(Change(None, group, account.currency, 0, amount))
    return roll_forward({}, changes)


def disagreements(stored: Census, counted: Census) -> list[str]:
    """Where a stored census differs from the one the accounts make, in words; empty: they agree."""
    found = []
    for group in GROUPS:
        was, now = stored.get("accounts", {}).get(group, 0), counted.get("accounts", {}).get(group, 0)
        if was != now:
            found.append(f"{group}: {was} accounts in the census, {now} on the accounts")
    currencies = sorted({*stored.get("balances", {}), *counted.get("balances", {})})
    for currency in currencies:
        for group in GROUPS:
            was = stored.get("balances", {}).get(currency, {}).get(group, 0)
            now = counted.get("balances", {}).get(currency, {}).get(group, 0)
            if was != now:
                found.append(
                    f"{group}: {Money(was, currency)} in the census, {Money(now, currency)} on the accounts"
                )
    return found
