"""Shared steps of every provider's payload: JSON out of the raw body, a pydantic model out of JSON."""

from __future__ import annotations

import json
from typing import TypeVar

from arrears.errors import InvalidInput
from arrears.money import Money, known_currency
from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def json_of(body: str) -> dict:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidInput(f"the body is not JSON: {exc.msg} at {exc.pos}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("the body is not a JSON object")
    return data


def model_of(data: dict, model: type[M]) -> M:
    try:
        return parse(event=data, model=model)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidInput(f"{model.__name__}: {problems}") from exc


def money_of(minor: int, currency: str) -> Money:
    code = currency.upper()
    if not known_currency(code):
        raise InvalidInput(f"unknown currency {currency!r}")
    return Money(minor, code)
