"""Shared steps of every provider's payload (after the layer's bounded JSON): a strict model out of
JSON, money out of a provider's amount.

Everything here runs on attacker-controlled bytes, so each step is bounded (size, depth, digits,
string length) and fails with `InvalidInput` / `PayloadTooLarge`, whose messages name the problem
in the request, never our code.
"""

from __future__ import annotations

from typing import Any, TypeVar

from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money, known_currency
from arrears.runtime.workflow_steps import parse
from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class Payload(BaseModel):
    """A provider's payload model. One function serves every provider and a request names one:
    a provider's models are built when its first request comes (defer_build), not at import."""

    model_config = ConfigDict(defer_build=True)


def model_of(data: Any, model: type[M], what: str = "the event") -> M:
    return parse(model, data, what)


def money_of(minor: int, currency: str) -> Money:
    code = currency.upper()
    if len(code) != 3 or not code.isalpha() or not known_currency(code):
        raise InvalidInput(f"unknown currency {currency[:8]!r}")
    return Money(minor, code)
