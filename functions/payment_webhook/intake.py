"""The webhook's provider parsing: verify, normalise, bound; then each event to the posting service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import ModuleType

from arrears.domain.errors import UnknownProvider
from arrears.domain.payments import Action, PaymentEvent, Rejected, SuspenseReason
from arrears.services import posting

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
            outcomes.append(posting.keep_aside(each))
        else:
            outcomes.append(settle_once(event={**each.to_dict(), "received_at": received_at.isoformat()}))
    return outcomes
