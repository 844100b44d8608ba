"""Bureau and skip-trace effects in DynamoDB: pulls with their purpose and cost, contact candidates,
limit changes, operator tasks. Each is written once under its natural key.

A pull is written twice in one transaction: on the account's timeline (its audit trail) and in
a per-day partition `bureau#<date>`, which `arrears report bureau` reads without a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from arrears.domain.account import Account
from arrears.domain.errors import DuplicateEntry
from arrears.store import accounts_repo
from arrears.store.accounts_repo import put_once, transact
from arrears.store.models import ActivityModel, timeline_entry, timeline_sk
from arrears.store.store_errors import store_errors

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
