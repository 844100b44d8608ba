"""What a Mexican agreement letter (a convenio de pago, a liquidación) must state of the money
(CONDUSEF, Disposiciones en materia de despachos de cobranza): the amount owed broken down into
principal, ordinary interest, late (moratorium) interest and fees, from the ledger; any reduction
(quita) granted; what is to be paid; and whether paying it settles the debt in full.

How the ledger is read, since it tells neither which interest is late nor what a payment paid:
- Interest posted before the current delinquency began (`late_from`, the account's episode day) is
  ordinary; interest posted on or after it is late. The ledger has one interest kind; the lender's
  feed does not say which rate an interest row was charged at, and a delinquent account is what
  late interest is charged on.
- Payments and credits pay fees first, then late interest, then ordinary interest, then principal:
  the order of imputation of Mexican law when the contract is silent (Código Civil Federal
  arts. 2093-2094, Código de Comercio art. 364: no payment goes to principal while interest is owed).
- Principal is the rest: the opening balance and any debit correction, less what payments left over.
So the four parts always add up to the balance the letter prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from arrears.domain.ledger import EntryKind, LedgerEntry


@dataclass(frozen=True)
class DebtBreakdown:
    """The balance in its parts, in minor units."""

    principal: int
    ordinary_interest: int
    late_interest: int
    fees: int

    @property
    def total(self) -> int:
        return self.principal + self.ordinary_interest + self.late_interest + self.fees


def breakdown(balance: int, entries: Iterable[LedgerEntry], late_from: date | None) -> DebtBreakdown:
    """`balance` (the account's, opening balance plus its entries) in its parts (see the module)."""
    fees = ordinary = late = credits = 0
    for entry in entries:
        minor = entry.amount.minor
        if entry.kind is EntryKind.FEE:
            fees += minor
        elif entry.kind is EntryKind.INTEREST:
            if late_from is not None and entry.occurred_on >= late_from:
                late += minor
            else:
                ordinary += minor
        elif minor < 0 or entry.kind is EntryKind.REVERSAL:  # a payment or credit; one taken back
            credits -= minor
    owed = {"fees": fees, "late": late, "ordinary": ordinary}
    for part in ("fees", "late", "ordinary"):  # the order of imputation
        paid = min(max(credits, 0), owed[part])
        owed[part] -= paid
        credits -= paid
    # what is not interest or fees is principal; never more charges than the balance holds
    charges = owed["fees"] + owed["late"] + owed["ordinary"]
    if charges > max(balance, 0):
        excess = charges - max(balance, 0)
        for part in ("fees", "late", "ordinary"):
            cut = min(excess, owed[part])
            owed[part] -= cut
            excess -= cut
        charges = max(balance, 0)
    return DebtBreakdown(max(balance, 0) - charges, owed["ordinary"], owed["late"], owed["fees"])


@dataclass(frozen=True)
class AgreementTerms:
    """An agreement's money as the letter states it: the debt in its parts, less the reduction (quita)
    granted, is what to pay; paying it settles the debt in full, or leaves `left_owing`."""

    owed: DebtBreakdown
    reduction: int
    to_pay: int
    settles_in_full: bool

    @property
    def left_owing(self) -> int:
        """What is still owed once the agreement is paid (none when it settles the debt)."""
        return 0 if self.settles_in_full else max(self.owed.total - self.reduction - self.to_pay, 0)


def settlement_terms(owed: DebtBreakdown, to_pay: int, forgiven: int) -> AgreementTerms:
    """A liquidación: the agreed amount, paid by its date, settles the debt; the rest is forgiven."""
    return AgreementTerms(owed, forgiven, to_pay, settles_in_full=True)


def arrangement_terms(owed: DebtBreakdown, instalments_total: int) -> AgreementTerms:
    """A convenio de pago: no reduction; it settles the debt only if its instalments cover it all."""
    return AgreementTerms(owed, 0, instalments_total, settles_in_full=instalments_total >= owed.total)
