"""JSON over HTTPS to an outside data provider, with the error contract the workflows retry and catch on.

429 is `ProviderThrottled` at once: Step Functions owns the back-off, so a throttled call does not
sit in a Lambda burning time. Connection errors, timeouts and 5xx are retried a few times here
(they are usually a blip), then `ProviderUnavailable`. Anything else that is not a 2xx JSON answer
is `ProviderBadResponse`. Messages name the provider and status only: request and response bodies
carry personal data and must not reach logs or execution histories.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache

import requests
from aws_lambda_powertools.utilities.parameters import (
    GetParameterError,
    SecretsProvider,
    TransformParameterError,
)

from arrears.adapters.aws_clients import client, on_reset
from arrears.adapters.observability import logger
from arrears.adapters.provider_config import ProviderConfig
from arrears.domain.errors import ProviderBadResponse, ProviderThrottled, ProviderUnavailable

BACKOFF_S = 0.2  # × attempt number: long enough to ride out a blip, short next to a Lambda's timeout
SECRET_MAX_AGE_S = 300  # a rotated key is picked up within five minutes


def post_json(
    config: ProviderConfig,
    path: str,
    payload: dict,
    api_key: str,
    idempotency_key: str | None = None,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> object:
    """POST `payload` to `config.url + path` and return the decoded JSON answer.

    Raises ProviderThrottled, ProviderUnavailable or ProviderBadResponse.
    """
    url = f"{(config.url or '').rstrip('/')}{path}"
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    http = session or requests
    for attempt in range(1, config.max_attempts + 1):
        last = attempt == config.max_attempts
        try:
            # No redirects: requests would turn a POST into a GET and drop the Authorization header.
            response = http.post(
                url, json=payload, headers=headers, timeout=config.timeout_s, allow_redirects=False
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = type(exc).__name__
            if last:
                raise ProviderUnavailable(
                    f"{config.name}: {problem} on POST {path} after {attempt} attempt(s)"
                ) from exc
        except requests.RequestException as exc:
            # Not a network blip (a bad URL, a broken stream): retrying would not help.
            raise ProviderUnavailable(f"{config.name}: {type(exc).__name__} on POST {path}") from exc
        else:
            status = response.status_code
            if status == 429:
                raise ProviderThrottled(f"{config.name}: HTTP 429 on POST {path}")
            if status >= 500:
                problem = f"HTTP {status}"
                if last:
                    raise ProviderUnavailable(
                        f"{config.name}: {problem} on POST {path} after {attempt} attempt(s)"
                    )
            elif not 200 <= status < 300:
                raise ProviderBadResponse(f"{config.name}: HTTP {status} on POST {path}")
            else:
                try:
                    return response.json()
                except ValueError:
                    # `from None`: the decode error holds the body it could not parse.
                    raise ProviderBadResponse(
                        f"{config.name}: HTTP {status} on POST {path} with a body that is not JSON"
                    ) from None
        logger.warning(
            "provider call failed, retrying",
            extra={"provider": config.name, "path": path, "attempt": attempt, "problem": problem},
        )
        sleep(BACKOFF_S * attempt)
    raise AssertionError("unreachable: max_attempts >= 1")


@lru_cache(maxsize=4)
def _secrets_provider(region: str) -> SecretsProvider:
    return SecretsProvider(boto3_client=client("secretsmanager", region))


on_reset(_secrets_provider.cache_clear)


def api_key_of(config: ProviderConfig, region: str) -> str:
    """The provider's API key from its Secrets Manager secret `{"api_key": "..."}`, cached for a while."""
    if not config.secret_id:
        raise ProviderUnavailable(f"{config.name}: no secret_id configured")
    try:
        value = _secrets_provider(region).get(config.secret_id, transform="json", max_age=SECRET_MAX_AGE_S)
    except TransformParameterError:
        # `from None`: the parse error may quote the secret's text.
        raise ProviderUnavailable(f"{config.name}: secret {config.secret_id} is not JSON") from None
    except GetParameterError as exc:
        raise ProviderUnavailable(f"{config.name}: cannot read secret {config.secret_id}") from exc
    api_key = value.get("api_key") if isinstance(value, dict) else None
    if not isinstance(api_key, str) or not api_key:
        raise ProviderUnavailable(f"{config.name}: secret {config.secret_id} has no api_key")
    return api_key


class ProviderClient:
    """What each HTTP adapter is built on: its config, a kept-alive session, a key read only when needed."""

    def __init__(
        self,
        config: ProviderConfig,
        region: str = "us-east-1",
        session: requests.Session | None = None,
        api_key: str | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.region = region
        # One session per adapter: warm Lambda invocations reuse the TLS connection.
        self.session = session or requests.Session()
        self._api_key = api_key

    def post(self, path: str, payload: dict, idempotency_key: str | None = None) -> object:
        # Asked on every call rather than once: the secrets provider caches, and a rotation still lands.
        api_key = self._api_key or api_key_of(self.config, self.region)
        return post_json(self.config, path, payload, api_key, idempotency_key, self.session)
