"""What an adverse action notice names: the key factors it prints (four, and inquiries as a fifth,
once), the principal reasons, the ECOA agency; and what an operator reads when one cannot be named."""

import pytest
from arrears.domain.adverse_action import (
    AdverseActionIncomplete,
    FactorText,
    KeyFactorTable,
    disclosed_key_factors,
    ecoa_agencies,
    score_reasons,
)
from arrears.domain.bureau import KeyFactor


def _text(reason: str, word: str) -> FactorText:
    return FactorText(en=f"{word} en", es=f"{word} es", reason=reason)


TABLE = KeyFactorTable(
    name="test",
    version=1,
    models={
        "TestScore": {
            "D1": _text("delinquent_credit_obligations", "late"),
            "D2": _text("collection_or_public_record", "collection"),
            "U1": _text("high_utilization", "utilization"),
            "S1": _text("short_credit_history", "short"),
            "H2": _text("short_credit_history", "thin"),
            "I1": _text("recent_inquiries", "inquiries"),
            "I2": _text("recent_inquiries", "more inquiries"),
        }
    },
)


def _factors(*codes: str) -> list[KeyFactor]:
    return [KeyFactor(code=c, description="the bureau's words") for c in codes]


def test_a_table_given_is_the_one_read():
    shown = disclosed_key_factors(_factors("D1"), "TestScore", TABLE)
    assert shown == [{"code": "D1", "en": "late en", "es": "late es"}]
    assert score_reasons(_factors("D1", "U1"), "TestScore", TABLE) == (
        "delinquent_credit_obligations",
        "high_utilization",
    )


def test_inquiries_after_the_fourth_factor_are_added_once_as_a_fifth():
    shown = disclosed_key_factors(_factors("D1", "D2", "U1", "S1", "H2", "I1", "I2"), "TestScore", TABLE)
    assert [f["code"] for f in shown] == ["D1", "D2", "U1", "S1", "I1"]


def test_no_fifth_when_inquiries_are_among_the_four():
    shown = disclosed_key_factors(_factors("I1", "D1", "D2", "U1", "I2"), "TestScore", TABLE)
    assert [f["code"] for f in shown] == ["I1", "D1", "D2", "U1"]


def test_a_score_without_key_factors_stops_the_review_and_says_why():
    with pytest.raises(AdverseActionIncomplete) as refused:
        score_reasons([], "TestScore", TABLE)
    assert str(refused.value) == "the score came without key factors: its principal reasons cannot be named"


def test_the_operator_is_told_which_ecoa_agencies_are_unknown():
    with pytest.raises(AdverseActionIncomplete) as refused:
        ecoa_agencies(["cfpb", "xyz", "abc"])
    assert str(refused.value) == "no ECOA agency named for the creditor (xyz, abc)"


def test_the_operator_is_told_when_no_ecoa_agency_is_configured():
    with pytest.raises(AdverseActionIncomplete) as refused:
        ecoa_agencies([])
    assert str(refused.value) == "no ECOA agency named for the creditor (none configured)"
