"""Two `riskwatch run` services on one fleet Redis: one leads and sends the alert; killing it hands over
within one evaluation interval, with no alert lost or sent twice."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from crawlers.fleet_config import REDIS_URL_ENV, FleetOptions
from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from riskwatch.service import crawl_command
from tests.alerts.support import doc
from tests.conftest import REPO
from tests.fleet.conftest import RedisServer
from tests.fleet.support import start

INTERVAL_S = 2.0
LEASE_S = 1.5
RULE = {
    "name": "negative-volume",
    "type": "threshold",
    "entities": "all",
    "window": "24h",
    "count": "documents",
    "min_count": 3,
    "severity": "high",
    "realert": "6h",
    "channels": ["outbox"],
}


def service_config(folder: Path) -> Path:
    (folder / "sources").mkdir(parents=True)
    (folder / "rules").mkdir()
    (folder / "rules" / "negative-volume.yaml").write_text(yaml.safe_dump(RULE), encoding="utf-8")
    (folder / "watchlist.yaml").write_text(
        (REPO / "configs" / "watchlist.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    main = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "store": {"type": "sqlite", "path": "store.db", "spool_dir": "spool"},
        "rules": "rules",
        "channels": {"outbox": {"type": "file", "path": "outbox"}},
        "alerts": {"state_path": "state/alerts.db", "evaluate_every": f"{int(INTERVAL_S)}s"},
        "schedule": {"crawl": None},
        "fleet": {"leader_lease": LEASE_S},
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return path


def negative_news(folder: Path, entity: str) -> None:
    store = SqliteStore(folder / "store.db")
    store.put([doc(entity, datetime.now(SHANGHAI)) for _ in range(3)])
    store.close()


def alerts_sent(folder: Path) -> list[dict]:
    outbox = folder / "outbox" / "alerts.jsonl"
    if not outbox.exists():
        return []
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines() if line]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_services_one_leader_one_alert(tmp_path: Path, redis_server: RedisServer) -> None:
    folder = tmp_path / "cfg"
    config = service_config(folder)
    negative_news(folder, "hongyuan")
    client = redis_server.client()
    leader_key = FleetOptions().key("service", "leader")
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start(config, redis_server.url, "run", log=first_log)
    wait_for(lambda: (client.get(leader_key) or b"").decode().count(f"-{first.pid}-"), 60, "the first leader")
    second = start(config, redis_server.url, "run", log=second_log)
    try:
        wait_for(lambda: "standing by" in second_log.read_text(), 60, "the second service")
        wait_for(lambda: alerts_sent(folder), 30, "the first alert")
        time.sleep(3 * INTERVAL_S)  # both services run through several intervals
        assert len(alerts_sent(folder)) == 1  # one alert, sent once
        assert "alerts: 1 opened" in first_log.read_text()
        assert "now runs the jobs" not in second_log.read_text()
        assert "alerts:" not in second_log.read_text()  # the standby evaluated nothing

        os.kill(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=10)
        negative_news(folder, "mingchuan")  # news that must raise an alert after the handover
        wait_for(lambda: f"-{second.pid}-" in (client.get(leader_key) or b"").decode(), 30, "the handover")
        handover = time.monotonic() - killed_at
        assert handover <= LEASE_S + INTERVAL_S, (
            handover
        )  # the lease runs out, the standby leads at its next try
        wait_for(lambda: len(alerts_sent(folder)) >= 2, 30, "the alert after the handover")
        time.sleep(2 * INTERVAL_S)
        sent = alerts_sent(folder)
        assert len(sent) == 2, sent  # nothing doubled: the new leader does not resend the first alert
        text = json.dumps(sent, ensure_ascii=False)
        assert "鸿远地产" in text and "明川科技" in text
        assert "now runs the jobs" in second_log.read_text()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0, second_log.read_text()


def test_the_services_crawl_joins_the_fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = str(service_config(tmp_path / "cfg"))
    monkeypatch.delenv(REDIS_URL_ENV, raising=False)
    assert "--worker" not in crawl_command(config, "demo-news")  # embedded: straight into the store
    monkeypatch.setenv(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")
    command = crawl_command(config, "demo-news")
    assert command[command.index("crawl") :] == [
        "crawl",
        "--source",
        "demo-news",
        "--worker",
        "--no-progress",
    ]
