"""Which way a letter goes, from how the customer can be reached (the account's `reach`): email only
with consent (for a notice the law requires in writing, consent to such notices by email), else
post, else nothing sent and the account routed."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.commitments import Promise
from arrears.domain.compliance import Channel
from arrears.domain.customer import Reach
from arrears.domain.ledger import Due
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import Status
from arrears.domain.strategy import Ladder, Step, load_strategies
from dunning.contacts import ADDRESS_TASK, NO_ADDRESS, SKIP_STATUS, plan_contact, reachable, route_unaddressed
from dunning.cycle import plan

MONDAY = date(2026, 3, 2)
POSTAL, EMAIL, NOTICES = Reach.POSTAL.value, Reach.EMAIL.value, Reach.EMAIL_NOTICES.value
CARD_US = load_strategies()["credit_card_us"]
AGENCY = load_strategies()["agency_loan_us"]
# the validation notice by email, where a collector's strategy asks for it that way
AGENCY_BY_EMAIL = AGENCY.model_copy(
    update={
        "champion": Ladder(
            steps=(
                Step(
                    name="validation_notice",
                    at_dpd=1,
                    channel=Channel.EMAIL,
                    letter=LetterCode.VALIDATION_NOTICE,
                ),
            )
        )
    }
)


@pytest.mark.parametrize(
    "preferred,letter,reach,expected",
    [
        (Channel.EMAIL, LetterCode.FIRST_REMINDER, (POSTAL, EMAIL), Channel.EMAIL),
        (Channel.EMAIL, LetterCode.FIRST_REMINDER, (POSTAL,), Channel.LETTER),
        (Channel.EMAIL, LetterCode.FIRST_REMINDER, (EMAIL,), Channel.EMAIL),
        (Channel.EMAIL, LetterCode.FIRST_REMINDER, (), None),
        (Channel.LETTER, LetterCode.SECOND_REMINDER, (POSTAL, EMAIL), Channel.LETTER),
        (Channel.LETTER, LetterCode.SECOND_REMINDER, (EMAIL,), Channel.EMAIL),  # reachable: not left unsent
        (Channel.LETTER, LetterCode.SECOND_REMINDER, (Reach.PHONE.value,), None),
        # a notice the law requires in writing goes by email only with consent to such notices
        (Channel.EMAIL, LetterCode.CREDIT_LINE_CHANGE, (POSTAL, EMAIL), Channel.LETTER),
        (Channel.EMAIL, LetterCode.CREDIT_LINE_CHANGE, (POSTAL, EMAIL, NOTICES), Channel.EMAIL),
        (Channel.LETTER, LetterCode.CORRECTED_STATEMENT, (EMAIL,), None),
        # the validation notice states the mailing address: without one it is not sent at all
        (Channel.EMAIL, LetterCode.VALIDATION_NOTICE, (EMAIL, NOTICES), None),
        (Channel.EMAIL, LetterCode.VALIDATION_NOTICE, (POSTAL, EMAIL, NOTICES), Channel.EMAIL),
        (Channel.EMAIL, LetterCode.VALIDATION_NOTICE, (POSTAL, EMAIL), Channel.LETTER),
    ],
)
def test_the_channel_follows_how_the_customer_can_be_reached(preferred, letter, reach, expected):
    channel, fallback = reachable(preferred, letter, reach)
    assert channel is expected
    assert (fallback is not None) == (expected not in (None, preferred))


def _late(reach: tuple[str, ...], days: int = 6, product=ProductType.OPEN_END, **fields) -> Account:
    return Account(
        "CHAN-1", "main", product, "USD", 100_000, 100_000,
        (Due(date.fromordinal(MONDAY.toordinal() - days), 5000),), "en-US", "America/New_York", "US",
        home_shard="main#000", next_action_on=MONDAY, customer_id="CHAN-1", reach=reach, **fields,
    )  # fmt: skip


def _plan(account: Account, strategy=CARD_US, hour: int = 12):
    evaluated, *_ = plan(account, MONDAY)
    now = datetime.combine(MONDAY, time(hour), ZoneInfo(account.time_zone))
    return plan_contact(account, evaluated, strategy, MONDAY, now)


def test_the_validation_notice_by_email_needs_consent_to_notices_by_email_else_it_goes_by_post():
    agency = {"product": ProductType.CLOSED_END, "placement": "agency"}
    consented = _plan(_late((POSTAL, EMAIL, NOTICES), days=2, **agency), AGENCY_BY_EMAIL)
    emailed_only = _plan(_late((POSTAL, EMAIL), days=2, **agency), AGENCY_BY_EMAIL)

    assert (consented.letter, consented.channel, consented.decision.allowed) == (
        LetterCode.VALIDATION_NOTICE, Channel.EMAIL, True,
    )  # fmt: skip
    assert (emailed_only.channel, emailed_only.decision.allowed) == (Channel.LETTER, True)
    assert "consent to notices by email" in emailed_only.fallback


def test_an_email_step_for_a_customer_without_email_consent_goes_by_post():
    planned = _plan(_late((POSTAL,)))
    assert (planned.letter, planned.channel, planned.decision.allowed) == (
        LetterCode.FIRST_REMINDER, Channel.LETTER, True,
    )  # fmt: skip
    assert planned.fallback == "no email address with consent: sent by mail"


def test_an_email_refused_for_the_hour_goes_by_post_only_where_there_is_an_address():
    by_post = _plan(_late((POSTAL, EMAIL)), hour=6)
    nowhere = _plan(_late((EMAIL,)), hour=6)
    assert (by_post.channel, by_post.decision.allowed) == (Channel.LETTER, True)
    assert by_post.fallback == "email refused (hours): sent by mail"
    assert (nowhere.channel, nowhere.decision.rule) == (Channel.EMAIL, "hours")  # refused, not unaddressed


def test_a_letter_with_nowhere_to_go_is_refused_for_want_of_an_address_and_the_step_is_not_sent():
    planned = _plan(_late((), days=16))
    assert planned.letter is LetterCode.SECOND_REMINDER and planned.channel is None
    assert (planned.decision.allowed, planned.decision.rule, planned.decision.reason) == (
        False, NO_ADDRESS, "no usable mailing address",
    )  # fmt: skip
    assert not planned.sends_letter


def test_a_hold_is_the_reason_a_held_account_with_no_address_is_not_written_to():
    planned = _plan(_late((), days=16, holds=("bankruptcy",)))
    assert planned.decision.rule == "hold:bankruptcy"


def test_an_owed_notice_goes_by_email_where_the_customer_may_be_emailed_else_by_post_else_nowhere():
    owed = (OwedNotice(LetterCode.PROMISE_CONFIRMATION, "promise@2026-02-27", (("promise_amount", 5000),)),)
    assert _plan(_late((POSTAL, EMAIL), notices=owed)).channel is Channel.EMAIL
    assert _plan(_late((POSTAL,), notices=owed)).channel is Channel.LETTER
    nowhere = _plan(_late((), notices=owed))
    assert nowhere.channel is None and nowhere.decision.rule == NO_ADDRESS


def test_an_unaddressed_active_account_goes_to_skip_status_any_other_to_an_operator():
    assert route_unaddressed(_late(())) == SKIP_STATUS == "skip"
    for status in (
        Status.PROMISE_PENDING,
        Status.ARRANGEMENT_ACTIVE,
        Status.ON_HOLD,
        Status.PLACED_WITH_AGENCY,
    ):
        assert route_unaddressed(_late((), status=status)) == ADDRESS_TASK == "task:no_mailing_address"
    # a promise taken since the last cycle: a customer in touch, not one to trace (customers.needs_tracing)
    assert route_unaddressed(_late((), promise=Promise(5000, date(2026, 3, 9), MONDAY))) == ADDRESS_TASK
    assert route_unaddressed(_late((), status=Status.SKIP)) is None  # traced already, or unlocatable
