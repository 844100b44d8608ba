"""Turning a contact plan into a letter that reaches the customer exactly once, or a recorded refusal.

A letter is addressed when it is sent: the customer is opened (name and contact points decrypted)
only then, and the point the plan chose is checked again against them. The letter's record names
the customer and the contact point by id, never a value; the rendered letter, which names the
customer, is stored encrypted under the personal-data key.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from arrears.adapters import mail_gateway, reports_repo, signing_keys
from arrears.adapters.observability import logger
from arrears.adapters.personal_data import Keys
from arrears.domain import customer as people
from arrears.domain import limitations, opt_out
from arrears.domain.account import Account
from arrears.domain.compliance import PROFILES, Channel, Decision, provided_on
from arrears.domain.customer import Address, ContactPoint, Customer
from arrears.domain.errors import CustomerNotFound, ItemizationRefused, OptOutUnavailable, StoreUnavailable
from arrears.domain.letters import (
    REQUIRED_IN_WRITING,
    Addressee,
    LetterCode,
    companions,
    compose,
    language_of,
    letter_reference,
    render,
)
from arrears.domain.strategy import Strategy
from arrears.runtime.settings import Settings
from arrears.services import customers
from arrears.services.letter_context import addressee_of, letter_context
from arrears.store import letters_repo

from dunning.contacts import (
    ADDRESS_TASK,
    ITEMIZATION,
    ITEMIZATION_TASK,
    NO_ADDRESS,
    UNADDRESSED,
    ContactPlan,
    addressed,
    route_unaddressed,
)

_WHERE = {Channel.EMAIL: "email address", Channel.LETTER: "mailing address"}
NAMELESS = Decision(False, "no_name", "no name on record to address it to")
DELIVERED = frozenset({letters_repo.QUEUED, letters_repo.SENDING, letters_repo.SENT, letters_repo.PRINTED})


@dataclass(frozen=True)
class Delivery:
    """What became of today's step: its record's status, and where the account goes when the letter
    could not be addressed (contacts.SKIP_STATUS or contacts.ADDRESS_TASK), as the record says."""

    status: str
    routed: str | None = None
    reason: str | None = None  # why it was not sent, when it was routed
    sent_on: date | None = None  # the day the letter is provided (its date), when one went

    @classmethod
    def of(cls, item) -> Delivery:
        """What the letter's record says became of it."""
        sent_on = item.detail.get("sent_on")
        return cls(
            item.status,
            item.detail.get("routed"),
            item.detail.get("reason"),
            date.fromisoformat(sent_on) if sent_on else None,
        )


def _subject(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(found.group(1).split()) if found else "Your account"


def _decision_detail(decision: Decision | None) -> dict:
    return {"rule": decision.rule if decision else None, "reason": decision.reason if decision else None}


def _limitations_detail(account: Account) -> dict:
    """The statute of limitations as the decision saw it, for the independent check: the state, the
    effective bar date (the one the account kept where that is earlier than its state's now; None:
    not in default, or not known), whether it was a kept one and, when the period is not known, why."""
    found = limitations.of_account(account)
    barred_on = found.barred_on.isoformat() if found.barred_on else None
    kept = {"time_barred_kept": True} if found.kept else {}  # only when so: the record stays small
    return {"state": found.state, "time_barred_on": barred_on, "limitations_unknown": found.unknown, **kept}


def deliver(
    plan: ContactPlan,
    account: Account,
    strategy: Strategy,
    as_of: date,
    local_time: datetime,
    execution: str,
    settings: Settings,
    keys: Keys,
) -> Delivery:
    """Record what today's step does for this account and carry it as far as it can go."""
    assert plan.trigger is not None and plan.record_on is not None  # nosec B101 # the plan sets both
    detail = {
        "code": plan.letter.value if plan.letter else None,
        "channel": plan.channel.value if plan.channel else None,
        "strategy": plan.strategy,
        "arm": plan.arm,
        "superseded": list(plan.superseded),
        **_decision_detail(plan.decision),
        "fallback": plan.fallback,
        "locale": account.locale,
        "execution": execution,
        # the facts the decision was taken on, so an independent check can judge it again
        "local_time": local_time.isoformat(),
        "time_zone": account.time_zone,
        "holds": list(account.holds),
        "opted_out": list(account.opted_out),
        "reach": list(account.reach),
        "dpd": account.dpd,
        "profile": strategy.compliance_profile,
        "skiptrace_requested": bool(plan.step and plan.step.skiptrace),
        "credit_review_requested": bool(plan.step and plan.step.credit_review),
        "charge_off_recommended": plan.recommends_charge_off,
        **_limitations_detail(account),
    }
    if plan.letter is None or plan.decision is None or not plan.decision.allowed:
        return _not_sent(plan, account, as_of, detail)
    item = letters_repo.find(account.account_id, plan.record_on, plan.trigger)
    if item is None:
        return _first_attempt(plan, account, strategy, as_of, local_time, settings, keys, detail)
    if item.status == letters_repo.QUEUED and item.detail.get("channel") == Channel.EMAIL.value:
        _send_again(item, account, settings, keys)
    return Delivery.of(item)


def _not_sent(plan: ContactPlan, account: Account, as_of: date, detail: dict) -> Delivery:
    """A call task, or a letter refused (by the guardrail, or for want of an address): recorded once."""
    assert plan.trigger is not None and plan.record_on is not None  # nosec B101 # the plan sets both
    allowed = plan.decision is not None and plan.decision.allowed
    status = letters_repo.TASK if plan.letter is None and allowed else letters_repo.DENIED
    if detail["rule"] == NO_ADDRESS:
        detail["routed"] = route_unaddressed(account)
    recorded, _ = letters_repo.record(
        account.account_id, plan.record_on, plan.trigger, as_of, account.home_shard, status, detail
    )
    return Delivery.of(recorded)


def _opened(keys: Keys, account: Account) -> Customer | None:
    if account.customer_id is None:
        return None
    try:
        return customers.open_for_letter(keys, account.customer_id)
    except CustomerNotFound:
        logger.warning("account names a customer not on record", extra={"account_id": account.account_id})
        return None


def _point(customer: Customer, channel: Channel, letter: LetterCode) -> ContactPoint | None:
    if channel is Channel.EMAIL:
        return people.email_address(customer, required_notice=letter in REQUIRED_IN_WRITING)
    return people.mailing_address(customer)


def _first_attempt(
    plan: ContactPlan,
    account: Account,
    strategy: Strategy,
    as_of: date,
    local_time: datetime,
    settings: Settings,
    keys: Keys,
    detail: dict,
) -> Delivery:
    """Address the letter to the customer as they are now, store it, record it, and send an email.

    The account's reach may lag its customer (a letter returned, an email bounced since the plan
    read it): the channel is chosen again from the opened customer, and a letter that can no longer
    be addressed is refused and the account routed, as at planning.
    """
    assert plan.letter is not None and plan.channel is not None  # nosec B101 # an allowed letter has both
    assert plan.trigger is not None and plan.record_on is not None  # nosec B101 # the plan sets both
    customer = _opened(keys, account)
    reach = customers.reach_of(customer) if customer else ()
    channel, decision, fallback = addressed(plan.channel, plan.letter, account, strategy, local_time, reach)
    if channel is not plan.channel or not decision.allowed:
        gone = f"the {_WHERE[plan.channel]} is no longer usable"
        by = "mail" if channel is Channel.LETTER else "email"
        detail |= {
            "channel": channel.value if channel else None,
            **_decision_detail(decision),
            "fallback": f"{gone}: sent by {by}" if channel and decision.allowed else gone,
        }
    point = _point(customer, channel, plan.letter) if customer and channel else None
    if customer is None or channel is None or point is None or not decision.allowed:
        refused = replace(plan, channel=channel, decision=decision if not decision.allowed else UNADDRESSED)
        detail.update(_decision_detail(refused.decision))
        return _not_sent(refused, account, as_of, detail)
    if not customer.name:  # never "Dear ,", never a window without a name: someone corrects the record
        detail |= {**_decision_detail(NAMELESS), "routed": ADDRESS_TASK}
        return _not_sent(replace(plan, decision=NAMELESS), account, as_of, detail)
    # Its dates count from the day it is provided (an email sent today, a letter in the batch the
    # vendor takes), which a day caught up on later puts after the day that queued it.
    sent_on = provided_on(channel, as_of, local_time, account.jurisdiction)
    reference = letter_reference(account.account_id, as_of, plan.letter)
    to = addressee_of(customer, account, point if channel is Channel.LETTER else None)
    link = _opt_out_link(account, strategy, channel, point, reference, settings)
    try:
        html, enclosed = _mailing(plan, account, strategy, as_of, reference, to, sent_on, link)
    except ItemizationRefused as exc:  # never a notice whose figures are wrong: someone looks at them
        refusal = Decision(False, ITEMIZATION, str(exc))
        detail |= {**_decision_detail(refusal), "routed": ITEMIZATION_TASK}
        return _not_sent(replace(plan, decision=refusal), account, as_of, detail)
    disclosed = limitations.of_account(account).disclosure(sent_on, language_of(account.locale))
    key = letters_repo.document_key(account.account_id, plan.record_on, plan.trigger)
    metadata = {"account": account.account_id, "code": plan.letter.value, "trigger": plan.trigger,
                "locale": account.locale}  # fmt: skip
    reports_repo.put_text(
        settings.letters_bucket, key, html, "text/html; charset=utf-8", metadata, settings.region,
        kms_key=keys.key_arn,
    )  # fmt: skip
    detail |= {
        "document_key": key,
        "subject": _subject(html),
        # who and where, by id: the values stay in the customer's sealed item
        "customer_id": customer.customer_id,
        "point_id": point.point_id,
        # what the letter says of itself: the reference the customer quotes, the day it is dated
        "reference": reference,
        "sent_on": sent_on.isoformat(),
        # the letters in the same envelope or email, by locale (the English validation notice)
        **({"companions": list(enclosed)} if enclosed else {}),
        # the state whose time-barred disclosure the letter carries, if it carries one
        "time_barred_disclosure": account.state if disclosed else None,
    }
    if channel is Channel.EMAIL:  # what an independent check asks of every email (§1006.6(e))
        detail["opt_out_offered"] = link is not None
    # Each letter is recorded at the status it goes out with, so that no letter is written twice:
    # an email straight as `sending` (nothing happens between queued and sending but the send),
    # a postal letter as `printed` in its day's batch, whose manifest the day's close writes.
    email = channel is Channel.EMAIL
    if not email:
        detail["batch"] = print_manifest_key(account.portfolio, as_of)
    status = letters_repo.SENDING if email else letters_repo.PRINTED
    item, created = letters_repo.record(
        account.account_id, plan.record_on, plan.trigger, as_of, account.home_shard, status, detail
    )
    if created and email:
        assert isinstance(point.value, str)  # nosec B101 # an email point holds its address
        _send(item, point.value, settings, html)
    elif item.status == letters_repo.QUEUED and item.detail.get("channel") == Channel.EMAIL.value:
        _send_again(item, account, settings, keys)
    return Delivery.of(item)


def _opt_out_link(
    account: Account,
    strategy: Strategy,
    channel: Channel,
    point: ContactPoint,
    reference: str,
    settings: Settings,
) -> str | None:
    """The link an email carries to stop emails to the address it goes to, under a profile that
    asks for one (Reg F §1006.6(e)); None for a printed letter or another profile. Such an email
    never goes without it: a stack not configured for it fails the page, for someone to fix."""
    if channel is not Channel.EMAIL or not PROFILES[strategy.compliance_profile].email_opt_out:
        return None
    if not (settings.opt_out_url and settings.opt_out_secret_id):
        raise OptOutUnavailable("OPT_OUT_URL and OPT_OUT_SECRET_ID are needed to email under this profile")
    token = opt_out.OptOutToken(account.account_id, Channel.EMAIL.value, point.point_id, reference)
    key = signing_keys.opt_out_key(settings.opt_out_secret_id, settings.region)
    return opt_out.link(settings.opt_out_url, token, key)


def _mailing(
    plan: ContactPlan,
    account: Account,
    strategy: Strategy,
    as_of: date,
    reference: str,
    to: Addressee,
    sent_on: date,
    link: str | None,
) -> tuple[str, tuple[str, ...]]:
    """The document that goes out: the letter, and after it the letters the law sends with it
    (`letters.companions`), each rendered from the same facts in its own locale (an email's opt-out
    `link` in each); and their locales."""
    assert plan.letter is not None  # nosec B101 # only a letter is mailed
    third_party = PROFILES[strategy.compliance_profile].third_party
    locales = companions(plan.letter, account.locale, third_party)
    letters = [
        render(letter_context(plan.letter, replace(account, locale=locale), strategy, as_of, reference, to,
                              plan.extra, sent_on, link))
        for locale in (account.locale, *locales)
    ]  # fmt: skip
    return compose(*letters), locales


def _send_again(item, account: Account, settings: Settings, keys: Keys) -> None:
    """An email put back to `queued` (SES refused it before taking it) is claimed again first, and
    goes to the point it was addressed to if that point may still be emailed; else it is refused."""
    if not letters_repo.move(item, letters_repo.QUEUED, letters_repo.SENDING):
        return
    item.status = letters_repo.SENDING
    try:
        customer = _opened(keys, account)
        html = reports_repo.get_text(settings.letters_bucket, item.detail["document_key"], settings.region)
    except StoreUnavailable:
        letters_repo.move(item, letters_repo.SENDING, letters_repo.QUEUED)
        raise
    point = customer.point(item.detail["point_id"]) if customer else None
    required = LetterCode(item.detail["code"]) in REQUIRED_IN_WRITING
    if (
        customer is None
        or point is None
        or people.email_address(replace(customer, points=(point,)), required) is None
    ):
        refused = {**_decision_detail(UNADDRESSED), "routed": route_unaddressed(account)}
        if letters_repo.move(item, letters_repo.SENDING, letters_repo.DENIED, **refused):
            item.status, item.detail = letters_repo.DENIED, {**item.detail, **refused}
        return
    assert isinstance(point.value, str)  # nosec B101 # an email point holds its address
    _send(item, point.value, settings, html)


def _send(item, to: str, settings: Settings, html: str) -> None:
    """`sending` is the point of no return: a crash after it never sends a second copy.

    A letter left in `sending` by a crash may or may not have gone out; it is not retried, and
    the day's summary counts it, for someone to look at.
    """
    try:
        message_id = mail_gateway.send_email(
            settings.sender_email, to, item.detail["subject"], html, settings.region, item.sk
        )
    except StoreUnavailable:
        # SES said no before taking the message: safe to send on the retry
        letters_repo.move(item, letters_repo.SENDING, letters_repo.QUEUED)
        raise
    letters_repo.move(item, letters_repo.SENDING, letters_repo.SENT, message_id=message_id)
    item.status = letters_repo.SENT


def print_manifest_key(portfolio: str, as_of: date) -> str:
    return f"print/{portfolio}/{as_of.isoformat()}/manifest.csv"


MANIFEST_COLUMNS = (
    "letter_id", "account_id", "code", "language", "locale", "document", "postage_class",
    "name", "address_line1", "address_line2", "address_line3", "city", "region", "postal_code", "country",
    "companions",
)  # fmt: skip
# `companions`: the locales of the letters printed in the same document after the letter itself, to
# go in its envelope (";"-separated; empty for a letter alone), so the vendor's item lists them.


class _Addresses:
    """The printed letters' customers, opened one at a time as the day's records stream past; the
    last one is kept, so a customer's letters on several accounts cost one read (records come
    grouped by account, and a customer's accounts usually one after another)."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys
        self._last: tuple[str, Customer | None] | None = None

    def of(self, customer_id: str) -> Customer | None:
        if self._last is None or self._last[0] != customer_id:
            try:
                found: Customer | None = customers.open_for_letter(self._keys, customer_id)
            except CustomerNotFound:
                found = None
            self._last = (customer_id, found)
        return self._last[1]


def _manifest_row(item, customer: Customer | None, postage: str) -> tuple | None:
    """The vendor's line for one printed letter: where the document is and where to mail it."""
    point = customer.point(item.detail.get("point_id", "")) if customer else None
    if customer is None or point is None or not isinstance(point.value, Address) or not customer.name:
        return None
    address: Address = point.value
    street = (*address.lines, "", "", "")[:3]
    code, locale, document = (item.detail[k] for k in ("code", "locale", "document_key"))
    return (
        f"{item.pk}/{item.sk}", item.pk, code, language_of(locale), locale, document, postage,
        customer.name, *street, address.city, address.region, address.postal_code, address.country,
        ";".join(item.detail.get("companions", [])),
    )  # fmt: skip


def print_batch(
    portfolio: str, as_of: date, records: Iterable, settings: Settings, keys: Keys, postage: str
) -> dict:
    """The day's postal letters as one batch for the print-and-mail vendor: a manifest CSV with a
    line per letter naming its document where it is stored and the address to mail it to, stored
    under the personal-data key.

    Each letter was recorded `printed` with this batch's key; a re-run of the day writes the same
    batch. The records are read once, as they come, each letter's customer opened as it passes:
    the manifest is uploaded while it is written, so no day is too large for the function. A
    letter whose customer or address is no longer on record is left out, and counted.
    """
    manifest = print_manifest_key(portfolio, as_of)
    addresses = _Addresses(keys)
    counts = {"printed": 0, "unaddressed": 0}

    def rows() -> Iterator[str]:
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\n")
        for item in records:
            postal = item.kind == "letter" and item.detail.get("channel") == Channel.LETTER.value
            if postal and item.status == letters_repo.PRINTED:
                row = _manifest_row(item, addresses.of(item.detail.get("customer_id", "")), postage)
                if row is None:
                    counts["unaddressed"] += 1
                    logger.error(
                        "printed letter without an address", extra={"letter": f"{item.pk}/{item.sk}"}
                    )
                else:
                    counts["printed"] += 1
                    writer.writerow(row)
            if line.tell():
                yield line.getvalue()
                line.seek(0)
                line.truncate()

    header = ",".join(MANIFEST_COLUMNS) + "\n"
    reports_repo.put_lines(
        settings.letters_bucket, manifest, itertools.chain([header], rows()), "text/csv", settings.region,
        kms_key=keys.key_arn,
    )  # fmt: skip
    return {
        "manifest": manifest,
        "letters": counts["printed"],
        "postage_class": postage,
        **({"left_out": counts["unaddressed"]} if counts["unaddressed"] else {}),
    }
