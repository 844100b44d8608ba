"""The consumer's electronic opt-out (Reg F §1006.6(e)), honoured at once: the account is no longer
emailed (the guardrail's opt-out rule reads `Account.opted_out` at the next contact), the email
point's consent is withdrawn for every account of the customer, and the account's timeline says
when and by which email's link. Following the link twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from arrears.adapters.observability import logger
from arrears.adapters.personal_data import Keys
from arrears.domain.customer import ContactError
from arrears.domain.errors import CustomerNotFound, DuplicateEntry
from arrears.domain.opt_out import OptOutToken
from arrears.services import customers
from arrears.store import accounts_repo
from arrears.store.models import timeline_entry

KIND = "opt_out"  # the timeline kind of an opt-out
ACTOR = "customer"  # the consumer did it, by the link of an email


@dataclass(frozen=True)
class OptedOut:
    done_now: bool  # False: it was done before (a second click), nothing changed
    locale: str  # the account's: the confirmation is answered in the customer's language


def opt_out(keys: Keys, token: OptOutToken, at: datetime) -> OptedOut:
    """Stop `token.channel` to the account of a verified token, from `at` (when the request came)."""
    account = accounts_repo.get_account(token.account_id)  # AccountNotFound: nothing to stop
    if token.channel in account.opted_out:
        # done before, consent withdrawn first: a replayed link (a forwarded email) writes nothing
        return OptedOut(False, account.locale)
    on = at.astimezone(ZoneInfo(account.time_zone)).date()
    _withdraw_consent(keys, account.customer_id, token, on)
    detail = {
        "channel": token.channel,
        "point_id": token.point_id,
        "letter": token.letter,
        "at": at.isoformat(),  # the independent check judges each later email against this moment
        "method": "email_link",
    }

    def change(current):
        return replace(current, opted_out=tuple(sorted({*current.opted_out, token.channel})))

    def record(_current):
        key = f"{token.channel}:{token.point_id}"
        return timeline_entry(account.account_id, on, KIND, key, ACTOR, detail)

    try:
        accounts_repo.apply_with_record(account.account_id, change, record)
    except DuplicateEntry:
        return OptedOut(False, account.locale)  # a second click raced the first: done by it
    return OptedOut(True, account.locale)


def _withdraw_consent(keys: Keys, customer_id: str | None, token: OptOutToken, on) -> None:
    """The email point named by the token, no longer consented to. A customer or point no longer on
    record leaves the account's own opt-out, which stops the channel all the same."""
    if customer_id is None:
        return
    note = f"the customer opted out of {token.channel} by the link of letter {token.letter}"
    try:
        customers.withdraw_email_consent(keys, customer_id, token.point_id, on, note)
    except (ContactError, CustomerNotFound):
        logger.warning("opt-out names a point not on record", extra={"account_id": token.account_id})
