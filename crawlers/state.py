"""The crawl's persistent memory: which article pages were seen, which documents went out, and the
fingerprints that recognise reprints. One SQLite file (WAL) per state folder.

A document is recorded only after its sink has written it, so a crawl killed at any point loses nothing:
an unrecorded page is fetched again next run, and the sink refuses the id it already holds.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_pages (
    url_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    signature BLOB,
    stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_content ON documents (content_sha256);
CREATE INDEX IF NOT EXISTS documents_stored_at ON documents (stored_at);
"""


class SeenState(Protocol):
    """What spiders and pipelines ask of the crawl's memory: :class:`CrawlState` (one process) or
    :class:`crawlers.fleet_state.RedisCrawlState` (a fleet)."""

    read_only: bool

    def close(self) -> None: ...
    def is_seen(self, url_id: str) -> bool: ...
    def mark_seen(self, url_id: str, url: str, source: str, outcome: str) -> None: ...
    def has_document(self, doc_id: str) -> bool: ...
    def document_with_content(self, content_sha256: str) -> str | None: ...
    def record_document(
        self,
        doc_id: str,
        url: str,
        source: str,
        content_sha256: str,
        cluster_id: str,
        signature: bytes | None,
    ) -> None: ...
    def recent_signatures(self, days: int) -> Iterator[tuple[str, str, bytes]]: ...
    def counts(self) -> dict[str, int]: ...


class CrawlState:
    """Seen pages, emitted documents and reprint signatures, persisted in ``folder/crawl-state.db``."""

    def __init__(self, folder: Path, read_only: bool = False) -> None:
        """``read_only``: consult what earlier runs recorded but record nothing (a dry run)."""
        self.read_only = read_only
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "crawl-state.db"
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def is_seen(self, url_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM seen_pages WHERE url_id = ?", (url_id,)).fetchone()
        return row is not None

    def mark_seen(self, url_id: str, url: str, source: str, outcome: str) -> None:
        if self.read_only:
            return
        self._db.execute(
            "INSERT INTO seen_pages (url_id, url, source, outcome, seen_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (url_id) DO UPDATE SET outcome = excluded.outcome, seen_at = excluded.seen_at",
            (url_id, url, source, outcome, time.time()),
        )

    def has_document(self, doc_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def document_with_content(self, content_sha256: str) -> str | None:
        row = self._db.execute(
            "SELECT id FROM documents WHERE content_sha256 = ? LIMIT 1", (content_sha256,)
        ).fetchone()
        return row[0] if row else None

    def record_document(
        self,
        doc_id: str,
        url: str,
        source: str,
        content_sha256: str,
        cluster_id: str,
        signature: bytes | None,
    ) -> None:
        """Record an emitted document and mark its page seen, in one transaction."""
        if self.read_only:
            return
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                (doc_id, source, content_sha256, cluster_id, signature, now),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO seen_pages VALUES (?, ?, ?, 'stored', ?)",
                (doc_id, url, source, now),
            )

    def recent_signatures(self, days: int) -> Iterator[tuple[str, str, bytes]]:
        """``(id, cluster_id, signature)`` of documents stored in the last ``days`` days."""
        since = time.time() - days * 86_400
        yield from self._db.execute(
            "SELECT id, cluster_id, signature FROM documents WHERE stored_at >= ? AND signature IS NOT NULL",
            (since,),
        )

    def counts(self) -> dict[str, int]:
        seen = self._db.execute("SELECT COUNT(*) FROM seen_pages").fetchone()[0]
        docs = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        return {"seen_pages": seen, "documents": docs}
