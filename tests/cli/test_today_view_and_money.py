"""What an operator reads, decided without a cloud: an account's standing as of the day asked,
the worklist's reasons, and amounts in major units with their currency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.ledger import Due

from arrears_cli.output import for_people, money_text_for_people
from arrears_cli.worklist import Attempt, _reason, as_of

TODAY = date(2026, 6, 1)


def _late(dpd: int, balance: int = 100_000, **kwargs) -> Account:
    """An account whose one unpaid due is `dpd` days old on TODAY; its stored figures are stale."""
    due = Due(TODAY - timedelta(days=dpd), 5_000)
    return Account(
        "U-1", "main", ProductType.OPEN_END, "USD", balance, balance, (due,), "en-US", "America/New_York",
        "US", home_shard="main#000", dpd=max(0, dpd - 3), **kwargs,
    )  # fmt: skip


def _why(account: Account, attempts: tuple[Attempt, ...] = (), timeline: tuple = ()) -> str | None:
    found = _reason(account, as_of(account, TODAY), TODAY, list(timeline), list(attempts))
    return None if found is None else found[1]


def test_the_standing_is_as_of_the_day_asked_not_as_the_cycle_stored_it():
    account = _late(8)  # stored at 5 DPD, three days ago

    standing = as_of(account, TODAY)

    assert (account.dpd, standing.dpd, str(standing.bucket)) == (5, 8, "1-29")


@pytest.mark.parametrize(
    ("dpd", "why"),
    [
        (29, "29 DPD, next bucket in 1 day"),
        (30, "30 DPD, next bucket in 30 days"),
        (31, "31 DPD, next bucket in 29 days"),
        (125, "125 DPD, next bucket in 55 days"),  # 120-179: the next floor is 180
        (180, "180 DPD, in the last bucket (180+)"),
        (185, "185 DPD, in the last bucket (180+)"),  # no next bucket after 180+
    ],
)
def test_the_reason_counts_the_days_to_the_next_bucket_by_the_domains_floors(dpd, why):
    assert _why(_late(dpd)) == why


def test_a_call_that_reached_nobody_is_retried_from_the_next_day_and_says_so():
    account = _late(40)
    yesterday = TODAY - timedelta(days=1)

    called_today = _why(account, (Attempt(TODAY, "no_answer"),))
    called_yesterday = _why(account, (Attempt(yesterday, "left_message"),))
    spoke_after = _why(account, (Attempt(yesterday, "no_answer"), Attempt(yesterday, "refused")))

    assert called_today is None  # worked for the day
    assert called_yesterday == f"callback: message left {yesterday}, retry from {TODAY}"
    assert spoke_after == "40 DPD, next bucket in 20 days"  # the last call reached someone


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (120_000, "USD", "USD 1,200.00"),
        (123_456_750, "MXN", "MXN 1,234,567.50"),
        (120_000, "JPY", "JPY 120,000"),  # no minor digits
        (1_234_567, "KWD", "KWD 1,234.567"),  # three
        (-500, "PHP", "-PHP 5.00"),
        (0, "USD", "USD 0.00"),
    ],
)
def test_money_for_people_is_major_units_with_the_currency_and_its_own_digits(minor, currency, shown):
    assert for_people(minor, currency) == shown


def test_money_for_people_keeps_a_missing_amount_missing_and_refuses_one_without_a_currency():
    assert for_people(None, "USD") is None
    assert money_text_for_people("1200.00 USD") == "USD 1,200.00"  # the domain's str(Money)
    with pytest.raises(ValueError, match="currency"):
        for_people(100, None)
