"""The alert-state database: one SQLite file (WAL) holding alerts, their notices and the outbox.

Alerts, notices and deliveries share one file so that opening an alert and queueing its notifications is a
single transaction: a crash leaves either both or neither. Times are stored as UTC ISO-8601 text with
microseconds (``2026-11-24T02:00:00.000000+00:00``), which sorts in time order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from crawlers.items import SHANGHAI

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,                -- rule|entity|window start (see alerts.state)
    rule TEXT NOT NULL,
    rule_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_name TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    acknowledged_at TEXT,
    resolved_at TEXT,
    resolution TEXT CHECK (resolution IN ('recovered', 'manual')),
    figure REAL NOT NULL,                    -- the figure that crossed the line when the alert opened
    threshold REAL NOT NULL,
    baseline REAL,                           -- spike rules: the baseline average per window
    last_figure REAL NOT NULL,               -- the figure at the latest evaluation
    last_evaluated_at TEXT NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,   -- later evaluations kept quiet by realert
    summary TEXT NOT NULL,
    channels TEXT NOT NULL                   -- JSON list of channel names
);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule, entity_id, state);
CREATE INDEX IF NOT EXISTS alerts_by_opened ON alerts (opened_at);
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'recovery')),
    payload TEXT NOT NULL,                   -- JSON: everything a channel renders
    created_at TEXT NOT NULL,
    UNIQUE (alert_id, kind)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER REFERENCES notices (id),   -- NULL for a digest
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'digested', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,                        -- a 'sending' row is someone's until then
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    digest_id INTEGER REFERENCES deliveries (id), -- the digest a throttled row was merged into
    UNIQUE (notice_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_sent ON deliveries (channel, sent_at);
"""


def to_db(moment: datetime) -> str:
    """UTC text of an aware datetime (a naive one is read as Shanghai time, as the crawler does)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the alert-state database in WAL mode, autocommit, rows by name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed "sent" survives a power cut too, so it is never sent again after one.
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.executescript(SCHEMA)
    connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error): one writer at a time across processes."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
