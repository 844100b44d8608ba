"""Re-billing: an adjustment from the system of record's feed or an operator corrects the dues.

Reads what the rule needs through the store (the account; for a re-age its earlier re-ages, its
statements and its ledger), asks `arrears.domain.rebilling`, and writes in one transaction on the
account's version: the ADJUSTMENT ledger entry, the decision on the timeline (which is where the
next re-age's decision finds this one) and the account with its new dues and, where its strategy
asks, the corrected-statement letter owed. The next cycle reads where the account stands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from arrears.domain import posting, rebilling
from arrears.domain.account import Account
from arrears.domain.errors import DuplicateEntry
from arrears.domain.ledger import EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.strategy import load_strategies, strategy_for
from arrears.store import accounts_repo
from arrears.store.accounts_repo import Write, put_once


def adjust(
    account_id: str,
    amount: Money,
    reason: str,
    on: date,
    actor: str,
    entry_id: str,
    *,
    reage: bool = False,
    corrects_error: bool = False,
) -> Account:
    """Post adjustment `entry_id` (signed `amount`; zero only with `reage`) on day `on`, once.

    Returns the account as written. Raises DuplicateEntry when `entry_id` of that day is already
    posted (a retry changes nothing), ReageRefused (an InvalidInput) naming the FFIEC limit a
    re-age would break, InvalidInput for an adjustment the rule refuses (no reason, a balance
    below nothing, a closed account, a re-age with nothing past due), CurrencyMismatch,
    AccountNotFound, and AccountVersionConflict when other writers kept winning.
    """
    adjustment = rebilling.Adjustment(amount, reason, reage, corrects_error)

    def change(account: Account) -> tuple[Account, list[Write]]:
        if accounts_repo.adjustment_recorded(account_id, on, entry_id):
            # before the rule: a re-age retried would otherwise be refused by its own first run
            raise DuplicateEntry(f"adjustment {entry_id} already posted", write="adjustment")
        decided = rebilling.decide(account, adjustment, on, *_history(account_id, reage))
        writes = [
            put_once(
                "adjustment",
                accounts_repo.adjustment_item(account_id, on, entry_id, actor, decided.record(adjustment)),
            )
        ]
        if amount.minor:
            entry = LedgerEntry(entry_id, EntryKind.ADJUSTMENT, amount, on)
            posted_on = posting.posting_day(account, on)
            item = accounts_repo.ledger_item(account_id, entry, actor, account.home_shard, posted_on)
            writes.append(put_once("ledger", item))
        notices = account.notices
        if _asks_for_a_corrected_statement(account):
            notice = rebilling.corrected_statement(account, decided, adjustment, on, entry_id)
            notices = (*notices, notice)
        review_on = min(d for d in (account.next_action_on, on) if d)  # the next cycle re-reads it
        return replace(decided.account, notices=notices, next_action_on=review_on), writes

    return accounts_repo.apply_with_writes(account_id, change)


def _history(account_id: str, reage: bool) -> tuple[list, list, list]:
    """What a re-age's limits read: earlier re-ages, statements, the ledger. Nothing otherwise."""
    if not reage:
        return [], [], []
    return (
        accounts_repo.reages(account_id),
        accounts_repo.statements(account_id),
        accounts_repo.ledger_entries(account_id, consistent=True),
    )


def _asks_for_a_corrected_statement(account: Account) -> bool:
    strategy = strategy_for(load_strategies(), account.product_type, account.jurisdiction, account.placement)
    return strategy is not None and strategy.corrected_statement
