"""Turning a contact plan into a letter that reaches the customer exactly once, or a recorded refusal."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from arrears.adapters import mail_gateway, reports_repo
from arrears.domain.account import Account
from arrears.domain.compliance import Channel
from arrears.domain.errors import StoreUnavailable
from arrears.domain.letters import LetterContext, render
from arrears.domain.strategy import Strategy
from arrears.runtime.settings import Settings
from arrears.services.letter_context import letter_context
from arrears.store import letters_repo

from dunning.contacts import ContactPlan

DELIVERED = frozenset({letters_repo.QUEUED, letters_repo.SENDING, letters_repo.SENT, letters_repo.PRINTED})


def _subject(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(found.group(1).split()) if found else "Your account"


def _context(
    plan: ContactPlan, account: Account, strategy: Strategy, as_of: date, reference: str
) -> LetterContext:
    return letter_context(plan.letter, account, strategy, as_of, reference, plan.extra)  # type: ignore[arg-type]


def deliver(
    plan: ContactPlan,
    account: Account,
    strategy: Strategy,
    as_of: date,
    local_time: datetime,
    execution: str,
    settings: Settings,
) -> str:
    """Record what today's step does for this account and carry it as far as it can go; returns its status."""
    assert plan.trigger is not None and plan.record_on is not None  # nosec B101 # the plan sets both
    episode, trigger = plan.record_on, plan.trigger
    detail = {
        "code": plan.letter.value if plan.letter else None,
        "channel": plan.channel.value if plan.channel else None,
        "strategy": plan.strategy,
        "arm": plan.arm,
        "superseded": list(plan.superseded),
        "rule": plan.decision.rule if plan.decision else None,
        "reason": plan.decision.reason if plan.decision else None,
        "fallback": plan.fallback,
        "locale": account.locale,
        "execution": execution,
        # the facts the decision was taken on, so an independent check can judge it again
        "local_time": local_time.isoformat(),
        "time_zone": account.time_zone,
        "holds": list(account.holds),
        "opted_out": list(account.opted_out),
        "dpd": account.dpd,
        "profile": strategy.compliance_profile,
        "skiptrace_requested": bool(plan.step and plan.step.skiptrace),
        "credit_review_requested": bool(plan.step and plan.step.credit_review),
        "charge_off_recommended": plan.recommends_charge_off,
    }
    if plan.letter is None or plan.decision is None or not plan.decision.allowed:
        allowed = plan.decision is not None and plan.decision.allowed
        status = letters_repo.TASK if plan.letter is None and allowed else letters_repo.DENIED
        recorded, _ = letters_repo.record(
            account.account_id, episode, trigger, as_of, account.home_shard, status, detail
        )
        return recorded.status
    item = letters_repo.find(account.account_id, episode, trigger)
    if item is None:
        reference = f"{account.account_id}/{episode.isoformat()}/{trigger}"
        html = render(_context(plan, account, strategy, as_of, reference))
        key = letters_repo.document_key(account.account_id, episode, trigger)
        metadata = {
            "account": account.account_id,
            "code": detail["code"],
            "trigger": trigger,
            "locale": account.locale,
        }
        reports_repo.put_text(
            settings.letters_bucket, key, html, "text/html; charset=utf-8", metadata, settings.region
        )
        detail |= {"document_key": key, "subject": _subject(html)}
        # Each letter is recorded at the status it goes out with, so that no letter is written twice:
        # an email straight as `sending` (nothing happens between queued and sending but the send),
        # a postal letter as `printed` in its day's batch, whose manifest the day's close writes.
        email = detail["channel"] == Channel.EMAIL.value
        if not email:
            detail["batch"] = print_manifest_key(account.portfolio, as_of)
        item, created = letters_repo.record(
            account.account_id,
            episode,
            trigger,
            as_of,
            account.home_shard,
            letters_repo.SENDING if email else letters_repo.PRINTED,
            detail,
        )
        if created and email:
            _send(item, account, settings, html)
            return item.status
    if item.status == letters_repo.QUEUED and item.detail.get("channel") == Channel.EMAIL.value:
        _send_again(item, account, settings)
    return item.status


def _send_again(item, account: Account, settings: Settings) -> None:
    """An email put back to `queued` (SES refused it before taking it) is claimed again first."""
    if not letters_repo.move(item, letters_repo.QUEUED, letters_repo.SENDING):
        return
    item.status = letters_repo.SENDING
    try:
        html = reports_repo.get_text(settings.letters_bucket, item.detail["document_key"], settings.region)
    except StoreUnavailable:
        letters_repo.move(item, letters_repo.SENDING, letters_repo.QUEUED)
        raise
    _send(item, account, settings, html)


def _send(item, account: Account, settings: Settings, html: str) -> None:
    """`sending` is the point of no return: a crash after it never sends a second copy.

    A letter left in `sending` by a crash may or may not have gone out; it is not retried, and
    the day's summary counts it, for someone to look at.
    """
    try:
        message_id = mail_gateway.send_email(
            settings.sender_email, account.email or "", item.detail["subject"], html, settings.region, item.sk
        )
    except StoreUnavailable:
        # SES said no before taking the message: safe to send on the retry
        letters_repo.move(item, letters_repo.SENDING, letters_repo.QUEUED)
        raise
    letters_repo.move(item, letters_repo.SENDING, letters_repo.SENT, message_id=message_id)


def print_manifest_key(portfolio: str, as_of: date) -> str:
    return f"print/{portfolio}/{as_of.isoformat()}/manifest.csv"


def print_batch(portfolio: str, as_of: date, records: Iterable, settings: Settings) -> dict:
    """The day's postal letters as one batch for the print vendor: a manifest CSV naming each letter's
    document where it is stored.

    Each letter was recorded `printed` with this batch's key; a re-run of the day writes the same
    batch. The records are read once, as they come: the manifest is uploaded while it is written,
    so no day is too large for the function (a copy of each document, as before, was a request
    per letter, hours of them in one function on a ten-million-account day).
    """
    manifest = print_manifest_key(portfolio, as_of)
    printed = 0

    def rows() -> Iterator[str]:
        nonlocal printed
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\n")
        for item in records:
            postal = item.kind == "letter" and item.detail.get("channel") == Channel.LETTER.value
            if postal and item.status == letters_repo.PRINTED:
                printed += 1
                code, locale, document = (item.detail[k] for k in ("code", "locale", "document_key"))
                writer.writerow((f"{item.pk}/{item.sk}", item.pk, code, locale, document))
            if line.tell():
                yield line.getvalue()
                line.seek(0)
                line.truncate()

    header = "letter_id,account_id,code,locale,document\n"
    reports_repo.put_lines(
        settings.letters_bucket, manifest, itertools.chain([header], rows()), "text/csv", settings.region
    )
    return {"manifest": manifest, "letters": printed}
