"""When the daily cycle hands an account to a bureau workflow. Plain Python.

The workflows check again for themselves (holds, cooldowns, a line to review); these checks
only keep the cycle from starting executions that would end at once, which cost transitions.
"""

from __future__ import annotations

from datetime import date

from arrears.domain.account import Account, ProductType
from arrears.domain.stages import CLOSED_STATUSES, Status
from arrears.domain.strategy import Step


def _cooled(last: date | None, as_of: date, days: int) -> bool:
    return last is None or (as_of - last).days >= days


def skiptrace_reason(account: Account, step: Step | None, as_of: date, cooldown_days: int) -> str | None:
    if account.status in CLOSED_STATUSES or not _cooled(account.traced_on, as_of, cooldown_days):
        return None
    if step is not None and step.skiptrace:
        return f"strategy:{step.name}"
    if account.status is Status.SKIP:
        return "skip_status"  # returned mail, a disconnected number: someone marked it unreachable
    return None


def credit_review_reason(account: Account, step: Step | None, as_of: date, cooldown_days: int) -> str | None:
    if step is None or not step.credit_review or account.status in CLOSED_STATUSES:
        return None
    if account.product_type is not ProductType.OPEN_END or account.credit_limit is None:
        return None
    return f"strategy:{step.name}" if _cooled(account.reviewed_on, as_of, cooldown_days) else None
