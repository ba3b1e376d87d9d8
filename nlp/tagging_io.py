"""``riskwatch tag``: JSON Lines in, tagged JSON Lines out, with a clear report of every bad line.

A malformed line (not JSON, not an object, no ``id`` or ``content``, ``targets`` not a list of names) is
reported with its line number and skipped; the rest are tagged. Records are tagged in batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from nlp.tagger import Tagger


@dataclass
class TagReport:
    tagged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def read_records(lines: IO[str], report: TagReport) -> Iterator[dict[str, Any]]:
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
    return None


def tag_stream(tagger: Tagger, source: IO[str], sink: IO[str], batch_size: int = 64) -> TagReport:
    report = TagReport()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        for tagged in tagger.tag(batch):
            sink.write(json.dumps(tagged, ensure_ascii=False) + "\n")
        report.tagged += len(batch)
        batch.clear()

    for record in read_records(source, report):
        batch.append(record)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    sink.flush()
    return report
