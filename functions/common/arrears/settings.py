"""Typed settings, read from the function's environment once and validated at start-up.

Logic never reads os.environ; handlers ask for `get_settings()` on their first call.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TablesSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    accounts_table: str = Field(min_length=3, validation_alias="ACCOUNTS_TABLE")
    activity_table: str = Field(min_length=3, validation_alias="ACTIVITY_TABLE")
    idempotency_table: str = Field(min_length=3, validation_alias="IDEMPOTENCY_TABLE")
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")


class CycleSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Write shards of the `collectible` index; every account hashes to one of them.
    shard_count: int = Field(default=16, ge=1, le=1000, validation_alias="COLLECTIBLE_SHARDS")
    page_size: int = Field(default=100, ge=1, le=100, validation_alias="PAGE_SIZE")
    reports_bucket: str = Field(min_length=3, validation_alias="REPORTS_BUCKET")
    letters_bucket: str = Field(min_length=3, validation_alias="LETTERS_BUCKET")
    sender_email: str = Field(min_length=3, validation_alias="SENDER_EMAIL")
    # How long a running cycle's lock is honoured before another execution may take it over.
    lock_lease_seconds: int = Field(default=6 * 3600, ge=60, validation_alias="CYCLE_LOCK_LEASE_SECONDS")


class Settings(TablesSettings, CycleSettings):
    pass


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
