"""Alerts raised in the period, read from a real alert-state database (``alerts.state.AlertState``), count
per counterparty and weigh into the score by severity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from alerts.state import AlertState, NewAlert
from crawlers.items import SHANGHAI
from reports.writer import write_report
from tests.reports.reportdata import AMOUNTS, PERIOD, SIGNALS, UNMATCHED_AMOUNT, Fixture

TOTAL = sum(AMOUNTS.values()) + UNMATCHED_AMOUNT
SEVERITY_WEIGHTS = {"low": 0.5, "medium": 1.0, "high": 2.0, "critical": 3.0}  # as the method text states


def open_alert(state: AlertState, entity_id: str, severity: str, opened: datetime, rule: str = "neg") -> None:
    alert = NewAlert(
        rule=rule,
        rule_type="threshold",
        entity_id=entity_id,
        entity_name=entity_id,
        severity=severity,
        window_start=opened,
        window_end=opened,
        figure=5,
        threshold=5,
        baseline=None,
        summary="",
        channels=[],
    )
    assert state.insert(alert, opened) is not None


@pytest.fixture
def alert_db(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.db"
    with AlertState(path) as state:
        open_alert(state, "hongyuan", "high", datetime(2025, 9, 5, 12, tzinfo=SHANGHAI))
        open_alert(state, "hongyuan", "critical", datetime(2025, 10, 1, tzinfo=SHANGHAI))  # at the end: out
        open_alert(state, "mingchuan", "medium", datetime(2025, 9, 6, tzinfo=SHANGHAI))
        open_alert(state, "anhe", "low", datetime(2025, 8, 31, 23, 59, tzinfo=SHANGHAI))  # before: out
    return path


def test_alerts_in_the_period_count_and_weigh(fixture: Fixture, alert_db: Path) -> None:
    report = write_report(
        fixture.sources(alert_state=alert_db), fixture.exposures, PERIOD, fixture.tmp / "o", ()
    ).report
    hongyuan, mingchuan, anhe = (report.line(e) for e in ("hongyuan", "mingchuan", "anhe"))
    assert (hongyuan.alerts, hongyuan.alerts_by_severity) == (1, {"high": 1})
    assert (mingchuan.alerts, mingchuan.alerts_by_severity) == (1, {"medium": 1})
    assert anhe.alerts == 0
    signal = SIGNALS["hongyuan"] + SEVERITY_WEIGHTS["high"]
    assert hongyuan.signal == signal
    assert hongyuan.score == pytest.approx(100 * AMOUNTS["hongyuan"] / TOTAL * (1 - 0.5 ** (signal / 5)))
    assert not any("alert state" in note for note in report.metadata.notes)


def test_missing_alert_state_is_a_note_not_a_failure(fixture: Fixture, tmp_path: Path) -> None:
    absent = tmp_path / "nowhere" / "alerts.db"
    report = write_report(
        fixture.sources(alert_state=absent), fixture.exposures, PERIOD, tmp_path / "o", ()
    ).report
    assert all(line.alerts == 0 for line in report.lines)
    assert f"no alert state at {absent}" in " ".join(report.metadata.notes)
    assert not absent.exists()  # reading a report never creates the alerts database
