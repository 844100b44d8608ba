"""The skip-trace workflow's Lambda inputs, validated before anything is read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class TraceRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account_id: str = Field(min_length=1, max_length=100)
    as_of: date
    execution: str = Field(min_length=1)
    reason: str = "strategy"
    requested_by: str = "collection_cycle"


class TraceInput(BaseModel):
    """What starts a trace: the cycle (a strategy step, skip status) or an operator."""

    model_config = ConfigDict(extra="ignore")

    account_id: str = Field(min_length=1, max_length=100)
    as_of: date
    reason: str = "strategy"
    requested_by: str = "collection_cycle"


class BeginRequest(BaseModel):
    request: TraceInput
    execution: str = Field(min_length=1)

    def trace(self) -> TraceRequest:
        return TraceRequest(**self.request.model_dump(), execution=self.execution)


class SearchRequest(TraceRequest):
    index: int = Field(ge=0, le=20)


class FinishRequest(TraceRequest):
    located: bool
    provider: str | None = None


class ManualReviewRequest(TraceRequest):
    error: dict = {}
