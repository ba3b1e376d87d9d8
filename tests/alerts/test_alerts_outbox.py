"""The persistent outbox against real HTTP robots: outages, retries, restarts, rejections, rate limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.db import connect
from alerts.delivery import deliver_due
from alerts.engine import Evaluator, check
from alerts.outbox import Outbox
from alerts.state import AlertState
from indexer.sqlite import SqliteStore
from nlp.watchlist import WatchedEntity
from tests.alerts.support import AT, WATCHLIST, Robot, Robots, doc, hours, write_alerting

RULE = {"name": "vol", "type": "threshold", "window": "24h", "min_count": 1}
SECONDS = timedelta(seconds=1)


def statuses(config) -> list[tuple[str, int]]:
    with AlertState(config.state_path) as state:
        rows = state.connection.execute("SELECT status, attempts FROM deliveries ORDER BY id").fetchall()
    return [(row[0], row[1]) for row in rows]


def test_channel_down_then_up_delivers_once_late(tmp_path: Path, store: SqliteStore, robots: Robots) -> None:
    robots.start("hook")
    robots.stop("hook")  # the port is known, nothing listens
    config = write_alerting(
        tmp_path, [{**RULE, "channels": ["ops"]}], {"ops": {"type": "webhook", "url": robots.url("hook")}}
    )
    store.put([doc("hongyuan", AT - hours(1))])
    _, delivery = check(store, config, at=AT, now=AT)
    assert delivery.sent == 0 and "ConnectError" in delivery.failed[0][2]
    assert statuses(config) == [("pending", 1)]
    with AlertState(config.state_path) as state:
        outbox = Outbox(state.connection, config.options.outbox)
        assert deliver_due(outbox, config.channels, now=AT + 10 * SECONDS).sent == 0  # backoff: not due yet
        receiver = robots.start("hook")
        assert deliver_due(outbox, config.channels, now=AT + 31 * SECONDS).sent == 1
        assert deliver_due(outbox, config.channels, now=AT + hours(1)).sent == 0
    assert len(receiver.requests) == 1
    body = receiver.requests[0].body
    assert body["notices"][0]["entity_id"] == "hongyuan" and body["subject"].startswith("【风险预警·中】")
    assert statuses(config) == [("sent", 2)]


def test_http_errors_back_off_exponentially_up_to_the_cap(
    tmp_path: Path, store: SqliteStore, robots: Robots
) -> None:
    receiver = robots.start("hook", Robot(script=[500] * 6))
    config = write_alerting(
        tmp_path,
        [{**RULE, "channels": ["ops"]}],
        {"ops": {"type": "webhook", "url": robots.url("hook")}},
        options={"outbox": {"retry_initial": "10s", "retry_max": "1m"}},
    )
    store.put([doc("hongyuan", AT - hours(1))])
    check(store, config, at=AT, now=AT)
    waits = []
    with AlertState(config.state_path) as state:
        outbox = Outbox(state.connection, config.options.outbox)
        now = AT
        for _ in range(5):
            (row,) = state.connection.execute("SELECT next_attempt_at, last_error FROM deliveries").fetchall()
            next_at = outbox.get(1).next_attempt_at
            waits.append(int((next_at - now).total_seconds()))
            assert "HTTP 500" in row["last_error"]
            now = next_at
            deliver_due(outbox, config.channels, now=now)
    assert waits == [10, 20, 40, 60, 60]
    assert len(receiver.requests) == 6 and statuses(config) == [("pending", 6)]


def test_max_attempts_marks_the_delivery_failed(tmp_path: Path, store: SqliteStore, robots: Robots) -> None:
    robots.start("hook", Robot(script=[503] * 5))
    config = write_alerting(
        tmp_path,
        [{**RULE, "channels": ["ops"]}],
        {"ops": {"type": "webhook", "url": robots.url("hook")}},
        options={"outbox": {"retry_initial": "1s", "max_attempts": 2}},
    )
    store.put([doc("hongyuan", AT - hours(1))])
    check(store, config, at=AT, now=AT)
    check(store, config, at=AT, now=AT + hours(1))
    check(store, config, at=AT, now=AT + hours(2))
    assert statuses(config) == [("failed", 2)]


def test_a_restart_mid_outbox_sends_nothing_twice(tmp_path: Path, store: SqliteStore, robots: Robots) -> None:
    receiver = robots.start("hook")
    config = write_alerting(
        tmp_path,
        [{**RULE, "channels": ["ops"]}],
        {"ops": {"type": "webhook", "url": robots.url("hook")}},
        options={"outbox": {"lease": "2m"}},
    )
    store.put([doc(entity.id, AT - hours(1)) for entity in WATCHLIST])
    with AlertState(config.state_path) as state:
        Evaluator(store, config, state).evaluate(AT)
        first = Outbox(state.connection, config.options.outbox)
        rows = first.due(AT)["ops"]
        assert len(rows) == 3
        assert first.claim(rows[0], AT)  # process A took row 1 and died before marking it
    # Process B: new objects over the same database.
    connection = connect(config.state_path)
    outbox = Outbox(connection, config.options.outbox)
    assert deliver_due(outbox, config.channels, now=AT + 10 * SECONDS).sent == 2  # row 1 is leased
    assert deliver_due(outbox, config.channels, now=AT + 60 * SECONDS).sent == 0
    assert deliver_due(outbox, config.channels, now=AT + 121 * SECONDS).sent == 1  # the lease ran out
    connection.close()
    # Process C: everything is sent; nothing goes out again.
    connection = connect(config.state_path)
    assert deliver_due(Outbox(connection), config.channels, now=AT + hours(5)).sent == 0
    connection.close()
    entities = sorted(r.body["notices"][0]["entity_id"] for r in receiver.requests)
    assert entities == ["anhe", "hongyuan", "mingchuan"]


def test_dingtalk_errcode_rejection_is_a_failed_delivery_and_is_retried(
    tmp_path: Path, store: SqliteStore, robots: Robots, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = robots.start("ding", Robot(kind="dingtalk", secret="SECabc123", script=["reject"]))
    monkeypatch.setenv("TEST_DING_URL", robots.token_url("ding"))
    monkeypatch.setenv("TEST_DING_SECRET", "SECabc123")
    channels = {"ding": {"type": "dingtalk", "url_env": "TEST_DING_URL", "secret_env": "TEST_DING_SECRET"}}
    config = write_alerting(tmp_path, [{**RULE, "channels": ["ding"]}], channels)
    store.put([doc("hongyuan", AT - hours(1))])
    _, delivery = check(store, config, at=AT, now=AT)
    assert delivery.sent == 0 and delivery.failed[0][2] == "rejected: errcode=310000 keywords not in content"
    assert statuses(config) == [("pending", 1)]
    _, delivery = check(store, config, at=AT + hours(0.1), now=AT + hours(0.1))
    assert delivery.sent == 1 and statuses(config) == [("sent", 2)]
    assert [r.verified for r in receiver.requests] == [True, True]  # signed: timestamp + HMAC-SHA256
    body = receiver.requests[1].body
    assert body["msgtype"] == "markdown" and "鸿远地产集团股份有限公司" in body["markdown"]["text"]
    assert receiver.requests[1].query["access_token"] == "t0ken"


def test_dingtalk_wrong_secret_is_rejected(
    tmp_path: Path, store: SqliteStore, robots: Robots, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = robots.start("ding", Robot(kind="dingtalk", secret="SECright"))
    monkeypatch.setenv("TEST_DING_SECRET", "SECwrong")
    channels = {"ding": {"type": "dingtalk", "url": robots.url("ding"), "secret_env": "TEST_DING_SECRET"}}
    config = write_alerting(tmp_path, [{**RULE, "channels": ["ding"]}], channels)
    store.put([doc("hongyuan", AT - hours(1))])
    _, delivery = check(store, config, at=AT, now=AT)
    assert delivery.failed[0][2] == "rejected: errcode=310000 sign not match"
    assert [r.verified for r in receiver.requests] == [False]


def test_a_missing_environment_variable_fails_the_delivery_not_the_run(
    tmp_path: Path, store: SqliteStore, robots: Robots, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = robots.start("wecom", Robot(kind="wecom"))
    monkeypatch.delenv("TEST_WECOM_URL", raising=False)
    channels = {
        "wecom": {"type": "wecom", "url_env": "TEST_WECOM_URL"},
        "file": {"type": "file", "path": "outbox"},
    }
    config = write_alerting(tmp_path, [{**RULE, "channels": ["wecom", "file"]}], channels)
    store.put([doc("hongyuan", AT - hours(1))])
    _, delivery = check(store, config, at=AT, now=AT)
    assert delivery.sent == 1  # the file channel is not held up
    assert delivery.failed == [("wecom", 1, "environment variable TEST_WECOM_URL is not set")]
    monkeypatch.setenv("TEST_WECOM_URL", robots.token_url("wecom"))
    _, delivery = check(store, config, at=AT, now=AT + hours(1))
    assert delivery.sent == 1 and len(receiver.requests) == 1
    assert receiver.requests[0].body["msgtype"] == "markdown"


def test_rate_limit_merges_queued_notices_into_a_digest(
    tmp_path: Path, store: SqliteStore, robots: Robots
) -> None:
    receiver = robots.start("ding", Robot(kind="dingtalk"))
    watchlist = [WatchedEntity(id=f"e{n:02d}", name=f"实体{n:02d}有限公司") for n in range(28)]
    config = write_alerting(
        tmp_path,
        [{**RULE, "channels": ["ding"]}],
        {"ding": {"type": "dingtalk", "url": robots.url("ding")}},
        watchlist=watchlist,
    )
    store.put([doc(f"e{n:02d}", AT - hours(1)) for n in range(25)])
    _, delivery = check(store, config, at=AT, now=AT)
    assert (delivery.sent, delivery.notices_sent, delivery.digests) == (20, 25, 1)  # 19 alone + 1 digest of 6
    digest = receiver.requests[-1].body["markdown"]
    assert receiver.requests[-1].body["markdown"]["title"].startswith("【风险预警汇总】6 条通知")
    assert sum(f"实体{n:02d}有限公司" in digest["text"] for n in range(19, 25)) == 6
    # Three more within the same minute: the budget is spent, they wait (queued, not dropped).
    store.put([doc(f"e{n:02d}", AT + 10 * SECONDS) for n in range(25, 28)])
    _, delivery = check(store, config, at=AT + 20 * SECONDS, now=AT + 20 * SECONDS)
    assert delivery.sent == 0 and delivery.throttled == 3
    _, delivery = check(store, config, at=AT + 61 * SECONDS, now=AT + 61 * SECONDS)
    assert (delivery.sent, delivery.digests) == (3, 0)
    assert len(receiver.requests) == 23
    assert sorted(set(statuses(config))) == [("digested", 0), ("sent", 1)]


def test_a_failed_digest_is_retried_whole(tmp_path: Path, store: SqliteStore, robots: Robots) -> None:
    receiver = robots.start("wecom", Robot(kind="wecom", script=[200, "reject"]))
    channels = {
        "wecom": {"type": "wecom", "url": robots.url("wecom"), "rate_limit": {"messages": 2, "per": "1m"}}
    }
    config = write_alerting(tmp_path, [{**RULE, "channels": ["wecom"]}], channels)
    store.put([doc(entity.id, AT - hours(1)) for entity in WATCHLIST])
    _, delivery = check(store, config, at=AT, now=AT)
    assert delivery.sent == 1 and delivery.digests == 1 and len(delivery.failed) == 1
    _, delivery = check(store, config, at=AT, now=AT + hours(1))
    assert delivery.sent == 1 and delivery.notices_sent == 2
    assert len(receiver.requests) == 3


def test_a_channel_removed_from_the_config_fails_for_good(tmp_path: Path, store: SqliteStore) -> None:
    channels = {"out": {"type": "file", "path": "outbox"}}
    config = write_alerting(tmp_path, [{**RULE, "channels": ["out"]}], channels)
    store.put([doc("hongyuan", AT - hours(1))])
    with AlertState(config.state_path) as state:
        Evaluator(store, config, state).evaluate(AT)
        report = deliver_due(Outbox(state.connection), {}, now=AT)  # the channel was deleted meanwhile
    assert report.failed == [("out", 1, "channel 'out' is not configured any more")]
    assert statuses(config) == [("failed", 1)]
