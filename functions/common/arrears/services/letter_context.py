"""What a letter says about an account on a day: the one place its facts are gathered, for the
cycle that sends it and for an operator's preview of it."""

from __future__ import annotations

from datetime import date, timedelta

from arrears.domain.account import Account
from arrears.domain.compliance import PROFILES, validation_period_end
from arrears.domain.ledger import EntryKind
from arrears.domain.letters import Creditor, LetterCode, LetterContext
from arrears.domain.strategy import Strategy
from arrears.store import accounts_repo


def itemization(account: Account, strategy: Strategy, as_of: date) -> dict:
    """Reg F §1006.34(c)(2): what was owed on the itemization date and what changed since, from the ledger."""
    entries = accounts_repo.ledger_entries(account.account_id)
    by_kind = {kind: sum(e.amount.minor for e in entries if e.kind is kind) for kind in EntryKind}
    return {
        "itemization_date": account.episode_on or as_of,
        "amount_on_itemization_date": account.opening_balance,
        "interest_since": by_kind[EntryKind.INTEREST],
        "fees_since": by_kind[EntryKind.FEE],
        "payments_since": -by_kind[EntryKind.PAYMENT],
        "credits_since": -min(by_kind[EntryKind.ADJUSTMENT], 0),
        "validation_end": validation_period_end(as_of, PROFILES[strategy.compliance_profile]),
    }


def masked(account_id: str) -> str:
    return "•••• " + account_id[-4:]


def facts(code: LetterCode, account: Account, strategy: Strategy, as_of: date) -> dict:
    """The per-letter facts the templates ask for, from what the account knows today."""
    if code is LetterCode.FINAL_DEMAND:
        return {"respond_by": as_of + timedelta(days=30)}
    if code is LetterCode.VALIDATION_NOTICE:
        return itemization(account, strategy, as_of)
    return {}


def letter_context(
    code: LetterCode,
    account: Account,
    strategy: Strategy,
    as_of: date,
    reference: str,
    extra: dict | None = None,
) -> LetterContext:
    """`extra`: what the event that owes the letter carries (a promise's amount and date, ...)."""
    return LetterContext(
        code=code,
        locale=account.locale,
        sent_on=as_of,
        reference=reference,
        account_ref=masked(account.account_id),
        product_type=account.product_type.value,
        currency=account.currency,
        balance=account.balance,
        past_due=account.past_due,
        dpd=account.dpd,
        oldest_unpaid_on=account.oldest_unpaid_on,
        creditor=Creditor(**strategy.creditor.for_letter(account.locale)),
        debt_collector_disclosure=strategy.compliance_profile == "us_reg_f",
        extra=extra if extra is not None else facts(code, account, strategy, as_of),
    )
