"""Typed settings, read from the function's environment once and validated at start-up.

Logic never reads os.environ; handlers ask for `get_settings()` on their first call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from functools import lru_cache
from typing import Self, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator

from arrears.adapters.personal_data import Keys
from arrears.adapters.provider_config import ProviderConfig


class EnvSettings(BaseModel):
    """Settings from the environment: each field reads the variable its validation_alias names
    (in any case); a list, dict or model is written as JSON. This is all we used pydantic-settings
    for, and importing it cost every cold start about 30 ms (docs/decisions.md #47).
    """

    # Every handler imports this module and instantiates one or two of its classes: each class's
    # validator is built then (defer_build), not all of them at every cold start.
    model_config = ConfigDict(extra="ignore", validate_default=True, defer_build=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        found = {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
        values = {}
        for field in cls.model_fields.values():
            name = field.validation_alias
            if isinstance(name, str) and name.lower() in found:
                values[name] = _structured(field.annotation, found[name.lower()])
        return cls.model_validate(values)


def _structured(annotation, raw: str):
    """JSON for a list, dict or model field; a value that is not JSON is left for validation to refuse."""
    model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    if not model and get_origin(annotation) not in (list, dict, set, tuple):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class TablesSettings(EnvSettings):
    accounts_table: str = Field(min_length=3, validation_alias="ACCOUNTS_TABLE")
    activity_table: str = Field(min_length=3, validation_alias="ACTIVITY_TABLE")
    idempotency_table: str = Field(min_length=3, validation_alias="IDEMPOTENCY_TABLE")
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")


class CycleSettings(EnvSettings):
    # Write shards of the `collectible` index; every account hashes to one of them.
    shard_count: int = Field(default=16, ge=1, le=1000, validation_alias="COLLECTIBLE_SHARDS")
    page_size: int = Field(default=100, ge=1, le=100, validation_alias="PAGE_SIZE")
    reports_bucket: str = Field(min_length=3, validation_alias="REPORTS_BUCKET")
    letters_bucket: str = Field(min_length=3, validation_alias="LETTERS_BUCKET")
    sender_email: str = Field(min_length=3, validation_alias="SENDER_EMAIL")
    # How long a running cycle's lock is honoured before another execution may take it over.
    # The cycle waits for the day's feed until this time in the portfolio's zone (dunning.feed_wait)
    feed_cutoff: time = Field(default=time(8), validation_alias="FEED_CUTOFF")
    time_zone: str = Field(default="America/New_York", validation_alias="PORTFOLIO_TIME_ZONE")
    lock_lease_seconds: int = Field(default=6 * 3600, ge=60, validation_alias="CYCLE_LOCK_LEASE_SECONDS")
    # The bureau workflows the cycle hands accounts to; empty: the cycle starts none.
    skiptrace_state_machine: str = Field(default="", validation_alias="SKIPTRACE_STATE_MACHINE_ARN")
    credit_review_state_machine: str = Field(default="", validation_alias="CREDIT_REVIEW_STATE_MACHINE_ARN")
    skiptrace_cooldown_days: int = Field(default=30, ge=1, validation_alias="SKIPTRACE_COOLDOWN_DAYS")
    credit_review_cooldown_days: int = Field(default=90, ge=1, validation_alias="CREDIT_REVIEW_COOLDOWN_DAYS")
    # The opt-out endpoint's base address and the secret its links are signed with: an email under
    # a profile with the electronic opt-out is not sent without them (dunning.delivery).
    opt_out_url: str = Field(default="", pattern=r"^(https?://\S+)?$", validation_alias="OPT_OUT_URL")
    opt_out_secret_id: str = Field(default="", validation_alias="OPT_OUT_SECRET_ID")


class Settings(TablesSettings, CycleSettings):
    pass


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()


class WebhookSettings(TablesSettings):
    payments_bus: str = Field(min_length=1, validation_alias="PAYMENTS_BUS")
    stripe_secret_id: str = Field(min_length=1, validation_alias="STRIPE_SECRET_ID")
    adyen_secret_id: str = Field(min_length=1, validation_alias="ADYEN_SECRET_ID")
    standard_secret_id: str = Field(min_length=1, validation_alias="STANDARD_WEBHOOKS_SECRET_ID")
    # A signed timestamp older or further ahead than this is a replay (Stripe's default is 300 s).
    tolerance_seconds: int = Field(default=300, ge=30, le=3600, validation_alias="WEBHOOK_TOLERANCE_SECONDS")
    # How long a fetched secret is trusted before it is read again (a rotation shows within this).
    secrets_max_age: int = Field(default=300, ge=0, le=3600, validation_alias="WEBHOOK_SECRETS_MAX_AGE")
    # Longer than processors retry (Stripe: 3 days), so a late retry still gets the first answer.
    idempotency_seconds: int = Field(
        default=4 * 24 * 3600, ge=3600, validation_alias="WEBHOOK_IDEMPOTENCY_SECONDS"
    )

    # The largest payment, refund or dispute one event may carry, in major units per currency ("*"
    # for any other): above it the event is authentic but kept in suspense for an operator.
    max_amounts: dict[str, Decimal] = Field(
        default={"*": Decimal(1_000_000), "JPY": Decimal(150_000_000), "KRW": Decimal(1_500_000_000)},
        validation_alias="WEBHOOK_MAX_AMOUNTS",
    )
    # How long before its receipt an event may have happened (Adyen retries for 30 days).
    max_event_age_days: int = Field(default=35, ge=1, le=400, validation_alias="WEBHOOK_MAX_EVENT_AGE_DAYS")

    @field_validator("max_amounts")
    @classmethod
    def _needs_default(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if "*" not in value or any(v <= 0 for v in value.values()):
            raise ValueError('WEBHOOK_MAX_AMOUNTS needs positive amounts and a "*" default')
        return value

    def secret_id(self, provider: str) -> str:
        return {
            "stripe": self.stripe_secret_id,
            "adyen": self.adyen_secret_id,
            "standard": self.standard_secret_id,
        }[provider]


@lru_cache(maxsize=1)
def get_webhook_settings() -> WebhookSettings:
    return WebhookSettings.from_environment()


class PaymentsBusSettings(TablesSettings):
    """Where a posting made outside the webhook (an operator's assignment from suspense) is announced."""

    payments_bus: str = Field(min_length=1, validation_alias="PAYMENTS_BUS")


@lru_cache(maxsize=1)
def get_payments_bus_settings() -> PaymentsBusSettings:
    return PaymentsBusSettings.from_environment()


class FeedSettings(TablesSettings):
    """The daily feed's functions: where files land, where applied payments are announced."""

    feeds_bucket: str = Field(min_length=3, validation_alias="FEEDS_BUCKET")
    payments_bus: str = Field(min_length=1, validation_alias="PAYMENTS_BUS")
    shard_count: int = Field(default=16, ge=1, le=1000, validation_alias="COLLECTIBLE_SHARDS")
    # rows per chunk of the Distributed Map: each chunk is one Lambda call, well within its timeout
    chunk_rows: int = Field(default=500, ge=1, le=5000, validation_alias="FEED_CHUNK_ROWS")


@lru_cache(maxsize=1)
def get_feed_settings() -> FeedSettings:
    return FeedSettings.from_environment()


class SkipTraceSettings(TablesSettings):
    # Cheapest first: the waterfall stops at the first provider that finds a strong enough match.
    providers: list[ProviderConfig] = Field(min_length=1, validation_alias="SKIPTRACE_PROVIDERS")
    confidence: float = Field(default=0.8, ge=0.5, le=1.0, validation_alias="SKIPTRACE_CONFIDENCE")
    cooldown_days: int = Field(default=30, ge=1, le=365, validation_alias="SKIPTRACE_COOLDOWN_DAYS")


@lru_cache(maxsize=1)
def get_skiptrace_settings() -> SkipTraceSettings:
    return SkipTraceSettings.from_environment()


class CreditReviewSettings(TablesSettings):
    bureau: ProviderConfig = Field(validation_alias="CREDIT_BUREAU")
    card_platform: ProviderConfig = Field(validation_alias="CARD_PLATFORM")
    # A review more often than this is refused (each pull is on the customer's file).
    cooldown_days: int = Field(default=90, ge=1, le=365, validation_alias="CREDIT_REVIEW_COOLDOWN_DAYS")


@lru_cache(maxsize=1)
def get_credit_review_settings() -> CreditReviewSettings:
    return CreditReviewSettings.from_environment()


class OperatorIdentitySettings(EnvSettings):
    """The operators' user pool: only tokens it issued to the operator client sign a request in."""

    pool_issuer: str = Field(pattern=r"^https://\S+$", validation_alias="OPERATOR_POOL_ISSUER")
    client_id: str = Field(min_length=1, validation_alias="OPERATOR_CLIENT_ID")


class OptOutSettings(TablesSettings):
    """The public opt-out endpoint: the key its links are signed with."""

    opt_out_secret_id: str = Field(min_length=3, validation_alias="OPT_OUT_SECRET_ID")


@lru_cache(maxsize=1)
def get_opt_out_settings() -> OptOutSettings:
    return OptOutSettings.from_environment()


@lru_cache(maxsize=1)
def get_operator_identity_settings() -> OperatorIdentitySettings:
    return OperatorIdentitySettings.from_environment()


class PersonalDataSettings(EnvSettings):
    """Where customers live and what seals their personal fields: given only to the functions whose
    role may use the personal-data key (template.yaml)."""

    customers_table: str = Field(min_length=3, validation_alias="CUSTOMERS_TABLE")
    personal_data_key: str = Field(
        pattern=r"^arn:aws[a-z-]*:kms:\S+$", validation_alias="PERSONAL_DATA_KEY_ARN"
    )
    lookup_key_secret: str = Field(min_length=3, validation_alias="LOOKUP_KEY_SECRET_ID")
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")

    def keys(self) -> Keys:
        return Keys(self.customers_table, self.personal_data_key, self.lookup_key_secret, self.region)


@lru_cache(maxsize=1)
def get_personal_data_settings() -> PersonalDataSettings:
    return PersonalDataSettings.from_environment()
