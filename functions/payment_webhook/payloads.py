"""Shared steps of every provider's payload (after the layer's bounded JSON): a strict model out of
JSON, money out of a provider's amount.

Everything here runs on attacker-controlled bytes, so each step is bounded (size, depth, digits,
string length) and fails with `InvalidInput` / `PayloadTooLarge`, whose messages name the problem
in the request, never our code.
"""

from __future__ import annotations

from typing import Any, TypeVar

from arrears.errors import InvalidInput
from arrears.money import Money, known_currency
from arrears.workflow_steps import parse
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def model_of(data: Any, model: type[M], what: str = "the event") -> M:
    return parse(model, data, what)


def money_of(minor: int, currency: str) -> Money:
    code = currency.upper()
    if len(code) != 3 or not code.isalpha() or not known_currency(code):
        raise InvalidInput(f"unknown currency {currency[:8]!r}")
    return Money(minor, code)
