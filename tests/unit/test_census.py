"""The census the accounts make, and how a stored one is found to disagree with it."""

from dataclasses import replace

from arrears.domain.account import Account, ProductType
from arrears.domain.census import census_of, disagreements
from arrears.domain.stages import Bucket, Status


def _account(
    account_id: str, bucket: Bucket | None, balance: int, currency: str = "USD", **fields
) -> Account:
    return Account(
        account_id, "main", ProductType.OPEN_END, currency, balance, balance, (), "en-US",
        "America/New_York", "US", "main#0", bucket=bucket, census_balance=balance, **fields,
    )  # fmt: skip


def test_accounts_are_counted_by_group_and_balance_per_currency_never_summed_across():
    accounts = [
        _account("A", Bucket.CURRENT, 1000),
        _account("B", Bucket.B30_59, 2000),
        _account("C", Bucket.B30_59, 5000, "MXN"),
        _account("D", None, 700),  # not yet looked at by a cycle: in no census
        _account("E", Bucket.B180_PLUS, 900, status=Status.CHARGED_OFF),
    ]
    census = census_of(accounts)
    assert census["accounts"]["current"] == 1 and census["accounts"]["30-59"] == 2
    assert census["accounts"]["closed"] == 1 and census["accounts"]["180+"] == 0
    assert census["balances"]["USD"]["30-59"] == 2000 and census["balances"]["MXN"]["30-59"] == 5000
    assert sum(census["accounts"].values()) == 4


def test_as_counted_keeps_a_payments_move_where_the_census_last_had_it():
    cured = replace(_account("A", Bucket.CURRENT, 0), counted_as="30-59", census_balance=2000)
    assert census_of([cured])["accounts"]["current"] == 1
    counted = census_of([cured], as_counted=True)
    assert counted["accounts"]["30-59"] == 1 and counted["balances"]["USD"]["30-59"] == 2000


def test_agreeing_censuses_have_no_disagreement_and_one_account_off_is_named():
    accounts = [_account("A", Bucket.CURRENT, 1000), _account("B", Bucket.B1_29, 2000)]
    stored = census_of(accounts)
    assert disagreements(stored, census_of(accounts)) == []
    moved = [accounts[0], replace(accounts[1], bucket=Bucket.B30_59)]
    assert disagreements(stored, census_of(moved)) == [
        "1-29: 1 accounts in the census, 0 on the accounts",
        "30-59: 0 accounts in the census, 1 on the accounts",
        "1-29: 20.00 USD in the census, 0.00 USD on the accounts",
        "30-59: 0.00 USD in the census, 20.00 USD on the accounts",
    ]
    one_unit = [accounts[0], replace(accounts[1], balance=2001)]
    assert disagreements(stored, census_of(one_unit)) == [
        "1-29: 20.00 USD in the census, 20.01 USD on the accounts"
    ]
