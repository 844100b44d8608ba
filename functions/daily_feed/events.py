"""What the daily_feed state machine hands each step."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CheckEvent(_Event):
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)
    execution: str = Field(min_length=1, max_length=80)


class ChunkEvent(_Event):
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)
    chunk: str = Field(min_length=1, max_length=1024)  # the chunk's own object, written by the check
    received_at: datetime  # when the file's workflow started: the moment its money was received
    execution: str = Field(min_length=1, max_length=80)


class ReportEvent(_Event):
    file: dict
    applied: list[dict]
    execution: str = Field(min_length=1, max_length=80)
