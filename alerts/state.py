"""Alert lifecycle in SQLite: open → acknowledged → resolved, realert suppression, survives restarts.

An alert's key is ``rule|entity|window start``, where the window is the rule's window ending at the
evaluation instant at which the alert opened (``[opened_at - window, opened_at)``). An entity has at most
one active (open or acknowledged) alert per rule: while its condition holds, later evaluations update that
alert instead of opening another, so nothing is sent twice; when the condition clears the alert is resolved
(``recovered``) and a recovery notice is queued. After an alert opened, no new one opens for the same rule and
entity within the rule's ``realert`` period, even if the first was resolved; those evaluations are counted
in ``suppressed``. Running the same evaluation instant twice finds the same active alert (or the same key),
so ``alerts check --at T`` is idempotent. All of it is in the database: a restart changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alerts.db import connect, from_db, to_db, transaction
from alerts.errors import AlertStateError

STATES: tuple[str, ...] = ("open", "acknowledged", "resolved")
ACTIVE: tuple[str, ...] = ("open", "acknowledged")


@dataclass
class AlertRecord:
    """One alert as stored; times are aware UTC datetimes."""

    id: int
    key: str
    rule: str
    rule_type: str
    entity_id: str
    entity_name: str
    severity: str
    state: str
    window_start: datetime
    window_end: datetime
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None  # 'recovered' (condition cleared) or 'manual' (alerts resolve)
    figure: float  # the figure when the alert opened
    threshold: float
    baseline: float | None
    last_figure: float
    last_evaluated_at: datetime
    suppressed: int
    summary: str
    channels: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AlertRecord:
        values = dict(row)
        for name in (
            "window_start",
            "window_end",
            "opened_at",
            "acknowledged_at",
            "resolved_at",
            "last_evaluated_at",
        ):
            values[name] = from_db(values[name])
        values["channels"] = json.loads(values["channels"])
        return cls(**values)

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        for name, value in data.items():
            if isinstance(value, datetime):
                data[name] = value.isoformat()
        return data


def alert_key(rule: str, entity_id: str, window_start: datetime) -> str:
    return f"{rule}|{entity_id}|{to_db(window_start)}"


@dataclass
class NewAlert:
    """What the engine knows when a rule's condition first holds for an entity."""

    rule: str
    rule_type: str
    entity_id: str
    entity_name: str
    severity: str
    window_start: datetime
    window_end: datetime
    figure: float
    threshold: float
    baseline: float | None
    summary: str
    channels: list[str]

    @property
    def key(self) -> str:
        return alert_key(self.rule, self.entity_id, self.window_start)


class AlertState:
    """The alerts table of the alert-state database (``alerts.db`` under the config's ``state_dir``).

    Reports read it with :meth:`alerts_between`; the engine changes it inside :meth:`transaction` so that a
    state change and the notices it queues commit together.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.connection = connect(self.path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> AlertState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def transaction(self):
        return transaction(self.connection)

    # -- reading -------------------------------------------------------------------------------------------

    def _select(self, where: str = "1", params: tuple = (), tail: str = "ORDER BY id") -> list[AlertRecord]:
        rows = self.connection.execute(f"SELECT * FROM alerts WHERE {where} {tail}", params)
        return [AlertRecord.from_row(row) for row in rows]

    def get(self, alert_id: int) -> AlertRecord:
        found = self._select("id = ?", (alert_id,))
        if not found:
            raise AlertStateError(f"no alert with id {alert_id}")
        return found[0]

    def list(
        self, state: str | None = None, limit: int | None = None, entity_id: str | None = None
    ) -> list[AlertRecord]:
        """Newest first; ``state`` filters (open, acknowledged, resolved, or 'active' for the first two),
        ``entity_id`` keeps one watched entity's alerts."""
        tail = "ORDER BY opened_at DESC, id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        where, params = ["1"], []
        if state is not None:
            states = ACTIVE if state == "active" else (state,)
            where.append(f"state IN ({','.join('?' * len(states))})")
            params += states
        if entity_id is not None:
            where.append("entity_id = ?")
            params.append(entity_id)
        return self._select(" AND ".join(where), tuple(params), tail)

    def alerts_between(self, start: datetime, end: datetime) -> list[AlertRecord]:
        """Alerts opened in ``[start, end)``, oldest first (for reports)."""
        return self._select(
            "opened_at >= ? AND opened_at < ?", (to_db(start), to_db(end)), "ORDER BY opened_at, id"
        )

    def active(self, rule: str) -> dict[str, AlertRecord]:
        """The rule's open or acknowledged alerts by entity id."""
        return {
            a.entity_id: a for a in self._select("rule = ? AND state IN ('open', 'acknowledged')", (rule,))
        }

    def last_opened(self, rule: str) -> dict[str, tuple[int, datetime]]:
        """Per entity: the id and opening time of the rule's latest alert (for realert suppression)."""
        # The latest row per entity, ties on opened_at going to the later id (portable SQL, no reliance on
        # SQLite's bare-column-with-MAX rule).
        rows = self.connection.execute(
            "SELECT entity_id, id, opened_at FROM (SELECT entity_id, id, opened_at, ROW_NUMBER() OVER"
            " (PARTITION BY entity_id ORDER BY opened_at DESC, id DESC) AS latest FROM alerts WHERE rule = ?)"
            " WHERE latest = 1",
            (rule,),
        )
        return {row["entity_id"]: (row["id"], from_db(row["opened_at"])) for row in rows}

    # -- changing (inside a transaction) ------------------------------------------------------------------

    def insert(self, alert: NewAlert, at: datetime) -> int | None:
        """Open an alert; ``None`` if its key exists already (the same instant evaluated twice)."""
        cursor = self.connection.execute(
            "INSERT OR IGNORE INTO alerts (key, rule, rule_type, entity_id, entity_name, severity, state,"
            " window_start, window_end, opened_at, figure, threshold, baseline, last_figure,"
            " last_evaluated_at, summary, channels) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert.key,
                alert.rule,
                alert.rule_type,
                alert.entity_id,
                alert.entity_name,
                alert.severity,
                to_db(alert.window_start),
                to_db(alert.window_end),
                to_db(at),
                alert.figure,
                alert.threshold,
                alert.baseline,
                alert.figure,
                to_db(at),
                alert.summary,
                json.dumps(alert.channels),
            ),
        )
        return cursor.lastrowid if cursor.rowcount else None

    def touch(self, updates: list[tuple[float, datetime, int]]) -> None:
        """Record the latest figure of alerts whose condition still holds: ``(figure, at, alert id)``."""
        self.connection.executemany(
            "UPDATE alerts SET last_figure = ?, last_evaluated_at = ? WHERE id = ?",
            [(figure, to_db(at), alert_id) for figure, at, alert_id in updates],
        )

    def suppress(self, alert_ids: list[int]) -> None:
        self.connection.executemany(
            "UPDATE alerts SET suppressed = suppressed + 1 WHERE id = ?", [(i,) for i in alert_ids]
        )

    def recover(self, alert_id: int, figure: float, at: datetime) -> None:
        self.connection.execute(
            "UPDATE alerts SET state = 'resolved', resolution = 'recovered', resolved_at = ?, last_figure = ?,"
            " last_evaluated_at = ? WHERE id = ? AND state IN ('open', 'acknowledged')",
            (to_db(at), figure, to_db(at), alert_id),
        )

    # -- people's actions ---------------------------------------------------------------------------------

    def acknowledge(self, alert_id: int, at: datetime | None = None) -> AlertRecord:
        """open → acknowledged (acknowledging twice is harmless; a resolved alert cannot be)."""
        with self.transaction():
            alert = self.get(alert_id)
            if alert.state == "resolved":
                raise AlertStateError(f"alert {alert_id} is resolved already; it cannot be acknowledged")
            if alert.state == "open":
                self.connection.execute(
                    "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ? WHERE id = ?",
                    (to_db(at or datetime.now(UTC)), alert_id),
                )
        return self.get(alert_id)

    def resolve(self, alert_id: int, at: datetime | None = None) -> AlertRecord:
        """open or acknowledged → resolved by hand (no recovery notice: a person closed it)."""
        with self.transaction():
            alert = self.get(alert_id)
            if alert.state != "resolved":
                self.connection.execute(
                    "UPDATE alerts SET state = 'resolved', resolution = 'manual', resolved_at = ? WHERE id = ?",
                    (to_db(at or datetime.now(UTC)), alert_id),
                )
        return self.get(alert_id)
