"""The portfolio census carried forward by the day's changes: an account leaves its old group with
the balance it was counted at and enters its new one with its new balance; a new account only
enters; the moves between groups as the daily report counts them; the census the accounts
themselves make; and the words an operator reads where a stored census disagrees with them."""

from __future__ import annotations

from arrears.domain.account import Account, ProductType
from arrears.domain.census import (
    CLOSED,
    GROUPS,
    Change,
    census_of,
    disagreements,
    group_of,
    roll_forward,
    transitions,
)
from arrears.domain.stages import BUCKETS, Bucket, Status
from hypothesis import given, settings
from hypothesis import strategies as st

ZEROS = {group: 0 for group in GROUPS}


def _account(bucket: Bucket | None, balance: int, currency: str = "USD", **fields) -> Account:
    return Account(
        "A-1", "main", ProductType.OPEN_END, currency, balance, balance, (), "en-US", "America/New_York",
        "US", "main#0", bucket=bucket, **fields,
    )  # fmt: skip


def test_the_groups_are_the_buckets_in_order_then_closed():
    assert GROUPS == ("current", "1-29", "30-59", "60-89", "90-119", "120-179", "180+", "closed")
    assert CLOSED == "closed"


def test_a_closed_account_is_closed_whatever_its_bucket_and_an_uncounted_one_is_in_no_group():
    for status in (Status.PAID_IN_FULL, Status.CHARGED_OFF, Status.SETTLED):
        assert group_of(Bucket.B60_89, status) == "closed"
        assert group_of(None, status) == "closed"
    assert group_of(Bucket.B60_89, Status.ON_HOLD) == "60-89"
    assert group_of(None, Status.ACTIVE) is None


def test_the_first_census_of_nothing_names_every_group_with_no_account():
    assert roll_forward({}, []) == {"accounts": ZEROS, "balances": {}}


def test_a_new_account_enters_its_group_with_its_balance_and_leaves_nothing():
    census = roll_forward({}, [Change(None, "1-29", "USD", 999, 2500)])
    assert census["accounts"] == {**ZEROS, "1-29": 1}
    assert census["balances"] == {"USD": {**ZEROS, "1-29": 2500}}


def test_an_account_moves_out_with_the_balance_it_was_counted_at_and_in_with_its_new_one():
    previous = {
        "accounts": {**ZEROS, "1-29": 3, "30-59": 1},
        "balances": {"USD": {**ZEROS, "1-29": 9000, "30-59": 1000}},
    }
    census = roll_forward(previous, [Change("1-29", "30-59", "USD", 3000, 3100)])
    assert census["accounts"] == {**ZEROS, "1-29": 2, "30-59": 2}
    assert census["balances"] == {"USD": {**ZEROS, "1-29": 6000, "30-59": 4100}}


def test_a_payment_within_the_same_group_moves_only_the_balance():
    previous = {"accounts": {**ZEROS, "30-59": 1}, "balances": {"USD": {**ZEROS, "30-59": 3000}}}
    census = roll_forward(previous, [Change("30-59", "30-59", "USD", 3000, 1000)])
    assert census["accounts"] == {**ZEROS, "30-59": 1}
    assert census["balances"]["USD"]["30-59"] == 1000


def test_balances_are_kept_per_currency_and_listed_in_currency_order():
    previous = {"accounts": {**ZEROS, "current": 1}, "balances": {"USD": {**ZEROS, "current": 500}}}
    census = roll_forward(previous, [Change(None, "current", "MXN", 0, 70000)])
    assert list(census["balances"]) == ["MXN", "USD"]
    assert census["balances"]["MXN"] == {**ZEROS, "current": 70000}
    assert census["balances"]["USD"] == {**ZEROS, "current": 500}
    assert census["accounts"]["current"] == 2


def test_a_stored_census_missing_groups_reads_them_as_empty():
    census = roll_forward({"accounts": {"180+": 4}, "balances": {"USD": {"180+": 100}}}, [])
    assert census == {"accounts": {**ZEROS, "180+": 4}, "balances": {"USD": {**ZEROS, "180+": 100}}}


_changes = st.lists(
    st.builds(
        Change,
        from_group=st.none() | st.sampled_from(GROUPS),
        to_group=st.sampled_from(GROUPS),
        currency=st.sampled_from(["USD", "MXN"]),
        balance_before=st.integers(0, 10_000),
        balance_after=st.integers(0, 10_000),
    ),
    max_size=8,
)


@settings(max_examples=50)
@given(first=_changes, then=_changes)
def test_rolling_forward_day_by_day_equals_rolling_forward_all_at_once(first, then):
    assert roll_forward(roll_forward({}, first), then) == roll_forward({}, first + then)


@settings(max_examples=50)
@given(changes=_changes)
def test_the_census_counts_every_new_account_and_moves_the_others(changes):
    census = roll_forward({}, changes)
    new = sum(1 for change in changes if change.from_group is None)
    assert sum(census["accounts"].values()) == new
    for currency, balances in census["balances"].items():
        mine = [change for change in changes if change.currency == currency]
        moved_in = sum(change.balance_after for change in mine)
        moved_out = sum(change.balance_before for change in mine if change.from_group is not None)
        assert sum(balances.values()) == moved_in - moved_out


def test_the_days_moves_are_counted_from_group_to_group_a_new_account_from_new():
    changes = [
        Change("1-29", "30-59", "USD", 0, 0),
        Change("1-29", "30-59", "MXN", 0, 0),
        Change(None, "current", "USD", 0, 0),
        Change("30-59", "30-59", "USD", 100, 50),  # a payment: no move
        Change("60-89", "closed", "USD", 0, 0),
    ]
    moves = transitions(changes)
    assert moves == {"1-29->30-59": 2, "60-89->closed": 1, "new->current": 1}
    assert list(moves) == ["1-29->30-59", "60-89->closed", "new->current"]


def test_a_day_without_moves_has_none():
    assert transitions([Change("current", "current", "USD", 5, 4)]) == {}


def test_the_accounts_census_counts_each_looked_at_account_with_its_balance():
    census = census_of([_account(Bucket.B90_119, 4200), _account(None, 100)])
    assert census == {"accounts": {**ZEROS, "90-119": 1}, "balances": {"USD": {**ZEROS, "90-119": 4200}}}


def test_as_counted_an_account_is_where_the_census_had_it_with_the_balance_it_counted():
    moved = _account(Bucket.CURRENT, 0, counted_as="60-89", census_balance=1500)
    assert census_of([moved], as_counted=True) == {
        "accounts": {**ZEROS, "60-89": 1},
        "balances": {"USD": {**ZEROS, "60-89": 1500}},
    }
    assert census_of([moved]) == {"accounts": {**ZEROS, "current": 1}, "balances": {"USD": ZEROS}}


def test_as_counted_an_account_without_a_kept_group_is_where_its_bucket_says():
    unmoved = _account(Bucket.B1_29, 800, census_balance=700)
    assert census_of([unmoved], as_counted=True)["balances"]["USD"] == {**ZEROS, "1-29": 700}
    uncounted = _account(None, 800)
    assert census_of([uncounted], as_counted=True) == {"accounts": ZEROS, "balances": {}}


def test_a_closed_account_is_counted_closed():
    paid = _account(Bucket.B30_59, 0, status=Status.PAID_IN_FULL)
    assert census_of([paid])["accounts"] == {**ZEROS, "closed": 1}
    assert census_of([paid], as_counted=True)["accounts"] == {**ZEROS, "closed": 1}


def _census(accounts: dict[str, int], balances: dict[str, dict[str, int]]):
    return {"accounts": {**ZEROS, **accounts}, "balances": {c: {**ZEROS, **v} for c, v in balances.items()}}


def test_a_census_differing_by_one_account_is_named_with_both_counts():
    stored = _census({"60-89": 2}, {})
    assert disagreements(stored, _census({"60-89": 3}, {})) == [
        "60-89: 2 accounts in the census, 3 on the accounts"
    ]
    assert disagreements(stored, _census({"60-89": 1}, {})) == [
        "60-89: 2 accounts in the census, 1 on the accounts"
    ]
    assert disagreements(stored, _census({"60-89": 2}, {})) == []


def test_a_census_differing_by_one_minor_unit_is_named_in_its_currency():
    stored = _census({}, {"MXN": {"closed": 10000}})
    assert disagreements(stored, _census({}, {"MXN": {"closed": 10001}})) == [
        "closed: 100.00 MXN in the census, 100.01 MXN on the accounts"
    ]
    assert disagreements(stored, _census({}, {"MXN": {"closed": 9999}})) == [
        "closed: 100.00 MXN in the census, 99.99 MXN on the accounts"
    ]


def test_a_currency_only_one_side_knows_is_named_against_nothing():
    stored = _census({}, {"USD": {"current": 500}})
    counted = _census({}, {"MXN": {"1-29": 300}, "USD": {"current": 500}})
    assert disagreements(stored, counted) == ["1-29: 0.00 MXN in the census, 3.00 MXN on the accounts"]
    assert disagreements(counted, stored) == ["1-29: 3.00 MXN in the census, 0.00 MXN on the accounts"]


def test_an_empty_census_before_the_first_cycle_disagrees_with_every_counted_group():
    counted = census_of([_account(Bucket.CURRENT, 100, "JPY")])
    assert disagreements({}, counted) == [
        "current: 0 accounts in the census, 1 on the accounts",
        "current: 0 JPY in the census, 100 JPY on the accounts",
    ]
    assert disagreements(counted, {}) == [
        "current: 1 accounts in the census, 0 on the accounts",
        "current: 100 JPY in the census, 0 JPY on the accounts",
    ]


def test_disagreements_are_listed_counts_first_then_balances_currency_by_currency_in_group_order():
    stored = _census({"current": 1, "180+": 1}, {"USD": {"current": 1, "180+": 1}, "MXN": {"closed": 1}})
    assert disagreements(stored, _census({}, {})) == [
        "current: 1 accounts in the census, 0 on the accounts",
        "180+: 1 accounts in the census, 0 on the accounts",
        "closed: 0.01 MXN in the census, 0.00 MXN on the accounts",
        "current: 0.01 USD in the census, 0.00 USD on the accounts",
        "180+: 0.01 USD in the census, 0.00 USD on the accounts",
    ]


def test_every_bucket_is_a_group():
    assert all(bucket.value in GROUPS for bucket in BUCKETS)
