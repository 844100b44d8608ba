"""Where an account stands on the day its commitments are reviewed: the status the ladder reads (a
pausing hold first, then an arrangement, then a promise, then the statuses that stand until someone
acts), the commitment kept, broken or still pending, the day it is looked at again, the outcome on
the timeline, and the letter a broken promise, arrangement or settlement owes the customer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.commitments import Arrangement, Promise, Settlement
from arrears.domain.compliance import Hold
from arrears.domain.ledger import Due
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import Bucket, Status
from arrears.domain.standing import HOLDS_THAT_PAUSE, reread, review

MADE = date(2026, 3, 1)
DUE = date(2026, 3, 10)  # with three days' grace: pending to the 13th, broken on the 14th
OWED = OwedNotice(LetterCode.FIRST_REMINDER, "first@2026-02-20")


def _account(dues: tuple[Due, ...] = (), **fields) -> Account:
    return Account(
        "A-1", "main", ProductType.OPEN_END, "USD", 9000, 9000, dues, "en-US", "America/New_York", "US",
        "main#0", notices=(OWED,), **fields,
    )  # fmt: skip


def _promise(paid: int = 0) -> Promise:
    return Promise(5000, DUE, MADE, paid=paid)


def _plan(paid: int = 0, settlement: Settlement | None = None) -> Arrangement:
    instalments = (Due(DUE, 3000), Due(date(2026, 4, 10), 2000))
    return Arrangement(instalments, MADE, paid, settlement=settlement)


# ------------------------------------------------------------------ a promise


@pytest.mark.parametrize("as_of", [date(2026, 3, 12), date(2026, 3, 13)])
def test_a_promise_within_its_grace_pauses_the_ladder_and_is_looked_at_after_it(as_of):
    standing = review(_account(promise=_promise(4999)), Status.ACTIVE, as_of, delinquent=True)
    assert standing.status is Status.PROMISE_PENDING
    assert standing.promise == _promise(4999)
    assert standing.checks == (date(2026, 3, 14),)
    assert (standing.events, standing.notices) == ((), (OWED,))


def test_a_promise_broken_the_day_after_its_grace_resumes_the_ladder_and_owes_a_letter_for_what_is_left():
    as_of = date(2026, 3, 14)
    standing = review(_account(promise=_promise(1200)), Status.ACTIVE, as_of, delinquent=True)
    assert (standing.status, standing.promise, standing.checks) == (Status.ACTIVE, None, ())
    assert standing.notices == (
        OWED,
        OwedNotice(
            LetterCode.BROKEN_PROMISE,
            "promise-broken@2026-03-14",
            (("promise_amount", 3800), ("promise_date", "2026-03-10")),
        ),
    )
    assert standing.events == ({"kind": "promise", "outcome": "broken", **_promise(1200).to_dict()},)


def test_a_promise_paid_in_full_is_kept_at_once_and_owes_no_letter():
    standing = review(_account(promise=_promise(5000)), Status.ACTIVE, MADE, delinquent=True)
    assert (standing.status, standing.promise, standing.checks) == (Status.ACTIVE, None, ())
    assert standing.notices == (OWED,)
    assert standing.events == ({"kind": "promise", "outcome": "kept", **_promise(5000).to_dict()},)


# ------------------------------------------------------------------ an arrangement


@pytest.mark.parametrize(
    ("as_of", "check"), [(date(2026, 3, 13), date(2026, 3, 14)), (date(2026, 3, 14), date(2026, 4, 14))]
)
def test_an_arrangement_that_holds_is_active_and_looked_at_after_its_next_instalments_grace(as_of, check):
    standing = review(_account(arrangement=_plan(3000)), Status.ACTIVE, as_of, delinquent=True)
    assert standing.status is Status.ARRANGEMENT_ACTIVE
    assert standing.arrangement == _plan(3000)
    assert standing.checks == (check,)
    assert (standing.events, standing.notices) == ((), (OWED,))


def test_an_arrangement_whose_first_instalment_is_missed_owes_a_letter_for_what_fell_short():
    as_of = date(2026, 3, 14)
    standing = review(_account(arrangement=_plan(1000)), Status.ACTIVE, as_of, delinquent=True)
    assert (standing.status, standing.arrangement, standing.checks) == (Status.ACTIVE, None, ())
    assert standing.notices == (
        OWED,
        OwedNotice(
            LetterCode.BROKEN_PROMISE,
            "arrangement-broken@2026-03-14",
            (("promise_amount", 2000), ("promise_date", "2026-03-10")),
        ),
    )
    assert standing.events == ({"kind": "arrangement", "outcome": "broken", **_plan(1000).to_dict()},)


def test_an_arrangement_whose_second_instalment_is_missed_names_that_instalments_date():
    # the first (30.00 by March 10) paid, the second (20.00 by April 10) not: broken on April 14
    as_of = date(2026, 4, 14)
    standing = review(_account(arrangement=_plan(3000)), Status.ACTIVE, as_of, delinquent=True)
    assert standing.notices[-1] == OwedNotice(
        LetterCode.BROKEN_PROMISE,
        "arrangement-broken@2026-04-14",
        (("promise_amount", 2000), ("promise_date", "2026-04-10")),
    )
    # one minor unit short of the first: the first is the one missed
    short = review(_account(arrangement=_plan(2999)), Status.ACTIVE, as_of, delinquent=True)
    assert dict(short.notices[-1].extra)["promise_date"] == "2026-03-10"


def test_an_arrangement_paid_in_full_is_kept_and_the_ladder_resumes_without_a_letter():
    standing = review(_account(arrangement=_plan(5000)), Status.ACTIVE, MADE, delinquent=True)
    assert (standing.status, standing.arrangement, standing.checks) == (Status.ACTIVE, None, ())
    assert standing.notices == (OWED,)
    assert standing.events == ({"kind": "arrangement", "outcome": "kept", **_plan(5000).to_dict()},)


def test_a_settlement_whose_money_did_not_arrive_is_void_and_says_what_it_was():
    settlement = Settlement(discount=4000, request_id="r-1")
    terms = Arrangement((Due(DUE, 6000),), MADE, 5999, settlement=settlement)
    standing = review(_account(arrangement=terms), Status.ACTIVE, date(2026, 3, 14), delinquent=True)
    assert standing.status is Status.ACTIVE
    assert standing.notices == (
        OWED,
        OwedNotice(
            LetterCode.SETTLEMENT_VOID,
            "settlement-void@2026-03-14",
            (("settlement_amount", 6000), ("settlement_date", "2026-03-10")),
        ),
    )
    assert standing.events[0]["outcome"] == "broken" and standing.events[0]["settlement"] == {
        "discount": 4000,
        "request_id": "r-1",
    }


def test_a_settlement_still_in_its_grace_stands():
    terms = Arrangement((Due(DUE, 6000),), MADE, 0, settlement=Settlement(4000, "r-1"))
    standing = review(_account(arrangement=terms), Status.ACTIVE, date(2026, 3, 13), delinquent=True)
    assert (standing.status, standing.arrangement, standing.notices) == (
        Status.ARRANGEMENT_ACTIVE,
        terms,
        (OWED,),
    )


def test_a_promise_and_an_arrangement_broken_the_same_day_are_both_recorded_promise_first():
    account = _account(promise=_promise(), arrangement=_plan())
    standing = review(account, Status.ACTIVE, date(2026, 3, 14), delinquent=True)
    assert [(e["kind"], e["outcome"]) for e in standing.events] == [
        ("promise", "broken"),
        ("arrangement", "broken"),
    ]
    assert [n.trigger for n in standing.notices] == [
        "first@2026-02-20",
        "promise-broken@2026-03-14",
        "arrangement-broken@2026-03-14",
    ]


def test_both_commitments_pending_are_both_looked_at_again_and_the_arrangement_names_the_status():
    account = _account(promise=_promise(), arrangement=_plan())
    standing = review(account, Status.ACTIVE, date(2026, 3, 11), delinquent=True)
    assert standing.status is Status.ARRANGEMENT_ACTIVE
    assert standing.checks == (date(2026, 3, 14), date(2026, 3, 14))
    assert (standing.promise, standing.arrangement) == (_promise(), _plan())


# ------------------------------------------------------------------ the status the ladder reads


def test_every_hold_but_scra_pauses_the_ladder():
    assert {"dispute", "cease_communication", "bankruptcy", "deceased", "legal", "fraud"} == HOLDS_THAT_PAUSE


@pytest.mark.parametrize("hold", [h for h in Hold if h is not Hold.SCRA])
def test_a_pausing_hold_puts_the_account_on_hold_even_under_an_arrangement(hold):
    account = _account(holds=(hold,), arrangement=_plan(), promise=_promise())
    standing = review(account, Status.ACTIVE, date(2026, 3, 11), delinquent=True)
    assert standing.status is Status.ON_HOLD
    assert (standing.promise, standing.arrangement) == (_promise(), _plan())  # kept, not ended


def test_an_scra_hold_alone_leaves_the_ladder_running():
    standing = review(_account(holds=(Hold.SCRA,)), Status.ACTIVE, MADE, delinquent=True)
    assert standing.status is Status.ACTIVE
    both = review(_account(holds=(Hold.SCRA, Hold.LEGAL)), Status.ACTIVE, MADE, delinquent=True)
    assert both.status is Status.ON_HOLD


def test_an_on_hold_status_without_a_hold_left_returns_to_active():
    assert review(_account(), Status.ON_HOLD, MADE, delinquent=True).status is Status.ACTIVE
    assert review(_account(), Status.PROMISE_PENDING, MADE, delinquent=True).status is Status.ACTIVE


@pytest.mark.parametrize(
    ("delinquent", "status"), [(True, Status.CHARGE_OFF_RECOMMENDED), (False, Status.ACTIVE)]
)
def test_a_charge_off_recommendation_stands_only_while_the_account_is_delinquent(delinquent, status):
    standing = review(_account(), Status.CHARGE_OFF_RECOMMENDED, MADE, delinquent=delinquent)
    assert standing.status is status


@pytest.mark.parametrize("evaluated", [Status.SKIP, Status.PLACED_WITH_AGENCY])
@pytest.mark.parametrize("delinquent", [True, False])
def test_skip_and_placement_stand_until_someone_acts(evaluated, delinquent):
    assert review(_account(), evaluated, MADE, delinquent=delinquent).status is evaluated


def test_a_promise_outranks_a_recommendation_to_charge_off():
    standing = review(_account(promise=_promise()), Status.CHARGE_OFF_RECOMMENDED, MADE, delinquent=True)
    assert standing.status is Status.PROMISE_PENDING


# ------------------------------------------------------------------ a closed account


@pytest.mark.parametrize("closed", [Status.PAID_IN_FULL, Status.CHARGED_OFF, Status.SETTLED])
def test_closing_records_the_commitments_it_met_as_kept_and_ends_the_others_without_a_letter(closed):
    account = _account(promise=_promise(5000), arrangement=_plan(4999), holds=(Hold.DISPUTE,))
    standing = review(account, closed, date(2026, 5, 1), delinquent=False)
    assert (standing.status, standing.promise, standing.arrangement, standing.checks) == (
        closed,
        None,
        None,
        (),
    )
    assert standing.notices == (OWED,)
    assert standing.events == ({"kind": "promise", "outcome": "kept", **_promise(5000).to_dict()},)


def test_closing_with_the_arrangement_met_records_it_kept():
    account = _account(promise=_promise(4999), arrangement=_plan(5000))
    standing = review(account, Status.PAID_IN_FULL, MADE, delinquent=False)
    assert standing.events == ({"kind": "arrangement", "outcome": "kept", **_plan(5000).to_dict()},)


def test_closing_without_commitments_records_nothing():
    assert review(_account(), Status.SETTLED, MADE, delinquent=False).events == ()


# ------------------------------------------------------------------ reread: the one way to read it


def test_reread_ages_the_account_from_its_dues_and_carries_the_review_onto_it():
    account = _account(dues=(Due(date(2026, 2, 1), 3000),), promise=_promise(), bucket=Bucket.CURRENT)
    as_of = date(2026, 3, 14)
    stands, result, standing = reread(account, as_of)
    assert (result.dpd, result.bucket, result.past_due) == (41, Bucket.B30_59, 3000)
    assert (stands.bucket, stands.dpd, stands.past_due, stands.oldest_unpaid_on) == (
        Bucket.B30_59,
        41,
        3000,
        date(2026, 2, 1),
    )
    assert (stands.status, stands.promise, stands.arrangement) == (Status.ACTIVE, None, None)
    assert stands.notices == standing.notices and stands.notices[-1].trigger == "promise-broken@2026-03-14"


@pytest.mark.parametrize(
    ("due_on", "status"),
    [(date(2026, 3, 13), Status.CHARGE_OFF_RECOMMENDED), (date(2026, 3, 14), Status.ACTIVE)],
)
def test_reread_keeps_a_charge_off_recommendation_only_while_a_due_is_past(due_on, status):
    account = _account(dues=(Due(due_on, 3000),), status=Status.CHARGE_OFF_RECOMMENDED)
    stands, _, _ = reread(account, date(2026, 3, 14))
    assert stands.status is status


def test_reread_of_a_paid_off_account_closes_it_and_keeps_the_commitment_it_met():
    account = replace(_account(promise=_promise(5000)), balance=0)
    stands, _, standing = reread(account, DUE)
    assert (stands.status, stands.promise) == (Status.PAID_IN_FULL, None)
    assert standing.events[0]["outcome"] == "kept"


@pytest.mark.parametrize(
    ("paid", "as_of", "arrangement"),
    [(0, date(2026, 3, 13), _plan()), (0, date(2026, 3, 14), None), (5000, date(2026, 3, 13), None)],
)
def test_reread_carries_an_arrangement_while_it_holds_and_drops_it_once_broken_or_kept(
    paid, as_of, arrangement
):
    account = _account(dues=(Due(date(2026, 2, 1), 3000),), arrangement=_plan(paid))
    stands, _, _ = reread(account, as_of)
    assert stands.arrangement == arrangement
