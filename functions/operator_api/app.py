"""Lambda handler of POST /operator on the operator API: every operator action, whatever the client.

The handler verifies the token (the operator is who it says, never a name in the body), parses
the request and hands it to `operator_api.service`, which does the rest; errors become answers
here.
"""

from __future__ import annotations

from arrears.adapters.observability import instrumented, logger
from arrears.domain.errors import (
    AccountNotFound,
    AccountVersionConflict,
    CustomerNotFound,
    CustomerVersionConflict,
    DuplicateEntry,
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    PayloadTooLarge,
    StoreUnavailable,
)
from arrears.runtime import identity
from arrears.runtime.bounded_json import json_of, raw_body
from arrears.runtime.settings import get_operator_identity_settings, get_settings
from arrears.runtime.workflow_steps import parse
from arrears.store.models import bind_models
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from operator_api import service
from operator_api.requests import OperatorRequest, RequestBody

app = APIGatewayHttpResolver()
MAX_BODY = 64 * 1024


def _identity() -> identity.Identity:
    """The operator the request's own token names, verified here whatever the authorizer passed on."""
    settings = get_operator_identity_settings()
    token = identity.bearer(app.current_event.get_header_value("authorization"))
    return identity.verify(token, settings.pool_issuer, settings.client_id)


def _body() -> dict:
    event = app.current_event
    body = json_of(raw_body(event.get("body"), bool(event.get("isBase64Encoded")), MAX_BODY))
    if "operator_id" in body:
        raise InvalidInput("leave operator_id out: the operator is who the sign-in token says")
    return body


@app.post("/operator")
def operate() -> Response:
    who = _identity()
    settings = get_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    body: RequestBody = parse(RequestBody, _body())
    request = OperatorRequest(**body.model_dump(), operator_id=who.username, operator_sub=who.subject)
    return _json(200, service.carry_out(request, who))


def _json(status: int, body: dict) -> Response:
    return Response(status, content_types.APPLICATION_JSON, body)


ERRORS = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}


def _error(status: int, exc: Exception) -> Response:
    return _json(status, {"error": ERRORS[status], "message": str(exc)[:500]})


@app.exception_handler(NotAuthenticated)
def _not_signed_in(exc: NotAuthenticated) -> Response:
    logger.warning("operator request refused: not authenticated", extra={"reason": str(exc)})
    return _error(401, exc)


@app.exception_handler(NotAuthorised)
def _not_allowed(exc: NotAuthorised) -> Response:
    return _error(403, exc)


@app.exception_handler([AccountNotFound, CustomerNotFound])
def _not_found(exc: Exception) -> Response:
    return _error(404, exc)


@app.exception_handler(PayloadTooLarge)
def _too_large(exc: PayloadTooLarge) -> Response:
    return _json(413, {"error": "too_large", "message": str(exc)})


@app.exception_handler([InvalidInput, DuplicateEntry])
def _refused(exc: Exception) -> Response:
    return _error(400 if isinstance(exc, InvalidInput) else 409, exc)


@app.exception_handler([StoreUnavailable, AccountVersionConflict, CustomerVersionConflict])
def _transient(exc: Exception) -> Response:
    return _json(503, {"error": "unavailable", "message": "temporarily unavailable; please retry"})


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    logger.exception("operator request failed")
    return _json(500, {"error": "internal", "message": "internal error; please retry"})


@app.not_found
def _no_route(exc: Exception) -> Response:
    return _json(404, {"error": "not_found", "message": "no such operator route"})


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handle(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
