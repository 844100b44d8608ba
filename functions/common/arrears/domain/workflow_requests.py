"""Inputs every per-account workflow (skip-trace, credit review) shares, validated before any read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class WorkflowInput(BaseModel):
    """What starts a run for one account: the daily cycle (a strategy step, skip status) or an operator."""

    # Each function validates one of these; each is built when first used (defer_build), not
    # all of them in the import of every handler that reaches this module.
    model_config = ConfigDict(extra="ignore", defer_build=True)

    account_id: str = Field(min_length=1, max_length=100)
    as_of: date
    reason: str = "strategy"
    requested_by: str = "collection_cycle"


class StepRequest(WorkflowInput):
    """A step of a running workflow: the input plus the execution it belongs to (its natural key)."""

    execution: str = Field(min_length=1)


class BeginRequest(BaseModel):
    model_config = ConfigDict(defer_build=True)

    request: WorkflowInput
    execution: str = Field(min_length=1)

    def step(self) -> StepRequest:
        return StepRequest(**self.request.model_dump(), execution=self.execution)


class ManualReviewRequest(StepRequest):
    error: dict[str, str] = {}  # what a Catch put under $.errors: {"Error", "Cause"}
