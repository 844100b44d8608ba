"""What a letter says about an account on a day: the one place its facts are gathered, for the
cycle that sends it and for an operator's preview of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from arrears.domain import limitations
from arrears.domain.account import Account
from arrears.domain.agreement_terms import AgreementTerms, arrangement_terms, breakdown, settlement_terms
from arrears.domain.compliance import HOLDS_THAT_ALLOW_CONTACT, PROFILES, validation_period_end
from arrears.domain.customer import Address, ContactPoint, Customer, mailing_address
from arrears.domain.errors import InvalidInput
from arrears.domain.itemization import itemize
from arrears.domain.letters import (
    Addressee,
    Creditor,
    LetterCode,
    LetterContext,
    addressee,
    language_of,
    letter_reference,
    masked_account,
)
from arrears.domain.stages import evaluate
from arrears.domain.strategy import Strategy, load_strategies, strategy_for
from arrears.store import accounts_repo


def itemization(account: Account, strategy: Strategy, sent_on: date) -> dict:
    """Reg F §1006.34(c)(2): the creditors the lender named with the placement, what was owed on the
    itemization date and what the ledger says changed since (`itemize`: a table that does not add
    up to the balance is refused, never printed); and the end of the validation period, counted
    from the day the notice is provided."""
    data = account.creditor_data
    table = itemize(data, accounts_repo.ledger_entries(account.account_id), account.balance, account.currency)
    assert data is not None  # nosec B101 # itemize refuses an account without it
    return {
        "original_creditor": data.original_creditor,
        "current_creditor": data.current_creditor,
        "itemization_date": table.itemization_date,
        "amount_on_itemization_date": table.amount_on_itemization_date,
        "interest_since": table.interest,
        "fees_since": table.fees,
        "payments_since": table.payments,
        "credits_since": table.credits,
        "validation_end": validation_period_end(sent_on, PROFILES[strategy.compliance_profile]),
    }


def facts(code: LetterCode, account: Account, strategy: Strategy, as_of: date, sent_on: date) -> dict:
    """The per-letter facts the templates ask for, from what the account knows today; the dates a
    letter gives the customer count from the day it is provided (`sent_on`)."""
    if code is LetterCode.FINAL_DEMAND:
        return {"respond_by": sent_on + timedelta(days=30)}
    if code is LetterCode.VALIDATION_NOTICE:
        return itemization(account, strategy, sent_on)
    return {}


# CONDUSEF: the agreements whose letter states the money in its parts, in Mexico.
AGREEMENT_LETTERS = frozenset({LetterCode.ARRANGEMENT_CONFIRMATION, LetterCode.SETTLEMENT_AGREEMENT})


def agreement_terms(code: LetterCode, account: Account, extra: dict) -> AgreementTerms | None:
    """A Mexican agreement letter's money (`arrears.domain.agreement_terms`), from the ledger and the
    agreement the letter confirms; none for another letter or elsewhere."""
    if code not in AGREEMENT_LETTERS or account.jurisdiction != "MX":
        return None
    # late interest runs from the first due left unpaid, which an account that came in already behind
    # had long before the first cycle that saw it (its episode's first day)
    late_from = min((d for d in (account.oldest_unpaid_on, account.episode_on) if d), default=None)
    owed = breakdown(account.balance, accounts_repo.ledger_entries(account.account_id), late_from)
    if code is LetterCode.SETTLEMENT_AGREEMENT:
        return settlement_terms(owed, int(extra["settlement_amount"]), int(extra["forgiven_amount"]))
    return arrangement_terms(owed, sum(int(i["amount"]) for i in extra["instalments"]))


def addressee_of(customer: Customer, account: Account, postal: ContactPoint | None = None) -> Addressee:
    """The opened customer's legal name over the mailing address the letter goes to (`postal`); an
    email carries the customer's mailing address, if there is one, as a letter would."""
    point = postal or mailing_address(customer)
    address = point.value if point is not None and isinstance(point.value, Address) else None
    return addressee(customer.name or "", address, account.jurisdiction)


def letter_context(
    code: LetterCode,
    account: Account,
    strategy: Strategy,
    as_of: date,
    reference: str,
    to: Addressee,
    extra: dict | None = None,
    sent_on: date | None = None,
    opt_out_link: str | None = None,
) -> LetterContext:
    """`to`: who the letter is addressed to; `extra`: what the event that owes the letter carries (a
    promise's amount and date, ...); `sent_on`: the day the letter is provided, its date
    (`compliance.provided_on`; `as_of`, the cycle day, unless said); `opt_out_link`: an email's
    link to stop emails to its address (`dunning.delivery`)."""
    sent_on = sent_on or as_of
    extra = extra if extra is not None else facts(code, account, strategy, as_of, sent_on)
    return LetterContext(
        code=code,
        locale=account.locale,
        sent_on=sent_on,
        reference=reference,
        account_ref=masked_account(account.account_id),
        product_type=account.product_type.value,
        currency=account.currency,
        balance=account.balance,
        past_due=account.past_due,
        dpd=account.dpd,
        oldest_unpaid_on=account.oldest_unpaid_on,
        creditor=Creditor(**strategy.creditor.for_letter(account.locale)),
        addressee=to,
        debt_collector_disclosure=strategy.compliance_profile == "us_reg_f",
        third_party=PROFILES[strategy.compliance_profile].third_party,
        holds=tuple(sorted(h.value for h in account.holds if h not in HOLDS_THAT_ALLOW_CONTACT)),
        opt_out_link=opt_out_link,
        time_barred_disclosure=limitations.of_account(account).disclosure(
            sent_on, language_of(account.locale)
        ),
        extra=extra,
        agreement_terms=agreement_terms(code, account, extra),
        despacho=strategy.despacho.for_letter() if strategy.despacho else None,
    )


def as_it_stands(account: Account, day: date) -> Account:
    """The account as the cycle would read it on `day`: days and amount past due from its dues."""
    standing = evaluate(account.balance, account.dues, account.status, day)
    return replace(
        account, dpd=standing.dpd, bucket=standing.bucket, past_due=standing.past_due,
        oldest_unpaid_on=standing.oldest_unpaid_on,
    )  # fmt: skip


def preview(account: Account, code: LetterCode, day: date, to: Addressee) -> LetterContext:
    """A letter as it would be sent on `day`, from the account as it stands then; nothing is sent.

    A letter owed by an event (a promise, a payment) states that event's facts only while the
    account is owed it: otherwise rendering it fails on the facts it lacks.
    """
    seen = as_it_stands(account, day)
    strategy = strategy_for(load_strategies(), seen.product_type, seen.jurisdiction, seen.placement)
    if strategy is None:
        raise InvalidInput(
            f"no strategy works {account.account_id} ({seen.product_type.value}, {seen.jurisdiction})"
        )
    owed = next((dict(n.extra) for n in seen.notices if n.code is code), None)
    # the reference the letter would carry, marked: a preview is shown, never sent
    reference = f"PREVIEW {letter_reference(account.account_id, day, code)}"
    return letter_context(code, seen, strategy, day, reference, to, owed)
