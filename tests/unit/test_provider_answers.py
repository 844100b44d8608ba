"""Providers' answers as our models: how sure a trace is (the skip-trace waterfall stops on it), and the
refusal an operator reads when an answer does not validate -- where it was wrong, never the data."""

from __future__ import annotations

import pytest
from arrears.domain.bureau import CreditReport, TraceAnswer, validated
from arrears.domain.errors import ProviderBadResponse

PERSONAL = "Jane Q Public"  # a value a provider sends; it must never reach the refusal


def trace(*confidences: float) -> TraceAnswer:
    return TraceAnswer(
        reference="tr-1",
        outcome="hit" if confidences else "no_hit",
        candidates=tuple(
            {"kind": "phone", "value": f"+1 555 010{n}", "confidence": c} for n, c in enumerate(confidences)
        ),
    )


@pytest.mark.parametrize(
    ("confidences", "best"),
    [((0.4, 0.9, 0.7), 0.9), ((0.0,), 0.0), ((1.0, 0.2), 1.0)],
)
def test_a_trace_is_as_sure_as_its_most_confident_candidate(confidences, best):
    assert trace(*confidences).best() == best


def test_a_trace_without_candidates_is_not_sure_at_all():
    # Given a no-hit: nothing to locate the customer by, so the waterfall goes on to the next provider
    assert trace().best() == 0.0


def refusal(model: type, raw: object) -> str:
    with pytest.raises(ProviderBadResponse) as refused:
        validated(model, raw, "acme")
    assert refused.value.__cause__ is None  # the validation error quotes the provider's values
    return str(refused.value)


def test_a_refusal_names_the_provider_the_model_and_each_wrong_field_by_its_path():
    raw = {
        "reference": "tr-1",
        "outcome": "hit",
        "candidates": [{"kind": "fax", "value": PERSONAL, "confidence": 2}],
    }

    message = refusal(TraceAnswer, raw)

    assert message == "acme: malformed TraceAnswer (candidates.0.kind; candidates.0.confidence)"
    assert PERSONAL not in message


def test_an_answer_wrong_as_a_whole_is_refused_as_the_body():
    assert refusal(TraceAnswer, [PERSONAL]) == "acme: malformed TraceAnswer (body)"
    # a rule over the whole answer (a hit with no candidate) is wrong at no one field either
    assert (
        refusal(TraceAnswer, {"reference": "tr-1", "outcome": "hit"}) == "acme: malformed TraceAnswer (body)"
    )


# Each field a credit report can get wrong, in the model's order (the order pydantic reports them in),
# with a wrong value and a right one.
REPORT_FIELDS = {
    "reference": ("", "r-1"),
    "outcome": ("maybe", "thin_file"),
    "score_low": ("low", 300),
    "score_high": ("high", 850),
    "scored_on": ("never", "2026-03-02"),
    "delinquencies_elsewhere": (-1, 0),
}
BUREAU = {"name": "Test Bureau", "phone": "1-800-555-0199", "address": "PO Box 1", "website": "b.com"}


@pytest.mark.parametrize(("wrong", "named"), [(4, 4), (5, 5), (6, 5)])
def test_a_refusal_names_at_most_five_wrong_fields(wrong, named):
    fields = list(REPORT_FIELDS)[:wrong]
    raw = {key: values[0 if key in fields else 1] for key, values in REPORT_FIELDS.items()}

    message = refusal(CreditReport, {**raw, "bureau": BUREAU})

    assert message == f"acme: malformed CreditReport ({'; '.join(fields[:named])})"
