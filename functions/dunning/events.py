"""The shapes of the events the cycle's state machine sends to its Lambda functions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

PORTFOLIO_NAME = r"^[A-Za-z0-9_.-]{1,64}$"


class _Event(BaseModel):
    # Five functions share this module and each parses one event: built on first use, not at import.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class CycleRequest(_Event):
    """What starts a cycle: an operator's `{portfolio, as_of}`, or the scheduler's time and zone."""

    portfolio: str = Field(pattern=PORTFOLIO_NAME)
    as_of: date | None = None
    scheduled_at: datetime | None = None
    time_zone: str | None = None
    run_at: datetime | None = None  # the moment contacts are judged at; default: scheduled or start time

    @model_validator(mode="after")
    def _has_a_date(self) -> CycleRequest:
        if self.as_of is None and (self.scheduled_at is None or self.time_zone is None):
            raise ValueError("give as_of, or scheduled_at with time_zone")
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        return self

    def business_date(self) -> date:
        """The portfolio's local date: a 06:00 Manila run is still 'today' in Manila, not yesterday in UTC."""
        if self.as_of is not None:
            return self.as_of
        return self.scheduled_at.astimezone(ZoneInfo(self.time_zone)).date()  # type: ignore[union-attr,arg-type]


class TakeLockEvent(_Event):
    request: CycleRequest
    execution: str = Field(min_length=1)
    started_at: datetime

    def run_at(self) -> datetime:
        return self.request.run_at or self.request.scheduled_at or self.started_at


class CycleDay(_Event):
    portfolio: str = Field(pattern=PORTFOLIO_NAME)
    as_of: date
    execution: str = Field(min_length=1)
    run_at: datetime  # the "now" of every contact the cycle makes (hours are judged at it)


class FeedWaitEvent(_Event):
    portfolio: str = Field(pattern=PORTFOLIO_NAME)
    as_of: date
    run_at: datetime
    waited_seconds: int = Field(default=0, ge=0, le=24 * 3600)


class ShardPageEvent(CycleDay):
    shard: str = Field(min_length=1)
    cursor: dict | None = None
    evaluated: int = Field(default=0, ge=0)
    pages: int = Field(default=0, ge=0)
    tally: list[list] = Field(default_factory=list)  # the shard's census moves so far (dunning.tally)


class CloseDayEvent(CycleDay):
    shard_results: list[dict | None] = Field(default_factory=list)


class ReleaseLockEvent(CycleDay):
    error: dict = Field(default_factory=dict)
