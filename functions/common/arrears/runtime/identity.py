"""Who an operator is: a Cognito token, verified here, never a name in the request.

API Gateway's JWT authorizer checks the signature, issuer, audience (or `client_id`) and expiry,
but not which kind of token it is, and it flattens list claims such as `cognito:groups` into one
string. The handler verifies the token itself as well, so a direct invocation carrying forged
authorizer claims, or a token the authorizer would let through for the wrong use, changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

import jwt
import requests

from arrears.domain.errors import NotAuthenticated

TOKEN_USES = ("access", "id")
LEEWAY_SECONDS = 30  # clocks differ a little; expiry is still enforced
JWKS_MAX_AGE = 3600  # Cognito rotates keys rarely; a kid we do not know triggers a fresh read
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class Identity:
    subject: str  # Cognito's `sub`: stable for the user, never reused
    username: str
    groups: tuple[str, ...]


class _Keys:
    """The pool's published keys (JWKS), fetched once and again when a token names an unknown key."""

    def __init__(self) -> None:
        self._by_issuer: dict[str, tuple[float, dict]] = {}
        self._lock = Lock()

    def key(self, issuer: str, kid: str) -> jwt.PyJWK:
        with self._lock:
            fetched_at, keys = self._by_issuer.get(issuer, (0.0, {}))
            if kid not in keys or time.time() - fetched_at > JWKS_MAX_AGE:
                keys = self._fetch(issuer)
                self._by_issuer[issuer] = (time.time(), keys)
        if kid not in keys:
            raise NotAuthenticated("the token is signed with a key this pool does not publish")
        return keys[kid]

    @staticmethod
    def _fetch(issuer: str) -> dict:
        try:
            answer = requests.get(f"{issuer}/.well-known/jwks.json", timeout=5)
            answer.raise_for_status()
            return {k["kid"]: jwt.PyJWK(k) for k in answer.json()["keys"] if "kid" in k}
        except (requests.RequestException, ValueError, KeyError, jwt.PyJWKError) as exc:
            raise NotAuthenticated("the identity provider's keys cannot be read") from exc

    def clear(self) -> None:
        with self._lock:
            self._by_issuer.clear()


KEYS = _Keys()


def bearer(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise NotAuthenticated("sign in first: an Authorization: Bearer token is required")
    return token


def verify(token: str, issuer: str, client_id: str, now: float | None = None) -> Identity:
    """The identity in a token this pool issued to this client, unexpired; NotAuthenticated otherwise."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise NotAuthenticated("the token is not signed as Cognito signs")
        claims = jwt.decode(
            token,
            KEYS.key(issuer, header["kid"]).key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"verify_aud": False, "require": ["exp", "iss", "sub", "token_use"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("the token has expired: sign in again") from exc
    except jwt.InvalidIssuerError as exc:
        raise NotAuthenticated("the token was issued by another pool") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("the token does not verify") from exc
    return _identity(claims, client_id)


def _identity(claims: dict, client_id: str) -> Identity:
    use = claims.get("token_use")
    if use not in TOKEN_USES:
        raise NotAuthenticated("only an access or id token signs a request in")
    # an id token names its client in `aud`, an access token in `client_id`
    issued_to = claims.get("client_id") if use == "access" else claims.get("aud")
    if issued_to != client_id:
        raise NotAuthenticated("the token was issued to another application")
    username = claims.get("username") if use == "access" else claims.get("cognito:username")
    groups = claims.get("cognito:groups") or []
    if not isinstance(username, str) or not username or not isinstance(groups, list):
        raise NotAuthenticated("the token carries no username")
    return Identity(str(claims["sub"]), username, tuple(str(g) for g in groups))
