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
from arrears.domain.customer import ContactError, ContactPoint, Customer, PointStatus, Reach, Source
from arrears.domain.errors import DuplicateEntry
from arrears.domain.intake import AccountRecord
from arrears.domain.rows import FieldProblem
from arrears.domain.stages import CLOSED_STATUSES, Status
from arrears.services import account_actions
from arrears.store import accounts_repo, bureau_repo, customers_repo
from arrears.store.accounts_repo import apply_with_writes, put_once
from arrears.store.models import timeline_entry

SYSTEM_OF_RECORD = (Source.IMPORT, Source.FEED)
# The operator task of an account left without a mailing address that skip-trace does not take up.
NO_ADDRESS_TASK = "no_mailing_address"
# The timeline kind on a customer's accounts when another account joins the customer.
JOINED = "customer_joined"


def point_id(keys: Keys, point: ContactPoint) -> str:
    assert point.value is not None  # nosec B101 # named when it arrives, with its value
    return f"{point.kind.value}-{customers_repo.point_hash(keys, point.kind, point.value)[:16]}"


def merge(keys: Keys, before: Customer | None, incoming: Customer, on: date) -> Customer:
    """`incoming` (a row's customer, values in hand) laid over what is stored.

    A value seen before keeps its point and status (the system of record's consent flags are
    taken again; the employer flag is only ever set, never cleared: only an operator clears it);
    a new one is added, and from the system of record it replaces that source's earlier usable
    point of its kind (the customer moved, changed email). A point the system of record replaced
    and now sends again is the current one again (`_back`); any other retired point stays retired.
    """
    merged = before or Customer(incoming.customer_id, None)
    for point in incoming.points:
        named = replace(point, point_id=point_id(keys, point))
        known = merged.point(named.point_id)
        if known is not None:
            if point.source in SYSTEM_OF_RECORD:
                kept = replace(
                    known, consent=named.consent - known.withdrawn, employer=known.employer or named.employer
                )
                if _replaced(kept):
                    merged = _retire_others(merged, kept, point.source, on)
                    kept = _back(kept, point.source, on)
                merged = replace(
                    merged, points=tuple(kept if p.point_id == kept.point_id else p for p in merged.points)
                )
            continue
        if point.source in SYSTEM_OF_RECORD:
            merged = _retire_others(merged, named, point.source, on, same_source=True)
        merged = rules.add_point(merged, named)
    return replace(
        merged,
        name=incoming.name,  # None keeps the stored name (save seals only a given one)
        language=incoming.language or merged.language,
        accounts=tuple(dict.fromkeys((*merged.accounts, *incoming.accounts))),
    )


def _replaced(point: ContactPoint) -> bool:
    """Retired only because the system of record sent another value of its kind (`merge`), not
    for returned mail, a bounce, a wrong party or the customer's own "do not use"."""
    return (
        point.status is PointStatus.DO_NOT_USE
        and point.source in SYSTEM_OF_RECORD
        and any(point.note.startswith(f"replaced by the {s.value} on ") for s in SYSTEM_OF_RECORD)
    )


def _retire_others(
    customer: Customer, current: ContactPoint, source: Source, on: date, same_source: bool = False
) -> Customer:
    """The usable points of `current`'s kind from the system of record (with `same_source`: from
    `source` only) replaced by it."""
    for old in customer.points:
        if (
            old.point_id != current.point_id
            and old.kind is current.kind
            and old.usable
            and (old.source is source if same_source else old.source in SYSTEM_OF_RECORD)
        ):
            note = f"replaced by the {source.value} on {on.isoformat()}"
            customer = rules.change_status(customer, old.point_id, PointStatus.DO_NOT_USE, on, note)
    return customer


def _back(point: ContactPoint, source: Source, on: date) -> ContactPoint:
    """A replaced point the system of record sends again: current again, unverified (a point lost
    to returned mail or refused by the customer never comes back this way: `_replaced`)."""
    note = f"sent again by the {source.value} on {on.isoformat()}: current again, unverified"
    return replace(point, status=PointStatus.UNVERIFIED, source=source, changed_on=on, note=note)


class JoinRefused(FieldProblem):
    """A row's customer refused on its `customer_id`; the reason names the customer and the kinds
    of data that differ, never a value."""

    def __init__(self, reason: str) -> None:
        super().__init__("customer_id", reason)


def join_problem(keys: Keys, incoming: Customer, stored: Customer | None) -> str | None:
    """Why a row's customer may not be recorded as it is, or None.

    A new customer needs a name (a `customer_id` alone names a customer on record). A new account
    joins a customer on record only with the customer's data as it stands: a name or a contact
    point that is not the stored one (compared by keyed hash, nothing opened) is refused; changes
    to a customer come on a row of an account the customer already has, or from an operator.
    """
    cid = incoming.customer_id
    if stored is None:
        if incoming.name is None and not incoming.points:
            return f"no customer {cid}; a new customer needs a name"
        return None
    if set(incoming.accounts) <= set(stored.accounts):
        return None  # an account the customer has: its row may change them
    differ = []
    if incoming.name is not None and customers_repo.name_hash(keys, incoming.name) != stored.name_hash:
        differ.append("name")
    known = {p.point_id for p in stored.points}
    differ.extend(dict.fromkeys(p.kind.value for p in incoming.points if point_id(keys, p) not in known))
    if not differ:
        return None
    return (
        f"customer {cid} is on record with another {', '.join(differ)}; a new account joins a "
        "customer as on record (changes come on a row of an account they have, or from an operator)"
    )


def as_recorded(keys: Keys, incoming: Customer) -> Customer:
    """What `record` stores of a new customer, as `join_problem` compares it (no values)."""
    name = customers_repo.name_hash(keys, incoming.name) if incoming.name is not None else None
    points = tuple(replace(p, point_id=point_id(keys, p), value=None) for p in incoming.points)
    return Customer(incoming.customer_id, None, points=points, accounts=incoming.accounts, name_hash=name)


def record(keys: Keys, incoming: Customer, on: date) -> Customer:
    """Store a row's customer (new or known); returns it as stored, values not opened."""
    return record_joining(keys, incoming, on)[0]


def record_joining(keys: Keys, incoming: Customer, on: date) -> tuple[Customer, tuple[str, ...]]:
    """`record`, and the accounts the customer had when the row's account joined them (none when
    the customer is new or the account was theirs). JoinRefused: `join_problem`, nothing written."""
    joined: list[tuple[str, ...]] = [()]

    def change(before: Customer | None) -> Customer:
        joined[0] = ()
        problem = join_problem(keys, incoming, before)
        if problem is not None:
            raise JoinRefused(problem)
        if before is not None and not set(incoming.accounts) <= set(before.accounts):
            joined[0] = before.accounts  # the customer as they stand: only the account is added
            return replace(before, accounts=tuple(dict.fromkeys((*before.accounts, *incoming.accounts))))
        return merge(keys, before, incoming, on)

    saved = customers_repo.update(keys, incoming.customer_id, change, create=True)
    return saved, joined[0]


def tell_joined(accounts: tuple[str, ...], new_account: str, on: date, actor: str) -> None:
    """On the timeline of each of the customer's other accounts: another account is now the
    customer's (its id only)."""
    for account_id in accounts:
        if account_id == new_account:
            continue
        entry = timeline_entry(account_id, on, JOINED, new_account, actor, {"account_id": new_account})
        try:
            apply_with_writes(account_id, lambda a, e=entry: (a, [put_once("record", e)]))
        except DuplicateEntry:
            continue  # told before (a replay)


def reach_of(customer: Customer) -> tuple[str, ...]:
    """How the customer can be reached, as an account carries it."""
    return tuple(r.value for r in rules.reach(customer))


def refresh_reach(customer: Customer, but: str | None = None) -> None:
    """Tell each of the customer's accounts (all but `but`, written already) how the customer can be
    reached now; each account listed is the customer's, and says so."""
    reach = reach_of(customer)
    for account_id in customer.accounts:
        if account_id != but:
            apply_with_writes(
                account_id, lambda a: (replace(a, reach=reach, customer_id=customer.customer_id), [])
            )


def of_row(row: AccountRecord, source: Source, on: date) -> Customer | None:
    """The customer an import or feed row describes; a row naming only its `customer_id` makes the
    account another of that customer's (their contact points are those already on record; a
    customer not on record is refused, `join_problem`)."""
    described = row.customer_of(source, on)
    if described is None and row.customer_id:
        return Customer(row.customer_id, None, accounts=(row.account_id,))
    return described


def open_account(
    keys: Keys, account: Account, incoming: Customer | None, on: date, actor: str = "import"
) -> Account:
    """A new account from the system of record (an import, a feed), with the customer its row
    describes: the customer recorded sealed, the account opened with the customer's id and reach,
    the customer's other accounts told the reach that the new row may have changed and, when the
    account joined a customer on record, that it did (`tell_joined`). JoinRefused: nothing written."""
    if incoming is None:
        accounts_repo.create_account(account)
        return account
    saved, others = record_joining(keys, incoming, on)
    opened = replace(account, customer_id=saved.customer_id, reach=reach_of(saved))
    accounts_repo.create_account(opened)
    refresh_reach(saved, but=account.account_id)
    tell_joined(others, account.account_id, on, actor)
    return opened


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


def withdraw_email_consent(keys: Keys, customer_id: str, pid: str, on: date, note: str = "") -> Customer:
    """The customer opted out of emails to this address (Reg F §1006.6(e)): its consent withdrawn
    for good, and every account of the customer learns it can no longer be emailed there."""
    changed = customers_repo.update(
        keys, customer_id, lambda c: rules.withdraw_consent(_known(c), pid, rules.EMAIL_CONSENTS, on, note)
    )
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
    status keeps its own work and an operator sees the reason on the account. A promise or an
    agreement taken since the last cycle (the status says so only from then) is a customer in
    touch, not one to trace."""
    return (
        account.status is Status.ACTIVE
        and account.promise is None
        and account.arrangement is None
        and Reach.POSTAL.value not in account.reach
    )


def route(account_id: str, on: date, actor: str, reason: str, why: str, trace: bool = True) -> str | None:
    """Where an account goes when its customer is left without a mailing address: an active one to
    skip status for `reason` (with `trace`: the next cycle starts a skip-trace), any other to an
    operator task saying `why`. None: it still has an address, is closed, or is in skip already."""
    account = accounts_repo.get_account(account_id)
    if Reach.POSTAL.value in account.reach or account.status in CLOSED_STATUSES:
        return None
    if trace and needs_tracing(account):
        account_actions.mark_unreachable(account_id, on, actor, reason)
        return Status.SKIP.value
    if account.status is Status.SKIP:
        return None
    cause = f"the account is {account.status.value}" + ("" if trace else "; the customer asked for it")
    bureau_repo.open_task(account_id, on, NO_ADDRESS_TASK, why, cause, actor)
    return f"task:{NO_ADDRESS_TASK}"


def retire(
    keys: Keys,
    customer_id: str,
    pid: str,
    status: PointStatus,
    on: date,
    actor: str,
    note: str = "",
    trace: bool = True,
) -> tuple[Customer, dict[str, str | None]]:
    """A point never used again (returned mail, a bounce, someone else's, "do not use"), and each of
    the customer's accounts left without a mailing address routed (`route`; `trace`: the point was
    lost, not refused by the customer). Returns the customer and where each account went."""
    if status not in rules.RETIRED:
        raise ContactError(f"{status.value} does not retire a contact point")
    changed = change_point(keys, customer_id, pid, status, on, note)
    point = changed.point(pid)
    kind = point.kind.value if point else "contact"
    why = f"{kind} point {pid} {status.value}: no mailing address left"
    return changed, {a: route(a, on, actor, status.value, why, trace) for a in changed.accounts}


def customer_for(keys: Keys, account: Account) -> Customer:
    """The account's customer (values not opened); an account without one has no point to change."""
    if account.customer_id is None:
        raise ContactError(f"account {account.account_id} has no customer on record: add a contact point")
    return customers_repo.get(keys, account.customer_id)


def add_to_account(
    keys: Keys, account: Account, point: ContactPoint, on: date, confirm: bool = False
) -> Customer:
    """A point an operator adds for the account's customer (a customer named after the account when
    it has none yet); the accounts learn the reach. A value the customer has already is refused,
    except with `confirm` (a skip-trace candidate the operator verified): a usable point of that
    value is then verified; a retired one stays retired."""
    named = replace(point, point_id=point_id(keys, point))
    customer_id = account.customer_id or account.account_id

    def change(before: Customer | None) -> Customer:
        base = before or Customer(customer_id, None)
        if account.account_id not in base.accounts:
            base = replace(base, accounts=(*base.accounts, account.account_id))
        known = base.point(named.point_id)
        if known is None or not confirm:
            return rules.add_point(base, named)
        if not known.usable:
            raise ContactError(
                f"contact point {known.point_id} is {known.status.value}: it is not used again"
            )
        return rules.change_status(base, known.point_id, PointStatus.VERIFIED, on, point.note)

    changed = customers_repo.update(keys, customer_id, change, create=True)
    refresh_reach(changed)
    return changed


def open_for_letter(keys: Keys, customer_id: str) -> Customer:
    """The customer with the name and values decrypted, to address a letter or an email."""
    return customers_repo.get(keys, customer_id, opened=True)
