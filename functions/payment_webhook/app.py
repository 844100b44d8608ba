"""Lambda handler of POST /webhooks/{provider}: HTTP in and out, everything else in intake."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial

from arrears.adapters.aws_clients import client, on_reset
from arrears.adapters.observability import instrumented, logger, metrics
from arrears.adapters.payments_bus import publish_payment_applied
from arrears.domain.errors import (
    AccountVersionConflict,
    EventConflict,
    InvalidInput,
    PayloadTooLarge,
    PublishFailed,
    SignatureInvalid,
    StoreUnavailable,
    UnknownProvider,
)
from arrears.domain.payments import PaymentEvent
from arrears.runtime.bounded_json import raw_body
from arrears.runtime.settings import WebhookSettings, get_webhook_settings
from arrears.services import posting
from arrears.store.models import bind_models
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from payment_webhook import intake
from payment_webhook.adyen_events import ACCEPTED

app = APIGatewayHttpResolver()


def _setup() -> WebhookSettings:
    settings = get_webhook_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


@dataclass(frozen=True)
class _Once:
    config: IdempotencyConfig
    settle: object


@lru_cache(maxsize=1)
def _once(table: str, region: str, expires: int, bus: str) -> _Once:
    """Powertools idempotency around settle, keyed on provider + event id, for longer than retries last."""
    config = IdempotencyConfig(
        event_key_jmespath="[provider, event_id]",
        payload_validation_jmespath="fingerprint",  # the same id asking for something else: 409
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires,
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb", region))

    def settle(event: dict) -> dict:
        return posting.settle(
            PaymentEvent.from_dict(event),
            partial(publish_payment_applied, bus, region=region),
            datetime.fromisoformat(event["received_at"]),
        )

    return _Once(
        config,
        idempotent_function(
            settle, data_keyword_argument="event", persistence_store=persistence, config=config
        ),
    )


@lru_cache(maxsize=1)
def _secrets_provider(region: str) -> SecretsProvider:
    return SecretsProvider(boto3_client=client("secretsmanager", region))


on_reset(_once.cache_clear)
on_reset(_secrets_provider.cache_clear)


def _secrets(settings: WebhookSettings, provider: str) -> list[str]:
    value = _secrets_provider(settings.region).get(
        settings.secret_id(provider), transform="json", max_age=settings.secrets_max_age
    )
    secrets = [s for s in (value or {}).get("secrets", []) if s]
    if not secrets:
        logger.error("no signing secret configured", extra={"provider": provider})
    return secrets


@app.post("/webhooks/<provider>")
def receive_webhook(provider: str) -> Response:
    settings = _setup()
    intake.provider_module(provider)  # an unknown provider is answered before any secret is read
    received_at = _received_at(app.current_event.raw_event)
    found = _verified(settings, provider, received_at)
    once = _once(
        settings.idempotency_table, settings.region, settings.idempotency_seconds, settings.payments_bus
    )
    outcomes = intake.settle_each(found, once.settle, received_at)
    for outcome in outcomes:
        metrics.add_metric(name=f"Webhook_{outcome['outcome']}", unit="Count", value=1)
    logger.info("webhook settled", extra={"provider": provider, "outcomes": outcomes})
    if provider == "adyen":
        return Response(200, content_types.TEXT_PLAIN, ACCEPTED)
    return Response(200, content_types.APPLICATION_JSON, {"received": len(outcomes), "outcomes": outcomes})


def _verified(settings: WebhookSettings, provider: str, received_at: datetime) -> list:
    request = app.current_event
    return intake.verified_events(
        provider,
        raw_body(request.get("body"), bool(request.get("isBase64Encoded"))),
        {k.lower(): v for k, v in (request.headers or {}).items()},
        _secrets(settings, provider),
        settings.tolerance_seconds,
        time.time(),
        received_at,
        intake.Limits(settings.max_amounts, timedelta(days=settings.max_event_age_days)),
    )


def _received_at(event: dict) -> datetime:
    """When API Gateway received the request (its own stamp), the bound for unsigned event dates."""
    stamp = (event.get("requestContext") or {}).get("timeEpoch")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 < stamp < 253402300799000:
        return datetime.fromtimestamp(stamp / 1000, UTC)
    return datetime.now(UTC)


def _error(status: int, message: str) -> Response:
    return Response(status, content_types.APPLICATION_JSON, {"message": message})


@app.exception_handler(SignatureInvalid)
def _bad_signature(exc: SignatureInvalid) -> Response:
    logger.warning("webhook refused: signature", extra={"reason": str(exc)})
    metrics.add_metric(name="WebhookSignatureRefused", unit="Count", value=1)
    return _error(401, str(exc))


@app.exception_handler(PayloadTooLarge)
def _too_large(exc: PayloadTooLarge) -> Response:
    logger.warning("webhook refused: too large", extra={"reason": str(exc)})
    return _error(413, str(exc))


@app.exception_handler(InvalidInput)
def _bad_input(exc: InvalidInput) -> Response:
    logger.warning("webhook refused: malformed", extra={"reason": str(exc)})
    return _error(400, str(exc))


@app.exception_handler(UnknownProvider)
def _unknown_provider(exc: UnknownProvider) -> Response:
    return _error(404, "no webhook endpoint here; the providers are stripe, adyen and standard")


@app.not_found
def _no_route(exc: Exception) -> Response:
    return _error(404, "no webhook endpoint here; the providers are stripe, adyen and standard")


@app.exception_handler([EventConflict, IdempotencyValidationError])
def _conflict(exc: Exception) -> Response:
    logger.warning("webhook refused: event id reused with other content")
    metrics.add_metric(name="WebhookConflict", unit="Count", value=1)
    return _error(409, "this event id was received before with other content")


@app.exception_handler(IdempotencyAlreadyInProgressError)
def _in_progress(exc: IdempotencyAlreadyInProgressError) -> Response:
    # another delivery of the same event is being applied right now: the processor retries later
    return Response(
        409,
        content_types.APPLICATION_JSON,
        {"message": "this event is being applied"},
        headers={"Retry-After": "5"},
    )


@app.exception_handler([StoreUnavailable, AccountVersionConflict, PublishFailed])
def _transient(exc: Exception) -> Response:
    logger.warning("webhook deferred: transient fault", extra={"error": type(exc).__name__})
    return _error(503, "temporarily unavailable; please retry")


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    logger.exception("webhook failed")
    return _error(500, "internal error; please retry")


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    once = _once(
        settings.idempotency_table, settings.region, settings.idempotency_seconds, settings.payments_bus
    )
    once.config.register_lambda_context(context)  # an in-progress record then expires with the call
    return app.resolve(event, context)
