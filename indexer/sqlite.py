"""The embedded store: one SQLite file in WAL mode, full-text search with FTS5 over jieba-segmented text.

Tables: ``documents`` (the whole tagged document as JSON plus the columns filters need), ``documents_fts``
(segmented title and content, tokens joined by spaces, ``rowid`` = the document's), and the denormalised
``doc_entities`` / ``doc_events`` rows of :mod:`indexer.records`, indexed by time so that the per-entity
window counts are one ``GROUP BY`` over a covering-index range per window. Times are integer microseconds
since the Unix epoch (UTC).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import StoreError, StoreUnavailable
from indexer.records import (
    cluster_of,
    document_time,
    entity_rows,
    epoch_us,
    event_rows,
    sentiment_label,
)
from indexer.segment import Segmenter, segmenter_for
from indexer.snippets import snippet
from indexer.sqlite_query import (
    BODIES_OF_ROWIDS,
    ENTITY_FACETS_OF_ROWIDS,
    EVENT_FACETS_OF_ROWIDS,
    SearchPlan,
    build_search,
)
from indexer.store import EntityCounts, SearchHit, SearchQuery, SearchResult, Window
from nlp.types import TaggedDocument

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 10.0
_SELECT_CHUNK = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time INTEGER NOT NULL,
    source TEXT NOT NULL,
    sentiment TEXT,
    cluster TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_time ON documents(time);
CREATE INDEX IF NOT EXISTS documents_by_source ON documents(source, time);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, content, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS doc_entities (
    doc_rowid INTEGER NOT NULL,
    entity_id TEXT,
    name TEXT NOT NULL,
    time INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    cluster TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_by_entity
    ON doc_entities(entity_id, time, negative, cluster) WHERE entity_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entities_by_name ON doc_entities(name);
CREATE INDEX IF NOT EXISTS entities_by_doc ON doc_entities(doc_rowid);
CREATE TABLE IF NOT EXISTS doc_events (
    doc_rowid INTEGER NOT NULL,
    type TEXT NOT NULL,
    entity_id TEXT,
    entity TEXT,
    time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_entity
    ON doc_events(entity_id, time, type, doc_rowid) WHERE entity_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_type ON doc_events(type, doc_rowid);
CREATE INDEX IF NOT EXISTS events_by_doc ON doc_events(doc_rowid);
-- Every watchlist id ever stored: the window counts walk it and seek each entity's time range in
-- entities_by_entity (a skip-scan spelled out), so no sort of the window's rows is needed.
CREATE TABLE IF NOT EXISTS watched_entities (entity_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# One statement per window; CROSS JOIN keeps the walk over watched_entities outermost.
ENTITY_COUNTS_SQL = """
SELECT w.entity_id, count(*), total(d.negative), count(DISTINCT CASE WHEN d.negative THEN d.cluster END)
FROM watched_entities w CROSS JOIN doc_entities d INDEXED BY entities_by_entity
WHERE d.entity_id = w.entity_id AND d.time >= ? AND d.time < ?{only}
GROUP BY w.entity_id
"""
EVENT_COUNTS_SQL = """
SELECT w.entity_id, e.type, count(DISTINCT e.doc_rowid)
FROM watched_entities w CROSS JOIN doc_events e INDEXED BY events_by_entity
WHERE e.entity_id = w.entity_id AND e.time >= ? AND e.time < ?{only}
GROUP BY w.entity_id, e.type
"""


@dataclass
class _Prepared:
    document: TaggedDocument
    time: int
    title: str
    content: str


def _is_unavailable(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return any(key in message for key in ("locked", "busy", "unable to open", "disk i/o", "readonly"))


class SqliteStore:
    """The :class:`indexer.store.Store` on one SQLite file. Safe to share between threads (one lock)."""

    def __init__(
        self,
        path: Path | str,
        segmenter: Segmenter | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
        synchronous: str = "normal",
    ) -> None:
        """``busy_timeout``: how long a write waits for another process's lock before the store counts
        as unavailable (and a spooling wrapper spools). ``synchronous``: ``normal`` (WAL's usual setting:
        a commit survives a process crash, the last ones may roll back on power loss) or ``full`` (an
        fsync per commit: survives power loss too, ~60 ms more per batch)."""
        if synchronous not in ("normal", "full"):
            raise ValueError(f"synchronous must be normal or full, got {synchronous!r}")
        self.path = Path(path)
        self.segmenter = segmenter or segmenter_for()
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"cannot open the SQLite store {self.path}: {exc}") from exc

    # -- writing ----------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"{self.path}: {exc}") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._db.execute("ROLLBACK")
                raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def _prepare(self, document: TaggedDocument) -> _Prepared:
        return _Prepared(
            document,
            epoch_us(document_time(document)),
            # FTS5's unicode61 tokenizer splits on punctuation itself, as index_text would.
            self.segmenter.index_text(document.title or "", keep_punctuation=True),
            self.segmenter.index_text(document.content or "", keep_punctuation=True),
        )

    def _existing_rowids(self, ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(ids), _SELECT_CHUNK):
            chunk = ids[start : start + _SELECT_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                (doc_id, rowid)
                for rowid, doc_id in self._db.execute(
                    f"SELECT rowid, id FROM documents WHERE id IN ({marks})", chunk
                )
            )
        return found

    def put(self, documents: Sequence[TaggedDocument]) -> int:
        """Insert or replace by id in one transaction; the batch's segmentation happens before the lock."""
        unique = {doc.id: doc for doc in documents}  # the last version of an id in the batch wins
        prepared = [self._prepare(doc) for doc in unique.values()]
        if not prepared:
            return 0
        try:
            with self._transaction() as db:
                self._write(db, prepared)
        except sqlite3.OperationalError as exc:
            if _is_unavailable(exc):
                raise StoreUnavailable(f"{self.path}: {exc}") from exc
            raise StoreError(f"{self.path}: {exc}") from exc
        return len(prepared)

    def _write(self, db: sqlite3.Connection, prepared: list[_Prepared]) -> None:
        existing = self._existing_rowids([p.document.id for p in prepared])
        old = [(rowid,) for rowid in existing.values()]
        if old:
            for table, column in (("doc_entities", "doc_rowid"), ("doc_events", "doc_rowid")):
                db.executemany(f"DELETE FROM {table} WHERE {column} = ?", old)
            db.executemany("DELETE FROM documents_fts WHERE rowid = ?", old)
        next_rowid = db.execute("SELECT coalesce(max(rowid), 0) FROM documents").fetchone()[0] + 1
        documents, texts, entities, events = [], [], [], []
        for item in prepared:
            doc = item.document
            rowid = existing.get(doc.id)
            if rowid is None:
                rowid, next_rowid = next_rowid, next_rowid + 1
            cluster = cluster_of(doc)
            documents.append(
                (rowid, doc.id, item.time, doc.source, sentiment_label(doc), cluster, doc.to_json())
            )
            texts.append((rowid, item.title, item.content))
            entities.extend(
                (rowid, row.entity_id, row.name, item.time, int(row.negative), cluster)
                for row in entity_rows(doc)
            )
            events.extend((rowid, row.type, row.entity_id, row.entity, item.time) for row in event_rows(doc))
        db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)", documents)
        db.executemany("INSERT INTO documents_fts(rowid, title, content) VALUES (?, ?, ?)", texts)
        db.executemany("INSERT INTO doc_entities VALUES (?, ?, ?, ?, ?, ?)", entities)
        db.executemany("INSERT INTO doc_events VALUES (?, ?, ?, ?, ?)", events)
        watched = {(row[1],) for row in entities if row[1] is not None}
        db.executemany("INSERT OR IGNORE INTO watched_entities VALUES (?)", sorted(watched))

    # -- reading ----------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if _is_unavailable(exc):
                    raise StoreUnavailable(f"{self.path}: {exc}") from exc
                raise StoreError(f"{self.path}: {exc}") from exc

    def get(self, document_id: str) -> TaggedDocument | None:
        rows = self._rows("SELECT body FROM documents WHERE id = ?", (document_id,))
        return TaggedDocument.from_json(rows[0][0]) if rows else None

    def count(self) -> int:
        return int(self._rows("SELECT count(*) FROM documents")[0][0])

    def search(self, query: SearchQuery) -> SearchResult:
        terms = query.text.split()
        tokens = [self.segmenter.query_tokens(term) for term in terms]
        kept = [(term, toks) for term, toks in zip(terms, tokens, strict=True) if toks]
        plan = build_search(query, [toks for _, toks in kept])
        if query.bound is not None:
            return self._bounded_search(query, plan, kept)
        total = int(self._rows(plan.count_sql, plan.params)[0][0])
        rows: list[tuple[str, float]] = []
        if total and query.limit > 0:
            rows = self._rows(plan.hits_sql, [*plan.params, query.limit, max(query.offset, 0)])
        facets, events = self._facets(plan, None) if total else ({}, {})
        return SearchResult(total, self._hits(rows, kept), facets, events)

    def _bounded_search(
        self, query: SearchQuery, plan: SearchPlan, kept: list[tuple[str, list[str]]]
    ) -> SearchResult:
        """One walk of the match for the newest ``bound`` + 1 matches; the page ranked from them (score,
        then newest, then id, as the SQL orders), the facets counted over their rowids."""
        bound = max(query.bound or 0, 0)
        found = self._rows(plan.bound_sql, [*plan.params, bound + 1])
        exact = len(found) <= bound
        found = found[:bound]
        ranked = sorted(found, key=lambda row: (-row[1], -row[2], row[3]))
        page = ranked[max(query.offset, 0) : max(query.offset, 0) + max(query.limit, 0)]
        bodies = dict(self._rows(BODIES_OF_ROWIDS, [json.dumps([row[0] for row in page])])) if page else {}
        rows = [(bodies[row[0]], float(row[1])) for row in page]
        facets, events = self._facets(plan, [row[0] for row in found]) if found else ({}, {})
        return SearchResult(len(found), self._hits(rows, kept), facets, events, total_exact=exact)

    def _hits(self, rows: Sequence[tuple[str, float]], kept: list[tuple[str, list[str]]]) -> list[SearchHit]:
        hits = []
        for body, score in rows:
            doc = TaggedDocument.from_json(body)
            text = snippet(doc.title, doc.content, [t for t, _ in kept], [k for _, k in kept])
            hits.append(SearchHit(doc, float(score), text))
        return hits

    def _facets(self, plan: SearchPlan, rowids: list[int] | None) -> tuple[dict[str, int], dict[str, int]]:
        """Entity and event facets: of the rowids found already, or of the whole match."""
        if rowids is None:
            entity_rows = self._rows(plan.facets_sql, plan.params)
            event_rows = self._rows(plan.event_facets_sql, plan.params)
        else:
            listed = [json.dumps(rowids)]
            entity_rows = self._rows(ENTITY_FACETS_OF_ROWIDS, listed)
            event_rows = self._rows(EVENT_FACETS_OF_ROWIDS, listed)
        return {name: int(n) for name, n in entity_rows}, {kind: int(n) for kind, n in event_rows}

    def entity_counts(
        self, windows: Sequence[Window], entity_ids: Collection[str] | None = None
    ) -> list[dict[str, EntityCounts]]:
        only = ""
        extra: list[Any] = []
        if entity_ids is not None:
            only = " AND w.entity_id IN (SELECT value FROM json_each(?))"
            extra = [json.dumps(sorted(entity_ids))]
        results: list[dict[str, EntityCounts]] = []
        for window in windows:
            bounds = [epoch_us(window.start), epoch_us(window.end), *extra]
            counts: dict[str, EntityCounts] = {}
            for entity_id, documents, negative, stories in self._rows(
                ENTITY_COUNTS_SQL.format(only=only), bounds
            ):
                counts[entity_id] = EntityCounts(int(documents), int(negative), int(stories))
            for entity_id, event_type, documents in self._rows(EVENT_COUNTS_SQL.format(only=only), bounds):
                counts.setdefault(entity_id, EntityCounts()).events[event_type] = int(documents)
            results.append(counts)
        return results

    def negative_documents(self, entity_id: str, window: Window, limit: int) -> list[TaggedDocument]:
        rows = self._rows(
            "SELECT d.body FROM doc_entities e JOIN documents d ON d.rowid = e.doc_rowid"
            " WHERE e.entity_id = ? AND e.negative = 1 AND e.time >= ? AND e.time < ?"
            " ORDER BY e.time DESC, d.id LIMIT ?",
            (entity_id, epoch_us(window.start), epoch_us(window.end), limit),
        )
        return [TaggedDocument.from_json(body) for (body,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
