"""Settings read from the environment without pydantic-settings: names in any case, JSON for lists,
dicts and models, defaults validated, a bad value refused at start-up with the variable named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arrears.runtime.settings import CreditReviewSettings, Settings, SkipTraceSettings, WebhookSettings
from pydantic import ValidationError

TABLES = {"ACCOUNTS_TABLE": "accounts", "ACTIVITY_TABLE": "activity", "IDEMPOTENCY_TABLE": "idem"}
WEBHOOK = {
    **TABLES,
    "PAYMENTS_BUS": "bus",
    "STRIPE_SECRET_ID": "stripe",
    "ADYEN_SECRET_ID": "adyen",
    "STANDARD_WEBHOOKS_SECRET_ID": "standard",
}


def test_each_field_reads_the_variable_its_alias_names_in_any_case_and_the_rest_is_ignored():
    settings = WebhookSettings.from_environment(
        {**WEBHOOK, "aws_region": "eu-west-1", "WEBHOOK_TOLERANCE_SECONDS": "60", "PATH": "/usr/bin"}
    )
    assert (settings.accounts_table, settings.region, settings.tolerance_seconds) == (
        "accounts",
        "eu-west-1",
        60,
    )
    assert settings.secret_id("adyen") == "adyen"


def test_lists_dicts_and_models_are_written_as_json():
    webhook = WebhookSettings.from_environment(
        {**WEBHOOK, "WEBHOOK_MAX_AMOUNTS": '{"*": "500", "JPY": 70000}'}
    )
    assert webhook.max_amounts == {"*": Decimal(500), "JPY": Decimal(70000)}
    trace = SkipTraceSettings.from_environment(
        {**TABLES, "SKIPTRACE_PROVIDERS": '[{"name": "acme", "unit_cost": "0.25"}]'}
    )
    assert [(p.name, p.cost_minor) for p in trace.providers] == [("acme", 25)]
    review = CreditReviewSettings.from_environment(
        {**TABLES, "CREDIT_BUREAU": '{"name": "bureau"}', "CARD_PLATFORM": '{"name": "cards"}'}
    )
    assert (review.bureau.name, review.card_platform.kind) == ("bureau", "sandbox")


def test_defaults_hold_when_unset():
    cycle = Settings.from_environment(
        {**TABLES, "REPORTS_BUCKET": "rep", "LETTERS_BUCKET": "let", "SENDER_EMAIL": "a@b.example"}
    )
    assert (cycle.shard_count, cycle.page_size, cycle.region, cycle.skiptrace_state_machine) == (
        16,
        100,
        "us-east-1",
        "",
    )
    assert WebhookSettings.from_environment(WEBHOOK).max_amounts["*"] == Decimal(1_000_000)


@pytest.mark.parametrize(
    "environment,named",
    [
        ({k: v for k, v in WEBHOOK.items() if k != "PAYMENTS_BUS"}, "PAYMENTS_BUS"),  # missing
        ({**WEBHOOK, "WEBHOOK_MAX_AMOUNTS": "500"}, "WEBHOOK_MAX_AMOUNTS"),  # JSON, but no mapping
        ({**WEBHOOK, "WEBHOOK_MAX_AMOUNTS": "{not json"}, "WEBHOOK_MAX_AMOUNTS"),
        ({**WEBHOOK, "WEBHOOK_MAX_AMOUNTS": '{"JPY": 1}'}, "WEBHOOK_MAX_AMOUNTS"),  # no "*" default
        ({**WEBHOOK, "WEBHOOK_TOLERANCE_SECONDS": "5"}, "WEBHOOK_TOLERANCE_SECONDS"),  # below its bound
    ],
)
def test_a_bad_or_missing_value_is_refused_with_its_variable_named(environment, named):
    with pytest.raises(ValidationError) as refused:
        WebhookSettings.from_environment(environment)
    assert named in str(refused.value)
