"""HTTP provider adapters against a local server: the requests they send and the errors the workflows see."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import boto3
import pytest
from arrears.adapters import provider_http
from arrears.adapters.aws_clients import reset_connections
from arrears.adapters.provider_config import ProviderConfig
from arrears.domain.bureau import CreditReport, Purpose, TraceAnswer
from arrears.domain.errors import ProviderBadResponse, ProviderThrottled, ProviderUnavailable
from credit_review.bureau.http import HttpBureau
from credit_review.card_platform.base import LimitChanged
from credit_review.card_platform.http import HttpCardPlatform
from moto import mock_aws
from skiptrace.providers.http import HttpSkipTrace
from werkzeug import Request, Response

API_KEY = "k-test-123"
PERSONAL = "Jane Q Public, 12 Elm St"  # stands for the personal data a body carries; must never surface
REGION = "us-east-1"


@dataclass(frozen=True)
class Case:
    name: str
    adapter: type
    call: Callable[[object], object]
    path: str
    payload: dict
    answer: dict
    model: type
    idempotency_key: str | None = None


CASES = [
    Case(
        "skiptrace",
        HttpSkipTrace,
        lambda a: a.search("ACC-1", "US", Purpose.COLLECTION, "skiptrace-ACC-1:locate-basic"),
        "/v1/skiptrace/search",
        {"account_id": "ACC-1", "jurisdiction": "US", "purpose": "collection"},
        {
            "reference": "tr-1",
            "outcome": "hit",
            "candidates": [{"kind": "phone", "value": "+1 555 0100", "confidence": 0.9}],
        },
        TraceAnswer,
        idempotency_key="skiptrace-ACC-1:locate-basic",  # a retried search is not billed twice
    ),
    Case(
        "bureau",
        HttpBureau,
        lambda a: a.soft_pull("ACC-1", "US", Purpose.ACCOUNT_REVIEW, date(2026, 3, 2), "review-ACC-1:bureau"),
        "/v1/reports/soft",
        {"account_id": "ACC-1", "jurisdiction": "US", "purpose": "account_review", "as_of": "2026-03-02"},
        {
            "reference": "rep-1",
            "bureau": {
                "name": "Test Bureau",
                "phone": "1-800-555-0199",
                "address": "PO Box 1, Chester, PA",
                "website": "www.example.com",
            },
            "outcome": "scored",
            "score": 640,
            "scored_on": "2026-03-02",
            "key_factors": [{"code": "18", "description": "Number of accounts with delinquency"}],
        },
        CreditReport,
        idempotency_key="review-ACC-1:bureau",  # a retried pull is one inquiry on the file
    ),
    Case(
        "card",
        HttpCardPlatform,
        lambda a: a.change_limit("chg-1", "ACC-1", 150_000, True),
        "/v1/accounts/ACC-1/credit-limit",
        {"new_limit": 150_000, "freeze_charging": True},
        {
            "change_id": "chg-1",
            "account_id": "ACC-1",
            "new_limit": 150_000,
            "charging_frozen": True,
            "reference": "plat-9",
        },
        LimitChanged,
        idempotency_key="chg-1",
    ),
]
by_name = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    # The back-off schedule itself is checked in one test with an injected sleep.
    monkeypatch.setattr(provider_http, "BACKOFF_S", 0.001)


def config(url: str, **overrides) -> ProviderConfig:
    return ProviderConfig(name="acme", kind="http", url=url, secret_id="arrears/acme", **overrides)


def adapter(case: Case, httpserver, **overrides):
    return case.adapter(config(httpserver.url_for("/"), **overrides), api_key=API_KEY)


def serve(httpserver, case: Case, *responses: Response | Callable[[], Response]) -> list[dict]:
    """Answers the case path with `responses` in turn (the last repeats); returns what requests carried."""
    seen: list[dict] = []

    def handler(request: Request) -> Response:
        seen.append(
            {
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "json": request.get_json(silent=True),
            }
        )
        answer = responses[min(len(seen), len(responses)) - 1]
        return answer if isinstance(answer, Response) else answer()

    httpserver.expect_request(case.path, method="POST").respond_with_handler(handler)
    return seen


def ok(case: Case) -> Response:
    return Response(json.dumps(case.answer), 200, content_type="application/json")


def status(code: int) -> Response:
    return Response(json.dumps({"error": PERSONAL}), code, content_type="application/json")


@by_name
def test_a_valid_answer_parses_and_the_request_carries_key_payload_and_idempotency_key(case, httpserver):
    seen = serve(httpserver, case, ok(case))

    result = case.call(adapter(case, httpserver))

    assert result == case.model.model_validate(case.answer)
    assert len(seen) == 1
    assert seen[0]["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert seen[0]["json"] == case.payload
    assert seen[0]["headers"].get("idempotency-key") == case.idempotency_key


@by_name
def test_429_is_throttled_at_once_leaving_the_back_off_to_step_functions(case, httpserver):
    seen = serve(httpserver, case, status(429))

    with pytest.raises(ProviderThrottled, match="429"):
        case.call(adapter(case, httpserver, max_attempts=3))
    assert len(seen) == 1


@by_name
def test_5xx_is_retried_and_a_later_success_is_returned(case, httpserver):
    seen = serve(httpserver, case, status(503), status(503), ok(case))

    result = case.call(adapter(case, httpserver, max_attempts=3))

    assert result == case.model.model_validate(case.answer)
    assert len(seen) == 3
    # A retried card-platform change must carry the same key, or the platform could apply it twice.
    assert {s["headers"].get("idempotency-key") for s in seen} == {case.idempotency_key}


@by_name
def test_5xx_on_every_attempt_is_unavailable_after_exactly_max_attempts(case, httpserver):
    seen = serve(httpserver, case, status(503))

    with pytest.raises(ProviderUnavailable, match="503") as raised:
        case.call(adapter(case, httpserver, max_attempts=4))
    assert len(seen) == 4
    assert PERSONAL not in str(raised.value)


@by_name
def test_a_timeout_is_unavailable(case, httpserver):
    release = threading.Event()
    serve(httpserver, case, lambda: (release.wait(2), ok(case))[1])

    try:
        with pytest.raises(ProviderUnavailable, match="Timeout"):
            case.call(adapter(case, httpserver, timeout_s=0.1, max_attempts=1))
    finally:
        release.set()  # the test server is single-threaded: free it for the next test


def test_a_timeout_is_retried_and_a_later_answer_is_returned(httpserver):
    case = CASES[0]

    def slow_then_ok() -> Response:
        if len(seen) == 1:
            time.sleep(0.25)  # past timeout_s; the retry queues behind it and is answered at once
        return ok(case)

    seen = serve(httpserver, case, slow_then_ok)

    assert case.call(adapter(case, httpserver, timeout_s=0.2, max_attempts=2)) == TraceAnswer(**case.answer)
    assert len(seen) == 2


@by_name
def test_a_4xx_is_a_bad_response_without_retry_and_without_the_body(case, httpserver):
    seen = serve(httpserver, case, status(400))

    with pytest.raises(ProviderBadResponse, match="400") as raised:
        case.call(adapter(case, httpserver, max_attempts=3))
    assert len(seen) == 1
    assert PERSONAL not in str(raised.value)


@by_name
def test_a_200_that_is_not_json_is_a_bad_response_without_the_body(case, httpserver):
    serve(httpserver, case, Response(PERSONAL, 200, content_type="text/html"))

    with pytest.raises(ProviderBadResponse, match="not JSON") as raised:
        case.call(adapter(case, httpserver))
    assert PERSONAL not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@by_name
def test_a_200_with_json_of_the_wrong_shape_is_a_bad_response_without_the_body(case, httpserver):
    body = {"reference": PERSONAL, "outcome": PERSONAL, "new_limit": PERSONAL}
    serve(httpserver, case, Response(json.dumps(body), 200, content_type="application/json"))

    with pytest.raises(ProviderBadResponse, match="malformed") as raised:
        case.call(adapter(case, httpserver))
    assert PERSONAL not in str(raised.value)


def test_card_platform_refuses_an_answer_about_another_change(httpserver):
    card = CASES[2]
    other = {**card.answer, "change_id": "chg-someone-else"}
    serve(httpserver, card, Response(json.dumps(other), 200, content_type="application/json"))

    with pytest.raises(ProviderBadResponse, match="chg-1"):
        card.call(adapter(card, httpserver))


def test_connection_errors_are_retried_with_a_growing_back_off_then_unavailable(monkeypatch):
    monkeypatch.setattr(provider_http, "BACKOFF_S", 0.2)
    with socket.socket() as s:  # a port nobody listens on: connections are refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    slept: list[float] = []

    with pytest.raises(ProviderUnavailable, match="ConnectionError.*3 attempt"):
        provider_http.post_json(
            config(f"http://127.0.0.1:{port}", max_attempts=3), "/v1/x", {}, API_KEY, sleep=slept.append
        )
    assert slept == pytest.approx([0.2, 0.4])


def test_the_api_key_is_read_from_secrets_manager_on_first_call_not_on_construction(monkeypatch, httpserver):
    case = CASES[0]
    reads: list[tuple[str, str]] = []

    def fake_api_key_of(cfg: ProviderConfig, region: str) -> str:
        reads.append((cfg.secret_id, region))
        return "k-from-secret"

    monkeypatch.setattr(provider_http, "api_key_of", fake_api_key_of)
    seen = serve(httpserver, case, ok(case))

    searcher = HttpSkipTrace(config(httpserver.url_for("/")), region="eu-west-1")
    assert reads == []
    case.call(searcher)

    assert reads == [("arrears/acme", "eu-west-1")]
    assert seen[0]["headers"]["authorization"] == "Bearer k-from-secret"


@pytest.fixture
def secrets():
    # Cached clients and secrets providers must not outlive (or predate) the mock.
    reset_connections()
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        yield client
        # a worker's shared local cloud keeps moto's state past this mock: leave no secret behind
        for secret in client.list_secrets()["SecretList"]:
            client.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)
    reset_connections()


def test_api_key_of_reads_the_key_from_the_providers_secret(secrets):
    secrets.create_secret(Name="arrears/acme", SecretString=json.dumps({"api_key": "k-from-sm"}))

    assert provider_http.api_key_of(config("https://acme.example"), REGION) == "k-from-sm"


def test_a_secret_without_an_api_key_is_unavailable(secrets):
    secrets.create_secret(Name="arrears/acme", SecretString=json.dumps({"token": "not-it"}))

    with pytest.raises(ProviderUnavailable, match="acme.*no api_key") as raised:
        provider_http.api_key_of(config("https://acme.example"), REGION)
    assert "not-it" not in str(raised.value)
