"""Bureau and skip-trace effects in DynamoDB: pulls with their purpose and cost, contact candidates,
limit changes, operator tasks. Each is written once under its natural key.

A pull is written twice in one transaction: on the account's timeline (its audit trail) and in
a per-day partition `bureau#<date>`, which `arrears report bureau` reads without a scan.

A contact candidate's value (a phone, an address, an email a provider found) is sealed under the
personal-data key before it is written, bound to its account and candidate, as the customers'
values are (customers_repo): a scan of the timeline shows its kind, source and confidence only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pynamodb.exceptions import UpdateError

from arrears.adapters import personal_data
from arrears.adapters.personal_data import Keys
from arrears.domain.account import Account
from arrears.domain.bureau import Candidate
from arrears.domain.errors import DuplicateEntry, InvalidInput
from arrears.store import accounts_repo
from arrears.store.accounts_repo import Write, put_once, transact
from arrears.store.models import ActivityModel, timeline_entry, timeline_sk
from arrears.store.store_errors import is_conditional_failure, store_errors

CANDIDATE = "contact_candidate"  # the timeline kind of a skip-trace candidate
UNVERIFIED, VERIFIED = "unverified", "verified"

PULLS_PK = "bureau#{day}"


@dataclass(frozen=True)
class Pull:
    """One call to a provider: what for, who answered, what it cost, what came back."""

    account_id: str
    on: date
    workflow: str  # "skiptrace" or "credit_review"
    execution: str  # the workflow execution's name: one pull per provider per execution
    provider: str
    purpose: str  # FCRA permissible purpose
    cost_minor: int
    currency: str
    outcome: str  # hit, no_hit, thin_file, scored
    reference: str  # the provider's id of the answer
    actor: str
    findings: dict = field(default_factory=dict)  # what the workflow needs back on a replay

    @property
    def key(self) -> str:
        return f"{self.execution}:{self.provider}"

    def detail(self) -> dict:
        return {
            "workflow": self.workflow,
            "execution": self.execution,
            "provider": self.provider,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "reference": self.reference,
            **self.findings,
        }


def _pull_items(pull: Pull) -> list:
    common = {
        "kind": "bureau_pull",
        "occurred_on": pull.on.isoformat(),
        "actor": pull.actor,
        "amount": pull.cost_minor,
        "currency": pull.currency,
    }
    return [
        put_once(
            "pull",
            ActivityModel(
                pull.account_id,
                timeline_sk(pull.on, "bureau_pull", pull.key),
                **common,
                detail=pull.detail(),
            ),
        ),
        put_once(
            "pull-index",
            ActivityModel(
                PULLS_PK.format(day=pull.on.isoformat()),
                f"{pull.account_id}#{pull.key}",
                **common,
                detail={**pull.detail(), "account_id": pull.account_id},
            ),
        ),
    ]


def record_pull(pull: Pull, extra: list | None = None, account: Account | None = None) -> bool:
    """The pull, and what came with it (candidates, an account change), all at once. False: a replay."""
    try:
        transact([*_pull_items(pull), *(extra or [])], account)
        return True
    except DuplicateEntry:
        return False


def timeline_item(account_id: str, on: date, kind: str, key: str, actor: str, detail: dict, **attrs):
    return put_once(kind, timeline_entry(account_id, on, kind, key, actor, detail, **attrs))


def recorded(account_id: str, sk: str) -> bool:
    with store_errors():
        try:
            ActivityModel.get(account_id, sk, attributes_to_get=["pk"])
            return True
        except ActivityModel.DoesNotExist:
            return False


def recorded_pull(account_id: str, on: date, execution: str, provider: str) -> dict | None:
    """The detail of a pull this execution already made with this provider (a retried step), if any."""
    with store_errors():
        try:
            item = ActivityModel.get(account_id, timeline_sk(on, "bureau_pull", f"{execution}:{provider}"))
        except ActivityModel.DoesNotExist:
            return None
    return item.detail


def pulls_between(first: date, last: date) -> list[ActivityModel]:
    """Every pull from `first` to `last` (inclusive), day partition by day partition."""
    found: list[ActivityModel] = []
    day = first
    with store_errors():
        while day <= last:
            found.extend(ActivityModel.query(PULLS_PK.format(day=day.isoformat())))
            day += timedelta(days=1)
    return found


def open_task(account_id: str, on: date, task: str, reason: str, cause: str, actor: str) -> bool:
    """A piece of work for an operator (manual review, an unlocatable customer), once per day and task."""
    item = ActivityModel(
        account_id,
        timeline_sk(on, "task", task),
        kind="task",
        occurred_on=on.isoformat(),
        actor=actor,
        status="open",
        detail={"task": task, "reason": reason, "cause": cause},
    )
    return accounts_repo.put_activity(item, once=True)


# ------------------------------------------------------------------ contact candidates


@dataclass(frozen=True)
class StoredCandidate:
    """A candidate as kept: `value` only when opened (a function whose role may decrypt)."""

    candidate_id: str  # its key on the timeline: `<execution>:<provider>:<n>`
    kind: str  # phone, address, email
    value: str | None
    confidence: float
    source: str  # the provider that offered it
    found_on: str
    last_seen: str | None
    status: str  # unverified | verified
    point_id: str | None = None  # the contact point it became, once verified


def _candidate_context(account_id: str, candidate_id: str) -> dict[str, str]:
    return {"account": account_id, "field": f"candidate:{candidate_id}"}


def candidate_id(sk: str) -> str:
    """A candidate's id from its timeline key."""
    return sk.split("#", 2)[-1]


def candidate_item(
    keys: Keys, account_id: str, on: date, key: str, actor: str, candidate: Candidate, source: str
) -> Write:
    """A provider's candidate for the account's timeline, its value sealed, unverified."""
    sealed = personal_data.seal(keys, candidate.value, **_candidate_context(account_id, key))
    detail = {
        "kind": candidate.kind,
        "sealed": sealed,
        "confidence": candidate.confidence,
        "last_seen": candidate.last_seen.isoformat() if candidate.last_seen else None,
        "source": source,
        "verified": False,
    }
    return timeline_item(account_id, on, CANDIDATE, key, actor, detail, status=UNVERIFIED)


def _stored(keys: Keys, item: ActivityModel, opened: bool) -> StoredCandidate:
    found = candidate_id(item.sk)
    detail = item.detail
    value = None
    if opened and detail.get("sealed"):
        value = str(personal_data.unseal(keys, detail["sealed"], **_candidate_context(item.pk, found)))
    return StoredCandidate(
        candidate_id=found,
        kind=detail["kind"],
        value=value,
        confidence=float(detail.get("confidence", 0)),
        source=detail.get("source", ""),
        found_on=item.occurred_on,
        last_seen=detail.get("last_seen"),
        status=item.status or (VERIFIED if detail.get("verified") else UNVERIFIED),
        point_id=detail.get("point_id"),
    )


def candidates(keys: Keys, account_id: str, opened: bool = False) -> list[StoredCandidate]:
    """The account's candidates, oldest first; with `opened`, their values decrypted."""
    return [_stored(keys, item, opened) for item in accounts_repo.timeline(account_id, kind=CANDIDATE)]


def _candidate_model(account_id: str, wanted: str) -> ActivityModel:
    for item in accounts_repo.timeline(account_id, kind=CANDIDATE, consistent=True):
        if candidate_id(item.sk) == wanted:
            return item
    raise InvalidInput(f"account {account_id} has no skip-trace candidate {wanted}")


def candidate(keys: Keys, account_id: str, wanted: str, opened: bool = False) -> StoredCandidate:
    return _stored(keys, _candidate_model(account_id, wanted), opened)


def mark_verified(account_id: str, wanted: str, point_id: str, by: str, on: date) -> bool:
    """The candidate became contact point `point_id`; False when it already had (a retry)."""
    item = _candidate_model(account_id, wanted)
    detail = {
        **item.detail,
        "verified": True,
        "point_id": point_id,
        "verified_by": by,
        "verified_on": on.isoformat(),
    }
    try:
        with store_errors():
            item.update(
                actions=[ActivityModel.status.set(VERIFIED), ActivityModel.detail.set(detail)],
                condition=ActivityModel.status.does_not_exist() | (ActivityModel.status != VERIFIED),
            )
        return True
    except UpdateError as exc:
        if is_conditional_failure(exc):
            return False
        raise
