"""An account's letter for an operator: one stored as it was sent (`letter_show`), or one as it
would be sent on a day (`letter_preview`, nothing sent or stored).

A letter names its customer, so it is personal data (DESIGN.md, Privacy): a level that may see
personal data gets it as written; any other gets it with the addressee masked, the rest of the
letter as it is. Both are reads: answered, never stored as a request's answer, and audited on the
account with what was seen (which letter, shown or masked), never the values.
"""

from __future__ import annotations

from arrears.adapters import reports_repo
from arrears.domain import customer as people
from arrears.domain.account import Account
from arrears.domain.authority import Level
from arrears.domain.errors import InvalidInput, ItemizationRefused
from arrears.domain.letters import Addressee, LetterCode, mask_personal, masked_addressee, render
from arrears.runtime.settings import get_personal_data_settings, get_settings
from arrears.runtime.workflow_steps import parse
from arrears.services import customers
from arrears.services.letter_context import addressee_of, preview
from arrears.store import accounts_repo, customers_repo
from pydantic import Field

from operator_api.requests import OperatorRequest, Params

READS = ("letter_show", "letter_preview")
SHOWN, MASKED = "shown", "masked"


class ShowParams(Params):
    # a letter code, or none for the latest; an unknown one is answered with the codes it has
    code: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


class PreviewParams(Params):
    code: LetterCode


def read(request: OperatorRequest, level: Level) -> tuple[dict, dict]:
    """The answer, and what the audit records of it."""
    if not request.account_id:
        raise InvalidInput(f"{request.action} needs an account_id")
    account = accounts_repo.get_account(request.account_id)
    if request.action == "letter_show":
        return _show(account, parse(ShowParams, request.params), level.see_personal_data)
    return _preview(account, parse(PreviewParams, request.params), request, level.see_personal_data)


def _seen(seen: str, **what: object) -> dict:
    return {"status": "read", "result": {**what, "personal_data": seen}}


def _show(account: Account, params: ShowParams, see: bool) -> tuple[dict, dict]:
    stored = [
        i for i in accounts_repo.timeline(account.account_id, kind="letter") if i.detail.get("document_key")
    ]
    codes = sorted({i.detail.get("code") for i in stored})
    chosen = [i for i in stored if params.code is None or i.detail.get("code") == params.code]
    if not chosen:
        of = f" {params.code!r}" if params.code else ""
        has = f" (it has: {', '.join(codes)})" if codes else ""
        raise InvalidInput(f"{account.account_id} has no stored letter{of}{has}")
    item = max(chosen, key=_sent_order)
    settings = get_settings()
    html = reports_repo.get_text(settings.letters_bucket, item.detail["document_key"], settings.region)
    if not see:
        html, _ = mask_personal(html)
    seen = SHOWN if see else MASKED
    answer = {
        "account_id": account.account_id,
        "code": item.detail.get("code"),
        "occurred_on": item.occurred_on,
        "channel": item.detail.get("channel"),
        "personal_data": seen,
        "html": html,
    }
    return answer, _seen(seen, letter=item.sk, document=item.detail["document_key"])


def _sent_order(item) -> tuple[str, str, str]:
    """The latest letter is the one that went out last: by the day it was provided (`sent_on`, which
    the delivery writes) or recorded (`occurred_on`), then by its key. The key alone orders by the
    episode's first day and then the trigger's name, so a final demand would lose to a second
    reminder of the same episode."""
    return (str(item.detail.get("sent_on") or item.occurred_on or ""), str(item.occurred_on or ""), item.sk)


def _addressee(account: Account, see: bool) -> tuple[Addressee, bool]:
    """Who the letter would be addressed to, opened only for a level that may see it; and whether
    the customer has a mailing address a letter could go to."""
    if account.customer_id is None:
        raise InvalidInput(
            f"{account.account_id} has no customer on record: a letter would have no one to address"
        )
    keys = get_personal_data_settings().keys()
    if not see:  # read without decrypting: what a level below personal data may know of it
        found = customers_repo.get(keys, account.customer_id)
        postal = people.mailing_address(found)
        return masked_addressee(people.masked(postal) if postal else None), postal is not None
    opened = customers.open_for_letter(keys, account.customer_id)
    return addressee_of(opened, account), people.mailing_address(opened) is not None


def _preview(
    account: Account, params: PreviewParams, request: OperatorRequest, see: bool
) -> tuple[dict, dict]:
    from jinja2 import UndefinedError

    to, addressed = _addressee(account, see)
    try:
        html = render(preview(account, params.code, request.on, to))
    except UndefinedError as exc:
        owed = f"{account.account_id} is owed no {params.code.value} now"
        raise InvalidInput(f"{owed}: it states the facts of the event that owes it") from exc
    except ItemizationRefused as exc:  # the cycle would refuse it too, and open a task saying why
        raise InvalidInput(f"{account.account_id}'s {params.code.value} would not be sent: {exc}") from exc
    seen = SHOWN if see else MASKED
    answer = {
        "account_id": account.account_id,
        "code": params.code.value,
        "on": request.on.isoformat(),
        "personal_data": seen,
        "mailing_address": addressed,  # without one, the cycle sends it by email or not at all
        "html": html,
    }
    return answer, _seen(seen, preview=params.code.value, on=request.on.isoformat())
