"""Rows of a file from the system of record (CSV or JSON Lines), numbered as an editor shows them,
and pydantic's complaints about a row turned into problems a person can act on."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

from pydantic import ValidationError

# Said where a JSON line is no object, or a CSV row could not be read at all.
ROW_ERROR = "__error__"


@dataclass(frozen=True)
class RowProblem:
    line: int  # the file's own line number, as an editor shows it (a CSV header is line 1)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "reason": self.reason}


class FieldProblem(ValueError):
    """A rule about one field, raised inside a validator so the problem names that field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def is_json_lines(name: str) -> bool:
    return name.lower().endswith((".jsonl", ".ndjson", ".json"))


def lines_of(text: str) -> list[str]:
    """A file's lines as a file system writes them: split at LF (CRLF's CR dropped), never at the
    other breaks `str.splitlines` knows (U+2028, NEL), which a name may carry inside its field."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def read_rows(text: str, json_lines: bool) -> list[tuple[int, dict[str, object]]]:
    """Every non-blank row with its line number; a line that is not a JSON object says so."""
    if json_lines:
        rows = []
        for number, line in enumerate(lines_of(text), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                value = {ROW_ERROR: f"not valid JSON ({exc.msg})"}
            rows.append((number, value if isinstance(value, dict) else {ROW_ERROR: "not a JSON object"}))
        return rows
    reader = csv.DictReader(lines_of(text))
    # the reader's own line count: right even when a quoted field spans lines
    return [(reader.line_num, {k: v for k, v in row.items() if k is not None}) for row in reader]


def problems_of(number: int, exc: ValidationError) -> list[RowProblem]:
    found = []
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            found.append(RowProblem(number, cause.field, cause.reason))
            continue
        field = ".".join(str(part) for part in error["loc"]) or "row"
        reason = (
            "unknown column"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        found.append(RowProblem(number, field, reason))
    return found
