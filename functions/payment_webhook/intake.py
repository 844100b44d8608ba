"""The webhook's logic: verify, normalise, apply once, announce. Plain Python over the layer."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from arrears import payments_repo
from arrears.errors import UnknownProvider
from arrears.payments import MONEY_IN, REVERSALS, Action, PaymentEvent
from arrears.payments_repo import Outcome, Result

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


def verified_events(
    provider: str, body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float
) -> list[PaymentEvent]:
    """The signature first, on the raw body: nothing unverified is parsed further, let alone stored."""
    module = provider_module(provider)
    module.verify(body, headers, secrets, tolerance, now)
    return module.normalise(body, headers)


def apply(event: PaymentEvent) -> Result:
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


def settle(event: PaymentEvent, publish: Callable[[dict], None]) -> dict:
    result = apply(event)
    announce(event, result, publish)
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "outcome": result.outcome.value,
        "account_id": result.account_id,
        "reason": result.reason,
    }
