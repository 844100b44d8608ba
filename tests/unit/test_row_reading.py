"""How a file from the system of record is read into numbered rows, and how pydantic's complaints
about a row become the problems an operator reads in the import or feed report (line, column, why)."""

from __future__ import annotations

import pytest
from arrears.domain.rows import (
    ROW_ERROR,
    FieldProblem,
    RowProblem,
    is_json_lines,
    lines_of,
    problems_of,
    read_rows,
)
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator


@pytest.mark.parametrize(
    "name,json_lines",
    [
        ("book.jsonl", True),
        ("BOOK.JSONL", True),
        ("book.ndjson", True),
        ("Book.NDJson", True),
        ("book.json", True),
        ("book.JSON", True),
        ("book.csv", False),
        ("book.json.csv", False),
        ("jsonl", False),
    ],
)
def test_a_file_is_read_as_json_lines_by_its_name(name, json_lines):
    assert is_json_lines(name) is json_lines


def test_lines_split_at_line_feeds_and_drop_a_windows_carriage_return():
    assert lines_of("a,b\r\n1,2\r\n") == ["a,b", "1,2", ""]
    assert lines_of("a\rb\n\rc") == ["a\rb", "\rc"]  # a lone CR inside a line is the line's own


def test_blank_lines_are_skipped_and_the_rows_after_them_are_read():
    text = '{"id": 1}\n\n   \n{"id": 2}\n'
    assert read_rows(text, json_lines=True) == [(1, {"id": 1}), (4, {"id": 2})]


def test_a_json_line_that_does_not_parse_or_is_no_object_says_so_on_its_line():
    text = '{"id": 1}\n{"id": \n[1, 2]\n"text"\n'
    assert read_rows(text, json_lines=True) == [
        (1, {"id": 1}),
        (2, {ROW_ERROR: "not valid JSON (Expecting value)"}),
        (3, {ROW_ERROR: "not a JSON object"}),
        (4, {ROW_ERROR: "not a JSON object"}),
    ]


def test_a_csv_row_is_numbered_as_an_editor_shows_it_and_keeps_its_columns():
    # a value beyond the header's columns has no column: it is dropped, not kept under None
    text = "id,name\r\n1,Ana\r\n\r\n2,Bo,extra\r\n"
    assert read_rows(text, json_lines=False) == [
        (2, {"id": "1", "name": "Ana"}),
        (4, {"id": "2", "name": "Bo"}),
    ]


def test_a_row_problem_reads_as_line_column_reason_and_is_reported_as_such():
    problem = RowProblem(7, "balance", "cannot be negative")
    assert str(problem) == "line 7: balance: cannot be negative"
    assert problem.to_dict() == {"line": 7, "field": "balance", "reason": "cannot be negative"}


def test_a_field_problem_names_its_field_and_reason():
    problem = FieldProblem("oldest_due_date", "is required when an amount is past due")
    assert str(problem) == "oldest_due_date: is required when an amount is past due"
    assert (problem.field, problem.reason) == ("oldest_due_date", "is required when an amount is past due")


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    balance: str
    past_due: str = "0"
    currency: str = "USD"

    @field_validator("balance", "past_due")
    @classmethod
    def _not_negative(cls, value: str, info) -> str:  # type: ignore[no-untyped-def]
        if value.startswith("-"):
            raise FieldProblem(f"{info.field_name}_minor", "cannot be negative")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value != "USD":
            raise ValueError("is not a currency of this book")
        return value

    @model_validator(mode="after")
    def _whole(self) -> _Row:
        if self.balance == "0" and self.past_due == "0":
            raise ValueError("says nothing")
        return self


def _problems(row: dict) -> list[tuple[int, str, str]]:
    with pytest.raises(ValidationError) as refused:
        _Row.model_validate(row)
    return [(p.line, p.field, p.reason) for p in problems_of(9, refused.value)]


def test_every_problem_of_a_row_is_reported_by_the_column_its_rule_names():
    assert _problems({"balance": "-1", "past_due": "-2", "currency": "EUR", "colour": "red"}) == [
        (9, "balance_minor", "cannot be negative"),
        (9, "past_due_minor", "cannot be negative"),
        (9, "currency", "is not a currency of this book"),
        (9, "colour", "unknown column"),
    ]


def test_a_missing_column_is_named_with_pydantic_s_words():
    assert _problems({}) == [(9, "balance", "Field required")]


def test_a_rule_of_the_whole_row_is_a_problem_of_the_row():
    assert _problems({"balance": "0"}) == [(9, "row", "says nothing")]
