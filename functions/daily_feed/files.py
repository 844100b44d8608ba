"""Where the feed's own objects live in the bucket: the report beside each file, the chunks apart.

Only `feeds/` starts the workflow (and only the system of record writes there), so nothing the
workflow writes can start it again.
"""

from __future__ import annotations

import json

from arrears.adapters import reports_repo
from arrears.domain import feed
from arrears.domain.errors import PayloadTooLarge
from arrears.domain.rows import RowProblem, is_json_lines, read_rows


def chunk_key(key: str, execution: str, number: int) -> str:
    return f"work/{key}/{execution}/chunk-{number:05d}.json"


def read_file(bucket: str, key: str, region: str) -> list[tuple[int, dict]] | RowProblem:
    """The file's numbered rows, or the one problem that keeps it from being read at all."""
    try:
        data = reports_repo.get_bounded(bucket, key, feed.MAX_BYTES, region)
    except PayloadTooLarge:
        return RowProblem(0, "file", f"is larger than {feed.MAX_BYTES} bytes; split the day")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return RowProblem(0, "file", "is not UTF-8 text")
    return read_rows(text, is_json_lines(key))


def write_chunks(
    bucket: str, key: str, execution: str, pieces: list[list[feed.Row]], region: str
) -> list[str]:
    keys = []
    for number, piece in enumerate(pieces, start=1):
        document = {"file": key, "rows": [feed.as_said(row) for row in piece]}
        keys.append(reports_repo.put_json(bucket, chunk_key(key, execution, number), document, region))
    return keys


def read_chunk(bucket: str, chunk: str, region: str) -> list[feed.Row]:
    document = json.loads(reports_repo.get_text(bucket, chunk, region))
    return [feed.to_row(said["line"], said["record"]) for said in document["rows"]]
