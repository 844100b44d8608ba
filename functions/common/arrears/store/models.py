"""PynamoDB models of the Accounts and Activity tables (keys and indexes mirror template.yaml)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from arrears.adapters.aws_clients import on_reset


class DueAttribute(MapAttribute):
    due_on = UnicodeAttribute()
    amount = NumberAttribute()


class CollectibleIndex(GlobalSecondaryIndex):
    """Sparse and write-sharded: only accounts with work ahead carry `shard`.

    Keys only, so moving an account costs two small index writes.
    """

    class Meta:
        index_name = "collectible"
        projection = KeysOnlyProjection()

    shard = UnicodeAttribute(hash_key=True)
    next_action_on = UnicodeAttribute(range_key=True)


class AccountModel(Model):
    class Meta:
        table_name = "Accounts"  # replaced by bind_models()

    account_id = UnicodeAttribute(hash_key=True)
    portfolio = UnicodeAttribute()
    product_type = UnicodeAttribute()
    currency = UnicodeAttribute()
    opening_balance = NumberAttribute()
    balance = NumberAttribute()
    dues = ListAttribute(of=DueAttribute, default=list)
    locale = UnicodeAttribute()
    time_zone = UnicodeAttribute()
    jurisdiction = UnicodeAttribute()
    status = UnicodeAttribute()
    bucket = UnicodeAttribute(null=True)
    dpd = NumberAttribute(default=0)
    past_due = NumberAttribute(default=0)
    oldest_unpaid_on = UnicodeAttribute(null=True)
    instalment = NumberAttribute(null=True)
    next_action_on = UnicodeAttribute(null=True)
    home_shard = UnicodeAttribute()
    shard = UnicodeAttribute(null=True)  # = home_shard while the account has work ahead
    last_evaluated_on = UnicodeAttribute(null=True)
    # the day the cycle first placed the account in the census (its move from new); the KPI report
    # reads it for moves the day's index leaves out (cycle_repo.read_by_kpis)
    first_evaluated_on = UnicodeAttribute(null=True)
    # the cycle's census move on the day it was made, written with the account itself, so a page
    # retried after the account was saved still counts the move once (cycle_repo.stage_changes)
    day_move = JSONAttribute(null=True)
    census_balance = NumberAttribute(default=0)
    episode_on = UnicodeAttribute(null=True)
    fired = ListAttribute(of=UnicodeAttribute, default=list)
    holds = ListAttribute(of=UnicodeAttribute, default=list)
    opted_out = ListAttribute(of=UnicodeAttribute, default=list)
    customer_id = UnicodeAttribute(null=True)
    reach = ListAttribute(of=UnicodeAttribute, default=list)
    placement = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)  # US: USPS state code (statute of limitations)
    time_barred_on = UnicodeAttribute(null=True)  # Account.time_barred_on: the earliest bar date found
    creditor_data = JSONAttribute(null=True)  # Account.creditor_data, as its to_dict() gives it
    validation_notice_on = UnicodeAttribute(null=True)
    promise = JSONAttribute(null=True)
    arrangement = JSONAttribute(null=True)
    notices = JSONAttribute(default=list)
    counted_as = UnicodeAttribute(null=True)
    credit_limit = NumberAttribute(null=True)
    charging_frozen = BooleanAttribute(null=True)
    traced_on = UnicodeAttribute(null=True)
    unlocatable_on = UnicodeAttribute(null=True)
    reviewed_on = UnicodeAttribute(null=True)
    last_conversation_at = UnicodeAttribute(null=True)
    credits = JSONAttribute(null=True)  # Account.credits: {receipt key: minor units}; absent when none
    version = VersionAttribute()

    collectible = CollectibleIndex()


class CycleDayIndex(GlobalSecondaryIndex):
    """Sparse, write-sharded like `collectible`: the day's letters (the print batch, the summary's
    contacts), promise outcomes and payments, and the stage moves the KPIs read (not every one:
    see cycle_repo.read_by_kpis; the census is rolled forward by the shards' tallies)."""

    class Meta:
        index_name = "by_cycle_day"
        projection = AllProjection()

    cycle_day = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class ActivityModel(Model):
    """An entity's timeline: pk is an account id (or `portfolio#<name>`), sk `<date>#<kind>#<id>`."""

    class Meta:
        table_name = "Activity"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    occurred_on = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = JSONAttribute(default=dict)
    amount = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    cycle_day = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    reversed = NumberAttribute(null=True)  # a payment receipt: how much of it refunds and chargebacks took
    expires_at = NumberAttribute(null=True)  # the table's TTL: set only on the cycle's page logs

    by_cycle_day = CycleDayIndex()


def timeline_sk(on: date, kind: str, key: str) -> str:
    """The one place a timeline entry's sort key is made: by date first, so a timeline reads in
    order and a day's entries are one range."""
    return f"{on.isoformat()}#{kind}#{key}"


def cycle_day_key(as_of: date, shard: str) -> str:
    """The key of the day index: a shard's records of one business day, which the KPIs read."""
    return f"{as_of.isoformat()}#{shard}"


def timeline_entry(
    pk: str, on: date, kind: str, key: str, actor: str, detail: dict, **attrs
) -> ActivityModel:
    """An entry of an entity's timeline (an account's, or `portfolio#<name>`'s), keyed by day, kind
    and its own key; `attrs` are the item's other attributes (status, amount, cycle_day...)."""
    return ActivityModel(
        pk,
        timeline_sk(on, kind, key),
        kind=kind,
        occurred_on=on.isoformat(),
        actor=actor,
        detail=detail,
        **attrs,
    )


def bind_models(accounts_table: str, activity_table: str, region: str) -> None:
    """Point the models at the stack's tables. The endpoint comes from the normal AWS configuration."""
    for model, name in ((AccountModel, accounts_table), (ActivityModel, activity_table)):
        if model.Meta.table_name != name or getattr(model.Meta, "region", None) != region:
            model.Meta.table_name = name
            model.Meta.region = region
            model._connection = None  # PynamoDB caches the connection per model class


@lru_cache(maxsize=4)
def transaction_connection(region: str) -> Connection:
    """One low-level connection for transactions; building one builds a botocore client (slow)."""
    return Connection(region=region)


def _forget_connections() -> None:
    for model in (AccountModel, ActivityModel):
        model._connection = None
    transaction_connection.cache_clear()


on_reset(_forget_connections, connection=True)
