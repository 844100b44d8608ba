"""The input a per-account workflow (skip-trace, credit review) begins with: the request the cycle or
an operator made, carried into every step with the execution it runs in."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.workflow_requests import BeginRequest, StepRequest
from pydantic import ValidationError


def test_the_first_step_carries_the_request_and_its_execution():
    begin = BeginRequest.model_validate(
        {
            "request": {
                "account_id": "A-1",
                "as_of": "2026-03-02",
                "reason": "skip_status",
                "requested_by": "op-7",
                "ignored": "extra keys of the cycle's state are dropped",
            },
            "execution": "arn:aws:states:local:execution:skiptrace:run-1",
        }
    )
    step = begin.step()
    assert step == StepRequest(
        account_id="A-1",
        as_of=date(2026, 3, 2),
        reason="skip_status",
        requested_by="op-7",
        execution="arn:aws:states:local:execution:skiptrace:run-1",
    )


def test_a_request_of_the_cycle_says_so_by_default():
    step = BeginRequest.model_validate(
        {"request": {"account_id": "A-1", "as_of": "2026-03-02"}, "execution": "run-1"}
    ).step()
    assert (step.reason, step.requested_by, step.execution) == ("strategy", "collection_cycle", "run-1")


@pytest.mark.parametrize("execution", ["", None])
def test_a_step_without_its_execution_is_refused(execution):
    with pytest.raises(ValidationError):
        BeginRequest.model_validate(
            {"request": {"account_id": "A-1", "as_of": "2026-03-02"}, "execution": execution}
        )
