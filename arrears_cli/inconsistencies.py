"""`arrears report inconsistencies`: accounts whose stored state contradicts itself or the rules.

- balance_vs_ledger: the balance is not the opening balance plus the ledger entries;
- stage_vs_dpd: the stored bucket is not what the account's dues say on the day it was last
  evaluated;
- dunned_on_hold: a letter went out while a hold forbade it (the independent compliance check).
A scan over the portfolio: an operator's audit, run on demand, not a daily job.
"""

from __future__ import annotations

from arrears import accounts_repo
from arrears.ledger import balance
from arrears.money import Money
from arrears.stages import evaluate

from arrears_cli import compliance_check


def inconsistencies(portfolio: str | None = None) -> list[dict]:
    found = []
    for account in accounts_repo.list_accounts(portfolio):
        entries = accounts_repo.ledger_entries(account.account_id)
        expected = balance(Money(account.opening_balance, account.currency), entries).minor
        if expected != account.balance:
            found.append(
                {
                    "account_id": account.account_id,
                    "problem": "balance_vs_ledger",
                    "detail": f"balance {account.balance}, opening + ledger {expected}",
                }
            )
        if account.bucket is not None and account.last_evaluated_on is not None:
            should = evaluate(account.balance, account.dues, account.status, account.last_evaluated_on)
            if should.bucket is not account.bucket:
                found.append(
                    {
                        "account_id": account.account_id,
                        "problem": "stage_vs_dpd",
                        "detail": f"stored {account.bucket.value}, the dues say {should.bucket.value} "
                        f"({should.dpd} DPD on {account.last_evaluated_on.isoformat()})",
                    }
                )
    for violation in compliance_check.report():
        if violation["rule"] == "hold":
            found.append(
                {
                    "account_id": violation["account_id"],
                    "problem": "dunned_on_hold",
                    "detail": violation["detail"],
                }
            )
    return sorted(found, key=lambda f: (f["account_id"], f["problem"]))
