"""Bounded reading of bodies from outside (webhooks, operator requests): bytes to text, text to JSON.

Everything here runs on attacker-controlled input, so each step is bounded (size, depth, digits)
and fails with `InvalidInput` / `PayloadTooLarge`, whose messages name the problem in the
request, never our code or the parser's.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from arrears.domain.errors import InvalidInput, PayloadTooLarge

# An HTTP API takes up to 10 MB; no processor's notification comes near this.
MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 16  # Stripe's events nest about 6 deep
# A bigger number is refused while parsing (Python's own guard is 4,300 digits, and slow near it).
# Far beyond any amount: a signed absurd one is still read, then kept aside by its bounds.
MAX_INT_DIGITS = 400


def raw_body(body: str | None, is_base64: bool, limit: int = MAX_BODY_BYTES) -> str:
    """The request's body as text, exactly as sent (signatures are over these bytes)."""
    body = body or ""
    if len(body) > (limit * 4) // 3 + 4:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if is_base64:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("the body is not valid base64") from exc
    else:
        data = body.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not UTF-8 text") from exc


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise InvalidInput("a number in the body is too large")
    return int(text)


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        if isinstance(current, dict):
            stack.extend((v, level + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, level + 1) for v in current)
    return deepest


def json_of(body: str) -> dict:
    """A JSON object, with bounded numbers and nesting, or InvalidInput."""
    try:
        data = json.loads(body, parse_int=_bounded_int, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise InvalidInput("the body is nested too deeply") from exc
    except InvalidInput:
        raise
    except ValueError as exc:  # JSONDecodeError: the parser's own words name its internals
        raise InvalidInput("the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("the body is not a JSON object")
    if _depth(data) > MAX_DEPTH:
        raise InvalidInput("the body is nested too deeply")
    return data
