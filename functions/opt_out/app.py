"""Lambda handler of the public opt-out link (Reg F §1006.6(e)) on the webhooks' HTTP API.

GET shows one button, POST stops the emails: a mail scanner that opens every link in an email
(and many do) opens a page, it does not opt the customer out (docs/decisions.md). The token is
verified here; what it asks for is done in `arrears.services.opt_out`; errors become pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from arrears.adapters import signing_keys
from arrears.adapters.observability import instrumented, logger, metrics
from arrears.domain import opt_out as tokens
from arrears.domain.errors import (
    AccountNotFound,
    AccountVersionConflict,
    CustomerVersionConflict,
    StoreUnavailable,
)
from arrears.domain.opt_out import OptOutTokenInvalid
from arrears.runtime.settings import OptOutSettings, get_opt_out_settings, get_personal_data_settings
from arrears.services import opt_out
from arrears.store import accounts_repo
from arrears.store.models import bind_models
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from opt_out.pages import HEADERS, language, page

app = APIGatewayHttpResolver()
HTML = "text/html; charset=utf-8"


def _setup() -> OptOutSettings:
    settings = get_opt_out_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


def _verified(settings: OptOutSettings, text: str) -> tokens.OptOutToken:
    return tokens.verify(text, signing_keys.opt_out_key(settings.opt_out_secret_id, settings.region))


def _page(status: int, what: str, lang: str | None) -> Response:
    return Response(status, HTML, page(what, lang), headers=HEADERS)


@app.get("/opt-out/<token>")
def show(token: str) -> Response:
    """The page with the button; nothing changes."""
    found = _verified(_setup(), token)
    return _page(200, "ask", language(accounts_repo.get_account(found.account_id).locale))


@app.post("/opt-out/<token>")
def stop(token: str) -> Response:
    settings = _setup()
    found = _verified(settings, token)
    done = opt_out.opt_out(get_personal_data_settings().keys(), found, _received_at())
    metrics.add_metric(name="OptOutDone" if done.done_now else "OptOutRepeated", unit="Count", value=1)
    logger.info("opt-out", extra={"account_id": found.account_id, "done_now": done.done_now})
    return _page(200, "done" if done.done_now else "already", language(done.locale))


def _received_at() -> datetime:
    """When API Gateway received the request (its own stamp): the moment the opt-out holds from."""
    stamp = (app.current_event.raw_event.get("requestContext") or {}).get("timeEpoch")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 < stamp < 253402300799000:
        return datetime.fromtimestamp(stamp / 1000, UTC)
    return datetime.now(UTC)


@app.exception_handler(OptOutTokenInvalid)
def _invalid(exc: OptOutTokenInvalid) -> Response:
    logger.warning("opt-out refused: token")
    metrics.add_metric(name="OptOutTokenRefused", unit="Count", value=1)
    return _page(400, "invalid", None)


@app.exception_handler(AccountNotFound)
def _unknown(exc: AccountNotFound) -> Response:
    return _page(404, "unknown", None)


@app.not_found
def _no_route(exc: Exception) -> Response:
    return _page(404, "invalid", None)


@app.exception_handler([StoreUnavailable, AccountVersionConflict, CustomerVersionConflict])
def _transient(exc: Exception) -> Response:
    logger.warning("opt-out deferred: transient fault", extra={"error": type(exc).__name__})
    return _page(503, "later", None)


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
