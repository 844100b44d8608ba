"""Items as they are stored, for an audit that must see what the domain types would refuse.

The scan reads consistently and every page. `account_from_raw` turns any failure to read an
account item into `InvalidAccountData`, so the caller does not need to know PynamoDB's errors.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import AttributeDeserializationError
from pynamodb.pagination import ResultIterator

from arrears.domain.account import Account
from arrears.domain.errors import InvalidAccountData
from arrears.store.accounts_repo import to_account
from arrears.store.models import AccountModel, ActivityModel


def _scan(model, condition=None) -> Iterator[dict]:
    return ResultIterator(
        model._get_connection().scan, (), {"filter_condition": condition, "consistent_read": True}
    )


def account_items() -> Iterator[dict]:
    return _scan(AccountModel)


def ledger_items() -> Iterator[dict]:
    return _scan(ActivityModel, ActivityModel.kind == "ledger")


def account_from_raw(item: dict) -> Account:
    try:
        return to_account(AccountModel.from_raw_data(item))
    except InvalidAccountData:
        raise
    except (AttributeDeserializationError, ValueError, TypeError, KeyError) as exc:
        raise InvalidAccountData(f"{type(exc).__name__} reading it") from None
