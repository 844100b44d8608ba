"""Customers and their contact points: what the import, the feed, an operator and skip-trace
record, and what the accounts learn from it (how the customer can be reached).

A point is named by the keyed hash of its value (`postal-<hash>`), so the same address or email
given again, by any source, is the same point with its status: an address that came back as
returned mail stays retired when the system of record sends it again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from arrears.adapters.personal_data import Keys
from arrears.domain import customer as rules
from arrears.domain.account import Account
from arrears.domain.customer import ContactPoint, Customer, PointStatus, Source
from arrears.domain.stages import Status
from arrears.store import customers_repo
from arrears.store.accounts_repo import apply_with_writes

SYSTEM_OF_RECORD = (Source.IMPORT, Source.FEED)


def point_id(keys: Keys, point: ContactPoint) -> str:
    assert point.value is not None  # nosec B101 # named when it arrives, with its value
    return f"{point.kind.value}-{customers_repo.point_hash(keys, point.kind, point.value)[:16]}"


def merge(keys: Keys, before: Customer | None, incoming: Customer, on: date) -> Customer:
    """`incoming` (a row's customer, values in hand) laid over what is stored.

    A value seen before keeps its point and status (the system of record's consent flags are
    taken again); a new one is added, and from the system of record it replaces that source's
    earlier usable point of its kind (the customer moved, changed email).
    """
    merged = before or Customer(incoming.customer_id, None)
    for point in incoming.points:
        named = replace(point, point_id=point_id(keys, point))
        known = merged.point(named.point_id)
        if known is not None:
            if point.source in SYSTEM_OF_RECORD:
                kept = replace(known, consent=named.consent, employer=named.employer)
                merged = replace(merged, points=tuple(kept if p is known else p for p in merged.points))
            continue
        if point.source in SYSTEM_OF_RECORD:
            for old in merged.points:
                if old.kind is point.kind and old.source is point.source and old.usable:
                    note = f"replaced by the {point.source.value} on {on.isoformat()}"
                    merged = rules.change_status(merged, old.point_id, PointStatus.DO_NOT_USE, on, note)
        merged = rules.add_point(merged, named)
    return replace(
        merged,
        name=incoming.name,  # None keeps the stored name (save seals only a given one)
        language=incoming.language or merged.language,
        accounts=tuple(dict.fromkeys((*merged.accounts, *incoming.accounts))),
    )


def record(keys: Keys, incoming: Customer, on: date) -> Customer:
    """Store a row's customer (new or known); returns it as stored, values not opened."""
    return customers_repo.update(
        keys, incoming.customer_id, lambda before: merge(keys, before, incoming, on), create=True
    )


def refresh_reach(customer: Customer) -> None:
    """Tell each of the customer's accounts how the customer can be reached now."""
    reach = tuple(r.value for r in rules.reach(customer))
    for account_id in customer.accounts:
        apply_with_writes(account_id, lambda a: (replace(a, reach=reach), []))


def _known(customer: Customer | None) -> Customer:
    assert customer is not None  # nosec B101 # read without `create`: CustomerNotFound before this
    return customer


def change_point(
    keys: Keys, customer_id: str, pid: str, status: PointStatus, on: date, note: str = ""
) -> Customer:
    changed = customers_repo.update(
        keys, customer_id, lambda c: rules.change_status(_known(c), pid, status, on, note)
    )
    refresh_reach(changed)
    return changed


def add_point(keys: Keys, customer_id: str, point: ContactPoint) -> Customer:
    """A point an operator or skip-trace found; a value the customer already has is refused."""
    named = replace(point, point_id=point_id(keys, point))
    changed = customers_repo.update(keys, customer_id, lambda c: rules.add_point(_known(c), named))
    refresh_reach(changed)
    return changed


def delivery_failed(keys: Keys, customer_id: str, pid: str, on: date, note: str = "") -> Customer:
    """A letter came back or an email bounced: the point is retired and the accounts learn it."""
    changed = customers_repo.update(
        keys, customer_id, lambda c: rules.delivery_failed(_known(c), pid, on, note)
    )
    refresh_reach(changed)
    return changed


def needs_tracing(account: Account) -> bool:
    """An active account with no address to write to goes to skip-trace (skip status); any other
    status keeps its own work and an operator sees the reason on the account."""
    return account.status is Status.ACTIVE and rules.Reach.POSTAL.value not in account.reach


def open_for_letter(keys: Keys, customer_id: str) -> Customer:
    """The customer with the name and values decrypted, to address a letter or an email."""
    return customers_repo.get(keys, customer_id, opened=True)
