"""A time-barred debt at the moment of contact: what a collector is told before a call, and the day a
debt collector's email that threatens suit is judged on (the day it is sent, weekend or not)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.calls import history, suit_warning
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, check
from arrears.domain.letters import LetterCode
from arrears.domain.limitations import Limitations

BARRED = date(2026, 3, 9)  # a Monday


def _kept_bar() -> Account:
    """An Ohio card in default since 2025, with a bar date kept from before a change of its state."""
    account = Account(
        "TB-1", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", "America/New_York", "US", "main#0"
    )
    return replace(account, state="OH", oldest_unpaid_on=date(2025, 6, 1), time_barred_on=BARRED)


def test_the_collector_is_told_not_to_threaten_suit_from_the_bar_date():
    assert suit_warning(_kept_bar(), BARRED - timedelta(days=1)) is None
    expected = (
        "the debt is time-barred since 2026-03-09 (OH, kept from before a change to the account): "
        "do not threaten suit"
    )
    assert suit_warning(_kept_bar(), BARRED) == expected
    assert suit_warning(_kept_bar(), BARRED + timedelta(days=1)) == expected


def test_what_the_rules_know_of_a_call_includes_the_debts_bar_date():
    known = history(_kept_bar(), [], datetime(2026, 3, 9, 15, 0, tzinfo=UTC), dpd=281)
    assert (known.limitations.barred_on, known.limitations.kept) == (BARRED, True)


NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "channel,allowed",
    [
        # sent on Saturday the 7th: an email is provided that day, before the bar
        (Channel.EMAIL, True),
        # a postal letter queued on the Saturday goes to the vendor on Monday the 9th: barred by then
        (Channel.LETTER, False),
    ],
)
def test_a_demand_is_judged_on_the_day_it_is_provided(channel, allowed):
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=NY)
    known = ContactHistory(
        validation_notice_sent_on=date(2026, 1, 5), limitations=Limitations(state="OH", barred_on=BARRED)
    )
    decision = check(Contact(channel, LetterCode.FINAL_DEMAND, saturday), known, PROFILES["us_reg_f"])
    assert decision.allowed is allowed
    assert allowed or (decision.rule, decision.reason) == (
        "time_barred",
        "the debt is time-barred since 2026-03-09 (OH): do not threaten suit",
    )
