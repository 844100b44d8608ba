"""One provider of the skip-trace waterfall: ask it, keep what it paid for, and its candidates.

A retried step reuses the answer this execution already paid for and never pays twice; what a
provider offers is kept unverified until a collector confirms it, its value sealed under the
personal-data key (this function may seal, never open).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from arrears.adapters.personal_data import Keys
from arrears.domain.account import Account
from arrears.domain.bureau import Purpose
from arrears.domain.errors import DuplicateEntry, InvalidInput
from arrears.runtime.settings import SkipTraceSettings
from arrears.store import accounts_repo, bureau_repo
from arrears.store.models import ActivityModel

from skiptrace import waterfall
from skiptrace.events import FinishRequest
from skiptrace.providers import provider_for

ACTOR = "skiptrace"


@dataclass(frozen=True)
class Searched:
    located: bool
    provider: str
    outcome: str | None  # the provider's answer when it was asked now; None: an earlier try's reused


def search(
    settings: SkipTraceSettings, keys: Keys, account_id: str, on: date, execution: str, index: int
) -> Searched:
    if index >= len(settings.providers):
        raise InvalidInput(f"there is no provider {index}; {len(settings.providers)} are configured")
    config = settings.providers[index]
    earlier = bureau_repo.recorded_pull(account_id, on, execution, config.name)
    if earlier is not None:
        return Searched(earlier["located"], config.name, None)
    account = accounts_repo.get_account(account_id)
    answer = provider_for(config, index, settings.region).search(
        account.account_id, account.jurisdiction, Purpose.COLLECTION, f"{execution}:{config.name}"
    )
    located = waterfall.located(answer, settings.confidence)
    pull = bureau_repo.Pull(
        account_id=account.account_id, on=on, workflow="skiptrace", execution=execution,
        provider=config.name, purpose=Purpose.COLLECTION.value, cost_minor=config.cost_minor,
        currency=config.currency, outcome=answer.outcome, reference=answer.reference, actor=ACTOR,
        findings={"located": located, "best_confidence": answer.best(), "candidates": len(answer.candidates)},
    )  # fmt: skip
    candidates = [
        bureau_repo.candidate_item(
            keys, account.account_id, on, f"{execution}:{config.name}:{i}", ACTOR, c, config.name
        )
        for i, c in enumerate(answer.candidates)
    ]
    bureau_repo.record_pull(pull, candidates)
    return Searched(located, config.name, answer.outcome)


def conclude(request: FinishRequest, record: Callable[[dict], Callable[[Account], ActivityModel]]) -> Account:
    """The waterfall's end on the account, once: located (back to work), nothing found for a
    customer we can still reach (the account goes on as it stood), or unlocatable (an operator's
    task to find the customer). The outcome is on the timeline whichever it is."""
    change = waterfall.found if request.located else waterfall.exhausted

    def outcome(current: Account) -> ActivityModel:
        lost = not request.located and waterfall.unlocatable(current)
        detail = {"located": request.located, "provider": request.provider, "unlocatable": lost}
        return record(detail)(current)

    try:
        account = accounts_repo.apply_with_record(
            request.account_id, lambda a: change(a, request.as_of), outcome
        )
    except DuplicateEntry:  # a retried step: the account already says so
        account = accounts_repo.get_account(request.account_id)
    if not request.located and waterfall.unlocatable(account):
        bureau_repo.open_task(
            request.account_id, request.as_of, "locate_customer", "unlocatable",
            "no provider found a contact point at the confidence threshold", ACTOR,
        )  # fmt: skip
    return account
