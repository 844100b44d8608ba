"""Credit-line decisions by the rules file, and which notice the law asks for with each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.bureau import CreditReport
from arrears.domain.compliance import Hold
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import Due
from arrears.domain.stages import Status
from credit_review.decision import decide, load_rules, notice, refusal

AS_OF = date(2026, 3, 1)
RULES = load_rules()


def _card(
    dpd: int = 0, jurisdiction: str = "US", limit: int = 500_000, balance: int = 200_000, **kw
) -> Account:
    return Account(
        "CARD-1", "main", ProductType.OPEN_END, "USD", balance, balance, (Due(date(2026, 1, 1), 9000),),
        "en-US", "America/New_York", jurisdiction, home_shard="main#001", dpd=dpd, credit_limit=limit, **kw,
    )  # fmt: skip


def _report(score: int | None = 650, elsewhere: int = 0) -> CreditReport:
    return CreditReport.model_validate(
        {
            "reference": "r-1",
            "bureau": {
                "name": "Bureau",
                "phone": "1-800-555-0199",
                "address": "PO Box 1",
                "website": "www.x.com",
            },
            "outcome": "scored" if score is not None else "thin_file",
            "score": score,
            "scored_on": AS_OF.isoformat(),
            "key_factors": [{"code": str(i), "description": f"factor {i}"} for i in range(5)],
            "delinquencies_elsewhere": elsewhere,
        }
    )


def test_this_accounts_delinquency_revokes_without_claiming_ecoa_or_fcra_notices():
    decided = decide(_card(dpd=95), _report(score=800), RULES)

    assert (decided.action, decided.new_limit, decided.freeze) == ("close", 0, True)
    assert decided.delinquency_based and not decided.used_report
    assert not decided.ecoa_statement and not decided.fcra_disclosure  # Reg B §1002.2(c)(2)(ii)


def test_delinquency_plus_a_low_score_owes_the_fcra_disclosure_but_not_the_ecoa_reasons():
    decided = decide(_card(dpd=65), _report(score=550), RULES)

    assert decided.action == "freeze" and decided.used_report and decided.delinquency_based
    assert decided.fcra_disclosure and not decided.ecoa_statement


def test_a_low_score_alone_is_adverse_action_with_both_notices_and_the_score_in_the_letter():
    decided = decide(_card(), _report(score=560), RULES)
    letter = dict(notice(decided, _report(score=560), AS_OF).extra)

    assert decided.action == "reduce" and decided.new_limit == 350_000
    assert decided.ecoa_statement and decided.fcra_disclosure
    assert (letter["score"], letter["score_low"], letter["score_high"]) == (560, 300, 850)
    assert letter["key_factors"] == ["factor 0", "factor 1", "factor 2", "factor 3"]  # at most four


def test_a_reduction_never_goes_below_what_is_owed():
    decided = decide(_card(dpd=61, limit=500_000, balance=420_000), _report(score=700), RULES)

    assert decided.action == "reduce" and decided.new_limit == 420_000


def test_good_standing_and_a_high_score_extends_the_line_with_no_adverse_notice():
    decided = decide(_card(), _report(score=790), RULES)

    assert (decided.action, decided.new_limit) == ("extend", 600_000)
    assert not decided.ecoa_statement and not decided.fcra_disclosure


def test_an_average_customer_keeps_the_line():
    assert decide(_card(), _report(score=650, elsewhere=1), RULES).action == "keep"


def test_a_thin_file_matches_no_score_rule():
    assert decide(_card(), _report(score=None), RULES).action == "keep"


def test_outside_the_us_no_us_notice_is_claimed():
    decided = decide(_card(jurisdiction="MX"), _report(score=560), RULES)

    assert decided.action == "reduce" and not decided.ecoa_statement and not decided.fcra_disclosure


def test_freezing_a_line_that_is_already_frozen_changes_nothing():
    assert decide(_card(dpd=65, charging_frozen=True), _report(score=550), RULES).action == "keep"


@pytest.mark.parametrize(
    ("account", "why"),
    [
        (_card(limit=None), "no credit line"),
        (_card(status=Status.PAID_IN_FULL), "paid_in_full"),
        (_card(reviewed_on=date(2026, 2, 1)), "next review after 90 days"),
        (_card(holds=(Hold.BANKRUPTCY,)), "bankruptcy hold"),
        (_card(holds=(Hold.DECEASED,)), "deceased hold"),
    ],
)
def test_reviews_are_refused_without_a_line_on_a_closed_account_or_within_the_cooldown(account, why):
    assert why in refusal(account, AS_OF, 90)


@pytest.mark.parametrize("hold", [Hold.DISPUTE, Hold.SCRA, Hold.CEASE_COMMUNICATION])
def test_other_holds_do_not_stop_a_review_whose_notice_goes_out_under_any_hold(hold):
    assert refusal(_card(holds=(hold,)), AS_OF, 90) is None


def test_an_adverse_rule_without_its_reasons_is_refused_when_the_rules_load(tmp_path: Path):
    bad = tmp_path / "credit_review.yaml"
    bad.write_text("name: x\nversion: 1\nrules:\n  - {name: r, when: {min_dpd: 30}, action: close}\n")

    with pytest.raises(InvalidInput, match="principal reasons"):
        load_rules(bad)
