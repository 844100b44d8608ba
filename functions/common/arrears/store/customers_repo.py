"""Customers in DynamoDB, their personal fields sealed before they leave the function.

The Customers table holds, per customer, one `profile` item (the sealed name, the contact points
each with its sealed value, keyed hash, source, status and consent) and, per email or phone, a
`lookup` item under the point's keyed hash, so an inbound call or a bounce finds its customer
without any plaintext at rest. The account item carries only the customer's id and how the
customer can be reached (`Account.reach`), so the cycle never reads this table to plan a step.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from pynamodb.attributes import JSONAttribute, ListAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from arrears.adapters import personal_data
from arrears.adapters.aws_clients import on_reset
from arrears.adapters.personal_data import Keys
from arrears.domain.contact_values import lookup_form
from arrears.domain.customer import (
    Address,
    Consent,
    ContactPoint,
    Customer,
    PointKind,
    PointStatus,
    Source,
    facts_of,
)
from arrears.domain.errors import CustomerNotFound, CustomerVersionConflict
from arrears.store.store_errors import is_conditional_failure, store_errors

LOOKED_UP = (PointKind.EMAIL, PointKind.PHONE)


class CustomerModel(Model):
    class Meta:
        table_name = "Customers"  # replaced by bind()

    pk = UnicodeAttribute(hash_key=True)  # customer#<id> | lookup#<hash>
    sk = UnicodeAttribute(range_key=True)  # profile | <customer id>#<point id>
    name = UnicodeAttribute(null=True)  # sealed
    name_hash = UnicodeAttribute(null=True)  # keyed hash of the normalised name (`name_hash`)
    language = UnicodeAttribute(null=True)
    accounts = ListAttribute(of=UnicodeAttribute, null=True)
    points = JSONAttribute(null=True)  # [{point_id, kind, sealed, hash, source, status, ...}]
    customer_id = UnicodeAttribute(null=True)  # lookup items: whose point it is
    point_id = UnicodeAttribute(null=True)
    version = VersionAttribute(null=True)


def bind(keys: Keys) -> None:
    if (
        CustomerModel.Meta.table_name != keys.table
        or getattr(CustomerModel.Meta, "region", None) != keys.region
    ):
        CustomerModel.Meta.table_name = keys.table
        CustomerModel.Meta.region = keys.region
        CustomerModel._connection = None


def _forget() -> None:
    CustomerModel._connection = None


on_reset(_forget, connection=True)


def _pk(customer_id: str) -> str:
    return f"customer#{customer_id}"


def _context(customer_id: str, field: str) -> dict[str, str]:
    return {"customer": customer_id, "field": field}


def point_hash(keys: Keys, kind: PointKind, value: str | Address) -> str:
    """The keyed hash of a value: how a point is found, and how the same value is known again."""
    text = (
        json.dumps([*value.lines, value.city, value.region, value.postal_code, value.country]).lower()
        if isinstance(value, Address)
        else lookup_form(kind, value)
    )
    return personal_data.lookup_hash(keys.lookup_secret, keys.region, kind.value, text)


def name_hash(keys: Keys, name: str) -> str:
    """The keyed hash of a legal name, compared (never opened) to know a row names the customer
    as stored: spacing folded and case ignored, nothing else (another spelling is another name)."""
    text = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    return personal_data.lookup_hash(keys.lookup_secret, keys.region, "name", text)


def _point_from(raw: dict, value: str | Address | None) -> ContactPoint:
    return ContactPoint(
        point_id=raw["point_id"],
        kind=PointKind(raw["kind"]),
        value=value,
        source=Source(raw["source"]),
        status=PointStatus(raw["status"]),
        consent=frozenset(Consent(c) for c in raw.get("consent", ())),
        employer=bool(raw.get("employer")),
        mobile=bool(raw.get("mobile")),
        added_on=date.fromisoformat(raw["added_on"]) if raw.get("added_on") else None,
        changed_on=date.fromisoformat(raw["changed_on"]) if raw.get("changed_on") else None,
        note=raw.get("note", ""),
        withdrawn=frozenset(Consent(c) for c in raw.get("withdrawn", ())),
    )


def _raw_point(point: ContactPoint, sealed: str, hashed: str) -> dict:
    return {**facts_of(point), "sealed": sealed, "hash": hashed}


def _open_value(keys: Keys, customer_id: str, raw: dict) -> str | Address:
    value = personal_data.unseal(keys, raw["sealed"], **_context(customer_id, raw["point_id"]))
    if raw["kind"] == PointKind.POSTAL.value:
        assert isinstance(value, dict)  # nosec B101 # sealed from an Address below
        return Address(
            tuple(value["lines"]), value["city"], value["region"], value["postal_code"], value["country"]
        )
    return str(value)


def _customer(keys: Keys, model: CustomerModel, opened: bool) -> Customer:
    customer_id = model.pk.removeprefix("customer#")
    name = None
    if opened and model.name:
        name = str(personal_data.unseal(keys, model.name, **_context(customer_id, "name")))
    points = tuple(
        _point_from(raw, _open_value(keys, customer_id, raw) if opened else None)
        for raw in model.points or ()
    )
    return Customer(
        customer_id, name, model.language, points, tuple(model.accounts or ()), model.version,
        name_hash=model.name_hash,
    )  # fmt: skip


def _profile(customer_id: str) -> CustomerModel | None:
    try:
        with store_errors():
            return CustomerModel.get(_pk(customer_id), "profile", consistent_read=True)
    except DoesNotExist:
        return None


def get(keys: Keys, customer_id: str, opened: bool = False) -> Customer:
    """The customer; with `opened`, the name and every point's value decrypted (a function whose
    role may decrypt: letters, sending, the operator function)."""
    bind(keys)
    model = _profile(customer_id)
    if model is None:
        raise CustomerNotFound(f"no customer {customer_id}")
    return _customer(keys, model, opened)


def find(keys: Keys, customer_id: str) -> Customer | None:
    try:
        return get(keys, customer_id)
    except CustomerNotFound:
        return None


def _sealed(keys: Keys, customer_id: str, point: ContactPoint) -> tuple[str, str]:
    value = point.value
    assert value is not None  # nosec B101 # a new point always comes with its value
    plain = (
        {"lines": list(value.lines), "city": value.city, "region": value.region,
         "postal_code": value.postal_code, "country": value.country}
        if isinstance(value, Address)
        else value
    )  # fmt: skip
    sealed = personal_data.seal(keys, plain, **_context(customer_id, point.point_id))
    return sealed, point_hash(keys, point.kind, value)


def _save(keys: Keys, customer: Customer, model: CustomerModel | None) -> Customer:
    """Write `customer`, changed from the profile `model` it was read from (None: a new one); the
    model's version makes the write conditional on nobody having written since.

    A point kept from the profile keeps its ciphertext; a new one (with its value) is sealed and,
    for an email or a phone, gets its lookup item. The name is sealed again only when given.
    """
    stored = {raw["point_id"]: raw for raw in model.points or ()} if model is not None else {}
    raws, new_lookups = [], []
    for point in customer.points:
        if point.point_id in stored:
            old = stored[point.point_id]
            raws.append(_raw_point(point, old["sealed"], old["hash"]))
            continue
        sealed, hashed = _sealed(keys, customer.customer_id, point)
        raws.append(_raw_point(point, sealed, hashed))
        if point.kind in LOOKED_UP:
            new_lookups.append((hashed, point.point_id))
    if model is None:
        model = CustomerModel(_pk(customer.customer_id), "profile")
    if customer.name is not None:
        model.name = personal_data.seal(keys, customer.name, **_context(customer.customer_id, "name"))
        model.name_hash = name_hash(keys, customer.name)
    model.language = customer.language
    model.accounts = list(customer.accounts)
    model.points = raws
    for hashed, point_id in new_lookups:  # before the profile: a lookup never names a point that is not there
        with store_errors():
            CustomerModel(
                f"lookup#{hashed}", f"{customer.customer_id}#{point_id}",
                customer_id=customer.customer_id, point_id=point_id,
            ).save()  # fmt: skip
    try:
        with store_errors():
            model.save()
    except PutError as exc:
        if is_conditional_failure(exc):
            raise CustomerVersionConflict(
                f"customer {customer.customer_id} changed since it was read"
            ) from None
        raise
    return replace(customer, version=model.version, name_hash=model.name_hash)


def update(
    keys: Keys, customer_id: str, change: Callable[[Customer | None], Customer], create: bool = False
) -> Customer:
    """Read, change and write back, again on a concurrent writer's fresh item. With `create`, a
    customer not stored yet is changed from None; without, it is CustomerNotFound."""
    bind(keys)
    for _ in range(5):
        model = _profile(customer_id)  # read once: the change sees it, the write keeps its ciphertexts
        if model is None and not create:
            raise CustomerNotFound(f"no customer {customer_id}")
        before = _customer(keys, model, opened=False) if model is not None else None
        try:
            return _save(keys, change(before), model)
        except CustomerVersionConflict:
            continue
    raise CustomerVersionConflict(f"customer {customer_id} kept changing; try again")


def owners(keys: Keys, kind: PointKind, value: str) -> list[tuple[str, str]]:
    """(customer id, point id) of every point holding this email or phone (normalised)."""
    bind(keys)
    hashed = point_hash(keys, kind, value)
    with store_errors():
        return [(m.customer_id or "", m.point_id or "") for m in CustomerModel.query(f"lookup#{hashed}")]
