"""What a charge-off decision records and where the census finds the account afterwards."""

from dataclasses import replace
from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.charge_off import Decision, DeclineReason, decide, recommendation
from arrears.domain.errors import InvalidInput
from arrears.domain.stages import Bucket, Status

TODAY = date(2026, 7, 20)


def _account(**changes) -> Account:
    account = Account(
        account_id="ACC-7",
        portfolio="main",
        product_type=ProductType.OPEN_END,
        currency="MXN",
        opening_balance=510000,
        balance=420000,
        dues=(),
        locale="es-MX",
        time_zone="America/Mexico_City",
        jurisdiction="MX",
        home_shard="main#0",
        status=Status.CHARGE_OFF_RECOMMENDED,
        bucket=Bucket.B180_PLUS,
        dpd=181,
        oldest_unpaid_on=date(2026, 1, 15),
    )
    return replace(account, **changes)


def test_the_recommendation_names_its_account():
    assert recommendation(_account(), TODAY).account_id == "ACC-7"


def test_the_facts_of_a_confirmation():
    _, facts = decide(_account(), Decision.CONFIRM, None, TODAY)
    assert facts == {
        "decision": "confirm",
        "exception": None,
        "balance": 420000,
        "currency": "MXN",
        "dpd": 186,
        "deadline": "2026-07-31",
    }


def test_an_account_with_nothing_unpaid_has_no_deadline_in_its_facts():
    _, facts = decide(_account(oldest_unpaid_on=None), Decision.DECLINE, DeclineReason.WORKOUT, TODAY)
    assert (facts["dpd"], facts["deadline"], facts["exception"]) == (0, None, "workout")


@pytest.mark.parametrize(
    "decision,reason", [(Decision.CONFIRM, DeclineReason.FRAUD), (Decision.DECLINE, None)]
)
def test_a_decline_without_its_exception_or_a_confirmation_with_one_is_refused(decision, reason):
    with pytest.raises(InvalidInput) as refused:
        decide(_account(), decision, reason, TODAY)
    assert str(refused.value) == "a decline names its exception, and only a decline does"


@pytest.mark.parametrize(
    "decision,reason", [(Decision.CONFIRM, None), (Decision.DECLINE, DeclineReason.WORKOUT)]
)
def test_the_census_counts_the_move_from_the_bucket_it_last_saw(decision, reason):
    after, _ = decide(_account(), decision, reason, TODAY)
    assert after.counted_as == "180+"


@pytest.mark.parametrize(
    "decision,reason", [(Decision.CONFIRM, None), (Decision.DECLINE, DeclineReason.WORKOUT)]
)
def test_a_group_already_counted_between_cycles_is_kept(decision, reason):
    after, _ = decide(_account(counted_as="120-179"), decision, reason, TODAY)
    assert after.counted_as == "120-179"
