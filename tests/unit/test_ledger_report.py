"""The ledger report's rules on hand-built postings (no AWS): kind, channel, rows, tie-out."""

from __future__ import annotations

import pytest
from arrears.domain.ledger_report import (
    FEED_CHANNELS,
    By,
    Posting,
    ReportKind,
    Sums,
    channel_of,
    report_kind,
    rows,
    tie_out,
)

STRIPE_EVENT = {"provider": "stripe", "payment_provider": None, "event_id": "evt_1"}


@pytest.mark.parametrize(
    ("detail", "kind", "channel"),
    [
        ({"channel": "branch"}, ReportKind.PAYMENT, "branch"),
        # the feed's channel wins over anything else the entry carries
        ({"channel": "direct_debit", "event": STRIPE_EVENT}, ReportKind.PAYMENT, "direct_debit"),
        ({"event": STRIPE_EVENT}, ReportKind.PAYMENT, "processor:stripe"),
        ({"event": STRIPE_EVENT}, ReportKind.REVERSAL, "processor:stripe"),
        # a Standard Webhooks sender relaying another processor's money: that processor
        ({"event": {"provider": "standard", "payment_provider": "Adyen"}}, ReportKind.PAYMENT,
         "processor:adyen"),
        ({"event": {"provider": ""}}, ReportKind.PAYMENT, "processor"),
        ({}, ReportKind.FEE, "system"),
        ({"channel": "  "}, ReportKind.ADJUSTMENT, "system"),
        # a settlement's write-off moved no money: the system's, whatever payment completed it
        ({"event": STRIPE_EVENT}, ReportKind.WRITE_OFF, "system"),
        ({"channel": "branch"}, ReportKind.WRITE_OFF_REINSTATED, "system"),
    ],
)  # fmt: skip
def test_the_channel_of_a_posting(detail, kind, channel):
    assert channel_of(detail, kind) == channel


def test_every_channel_the_feed_names_is_its_own():
    assert [channel_of({"channel": c}, ReportKind.PAYMENT) for c in FEED_CHANNELS] == list(FEED_CHANNELS)


def test_a_settlement_write_off_and_its_undoing_are_their_own_kinds():
    assert report_kind("adjustment", "settlement-writeoff:stripe:pi_1") is ReportKind.WRITE_OFF
    assert report_kind("adjustment", "settlement-reinstated:stripe:pi_1") is ReportKind.WRITE_OFF_REINSTATED
    assert report_kind("adjustment", "fix-42") is ReportKind.ADJUSTMENT
    assert report_kind("fee", "settlement-writeoff:x") is ReportKind.FEE  # only an adjustment is one
    assert report_kind("payment", "stripe:pi_1") is ReportKind.PAYMENT


def _posting(n: int, kind: ReportKind, amount: int, channel="system", currency="USD", day="2026-03-05"):
    return Posting(f"A-{n}", f"e-{n}", kind, channel, amount, currency, day)


POSTINGS = [
    _posting(1, ReportKind.PAYMENT, -5000, "processor:stripe"),
    _posting(2, ReportKind.REVERSAL, 1000, "processor:stripe", day="2026-03-06"),
    _posting(3, ReportKind.FEE, 1500),
    _posting(4, ReportKind.INTEREST, 250, day="2026-03-06"),
    _posting(5, ReportKind.ADJUSTMENT, -300),
    _posting(6, ReportKind.WRITE_OFF, -7000),
    _posting(7, ReportKind.WRITE_OFF_REINSTATED, 2000, day="2026-03-06"),
    _posting(8, ReportKind.PAYMENT, -30000, "branch", currency="MXN"),
]


def test_rows_by_channel_read_positive_per_kind_and_net_is_the_signed_sum():
    by_channel = {(r["channel"], r["currency"]): r for r in rows(POSTINGS, By.CHANNEL)}

    assert set(by_channel) == {("processor:stripe", "USD"), ("system", "USD"), ("branch", "MXN")}
    stripe = by_channel[("processor:stripe", "USD")]
    assert [stripe[k] for k in ("entries", "collected", "reversed", "net")] == [2, 5000, 1000, -4000]
    system = by_channel[("system", "USD")]
    assert {k: system[k] for k in ("fees", "interest", "adjustments", "written_off", "reinstated")} == {
        "fees": 1500, "interest": 250, "adjustments": -300, "written_off": 7000, "reinstated": 2000,
    }  # fmt: skip
    assert system["net"] == 1500 + 250 - 300 - 7000 + 2000 and system["collected"] == 0
    assert by_channel[("branch", "MXN")]["collected"] == 30000


def test_rows_never_add_two_currencies_together():
    by_currency = rows(POSTINGS, By.CURRENCY)
    assert [(r["currency"], r["entries"], r["net"]) for r in by_currency] == [
        ("MXN", 1, -30000),
        ("USD", 7, -5000 + 1000 + 1500 + 250 - 300 - 7000 + 2000),
    ]
    assert "channel" not in by_currency[0] and "day" not in by_currency[0]


def test_rows_by_day_are_by_the_day_posted_and_currency():
    by_day = [(r["day"], r["currency"], r["entries"]) for r in rows(POSTINGS, By.DAY)]
    assert by_day == [("2026-03-05", "MXN", 1), ("2026-03-05", "USD", 4), ("2026-03-06", "USD", 3)]


def _ledger() -> dict[str, Sums]:
    sums: dict[str, Sums] = {}
    for p in POSTINGS:
        seen = sums.get(p.currency, Sums(0, 0))
        sums[p.currency] = Sums(seen.entries + 1, seen.amount + p.amount)
    return sums


@pytest.mark.parametrize("by", list(By))
def test_the_rows_tie_to_the_ledger_whatever_they_are_grouped_by(by):
    lines = tie_out(rows(POSTINGS, by), _ledger())
    assert [line["ties"] for line in lines] == [True, True]


@pytest.mark.parametrize("by", list(By))
def test_a_dropped_or_double_counted_row_does_not_tie(by):
    report_rows = rows(POSTINGS, by)
    first = report_rows[0]
    for broken, difference in ((report_rows[1:], -first["net"]), ([*report_rows, first], first["net"])):
        lines = {line["currency"]: line for line in tie_out(broken, _ledger())}
        assert not lines[first["currency"]]["ties"]
        assert lines[first["currency"]]["difference"] == difference


def test_entries_that_cancel_out_still_do_not_tie_when_the_ledger_has_no_such_entries():
    # Given a fee and its reversing adjustment the ledger does not hold (another period's, say)
    extra = [_posting(9, ReportKind.FEE, 100), _posting(10, ReportKind.ADJUSTMENT, -100)]

    lines = {line["currency"]: line for line in tie_out(rows([*POSTINGS, *extra], By.CURRENCY), _ledger())}

    # the sums agree, the count of entries does not
    assert lines["USD"]["difference"] == 0 and not lines["USD"]["ties"]
    assert (lines["USD"]["report_entries"], lines["USD"]["ledger_entries"]) == (9, 7)


def test_a_currency_only_the_ledger_holds_does_not_tie():
    lines = tie_out(rows(POSTINGS[:-1], By.CHANNEL), _ledger())
    assert {line["currency"]: line["ties"] for line in lines} == {"MXN": False, "USD": True}
