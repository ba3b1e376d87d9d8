"""Alert lifecycle under a frozen clock: tell once, recover, suppress repeats, survive restarts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.config import AlertingConfig
from alerts.engine import check
from alerts.state import AlertState, NewAlert
from indexer.sqlite import SqliteStore
from tests.alerts.support import AT, doc, hours, write_alerting

RULE = {
    "name": "vol",
    "type": "threshold",
    "window": "24h",
    "min_count": 2,
    "realert": "6h",
    "channels": ["out"],
}


def setup(tmp_path: Path, **rule: object) -> AlertingConfig:
    return write_alerting(tmp_path, [{**RULE, **rule}], {"out": {"type": "file", "path": "outbox"}})


def delivered(tmp_path: Path) -> list[dict]:
    path = tmp_path / "outbox" / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def kinds(tmp_path: Path) -> list[tuple[str, str]]:
    return [(n["kind"], n["entity_id"]) for m in delivered(tmp_path) for n in m["notices"]]


def test_an_alert_is_sent_once_while_its_condition_holds(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    evaluation, delivery = check(store, config, at=AT, now=AT)
    assert len(evaluation.opened) == 1 and delivery.sent == 1
    for minutes in range(1, 4):  # later evaluations: the same alert, updated, not sent again
        store.put([doc("hongyuan", AT)])
        evaluation, delivery = check(store, config, at=AT + hours(minutes / 60), now=AT + hours(minutes / 60))
        assert evaluation.opened == [] and evaluation.still_active == 1 and delivery.sent == 0
    assert kinds(tmp_path) == [("alert", "hongyuan")]
    with AlertState(config.state_path) as state:
        (alert,) = state.list()
    assert alert.state == "open" and alert.figure == 2 and alert.last_figure == 5


def test_the_same_instant_twice_is_idempotent(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, config, at=AT, now=AT)
    evaluation, delivery = check(store, config, at=AT, now=AT)
    assert evaluation.opened == [] and delivery.sent == 0
    assert len(kinds(tmp_path)) == 1


def test_recovery_notice_when_the_condition_clears(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, config, at=AT, now=AT)
    later = AT + hours(23)  # one of the two documents has left the 24h window
    evaluation, delivery = check(store, config, at=later, now=later)
    assert len(evaluation.recovered) == 1 and delivery.sent == 1
    assert kinds(tmp_path) == [("alert", "hongyuan"), ("recovery", "hongyuan")]
    recovery = delivered(tmp_path)[1]
    assert recovery["subject"].startswith("【预警解除】鸿远地产集团股份有限公司（hongyuan）")
    assert "条件已解除" in recovery["text"] and "24小时内负面报道 1 篇，阈值 ≥ 2 篇" in recovery["text"]
    with AlertState(config.state_path) as state:
        (alert,) = state.list()
    assert (alert.state, alert.resolution) == ("resolved", "recovered")
    assert alert.resolved_at == later


def test_no_recovery_notice_when_the_rule_says_so(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path, recovery=False)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, config, at=AT, now=AT)
    evaluation, _ = check(store, config, at=AT + hours(23), now=AT + hours(23))
    assert len(evaluation.recovered) == 1
    assert kinds(tmp_path) == [("alert", "hongyuan")]


def test_realert_suppresses_a_new_alert_for_the_same_entity(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, config, at=AT, now=AT)
    with AlertState(config.state_path) as state:
        state.resolve(state.list()[0].id, at=AT + hours(1))  # closed by hand; the condition still holds
    store.put([doc("hongyuan", AT + hours(2))])
    evaluation, delivery = check(store, config, at=AT + hours(3), now=AT + hours(3))  # within 6h
    assert evaluation.opened == [] and evaluation.suppressed == 1 and delivery.sent == 0
    evaluation, delivery = check(store, config, at=AT + hours(6), now=AT + hours(6))  # 6h after it opened
    assert len(evaluation.opened) == 1 and delivery.sent == 1
    assert kinds(tmp_path) == [("alert", "hongyuan"), ("alert", "hongyuan")]
    with AlertState(config.state_path) as state:
        first, second = sorted(state.list(), key=lambda a: a.id)
    assert first.suppressed == 1 and first.resolution == "manual"
    assert second.window_start == AT + hours(6) - hours(24) and first.key != second.key


def test_acknowledged_alerts_still_recover(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, config, at=AT, now=AT)
    with AlertState(config.state_path) as state:
        alert = state.acknowledge(state.list()[0].id, at=AT + hours(1))
        assert alert.state == "acknowledged" and alert.acknowledged_at == AT + hours(1)
        assert state.list("open") == [] and len(state.list("active")) == 1
    check(store, config, at=AT + hours(23), now=AT + hours(23))
    assert kinds(tmp_path)[-1] == ("recovery", "hongyuan")


def test_state_survives_a_restart(tmp_path: Path, store: SqliteStore) -> None:
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    check(store, setup(tmp_path), at=AT, now=AT)
    # A new process: the config loaded again, new state objects over the same files.
    evaluation, delivery = check(store, setup(tmp_path), at=AT + hours(0.5), now=AT + hours(0.5))
    assert evaluation.opened == [] and evaluation.still_active == 1 and delivery.sent == 0
    assert len(kinds(tmp_path)) == 1


def test_alerts_between_for_reports(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put([doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2))])
    store.put([doc("mingchuan", AT + hours(1)), doc("mingchuan", AT + hours(2))])
    check(store, config, at=AT, now=AT)
    check(store, config, at=AT + hours(3), now=AT + hours(3))
    with AlertState(config.state_path) as state:
        assert [a.entity_id for a in state.alerts_between(AT, AT + hours(3))] == ["hongyuan"]
        (late,) = state.alerts_between(AT + hours(1), AT + hours(4))
    assert (late.entity_id, late.entity_name, late.rule, late.severity) == (
        "mingchuan",
        "明川科技股份有限公司",
        "vol",
        "medium",
    )
    assert (late.opened_at, late.resolved_at, late.figure, late.threshold) == (AT + hours(3), None, 2, 2)
    assert late.key == "vol|mingchuan|2026-11-23T07:00:00.000000+00:00"  # window start, UTC


def test_headlines_quote_each_story_once_latest_first(tmp_path: Path, store: SqliteStore) -> None:
    config = setup(tmp_path)
    store.put(
        [
            doc("hongyuan", AT - hours(1), cluster="s1", title="展期公告转载"),
            doc("hongyuan", AT - hours(2), cluster="s1", title="展期公告"),
            doc("hongyuan", AT - hours(3), title="评级下调"),
            doc("hongyuan", AT - hours(4), negative=False, title="中性报道"),
        ]
    )
    check(store, config, at=AT, now=AT)
    (message,) = delivered(tmp_path)
    assert [h["title"] for h in message["notices"][0]["headlines"]] == ["展期公告转载", "评级下调"]


def test_last_opened_is_the_latest_alert_per_entity_ties_to_the_later_id(tmp_path: Path) -> None:

    def new(entity: str, window_start: datetime) -> NewAlert:
        return NewAlert(
            rule="neg", rule_type="threshold", entity_id=entity, entity_name=entity, severity="high",
            window_start=window_start, window_end=window_start, figure=5, threshold=5, baseline=None,
            summary="", channels=[],
        )  # fmt: skip

    base = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with AlertState(tmp_path / "alerts.db") as state, state.transaction():
        first = state.insert(new("cmb", base), base)
        latest = state.insert(new("cmb", base + timedelta(hours=1)), base + timedelta(hours=2))
        older = state.insert(new("cmb", base + timedelta(hours=3)), base + timedelta(minutes=30))
        tie_a = state.insert(new("pingan", base), base)
        tie_b = state.insert(new("pingan", base + timedelta(hours=1)), base)
        state.insert(replace(new("cmb", base), rule="other"), base + timedelta(days=1))
    with AlertState(tmp_path / "alerts.db") as state:
        opened = state.last_opened("neg")
    assert None not in (first, latest, older, tie_a, tie_b)
    assert opened == {"cmb": (latest, base + timedelta(hours=2)), "pingan": (tie_b, base)}
