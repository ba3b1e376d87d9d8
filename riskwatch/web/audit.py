"""The console's audit log: who logged in, acknowledged, resolved, generated or downloaded what, and when.

One SQLite file (WAL), append-only from the console: rows are inserted, never updated or deleted.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,          -- UTC ISO-8601
    user TEXT NOT NULL,
    action TEXT NOT NULL,      -- login, login-failed, logout, acknowledge, resolve, report, download, refused
    target TEXT NOT NULL,      -- alert:12, report:console/2026-11-01_2026-12-01-0930/x.pdf, ...
    comment TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_by_target ON audit (target, id);
"""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    action: str
    target: str
    comment: str
    client: str


class AuditLog:
    """Safe to share between the server's threads (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged alert's record survives a power cut
        self._db.executescript(SCHEMA)

    def record(self, user: str, action: str, target: str, comment: str = "", client: str = "") -> None:
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, user, action, target, comment, client) VALUES (?, ?, ?, ?, ?, ?)",
                (at, user, action, target, comment, client),
            )

    def entries(
        self, limit: int = 200, action: str | None = None, targets: list[str] | None = None
    ) -> list[AuditEntry]:
        """Newest first; ``action`` and ``targets`` filter."""
        where, params = ["1"], []
        if action:
            where.append("action = ?")
            params.append(action)
        if targets is not None:
            where.append(f"target IN ({','.join('?' * len(targets))})")
            params += targets
        sql = f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, [*params, limit]).fetchall()
        return [
            AuditEntry(row[0], datetime.fromisoformat(row[1]), row[2], row[3], row[4], row[5], row[6])
            for row in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()
