"""``riskwatch tag``: JSON Lines in, tagged JSON Lines out, with a clear report of every bad line.

A malformed line (not JSON, not an object, no ``id`` or ``content``, ``targets`` not a list of names) is
reported with its line number and skipped; the rest are tagged. Records are tagged in batches. A title or
content over the bounds of :mod:`crawlers.limits` is cut before tagging, the cut reported with its line
number and recorded in the record's ``extra.truncated``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crawlers.limits import DEFAULT_MAX_CONTENT_CHARS, bound_record
from nlp.tagger import Tagger


@dataclass
class TagReport:
    tagged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    truncated: list[tuple[int, dict[str, dict[str, int]]]] = field(default_factory=list)  # (line, cuts)


def read_records(
    lines: IO[str], report: TagReport, max_content_chars: int = DEFAULT_MAX_CONTENT_CHARS
) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            report.failed.append((number, f"not JSON ({exc.msg} at column {exc.colno})"))
            continue
        problem = record_problem(record)
        if problem:
            report.failed.append((number, problem))
            continue
        cuts = bound_record(record, max_content_chars)
        if cuts:
            report.truncated.append((number, cuts))
        yield record


def record_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    if "id" not in record:
        return "missing key 'id'"
    if not isinstance(record.get("content"), str):
        return "key 'content' must be a string"
    if not isinstance(record.get("title", ""), str | None):
        return "key 'title' must be a string"
    targets = record.get("targets", [])
    if targets is not None and (
        not isinstance(targets, list) or not all(isinstance(t, str) for t in targets)
    ):
        return "key 'targets' must be a list of entity names"
    if not isinstance(record.get("extra", {}), dict):
        return "key 'extra' must be an object"
    return None


def tag_stream(
    tagger: Tagger,
    source: IO[str],
    sink: IO[str],
    batch_size: int = 64,
    max_content_chars: int = DEFAULT_MAX_CONTENT_CHARS,
) -> TagReport:
    report = TagReport()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        for tagged in tagger.tag(batch):
            sink.write(json.dumps(tagged, ensure_ascii=False) + "\n")
        report.tagged += len(batch)
        batch.clear()

    for record in read_records(source, report, max_content_chars):
        batch.append(record)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    sink.flush()
    return report
