"""An on-disk spool in front of any store: nothing is lost while the store is unreachable.

When the store raises :class:`StoreUnavailable`, the batch is appended to a small SQLite queue
(``spool_dir/spool.db``, committed with ``synchronous=FULL``) and the write counts as accepted. The spool
is replayed, oldest first, when the wrapper opens, before each later write and on :meth:`replay`. An entry
leaves the spool only after the store has acknowledged it, so a crash between the two replays it again;
replay is idempotent because the store replaces by id.

A spooled document the store refuses for its content (:class:`StoreError`: retrying cannot help) is set
aside in the ``rejected`` table with the reason, logged with its id, and the replay goes on: one bad
document never blocks the queue behind it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Collection, Sequence
from pathlib import Path

from indexer.errors import StoreError, StoreUnavailable
from indexer.store import EntityCounts, SearchQuery, SearchResult, Store, Window
from nlp.types import TaggedDocument

logger = logging.getLogger(__name__)
REPLAY_BATCH = 500
RETRY_AFTER_S = 5.0  # after a failed write, later writes go straight to the spool for this long


class Spool:
    """The durable queue itself: append, peek the oldest, remove what the store acknowledged."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "spool.db"
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS rejected (id TEXT NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL,"
            " rejected_at REAL NOT NULL)"
        )

    def append(self, documents: Sequence[TaggedDocument]) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO spool(body) VALUES (?)", [(d.to_json(),) for d in documents])

    def oldest(self, limit: int) -> list[tuple[int, TaggedDocument]]:
        rows = self._db.execute("SELECT seq, body FROM spool ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [(seq, TaggedDocument.from_json(body)) for seq, body in rows]

    def remove_through(self, seq: int) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM spool WHERE seq <= ?", (seq,))

    def set_aside(self, documents: Sequence[TaggedDocument], reasons: dict[str, str]) -> None:
        """Keep documents the store refused, with why, where an operator can find and re-send them."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO rejected(id, body, reason, rejected_at) VALUES (?, ?, ?, ?)",
                [(d.id, d.to_json(), reasons[d.id], time.time()) for d in documents],
            )

    def rejected(self) -> list[tuple[str, str]]:
        """``(document id, reason)`` of every document set aside, oldest first."""
        return [tuple(row) for row in self._db.execute("SELECT id, reason FROM rejected ORDER BY rowid")]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM spool").fetchone()[0])

    def close(self) -> None:
        self._db.close()


class SpoolingStore:
    """A :class:`Store` whose writes fall back to a :class:`Spool`; reads go to the store."""

    def __init__(self, store: Store, spool_dir: Path, retry_after: float = RETRY_AFTER_S) -> None:
        self.store = store
        self.spool = Spool(spool_dir)
        self.retry_after = retry_after
        self.stored = 0  # documents the store acknowledged (directly or by replay)
        self.spooled = 0  # documents that went to the spool
        self.replayed = 0
        self.rejected = 0  # spooled documents the store refused for their content (see Spool.rejected)
        self._failed_at: float | None = None
        self._lock = threading.RLock()
        self.replay()

    @property
    def pending(self) -> int:
        return len(self.spool)

    def _waiting(self) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_after

    def replay(self) -> int:
        """Move spooled documents into the store, oldest first; stops quietly if the store is still down.
        Returns how many were replayed."""
        done = 0
        with self._lock:
            while batch := self.spool.oldest(REPLAY_BATCH):
                try:
                    self.store.put([doc for _, doc in batch])
                except StoreUnavailable as exc:
                    self._failed_at = time.monotonic()
                    logger.warning(
                        "store still unavailable, %d document(s) stay spooled: %s", len(batch), exc
                    )
                    break
                except StoreError as exc:
                    done += len(batch) - self._set_aside([doc for _, doc in batch], exc)
                else:
                    done += len(batch)
                self.spool.remove_through(batch[-1][0])  # only now: a crash before this replays again
            self.replayed += done
            self.stored += done
            if done and not self.pending:
                self._failed_at = None
        return done

    def _set_aside(self, documents: list[TaggedDocument], exc: StoreError) -> int:
        """Move the refused documents of a replayed batch to the rejected table; returns how many."""
        failures: dict[str, str] = getattr(exc, "failures", None) or {d.id: str(exc) for d in documents}
        refused = [d for d in documents if d.id in failures]
        self.spool.set_aside(refused, failures)
        self.rejected += len(refused)
        for document in refused:
            logger.error(
                "store refused spooled document %s, set aside: %s", document.id, failures[document.id]
            )
        return len(refused)

    def put(self, documents: Sequence[TaggedDocument]) -> int:
        """Store ``documents``, or spool them when the store is unavailable; both count as written."""
        if not documents:
            return 0
        with self._lock:
            if not self._waiting() and self.pending:
                self.replay()
            if not self._waiting() and not self.pending:
                try:
                    written = self.store.put(documents)
                except StoreUnavailable as exc:
                    self._failed_at = time.monotonic()
                    logger.warning("store unavailable, spooling %d document(s): %s", len(documents), exc)
                else:
                    self.stored += written
                    return written
            self.spool.append(documents)
            self.spooled += len(documents)
            return len(documents)

    def get(self, document_id: str) -> TaggedDocument | None:
        return self.store.get(document_id)

    def count(self) -> int:
        return self.store.count()

    def search(self, query: SearchQuery) -> SearchResult:
        return self.store.search(query)

    def entity_counts(
        self, windows: Sequence[Window], entity_ids: Collection[str] | None = None
    ) -> list[dict[str, EntityCounts]]:
        return self.store.entity_counts(windows, entity_ids)

    def negative_documents(self, entity_id: str, window: Window, limit: int) -> list[TaggedDocument]:
        return self.store.negative_documents(entity_id, window, limit)

    def close(self) -> None:
        try:
            self.replay()
        finally:
            self.spool.close()
            self.store.close()
