"""API Gateway HTTP API (payload format 2.0) in front of the in-process functions.

A request becomes the v2 event API Gateway would send the route's function; the function's answer
(or its failure, which API Gateway turns into a bare 500) becomes the HTTP response.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from localcloud.stack import HttpRoute


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


NOT_FOUND = HttpResponse(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
UNAUTHORIZED = HttpResponse(401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
FAILED = HttpResponse(500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')


def route_for(routes: list[HttpRoute], method: str, target: str) -> tuple[HttpRoute, dict] | None:
    path = urlsplit(target).path
    for route in routes:
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


def to_event(
    route: HttpRoute,
    params: dict,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    now: float | None = None,
) -> dict:
    parts = urlsplit(target)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = time.time() if now is None else now  # API Gateway's receipt stamp
    event = {
        "version": "2.0",
        "routeKey": f"{route.method.upper()} {route.path}",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {k.lower(): v for k, v in headers.items()},  # HTTP APIs lower-case header names
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method.upper(),
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("User-Agent") or headers.get("user-agent") or "",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method.upper()} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "pathParameters": params,
        "body": text,
        "isBase64Encoded": encoded,
    }
    if parts.query:
        event["queryStringParameters"] = dict(parse_qsl(parts.query))
    return event


def from_result(payload: bytes, function_error: bool) -> HttpResponse:
    if function_error:
        return FAILED
    result = json.loads(payload or b"null")
    if not isinstance(result, dict) or "statusCode" not in result:
        # API Gateway's rule for a bare result: 200 with the result as JSON
        return HttpResponse(200, {"content-type": "application/json"}, json.dumps(result).encode())
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return HttpResponse(int(result["statusCode"]), headers, data)
