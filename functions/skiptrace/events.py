"""The skip-trace workflow's own Lambda inputs (the shared ones are in arrears.domain.workflow_requests)."""

from __future__ import annotations

from arrears.domain.workflow_requests import StepRequest
from pydantic import Field


class SearchRequest(StepRequest):
    index: int = Field(ge=0, le=20)


class FinishRequest(StepRequest):
    located: bool
    provider: str | None = None
