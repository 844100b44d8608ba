"""The customer's contact points through the operators' API: an operator's change to them, the read
of them, and finding a customer by an email or a phone.

A value comes in with a request and goes out only in the answer to a level that may see it (masked
for any other); nothing here logs one, an error names the point by its id, and the request's audit
record keeps the point's id, kind and status (`requests.audited`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from arrears.adapters.personal_data import Keys
from arrears.domain.account import Account
from arrears.domain.contact_values import ContactColumns, email, phone
from arrears.domain.customer import (
    FAILURE_OF,
    Address,
    ContactError,
    ContactPoint,
    Customer,
    PointKind,
    PointStatus,
    Source,
    facts_of,
    masked,
)
from arrears.domain.errors import InvalidInput
from arrears.domain.rows import FieldProblem
from arrears.runtime.settings import get_personal_data_settings
from arrears.services import customers
from arrears.store import accounts_repo, bureau_repo, customers_repo

from operator_api.requests import ContactParams, FindParams, OperatorRequest, UnreachableParams

HIDDEN = "•••"


def _keys() -> Keys:
    return get_personal_data_settings().keys()


def _answer(change: str, point: ContactPoint | None, customer: Customer, routed: dict | None = None) -> dict:
    """What an answer and its audit record say of a change: the point by id, kind and status."""
    return {
        "change": change,
        "point_id": point.point_id if point else None,
        "kind": point.kind.value if point else None,
        "status": point.status.value if point else None,
        "reach": list(customers.reach_of(customer)),
        "routed": routed or {},
    }


def _new_point(
    columns: ContactColumns, account: Account, on: date, source: Source, note: str
) -> ContactPoint:
    """The one point `columns` describe, normalised as an import row's would be."""
    try:
        columns.contact_problem(account.jurisdiction)
        points = columns.points(account.jurisdiction, source, on)
    except FieldProblem as exc:
        raise InvalidInput(f"point.{exc.field}: {exc.reason}") from None
    if len(points) != 1:
        raise InvalidInput("point gives exactly one of address_line1, email, phone")
    return replace(points[0], note=note)


def _add(keys: Keys, request: OperatorRequest, params: ContactParams, account: Account) -> dict:
    assert params.point is not None  # nosec B101 # ContactParams: an add carries its point
    point = _new_point(params.point, account, request.on, Source.OPERATOR, params.note)
    pid = customers.point_id(keys, point)
    changed = customers.add_to_account(keys, account, point, request.on)
    return _answer("add", changed.point(pid), changed)


def _known_point(customer: Customer, pid: str) -> ContactPoint:
    point = customer.point(pid)
    if point is None:
        raise ContactError(f"customer {customer.customer_id} has no contact point {pid}")
    return point


def _verify(keys: Keys, request: OperatorRequest, params: ContactParams, account: Account) -> dict:
    customer = customers.customer_for(keys, account)
    pid = str(params.point_id)
    if _known_point(customer, pid).status is not PointStatus.VERIFIED:
        customer = customers.change_point(
            keys, customer.customer_id, pid, PointStatus.VERIFIED, request.on, params.note
        )
    return _answer("verify", customer.point(pid), customer)


def retire_point(
    keys: Keys, request: OperatorRequest, account: Account, pid: str, status: PointStatus, note: str,
    trace: bool,
) -> tuple[ContactPoint | None, Customer, dict]:  # fmt: skip
    """A point retired, and each of the customer's accounts left without an address routed: an
    active one to skip (with `trace`), any other to an operator task."""
    customer = customers.customer_for(keys, account)
    point = _known_point(customer, pid)
    failure = {v: k for k, v in FAILURE_OF.items()}.get(status)
    if failure is not None and point.kind is not failure:
        raise InvalidInput(
            f"contact point {pid} is {point.kind.value}: only a {failure.value} point is {status.value}"
        )
    changed, routed = customers.retire(
        keys, customer.customer_id, pid, status, request.on, request.operator_id, note, trace
    )
    return changed.point(pid), changed, routed


def _mark(keys: Keys, request: OperatorRequest, params: ContactParams, account: Account) -> dict:
    status = PointStatus(str(params.status))
    # "do not use" is the customer's own choice: where they are is known, so no skip-trace
    point, changed, routed = retire_point(
        keys,
        request,
        account,
        str(params.point_id),
        status,
        params.note,
        status is not PointStatus.DO_NOT_USE,
    )
    return _answer("mark", point, changed, routed)


def _candidate_point(
    found: bureau_repo.StoredCandidate, params: ContactParams, account: Account, on: date
) -> ContactPoint:
    """The point a verified candidate becomes: source skip-trace, verified, and with none of the
    consent the customer gave for their own points (a number a provider found has none)."""
    note = params.note or f"skip-trace candidate {found.candidate_id} verified"
    if found.kind == "address":
        if params.point is None or not params.point.address_line1:
            raise InvalidInput(
                f"candidate {found.candidate_id} is an address: give the whole address the customer "
                "confirmed (point.address_line1, city, postal_code)"
            )
        point = _new_point(params.point, account, on, Source.SKIPTRACE, note)
        return replace(point, status=PointStatus.VERIFIED, consent=frozenset())
    if params.point is not None:
        raise InvalidInput(f"candidate {found.candidate_id} is a {found.kind}: it needs no point")
    if found.value is None:
        raise InvalidInput(f"candidate {found.candidate_id} has no sealed value to verify")
    try:
        if found.kind == "phone":
            number, mobile = phone(found.value, account.jurisdiction)
            return ContactPoint(
                "", PointKind.PHONE, number, Source.SKIPTRACE, PointStatus.VERIFIED, mobile=mobile,
                added_on=on, note=note,
            )  # fmt: skip
        address = email(found.value)
    except ValueError as exc:
        raise InvalidInput(f"candidate {found.candidate_id}: {exc}") from None
    return ContactPoint(
        "", PointKind.EMAIL, address, Source.SKIPTRACE, PointStatus.VERIFIED, added_on=on, note=note
    )


def _verify_candidate(keys: Keys, request: OperatorRequest, params: ContactParams, account: Account) -> dict:
    """A candidate the operator confirmed with the customer becomes a verified point, once."""
    wanted = str(params.candidate_id)
    found = bureau_repo.candidate(keys, account.account_id, wanted, opened=True)
    if found.status == bureau_repo.VERIFIED and found.point_id:  # a retry, or a second look: same answer
        customer = customers.customer_for(keys, account)
        return _answer("verify_candidate", customer.point(found.point_id), customer) | {
            "candidate_id": wanted
        }
    point = _candidate_point(found, params, account, request.on)
    pid = customers.point_id(keys, point)
    changed = customers.add_to_account(keys, account, point, request.on, confirm=True)
    bureau_repo.mark_verified(account.account_id, wanted, pid, request.operator_id, request.on)
    return _answer("verify_candidate", changed.point(pid), changed) | {"candidate_id": wanted}


CHANGES: dict[str, Callable[[Keys, OperatorRequest, ContactParams, Account], dict]] = {
    "add": _add,
    "verify": _verify,
    "mark": _mark,
    "verify_candidate": _verify_candidate,
}


def contact(request: OperatorRequest, params: ContactParams, account: Account, _audit) -> dict:
    """The `contact` action: add, verify or retire a point of the account's customer."""
    try:
        return CHANGES[params.change](_keys(), request, params, account)
    except ContactError as exc:  # it names the point by id, never its value
        raise InvalidInput(str(exc)) from None


# What `unreachable` says happened to the point it names, and the kind of point it can happen to.
UNREACHABLE = {
    "returned_mail": (PointStatus.RETURNED_MAIL, PointKind.POSTAL),
    "email_bounced": (PointStatus.BOUNCED, PointKind.EMAIL),
    "wrong_number": (PointStatus.WRONG_PARTY, PointKind.PHONE),
    "disconnected_phone": (PointStatus.DO_NOT_USE, PointKind.PHONE),
}


def unreachable_at(request: OperatorRequest, params: UnreachableParams, account: Account) -> dict:
    """`unreachable` naming the point it happened on: the point retired as `contact` would retire
    it, and the account routed only if no address is left."""
    status, kind = UNREACHABLE[params.reason]
    keys = _keys()
    pid = str(params.point_id)
    try:
        known = _known_point(customers.customer_for(keys, account), pid)
        if known.kind is not kind:
            raise InvalidInput(f"{params.reason} is of a {kind.value} point; {pid} is {known.kind.value}")
        point, changed, routed = retire_point(keys, request, account, pid, status, params.reason, trace=True)
    except ContactError as exc:
        raise InvalidInput(str(exc)) from None
    return {
        "status_now": accounts_repo.get_account(account.account_id).status.value,
        "reason": params.reason,
        **_answer("mark", point, changed, routed),
    }


# ------------------------------------------------------------------ reading


def _value(value: str | Address | None) -> str | None:
    if isinstance(value, Address):
        return ", ".join(value.window_lines())
    return value


def _point_seen(point: ContactPoint, see: bool) -> dict:
    return {
        **facts_of(point),
        "value": _value(point.value) if see else masked(point),
        # the operator's words may name a phone or a relative's address: personal data as the value is
        "note": point.note if see or not point.note else HIDDEN,
    }


CANDIDATE_KIND = {"phone": PointKind.PHONE, "email": PointKind.EMAIL, "address": PointKind.POSTAL}


def _candidate_seen(found: bureau_repo.StoredCandidate, see: bool) -> dict:
    as_point = ContactPoint(found.candidate_id, CANDIDATE_KIND[found.kind], found.value, Source.SKIPTRACE)
    return {
        "candidate_id": found.candidate_id,
        "kind": found.kind,
        "value": found.value if see else masked(as_point),
        "confidence": found.confidence,
        "source": found.source,
        "found_on": found.found_on,
        "last_seen": found.last_seen,
        "status": found.status,
        "point_id": found.point_id,
    }


def personal_data(account: Account, see: bool) -> tuple[dict, list[str]]:
    """The account's customer (name and points) and skip-trace candidates, opened for a level that
    `see`s personal data and masked for any other; with what was seen, named without values."""
    keys = _keys()
    customer = customers_repo.get(keys, account.customer_id, opened=True) if account.customer_id else None
    found = bureau_repo.candidates(keys, account.account_id, opened=True)
    name = customer.name if customer else None
    answer = {
        "account_id": account.account_id,
        "customer_id": account.customer_id,
        "name": name if see or name is None else HIDDEN,
        "language": customer.language if customer else None,
        "points": [_point_seen(p, see) for p in customer.points] if customer else [],
        "candidates": [_candidate_seen(c, see) for c in found],
    }
    seen = (
        (["name"] if name else [])
        + [f"point:{p.point_id}" for p in (customer.points if customer else ())]
        + [f"candidate:{c.candidate_id}" for c in found]
    )
    return answer, seen


def find(params: FindParams) -> dict:
    """The accounts whose customer has this phone or email, by its keyed hash: for an inbound call
    or a bounce notice. The answer names accounts and points by id, never a value."""
    keys = _keys()
    try:
        if params.phone is not None:
            kind, value = PointKind.PHONE, phone(params.phone, params.country)[0]
        else:
            kind, value = PointKind.EMAIL, email(str(params.email))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    found = []
    for customer_id, pid in customers_repo.owners(keys, kind, value):
        customer = customers_repo.find(keys, customer_id)
        point = customer.point(pid) if customer else None
        for account_id in customer.accounts if customer else ():
            found.append(
                {
                    "account_id": account_id,
                    "customer_id": customer_id,
                    "point_id": pid,
                    "status": point.status.value if point else None,
                }
            )
    return {"kind": kind.value, "found": found}
