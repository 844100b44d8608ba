"""The webhook's logic: verify, normalise, apply once, announce. Plain Python over the layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import ModuleType

from arrears.domain.errors import AmountOutOfBounds, UnknownProvider
from arrears.domain.payments import MONEY_IN, REVERSALS, Action, PaymentEvent, Rejected, SuspenseReason
from arrears.store import payments_repo
from arrears.store.payments_repo import Outcome, Result

from payment_webhook import adyen_events, standard_events, stripe_events

PROVIDERS: dict[str, ModuleType] = {
    stripe_events.PROVIDER: stripe_events,
    adyen_events.PROVIDER: adyen_events,
    standard_events.PROVIDER: standard_events,
}


def provider_module(provider: str) -> ModuleType:
    try:
        return PROVIDERS[provider]
    except KeyError:
        raise UnknownProvider(
            f"no webhook endpoint for {provider!r}; try one of {sorted(PROVIDERS)}"
        ) from None


@dataclass(frozen=True)
class Limits:
    """What an authentic event may ask for before it is kept aside instead of applied."""

    max_major: dict[str, Decimal]  # per currency, "*" for any other
    max_age: timedelta  # how long before its receipt an event may have happened
    ahead: timedelta = timedelta(minutes=5)  # clocks differ

    def problem(self, event: PaymentEvent, received_at: datetime) -> tuple[SuspenseReason, str] | None:
        if event.amount is not None:
            cap = self.max_major.get(event.amount.currency, self.max_major["*"])
            if event.amount.to_decimal() > cap:
                return SuspenseReason.AMOUNT_OUT_OF_BOUNDS, f"more than {cap} {event.amount.currency}"
        if not received_at - self.max_age <= event.occurred_at <= received_at + self.ahead:
            return SuspenseReason.DATE_OUT_OF_RANGE, (
                f"dated {event.occurred_at.date().isoformat()}, received {received_at.date().isoformat()}"
            )
        return None


def verified_events(
    provider: str,
    body: str,
    headers: dict[str, str],
    secrets: list[str],
    tolerance: int,
    now: float,
    received_at: datetime,
    limits: Limits,
) -> list[PaymentEvent | Rejected]:
    """The signature first, on the raw body: nothing unverified is parsed further, let alone stored.

    What is authentic but cannot be applied comes back as Rejected, to be kept for an operator.
    """
    module = provider_module(provider)
    module.verify(body, headers, secrets, tolerance, now)
    return [_within(e, received_at, limits) for e in module.normalise(body, headers, received_at)]


def _within(found: PaymentEvent | Rejected, received_at: datetime, limits: Limits) -> PaymentEvent | Rejected:
    if isinstance(found, Rejected) or found.action is Action.IGNORED:
        return found
    problem = limits.problem(found, received_at)
    if problem is None:
        return found
    return Rejected(
        found.provider, found.event_id, found.event_type, problem[0], problem[1], received_at, found
    )


def apply(event: PaymentEvent) -> Result:
    if event.action is not Action.IGNORED:
        payments_repo.check_identity(event)
    if event.action in MONEY_IN:
        return payments_repo.post_payment(event)
    if event.action in REVERSALS:
        return payments_repo.post_reversal(event)
    if event.action is Action.PAYMENT_FAILED:
        return payments_repo.record_failed(event)
    return Result(Outcome.IGNORED, reason=f"{event.event_type} is not acted on")


def announce(event: PaymentEvent, result: Result, publish: Callable[[dict], None]) -> None:
    """PaymentApplied for what this call applied, and for what an earlier call applied but never announced."""
    for each, outcome in ((event, result), *result.drained):
        detail = outcome.applied
        if detail is None and outcome.outcome is Outcome.DUPLICATE:
            detail = payments_repo.unpublished(each)
        if detail is not None:
            publish(detail)
            payments_repo.mark_published(each)


def settle(event: PaymentEvent, publish: Callable[[dict], None], received_at: datetime) -> dict:
    try:
        result = apply(event)
    except AmountOutOfBounds as exc:  # the balance it would leave is beyond what the ledger holds
        reason = SuspenseReason.AMOUNT_OUT_OF_BOUNDS
        return keep_aside(
            Rejected(event.provider, event.event_id, event.event_type, reason, str(exc), received_at)
        )
    announce(event, result, publish)
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "outcome": result.outcome.value,
        "account_id": result.account_id,
        "reason": result.reason,
    }


def settle_each(
    found: list[PaymentEvent | Rejected], settle_once: Callable[..., dict], received_at: datetime
) -> list[dict]:
    """Each distinct event of one request settled once (through `settle_once`, the idempotent
    settle), each rejected one kept aside: one request naming one event twice applies it once."""
    seen: set[str] = set()
    outcomes = []
    for each in found:
        key = each.key if isinstance(each, Rejected) else each.event_id
        if key in seen:
            continue
        seen.add(key)
        if isinstance(each, Rejected):
            outcomes.append(keep_aside(each))
        else:
            outcomes.append(settle_once(event={**each.to_dict(), "received_at": received_at.isoformat()}))
    return outcomes


def keep_aside(rejected: Rejected) -> dict:
    """An authentic event we cannot apply: in suspense with its reason, acknowledged, no money moved."""
    result = payments_repo.keep_rejected(rejected)
    return {
        "event_id": rejected.key,
        "event_type": rejected.event_type,
        "outcome": result.outcome.value,
        "account_id": None,
        "reason": rejected.reason.value,
    }
