"""CONDUSEF: a Mexican agreement letter states the debt in its parts (principal, ordinary and late
interest, fees) from the ledger, any reduction, what to pay, whether it settles the debt, and the
creditor's own account to pay into; a despacho's letters identify it with its REDECO registration."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.agreement_terms import breakdown
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.letters import Addressee, LetterCode, render
from arrears.domain.money import Money
from arrears.domain.strategy import load_strategies
from arrears.services import letter_context as contexts

from tests.unit.test_letters import text_of

TODAY = date(2026, 3, 2)
LATE_FROM = date(2026, 1, 10)  # the delinquency began: interest from then on is late interest


def _entry(entry_id: str, kind: EntryKind, minor: int, on: date) -> LedgerEntry:
    return LedgerEntry(entry_id, kind, Money(minor, "MXN"), on)


# opening 1,000.00; ordinary interest 40.00 before the delinquency, late interest 25.00 and 12.00 after,
# a fee 30.00; a payment of 50.00 pays the fee (30.00), then 20.00 of the late interest
LEDGER = [
    _entry("i1", EntryKind.INTEREST, 4000, date(2025, 12, 31)),
    _entry("f1", EntryKind.FEE, 3000, date(2026, 1, 12)),
    _entry("i2", EntryKind.INTEREST, 2500, LATE_FROM),
    _entry("i3", EntryKind.INTEREST, 1200, date(2026, 2, 10)),
    _entry("p1", EntryKind.PAYMENT, -5000, date(2026, 2, 15)),
]
BALANCE = 100_000 + 4000 + 3000 + 2500 + 1200 - 5000  # 1,057.00


def test_the_balance_breaks_down_into_principal_interest_and_fees_payments_paying_fees_and_interest_first():
    owed = breakdown(BALANCE, LEDGER, LATE_FROM)
    assert (owed.principal, owed.ordinary_interest, owed.late_interest, owed.fees) == (100_000, 4000, 1700, 0)
    assert owed.total == BALANCE
    # interest posted the day before the delinquency began is ordinary, on that day late
    day_before = [_entry("i", EntryKind.INTEREST, 100, date(2026, 1, 9))]
    on_the_day = [_entry("i", EntryKind.INTEREST, 100, LATE_FROM)]
    assert breakdown(10_100, day_before, LATE_FROM).ordinary_interest == 100
    assert breakdown(10_100, on_the_day, LATE_FROM).late_interest == 100
    # a payment reversed pays nothing; what exceeds the charges goes to principal
    reversed_ = [*LEDGER, _entry("r1", EntryKind.REVERSAL, 5000, date(2026, 2, 20))]
    assert breakdown(BALANCE + 5000, reversed_, LATE_FROM).fees == 3000
    overpaid = [*LEDGER, _entry("p2", EntryKind.PAYMENT, -10_000, date(2026, 2, 20))]
    after = breakdown(BALANCE - 10_000, overpaid, LATE_FROM)
    assert (after.principal, after.ordinary_interest, after.late_interest, after.fees) == (95_700, 0, 0, 0)


def _account() -> Account:
    return Account(
        "MX-0042", "main", ProductType.OPEN_END, "MXN", 100_000, BALANCE,
        (Due(LATE_FROM, 20_000),), "es-MX", "America/Mexico_City", "MX",
        home_shard="main#000", episode_on=LATE_FROM,
    )  # fmt: skip


@pytest.fixture
def ledger(monkeypatch):
    monkeypatch.setattr(contexts.accounts_repo, "ledger_entries", lambda account_id, consistent=False: LEDGER)


def _letter(code: LetterCode, extra: dict, strategy: str = "credit_card_mx") -> str:
    context = contexts.letter_context(
        code, _account(), load_strategies()[strategy], TODAY, "0042-20260302-SA",
        Addressee("Cliente"), extra,
    )  # fmt: skip
    return text_of(render(context))


def test_the_mexican_settlement_letter_states_the_breakdown_the_reduction_settlement_in_full_and_the_clabe(
    ledger,
):
    text = _letter(
        LetterCode.SETTLEMENT_AGREEMENT,
        {"settlement_amount": 80_000, "settlement_date": "2026-03-20", "forgiven_amount": 25_700},
    )
    assert "Capital $1,000.00" in text
    assert "Intereses ordinarios $40.00" in text and "Intereses moratorios $17.00" in text
    assert "Comisiones" not in text  # the fee was paid: no fees line
    assert "Adeudo total a la fecha $1,057.00" in text
    assert "Quita o descuento otorgado – $257.00" in text
    assert "Monto a pagar conforme a este convenio $800.00" in text
    assert "su adeudo queda liquidado en su totalidad" in text
    assert "BBVA México, CLABE 012 180 00987654321 5" in text


def test_the_mexican_arrangement_letter_says_it_does_not_settle_the_debt_and_what_is_left(ledger):
    instalments = [{"due_on": "2026-03-20", "amount": 50_000}, {"due_on": "2026-04-20", "amount": 50_000}]
    text = _letter(LetterCode.ARRANGEMENT_CONFIRMATION, {"instalments": instalments})
    assert "Quita o descuento otorgado ninguno" in text
    assert "Este convenio no liquida la totalidad de su adeudo" in text and "seguirá debiendo $57.00" in text
    # one cent more than the debt settles it; the whole debt settles it
    whole = [{"due_on": "2026-03-20", "amount": BALANCE}]
    assert "queda liquidado en su totalidad" in _letter(
        LetterCode.ARRANGEMENT_CONFIRMATION, {"instalments": whole}
    )
    short = [{"due_on": "2026-03-20", "amount": BALANCE - 1}]
    assert "seguirá debiendo $0.01" in _letter(LetterCode.ARRANGEMENT_CONFIRMATION, {"instalments": short})


def test_a_despachos_letter_identifies_it_with_its_redeco_registration_and_pays_only_the_entity(ledger):
    text = _letter(LetterCode.PAST_DUE_NOTICE, {}, strategy="agency_card_mx")
    assert "Cobranza Ejemplo del Centro, S.C., despacho de cobranza" in text
    assert "REDECO" in text and "RDC-2024-000123" in text
    assert "atencion@cobranza-ejemplo.mx" in text and "55 5555 0177" in text
    assert (
        "Arrears Servicios Financieros, S.A. de C.V. le envía esta carta por conducto de Cobranza Ejemplo "
        "del Centro, S.C., despacho de cobranza"
    ) in text  # the letterhead's creditor sends it, through the despacho
    assert "únicamente a Arrears Servicios Financieros, S.A. de C.V.; el despacho no recibe pagos." in text
    assert ".." not in text
    assert "despacho de cobranza" not in _letter(LetterCode.PAST_DUE_NOTICE, {})  # the entity's own letter


def test_outside_mexico_an_agreement_letter_carries_no_condusef_terms(ledger):
    account = Account(
        "US-0042", "main", ProductType.OPEN_END, "USD", 100_000, BALANCE, (Due(LATE_FROM, 20_000),),
        "en-US", "America/New_York", "US", home_shard="main#000", episode_on=LATE_FROM,
    )  # fmt: skip
    extra = {"settlement_amount": 80_000, "settlement_date": "2026-03-20", "forgiven_amount": 25_700}
    context = contexts.letter_context(
        LetterCode.SETTLEMENT_AGREEMENT, account, load_strategies()["credit_card_us"], TODAY, "r",
        Addressee("Customer"), extra,
    )  # fmt: skip
    assert context.agreement_terms is None
    assert "Late (default) interest" not in text_of(render(context))


def test_an_account_that_came_in_behind_counts_late_interest_from_its_first_unpaid_due(monkeypatch):
    # imported already behind: its episode starts on the first cycle day, long after the first
    # unpaid due; interest posted after that due is late interest, before it ordinary
    first_unpaid = date(2025, 11, 20)
    entries = [
        _entry("i1", EntryKind.INTEREST, 45_000, date(2025, 10, 15)),
        _entry("i2", EntryKind.INTEREST, 38_000, first_unpaid + timedelta(days=25)),
    ]
    monkeypatch.setattr(
        contexts.accounts_repo, "ledger_entries", lambda account_id, consistent=False: entries
    )
    account = Account(
        "MX-SET", "main", ProductType.OPEN_END, "MXN", 1_800_000, 1_800_000,
        (Due(first_unpaid, 300_000),), "es-MX", "America/Mexico_City", "MX",
        home_shard="main#000", episode_on=date(2026, 1, 16), oldest_unpaid_on=first_unpaid,
    )  # fmt: skip
    extra = {"settlement_amount": 1_260_000, "forgiven_amount": 540_000}
    terms = contexts.agreement_terms(LetterCode.SETTLEMENT_AGREEMENT, account, extra)
    owed = terms.owed
    assert (owed.ordinary_interest, owed.late_interest) == (45_000, 38_000)
