"""Where crawled documents go. A sink writes each document at most once, across restarts."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from crawlers.errors import CrawlerError
from crawlers.items import Document


class SinkError(CrawlerError):
    """An output file cannot be appended to safely."""


OnStored = Callable[[], None]


class DocumentSink(Protocol):
    """Where documents go. ``write`` may hold a document back (to tag a batch, say); it calls
    ``on_stored`` once the document is durably written, and only then may the crawl mark its page seen."""

    written: int

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        """Accept one document; ``False`` when the sink already holds its id (``on_stored`` not called)."""

    def close(self) -> None:
        """Write whatever is held back, then release the sink."""


class CountingSink:
    """Keeps only a count: a crawl run without an output."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        self.written += 1
        if on_stored:
            on_stored()
        return True

    def close(self) -> None:
        pass


class JsonlSink:
    """Appends JSON Lines to a file, flushed per document.

    On open it reads the ids the file already holds and cuts off a last line left half-written by a killed
    run, so re-running into the same file neither duplicates nor corrupts it. Any other unreadable line is
    an error naming it: nothing is truncated that a person might want back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: set[str] = set()
        self.written = 0
        self.recovered_partial_line = False
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._load_existing()
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def _load_existing(self) -> None:
        good_bytes = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.endswith(b"\n"):
                    break  # the last line of a killed run: cut below
                try:
                    record = json.loads(raw)
                except ValueError as exc:
                    raise SinkError(f"{self.path}: line {number} is not a JSON document ({exc})") from exc
                if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                    raise SinkError(f"{self.path}: line {number} has no document id")
                self.ids.add(record["id"])
                good_bytes += len(raw)
        if good_bytes < self.path.stat().st_size:
            self.recovered_partial_line = True
            with self.path.open("r+b") as handle:
                handle.truncate(good_bytes)

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        if document.id in self.ids:
            return False
        self._file.write(document.to_json() + "\n")
        self._file.flush()
        self.ids.add(document.id)
        self.written += 1
        if on_stored:
            on_stored()
        return True

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
