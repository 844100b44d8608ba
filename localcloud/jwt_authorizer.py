"""API Gateway's JWT authorizer, locally, in front of routes the template gives one.

It checks what the managed authorizer checks: the signature against the issuer's published keys,
the issuer, the audience (an id token's `aud`, an access token's `client_id`), expiry and
not-before; not the token's use. The claims reach the function as API Gateway passes them, list
claims flattened into one string ("[a b]"). The function verifies the token itself as well.
"""

from __future__ import annotations

import re

import jwt
from arrears.domain.errors import NotAuthenticated
from arrears.runtime.identity import KEYS, bearer

from localcloud.stack import JwtAuthorizer

# Where Cognito publishes a pool's keys; under `arrears local up` moto's server holds the pools.
JWKS_URL = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[^/]+/\.well-known/jwks\.json")


def authorize(authorizer: JwtAuthorizer, headers: dict[str, str]) -> dict | None:
    """The claims API Gateway would pass on, or None: it answers 401 and the function never runs."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    try:
        token = bearer(value if " " in value.strip() else f"Bearer {value}")
        kid = jwt.get_unverified_header(token).get("kid")
        claims = jwt.decode(
            token,
            KEYS.key(authorizer.issuer, str(kid)).key,
            algorithms=["RS256"],
            issuer=authorizer.issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]},
        )
    except (NotAuthenticated, jwt.PyJWTError):
        return None
    if claims.get("aud") not in authorizer.audience and claims.get("client_id") not in authorizer.audience:
        return None
    return {k: (f"[{' '.join(map(str, v))}]" if isinstance(v, list) else v) for k, v in claims.items()}


def serve_keys_from_moto() -> object:
    """Under `arrears local up` the functions fetch a pool's keys with `requests` from Cognito's URL;
    moto's server holds the pools, so that URL is answered from moto's published key set."""
    import responses
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(re.compile(r"^(?!https://cognito-idp\.).*"))

    def keys(_request):
        return 200, {"Content-Type": "application/json"}, CognitoIdpJsonWebKeyResponse.json_web_key

    mock.add_callback(responses.GET, JWKS_URL, callback=keys)
    mock.start()
    return mock
