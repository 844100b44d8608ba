"""Letters as records: one per (account, episode, trigger). A postal letter is recorded `printed`
in its day's print batch; an email `sending`, then `sent` (back to `queued`, then `sending` again,
when SES refused it before taking it).

The record's key is the letter's natural key, put once; every later step is a conditional
status change. A re-run, a retried Lambda or a fault between steps finds the record where the
fault left it and carries it on, so no customer gets a second copy.
"""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import UpdateError

from arrears.store import cycle_repo
from arrears.store.accounts_repo import put_activity
from arrears.store.models import ActivityModel, timeline_sk
from arrears.store.store_errors import is_conditional_failure, store_errors

QUEUED, SENDING, SENT, PRINTED, DENIED, TASK = "queued", "sending", "sent", "printed", "denied", "task"


def letter_sk(episode_on: date, trigger: str) -> str:
    return timeline_sk(episode_on, "letter", trigger)


def document_key(account_id: str, episode_on: date, trigger: str) -> str:
    return f"letters/{account_id}/{episode_on.isoformat()}/{trigger}.html"


def find(account_id: str, episode_on: date, trigger: str) -> ActivityModel | None:
    with store_errors():
        for item in ActivityModel.query(account_id, ActivityModel.sk == letter_sk(episode_on, trigger)):
            return item
    return None


def record(
    account_id: str, episode_on: date, trigger: str, as_of: date, shard: str, status: str, detail: dict
) -> tuple[ActivityModel, bool]:
    """Put the letter's record once; if it is already there, return what is there. The flag says
    whether this call put it."""
    item = ActivityModel(
        account_id,
        letter_sk(episode_on, trigger),
        kind="letter",
        occurred_on=as_of.isoformat(),
        actor="collection_cycle",
        status=status,
        cycle_day=cycle_repo.cycle_day_key(as_of, shard),
        detail=detail,
    )
    if put_activity(item, once=True):
        return item, True
    existing = find(account_id, episode_on, trigger)
    assert existing is not None  # nosec B101 # the refused put says it is there
    return existing, False


def move(item: ActivityModel, from_status: str, to_status: str, **detail) -> bool:
    """Change the status if it is still `from_status`; False if someone (a previous attempt) moved it."""
    actions = [ActivityModel.status.set(to_status)]
    if detail:
        actions.append(ActivityModel.detail.set({**item.detail, **detail}))
    try:
        with store_errors():
            item.update(actions=actions, condition=ActivityModel.status == from_status)
        return True
    except UpdateError as exc:
        if is_conditional_failure(exc):
            return False
        raise
