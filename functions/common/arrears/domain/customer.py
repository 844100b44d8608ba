"""The customer behind an account and the ways to reach them: which contact point a letter, an
email or a call may use, and what a returned letter or a bounced email changes.

Plain data and rules. The values (a name, an address, an email, a phone) are personal data: the
store keeps them encrypted, and nothing here logs, formats into an error, or hashes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum


class PointKind(StrEnum):
    POSTAL = "postal"
    EMAIL = "email"
    PHONE = "phone"


class Source(StrEnum):
    IMPORT = "import"
    FEED = "feed"
    OPERATOR = "operator"
    SKIPTRACE = "skiptrace"


class PointStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    WRONG_PARTY = "wrong_party"
    RETURNED_MAIL = "returned_mail"
    BOUNCED = "bounced"
    DO_NOT_USE = "do_not_use"


# A point in one of these is never used again for that customer: a letter that came back, an email
# that bounced, someone else's number, or the customer's own "do not use" (Reg F §1006.14(h)).
RETIRED = frozenset(
    {PointStatus.WRONG_PARTY, PointStatus.RETURNED_MAIL, PointStatus.BOUNCED, PointStatus.DO_NOT_USE}
)
USABLE = frozenset({PointStatus.UNVERIFIED, PointStatus.VERIFIED})

# What a failed delivery marks a point as, by the kind of point it failed on.
FAILURE_OF = {PointKind.POSTAL: PointStatus.RETURNED_MAIL, PointKind.EMAIL: PointStatus.BOUNCED}


class Consent(StrEnum):
    """Consent the law asks for before a channel is used, recorded per contact point."""

    EMAIL = "email"  # to be emailed at all (CAN-SPAM aside, the customer's own choice)
    # Reg F §1006.42(b) and E-SIGN: a notice the law requires in writing may go by email only
    # with the consumer's consent to electronic delivery of that notice.
    ELECTRONIC_NOTICES = "electronic_notices"
    SMS = "sms"  # TCPA: texts to a mobile
    CALLS_TO_MOBILE = "calls_to_mobile"  # TCPA: autodialled or prerecorded calls to a mobile


# Who may be reached on a point, and how. Stored on the account (no personal data in them), so the
# cycle chooses a channel without reading the customer; the customer item is read only to send.
class Reach(StrEnum):
    POSTAL = "postal"
    EMAIL = "email"
    EMAIL_NOTICES = "email_notices"  # email, with consent to receive required notices that way
    PHONE = "phone"


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]  # street lines, 1 to 3
    city: str
    region: str  # state, estado or province; "" where there is none
    postal_code: str
    country: str  # ISO 3166-1 alpha-2

    def window_lines(self) -> tuple[str, ...]:
        """The address as it is printed under the name in the envelope window."""
        last = " ".join(
            part for part in (self.city + ("," if self.region else ""), self.region, self.postal_code) if part
        )
        return (*self.lines, last, self.country)


@dataclass(frozen=True)
class ContactPoint:
    point_id: str
    kind: PointKind
    # An email or a phone (E.164) as text; a postal address as an Address. None when the caller
    # holds the point without its value (read without decrypting).
    value: str | Address | None
    source: Source
    status: PointStatus = PointStatus.UNVERIFIED
    consent: frozenset[Consent] = frozenset()
    # An email address known to be the employer's (Reg F §1006.22(f)(3)). Sticky: a row from the
    # system of record may set it, never clear it; only an operator says otherwise.
    employer: bool = False
    mobile: bool = False
    added_on: date | None = None
    changed_on: date | None = None
    note: str = ""  # why its status last changed; an operator's words, no personal data
    # Consent the customer took back (the email opt-out, Reg F §1006.6(e)): never granted again by
    # the system of record's flags (services.customers.merge), only by the customer anew.
    withdrawn: frozenset[Consent] = frozenset()

    @property
    def usable(self) -> bool:
        return self.status in USABLE


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str | None  # the legal name; None when held without decrypting
    language: str | None = None  # preferred language of letters and calls (en, es)
    points: tuple[ContactPoint, ...] = ()
    accounts: tuple[str, ...] = ()
    version: int | None = None
    # The keyed hash of the legal name as stored (`customers_repo.name_hash`): how a row naming the
    # customer is known to carry the same name without decrypting it. None for a profile stored
    # before names were hashed, or one without a name.
    name_hash: str | None = None

    def point(self, point_id: str) -> ContactPoint | None:
        return next((p for p in self.points if p.point_id == point_id), None)


def facts_of(point: ContactPoint) -> dict[str, object]:
    """What is known about a point besides its value, as stored and as shown: no personal data."""
    return {
        "point_id": point.point_id,
        "kind": point.kind.value,
        "source": point.source.value,
        "status": point.status.value,
        "consent": sorted(c.value for c in point.consent),
        "employer": point.employer,
        "mobile": point.mobile,
        "added_on": point.added_on.isoformat() if point.added_on else None,
        "changed_on": point.changed_on.isoformat() if point.changed_on else None,
        "note": point.note,
        "withdrawn": sorted(c.value for c in point.withdrawn),
    }


def _best(points: tuple[ContactPoint, ...]) -> ContactPoint | None:
    """Verified before unverified, then the most recently added."""
    ranked = sorted(
        points, key=lambda p: (p.status is PointStatus.VERIFIED, p.added_on or date.min), reverse=True
    )
    return ranked[0] if ranked else None


def mailing_address(customer: Customer) -> ContactPoint | None:
    """Where a letter goes: a postal address not retired."""
    return _best(tuple(p for p in customer.points if p.kind is PointKind.POSTAL and p.usable))


def email_address(customer: Customer, required_notice: bool) -> ContactPoint | None:
    """Where an email may go: a verified address the customer consented to be emailed at, never
    the employer's; for a notice the law requires in writing, one with consent to receive notices
    electronically as well."""
    needed = {Consent.EMAIL} | ({Consent.ELECTRONIC_NOTICES} if required_notice else set())
    return _best(
        tuple(
            p
            for p in customer.points
            if p.kind is PointKind.EMAIL
            and p.status is PointStatus.VERIFIED
            and needed <= p.consent
            and not p.employer
        )
    )


def phones(customer: Customer) -> tuple[ContactPoint, ...]:
    """Numbers a collector may dial, verified first."""
    usable = [p for p in customer.points if p.kind is PointKind.PHONE and p.usable]
    return tuple(sorted(usable, key=lambda p: p.status is not PointStatus.VERIFIED))


def reach(customer: Customer) -> tuple[Reach, ...]:
    """How the customer can be reached today, as the account carries it."""
    found = []
    if mailing_address(customer):
        found.append(Reach.POSTAL)
    if email_address(customer, required_notice=False):
        found.append(Reach.EMAIL)
    if email_address(customer, required_notice=True):
        found.append(Reach.EMAIL_NOTICES)
    if phones(customer):
        found.append(Reach.PHONE)
    return tuple(found)


class ContactError(ValueError):
    """A change to a contact point that cannot be made (an unknown point, a retired point
    verified again). Its message names the point by id and never its value."""


def change_status(
    customer: Customer, point_id: str, status: PointStatus, on: date, note: str = ""
) -> Customer:
    """A point's new status. A retired point stays retired: a returned address cannot be made
    good by a second look (a new, corrected address is a new point)."""
    point = customer.point(point_id)
    if point is None:
        raise ContactError(f"customer {customer.customer_id} has no contact point {point_id}")
    if point.status in RETIRED and status in USABLE:
        raise ContactError(f"contact point {point_id} is {point.status.value}: add a new one instead")
    changed = replace(point, status=status, changed_on=on, note=note)
    return replace(customer, points=tuple(changed if p.point_id == point_id else p for p in customer.points))


def delivery_failed(customer: Customer, point_id: str, on: date, note: str = "") -> Customer:
    """A letter came back or an email bounced: the point is never used again."""
    point = customer.point(point_id)
    if point is None:
        raise ContactError(f"customer {customer.customer_id} has no contact point {point_id}")
    if point.kind not in FAILURE_OF:
        raise ContactError(f"contact point {point_id} is a {point.kind.value}: only mail returns or bounces")
    return change_status(customer, point_id, FAILURE_OF[point.kind], on, note)


# What the customer's email opt-out takes back: every email to that address, notices included.
EMAIL_CONSENTS = frozenset({Consent.EMAIL, Consent.ELECTRONIC_NOTICES})


def withdraw_consent(
    customer: Customer, point_id: str, consents: frozenset[Consent], on: date, note: str = ""
) -> Customer:
    """The customer takes back their consent to be reached on a point that way (the email opt-out):
    the point stays on record with its status, and is not used that way again."""
    point = customer.point(point_id)
    if point is None:
        raise ContactError(f"customer {customer.customer_id} has no contact point {point_id}")
    consent, withdrawn = point.consent - consents, point.withdrawn | consents
    changed = replace(point, consent=consent, withdrawn=withdrawn, changed_on=on, note=note)
    return replace(customer, points=tuple(changed if p.point_id == point_id else p for p in customer.points))


def add_point(customer: Customer, point: ContactPoint) -> Customer:
    if customer.point(point.point_id) is not None:
        raise ContactError(f"customer {customer.customer_id} already has contact point {point.point_id}")
    return replace(customer, points=(*customer.points, point))


def masked(point: ContactPoint) -> str:
    """What a level that may not see personal data sees of a point: its kind and a hint, never enough
    to contact the customer."""
    value = point.value
    if isinstance(value, Address):
        return f"•••, {value.country}"
    if isinstance(value, str) and point.kind is PointKind.EMAIL and "@" in value:
        # the domain may name the employer (and confirms a guess): only its first character and its
        # top-level domain are kept
        local, domain = value.rsplit("@", 1)
        host, dot, top = domain.rpartition(".")
        return f"{local[:1]}•••@{(host or top)[:1]}•••{dot}{top if host else ''}"
    if isinstance(value, str) and point.kind is PointKind.PHONE:
        return "•••• " + value[-2:]
    return "•••"
