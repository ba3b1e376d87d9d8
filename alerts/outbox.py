"""The persistent outbox: one row per (notice, channel), retried with exponential backoff until sent.

A notice (an alert or its recovery) is queued in the same transaction that opens or resolves the alert, so
nothing decided is ever lost. Delivery claims a row (``sending`` with a lease), sends, then marks it ``sent``
in one statement together with the attempt count; a row already ``sent`` is never picked again, so a restart
re-sends nothing. The one window left for a duplicate is a crash after the channel accepted a message and
before that statement committed (milliseconds): the lease then expires and the row is sent again — delivery
is at-least-once in that window and exactly-once everywhere else. A failed attempt sets ``next_attempt_at``
to ``retry_initial × 2^(attempts-1)`` (capped at ``retry_max``); with ``max_attempts`` unset a row is retried
until delivered. When a channel's rate limit would be exceeded, the queued rows are merged into one digest row
(``digested`` members point at it) instead of being dropped.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.db import from_db, to_db, transaction
from alerts.options import OutboxOptions


@dataclass
class Delivery:
    id: int
    notice_id: int | None  # None: a digest of other rows
    channel: str
    status: str  # pending | sending | sent | digested | failed
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    digest_id: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Delivery:
        return cls(
            id=row["id"],
            notice_id=row["notice_id"],
            channel=row["channel"],
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=from_db(row["next_attempt_at"]),
            last_error=row["last_error"],
            created_at=from_db(row["created_at"]),
            sent_at=from_db(row["sent_at"]),
            digest_id=row["digest_id"],
        )

    @property
    def is_digest(self) -> bool:
        return self.notice_id is None


class Outbox:
    """The notices and deliveries tables of the alert-state database."""

    def __init__(self, connection: sqlite3.Connection, options: OutboxOptions | None = None) -> None:
        self.connection = connection
        self.options = options or OutboxOptions()

    # -- queueing (inside the caller's transaction) --------------------------------------------------------

    def enqueue(
        self, alert_id: int, kind: str, payload: dict[str, Any], channels: list[str], at: datetime
    ) -> int | None:
        """Queue a notice for each channel; ``None`` if this alert's notice of this kind exists already."""
        cursor = self.connection.execute(
            "INSERT OR IGNORE INTO notices (alert_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (alert_id, kind, json.dumps(payload, ensure_ascii=False), to_db(at)),
        )
        if not cursor.rowcount:
            return None
        notice_id = cursor.lastrowid
        self.connection.executemany(
            "INSERT OR IGNORE INTO deliveries (notice_id, channel, status, next_attempt_at, created_at)"
            " VALUES (?, ?, 'pending', ?, ?)",
            [(notice_id, channel, to_db(at), to_db(at)) for channel in dict.fromkeys(channels)],
        )
        return notice_id

    # -- delivering ----------------------------------------------------------------------------------------

    def due(self, now: datetime) -> dict[str, list[Delivery]]:
        """Rows to try now, by channel, oldest first: pending and due, or ``sending`` with an expired lease."""
        rows = self.connection.execute(
            "SELECT * FROM deliveries WHERE (status = 'pending' AND next_attempt_at <= ?)"
            " OR (status = 'sending' AND lease_until < ?) ORDER BY id",
            (to_db(now), to_db(now)),
        )
        by_channel: dict[str, list[Delivery]] = defaultdict(list)
        for row in rows:
            by_channel[row["channel"]].append(Delivery.from_row(row))
        return dict(by_channel)

    def sent_since(self, channel: str, since: datetime) -> int:
        row = self.connection.execute(
            "SELECT COUNT(*) FROM deliveries WHERE channel = ? AND status = 'sent' AND sent_at > ?",
            (channel, to_db(since)),
        ).fetchone()
        return int(row[0])

    def oldest_sent_since(self, channel: str, since: datetime) -> datetime | None:
        row = self.connection.execute(
            "SELECT MIN(sent_at) FROM deliveries WHERE channel = ? AND status = 'sent' AND sent_at > ?",
            (channel, to_db(since)),
        ).fetchone()
        return from_db(row[0])

    def merge(self, channel: str, rows: list[Delivery], now: datetime) -> Delivery | None:
        """Merge queued rows (notices or earlier digests) into one new digest row; returns it."""
        with transaction(self.connection):
            cursor = self.connection.execute(
                "INSERT INTO deliveries (notice_id, channel, status, next_attempt_at, created_at)"
                " VALUES (NULL, ?, 'pending', ?, ?)",
                (channel, to_db(now), to_db(now)),
            )
            digest_id = cursor.lastrowid
            merged = 0
            for row in rows:
                taken = self.connection.execute(
                    "UPDATE deliveries SET status = 'digested', digest_id = ?, lease_until = NULL WHERE id = ?"
                    " AND (status = 'pending' OR (status = 'sending' AND lease_until < ?))",
                    (digest_id, row.id, to_db(now)),
                ).rowcount
                if taken and row.is_digest:
                    self.connection.execute(
                        "UPDATE deliveries SET digest_id = ? WHERE digest_id = ?", (digest_id, row.id)
                    )
                merged += taken
            if not merged:
                self.connection.execute("DELETE FROM deliveries WHERE id = ?", (digest_id,))
                return None
        return self.get(digest_id)

    def get(self, delivery_id: int) -> Delivery:
        row = self.connection.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return Delivery.from_row(row)

    def claim(self, delivery: Delivery, now: datetime) -> bool:
        """Take a row for sending (no other process may send it until the lease ends)."""
        cursor = self.connection.execute(
            "UPDATE deliveries SET status = 'sending', lease_until = ? WHERE id = ?"
            " AND (status = 'pending' OR (status = 'sending' AND lease_until < ?))",
            (to_db(now + self.options.lease), delivery.id, to_db(now)),
        )
        return cursor.rowcount == 1

    def mark_sent(self, delivery: Delivery, now: datetime) -> None:
        self.connection.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_until = NULL,"
            " last_error = NULL WHERE id = ?",
            (to_db(now), delivery.id),
        )

    def backoff(self, attempts: int) -> timedelta:
        return min(self.options.retry_initial * 2 ** max(attempts - 1, 0), self.options.retry_max)

    def mark_failed(self, delivery: Delivery, now: datetime, reason: str, final: bool = False) -> str:
        """Record a failed attempt; returns the row's new status (``pending`` to retry, or ``failed`` after
        ``max_attempts`` or when ``final``: retrying cannot help)."""
        attempts = delivery.attempts + 1
        limit = self.options.max_attempts
        status = "failed" if final or (limit is not None and attempts >= limit) else "pending"
        self.connection.execute(
            "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = NULL,"
            " last_error = ? WHERE id = ?",
            (status, attempts, to_db(now + self.backoff(attempts)), reason[:500], delivery.id),
        )
        return status

    def notices_of(self, delivery: Delivery) -> list[dict[str, Any]]:
        """The notice payload(s) a row carries: its own, or its digest members' in queue order."""
        if delivery.notice_id is not None:
            sql, param = "SELECT payload FROM notices WHERE id = ?", delivery.notice_id
        else:
            sql = (
                "SELECT n.payload FROM deliveries d JOIN notices n ON n.id = d.notice_id"
                " WHERE d.digest_id = ? ORDER BY d.id"
            )
            param = delivery.id
        return [json.loads(row[0]) for row in self.connection.execute(sql, (param,))]

    # -- reading -------------------------------------------------------------------------------------------

    def by_alert(self, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Per alert: each delivery's notice kind, channel, status, attempts and last error."""
        if not alert_ids:
            return {}
        marks = ",".join("?" * len(alert_ids))
        rows = self.connection.execute(
            "SELECT n.alert_id, n.kind, d.channel, d.status, d.attempts, d.last_error, d.sent_at, d.digest_id,"
            " (SELECT g.status FROM deliveries g WHERE g.id = d.digest_id) AS digest_status"
            f" FROM deliveries d JOIN notices n ON n.id = d.notice_id WHERE n.alert_id IN ({marks})"
            " ORDER BY d.id",
            alert_ids,
        )
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            item = dict(row)
            found[item.pop("alert_id")].append(item)
        return dict(found)

    def counts(self) -> dict[str, int]:
        """Deliveries by status (for the CLI and the service's log)."""
        rows = self.connection.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {status: count for status, count in rows}
