"""What an operator reads of a failed step: Lambda reports a handler's error as JSON, and the task,
the cycle report and `arrears executions` show its message, or the cause as written."""

from __future__ import annotations

import json

import pytest
from arrears.domain.errors import DuplicateEntry, lambda_error_message


def test_the_message_of_a_lambda_error_is_shown_without_its_json():
    cause = json.dumps(
        {"errorType": "ShardFailed", "errorMessage": "shard main#003 stopped", "stackTrace": ["  File ..."]}
    )
    assert lambda_error_message(cause) == "shard main#003 stopped"


def test_a_message_that_is_not_text_is_shown_as_text():
    assert lambda_error_message(json.dumps({"errorMessage": 42})) == "42"


@pytest.mark.parametrize(
    "cause",
    [
        "States.Timeout: the task timed out",  # not JSON: an error of Step Functions itself
        json.dumps({"errorType": "ShardFailed"}),  # JSON without a message
        json.dumps(["not", "an", "object"]),  # JSON of another shape
    ],
)
def test_a_cause_that_is_no_lambda_error_is_shown_as_written(cause):
    assert lambda_error_message(cause) == cause


@pytest.mark.parametrize("cause", [None, ""])
def test_no_cause_shows_nothing(cause):
    assert lambda_error_message(cause) == ""


def test_a_duplicate_says_what_was_already_written_and_which_write_refused_it():
    refused = DuplicateEntry("adjustment ADJ-1 already posted", write="adjustment")
    assert str(refused) == "adjustment ADJ-1 already posted"
    assert refused.write == "adjustment"
    assert DuplicateEntry("account A-1 already exists").write is None
