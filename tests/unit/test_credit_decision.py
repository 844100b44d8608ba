"""Credit-line decisions by the rules file, and which notice the law asks for with each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.adverse_action import AdverseActionIncomplete
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


# The sandbox bureau's codes (rules/key_factors.yaml): 38 collection or public record, 18 and 02
# delinquency, 10 utilization, 14 length of history, 08 inquiries.
FACTORS = ("38", "18", "10", "14", "02")


def _report(
    score: int | None = 650, elsewhere: int = 0, factors=FACTORS, model: str = "SandboxScore 8"
) -> CreditReport:
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
            "score_model": model,
            "key_factors": [
                {"code": code, "description": f"the bureau's words for {code}"} for code in factors
            ],
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
    letter = dict(notice(decided, _report(score=560), AS_OF, ("cfpb",)).extra)

    assert decided.action == "reduce" and decided.new_limit == 350_000
    assert decided.ecoa_statement and decided.fcra_disclosure
    assert (letter["score"], letter["score_low"], letter["score_high"]) == (560, 300, 850)
    assert [f["code"] for f in letter["key_factors"]] == ["38", "18", "10", "14"]  # at most four


def test_a_low_score_is_explained_by_what_lowered_it_never_by_the_score_itself():
    """Reg B §1002.9(b)(2), comment 9(b)(2)-1: "failed to achieve a qualifying score" is not a reason."""
    decided = decide(_card(), _report(score=560, factors=("10", "18", "02", "14")), RULES)

    # the key factors, by code, as the creditor's reasons, most important first and each once
    assert decided.reasons == ("high_utilization", "delinquent_credit_obligations", "short_credit_history")
    frozen = decide(_card(dpd=65), _report(score=550, factors=("08", "38")), RULES)
    assert frozen.reasons == ("delinquent_with_us", "recent_inquiries", "collection_or_public_record")


def test_principal_reasons_are_at_most_four():
    decided = decide(_card(dpd=65), _report(score=550, factors=("38", "18", "10", "14", "08")), RULES)

    assert decided.reasons == (
        "delinquent_with_us",
        "collection_or_public_record",
        "delinquent_credit_obligations",
        "high_utilization",
    )


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (_report(score=560, factors=()), "without key factors"),
        (_report(score=560, factors=("38", "99")), "'99'"),
        (_report(score=560, model="FICO Score 8"), "FICO Score 8"),
    ],
)
def test_a_low_score_whose_factors_cannot_be_named_stops_the_review_before_anything_changes(report, why):
    with pytest.raises(AdverseActionIncomplete, match=why):
        decide(_card(), report, RULES)


def test_the_inquiries_factor_past_the_fourth_is_added_as_a_fifth_never_cut():
    """FCRA §609(f)(9): inquiries that adversely affected the score are disclosed beyond the four."""
    report = _report(score=560, factors=("38", "18", "10", "14", "02", "08"))
    letter = dict(notice(decide(_card(), report, RULES), report, AS_OF, ("cfpb",)).extra)

    assert [f["code"] for f in letter["key_factors"]] == ["38", "18", "10", "14", "08"]


@pytest.mark.parametrize(
    ("factors", "shown"),
    [
        (("38", "08", "10", "14", "18"), ["38", "08", "10", "14"]),  # inquiries among the four: no fifth
        (("38", "18", "10", "14", "02"), ["38", "18", "10", "14"]),  # a fifth not about inquiries: cut
        (("38", "18"), ["38", "18"]),
    ],
)
def test_only_the_inquiries_factor_goes_past_the_fourth(factors, shown):
    report = _report(score=560, factors=factors)
    letter = dict(notice(decide(_card(), report, RULES), report, AS_OF, ("cfpb",)).extra)

    assert [f["code"] for f in letter["key_factors"]] == shown


def test_each_key_factor_goes_with_its_text_in_every_letter_language_not_the_bureaus_words():
    report = _report(score=560, factors=("08",))
    [factor] = dict(notice(decide(_card(), report, RULES), report, AS_OF, ("cfpb",)).extra)["key_factors"]

    assert factor == {
        "code": "08",
        "en": "Too many inquiries last 12 months",
        "es": "Demasiadas consultas en los últimos 12 meses",
    }


def test_the_ecoa_notice_names_the_creditors_agencies_and_stops_without_one():
    decided = decide(_card(), _report(score=560), RULES)

    named = dict(notice(decided, _report(score=560), AS_OF, ("occ",)).extra)["ecoa_agencies"]
    assert [(a["code"], a["address"]) for a in named] == [("occ", "P.O. Box 53570, Houston, TX 77052")]
    two = dict(notice(decided, _report(score=560), AS_OF, ("cfpb", "ftc")).extra)["ecoa_agencies"]
    assert [a["code"] for a in two] == ["cfpb", "ftc"]
    for agencies in ((), ("sec_of_the_treasury",)):
        with pytest.raises(AdverseActionIncomplete, match="ECOA agency"):
            notice(decided, _report(score=560), AS_OF, agencies)


def test_a_notice_without_the_ecoa_statement_names_no_agency():
    decided = decide(_card(dpd=95), _report(score=800), RULES)  # delinquency: not adverse action under Reg B

    assert dict(notice(decided, _report(score=800), AS_OF).extra)["ecoa_agencies"] == []


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


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        # a cutoff missed is no reason (Reg B comment 9(b)(2)-1)
        (
            "{when: {max_score: 579}, action: reduce, limit_pct: 70, reasons: [score_below_threshold]}",
            "reasons",
        ),
        # a reason the rule never looked at
        ("{when: {max_score: 579}, action: reduce, limit_pct: 70, reasons: [high_utilization]}", "reasons"),
        (
            "{when: {min_dpd: 30}, action: close, reasons: [delinquency_elsewhere]}",
            "what the rule's conditions found",
        ),
        # acting on the score without saying what lowered it
        (
            "{when: {max_score: 579, min_dpd: 30}, action: freeze, reasons: [delinquent_with_us]}",
            "reasons_from_score",
        ),
        ("{when: {min_dpd: 30}, action: close, reasons_from_score: true}", "condition on the score"),
    ],
)
def test_a_rule_states_only_the_reasons_it_found(tmp_path: Path, rule: str, why: str):
    bad = tmp_path / "credit_review.yaml"
    bad.write_text(f"name: x\nversion: 1\nrules:\n  - {{name: r, {rule[1:]}\n")

    with pytest.raises(InvalidInput, match=why):
        load_rules(bad)


def test_every_code_the_sandbox_bureau_sends_is_in_the_key_factor_table():
    from arrears.domain.adverse_action import load_key_factors
    from credit_review.bureau.sandbox import FACTORS

    codes = load_key_factors().models["SandboxScore 8"]
    assert {code for code, _ in FACTORS} <= set(codes)
    assert {code: codes[code].en for code, _ in FACTORS} == dict(FACTORS)  # the bureau's own words in English
    assert [code for code, text in codes.items() if text.reason == "recent_inquiries"] == ["08"]


def test_a_key_factor_without_its_spanish_text_is_refused_when_the_table_loads(tmp_path: Path):
    from arrears.domain.adverse_action import load_key_factors

    bad = tmp_path / "key_factors.yaml"
    bad.write_text(
        'name: k\nversion: 1\nmodels:\n  m:\n    "08": {en: Too many inquiries, reason: recent_inquiries}\n'
    )

    with pytest.raises(InvalidInput, match="es"):
        load_key_factors(bad)
