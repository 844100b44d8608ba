"""The 30 days of Reg B §1002.9(a)(1)(iii): each adverse action's notice against the letter that
carried it, judged by the independent compliance check from the records alone (no AWS)."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.adverse_action import notice_due_by
from arrears.store.models import ActivityModel

from arrears_cli.compliance_check import check_adverse_action_notices

DECIDED = date(2026, 3, 1)
DUE = date(2026, 3, 31)


def _change(account_id: str = "CARD-1", *, ecoa: bool = True, fcra: bool = True, action: str = "reduce"):
    trigger = f"credit-review@{DECIDED.isoformat()}"
    return ActivityModel(
        account_id, f"{DECIDED.isoformat()}#limit_change#credit-review-{account_id}", kind="limit_change",
        occurred_on=DECIDED.isoformat(), actor="credit_review",
        detail={
            "action": action, "ecoa_statement": ecoa, "fcra_disclosure": fcra,
            "decided_on": DECIDED.isoformat(), "notice_trigger": trigger,
            "notice_due_by": DUE.isoformat() if ecoa or fcra else None,
        },
    )  # fmt: skip


def _letter(sent_on: date, account_id: str = "CARD-1"):
    trigger = f"credit-review@{DECIDED.isoformat()}"
    return ActivityModel(
        account_id, f"{DECIDED.isoformat()}#letter#{trigger}", kind="letter", occurred_on=sent_on.isoformat(),
        actor="collection_cycle", status="printed", detail={"code": "credit_line_change"},
    )  # fmt: skip


def _rules(changes, letters, today: date) -> list[tuple[str, str]]:
    return [(v.account_id, v.rule) for v in check_adverse_action_notices(changes, letters, today)]


def test_the_notice_is_due_thirty_days_after_the_decision():
    assert notice_due_by(DECIDED) == DUE


def test_a_notice_sent_within_the_thirty_days_is_in_time_whenever_the_report_is_asked():
    assert _rules([_change()], [_letter(DECIDED)], date(2027, 1, 1)) == []
    assert _rules([_change()], [_letter(DUE)], date(2027, 1, 1)) == []  # the 30th day is in time


def test_a_notice_not_sent_is_overdue_only_once_the_thirty_days_are_over():
    assert _rules([_change()], [], DUE) == []
    [violation] = check_adverse_action_notices([_change()], [], date(2026, 4, 1))

    assert (violation.account_id, violation.rule) == ("CARD-1", "adverse_action_notice_overdue")
    assert "2026-03-31" in violation.detail and "31 days" in violation.detail
    assert violation.letter == "credit_line_change" and violation.occurred_on == DECIDED.isoformat()


def test_a_notice_sent_after_the_thirty_days_is_late():
    [violation] = check_adverse_action_notices([_change()], [_letter(date(2026, 4, 3))], date(2026, 4, 3))

    assert (
        violation.rule == "adverse_action_notice_late"
        and "sent on 2026-04-03, 33 days after" in violation.detail
    )


def test_another_accounts_letter_does_not_count():
    assert _rules([_change("CARD-1")], [_letter(DECIDED, "CARD-2")], date(2026, 5, 1)) == [
        ("CARD-1", "adverse_action_notice_overdue")
    ]


@pytest.mark.parametrize(
    ("ecoa", "fcra"),
    [(True, False), (False, True), (True, True)],  # the ECOA reasons, the FCRA §615(a) notice, or both
)
def test_every_notice_the_law_requires_has_the_deadline(ecoa, fcra):
    assert _rules([_change(ecoa=ecoa, fcra=fcra)], [], date(2026, 5, 1)) == [
        ("CARD-1", "adverse_action_notice_overdue")
    ]


def test_a_change_no_notice_law_applies_to_has_no_deadline():
    """An increase, or an action on this account's own delinquency alone (Reg B §1002.2(c)(2)(ii))."""
    assert _rules([_change(ecoa=False, fcra=False, action="close")], [], date(2026, 12, 1)) == []


def test_a_change_recorded_before_the_deadline_was_tracked_is_judged_from_its_day():
    old = _change()
    old.detail = {
        k: v for k, v in old.detail.items() if k not in ("decided_on", "notice_trigger", "notice_due_by")
    }

    assert _rules([old], [_letter(DECIDED)], date(2026, 5, 1)) == []
    assert _rules([old], [], date(2026, 5, 1)) == [("CARD-1", "adverse_action_notice_overdue")]
