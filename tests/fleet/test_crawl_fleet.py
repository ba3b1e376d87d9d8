"""Crawl workers sharing one frontier in a real Redis, against the demo site on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import redis

from crawlers.fleet_config import FleetOptions
from crawlers.fleet_sink import FIELD
from riskwatch.demo import SITE_ROOT
from tests.conftest import FaultySite
from tests.fleet.conftest import RedisServer
from tests.fleet.support import ARTICLES, demo_config, start

STREAM = FleetOptions().key("documents")


@pytest.fixture
def site() -> FaultySite:
    server = FaultySite(SITE_ROOT).start()
    yield server
    server.stop()


def streamed_paths(client: redis.Redis) -> list[str]:
    entries = client.xrange(STREAM)
    return [json.loads(fields[FIELD.encode()])["url"].split("/", 3)[3] for _, fields in entries]


def wait_all(processes: list, timeout: float = 120) -> list[int]:
    return [process.wait(timeout=timeout) for process in processes]


def test_two_workers_fetch_each_page_once(
    tmp_path: Path, redis_server: RedisServer, site: FaultySite
) -> None:
    # Slow pages, at most four at once on the site (fleet-wide): one worker alone would need seconds, so
    # both surely take part however far apart they start.
    site.delay = 0.3
    config = demo_config(
        tmp_path / "cfg", site.base_url, {"worker_timeout": 3}, {"concurrency_per_domain": 4}
    )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [
        start(
            config, redis_server.url, "crawl", "--worker", "--no-progress", "--report", f"{log}.json", log=log
        )
        for log in logs
    ]
    assert wait_all(workers) == [0, 0], [log.read_text() for log in logs]
    client = redis_server.client()
    assert sorted(streamed_paths(client)) == ARTICLES  # every article once, none twice
    pages = [path for path in site.requests if path != "/robots.txt"]
    assert len(pages) == len(set(pages)), sorted(p for p in pages if pages.count(p) > 1)
    assert all(f"/{article}" in pages for article in ARTICLES)
    assert "/news/list_2.html" in pages and "/feeds/news.xml" in pages
    stored = [
        sum(source["stored"] for source in json.loads(Path(f"{log}.json").read_text())["sources"])
        for log in logs
    ]
    assert sum(stored) == len(ARTICLES) and min(stored) > 0, stored  # both workers took part
    assert not client.keys("riskwatch:crawl:*:inflight:*")  # nothing left in flight
    # A second round re-reads listings but fetches no stored article again.
    before = len(site.requests)
    again = start(config, redis_server.url, "crawl", "--worker", "--no-progress", log=tmp_path / "c.log")
    assert again.wait(timeout=120) == 0
    later = site.requests[before:]
    assert "/news/" in later
    assert not [p for p in later if p.startswith(("/news/2", "/finance/article/", "/forum/thread/"))]
    assert sorted(streamed_paths(client)) == ARTICLES
    # Downstream: a tag worker stores what the crawl workers streamed (untagged here: this is about the queue).
    streamed = {json.loads(fields[FIELD.encode()])["id"] for _, fields in client.xrange(STREAM)}
    tagger = start(
        config, redis_server.url, "tag-worker", "--no-tag", "--exit-when-idle", "1", log=tmp_path / "t.log"
    )
    assert tagger.wait(timeout=120) == 0, (tmp_path / "t.log").read_text()
    with sqlite3.connect(config.parent / "data" / "riskwatch.db") as db:
        assert {row[0] for row in db.execute("SELECT id FROM documents")} == streamed
    assert client.xlen(STREAM) == 0


def inflight_of(client: redis.Redis, pid: int) -> int:
    return sum(client.llen(key) for key in client.keys(f"riskwatch:crawl:*:inflight:*-{pid}-*"))


def test_killed_worker_loses_no_page(tmp_path: Path, redis_server: RedisServer, site: FaultySite) -> None:
    site.delay = 0.3
    config = demo_config(tmp_path / "cfg", site.base_url, {"worker_timeout": 1.5})
    victim = start(config, redis_server.url, "crawl", "--worker", "--no-progress", log=tmp_path / "a.log")
    survivor_log = tmp_path / "b.log"
    survivor = start(config, redis_server.url, "crawl", "--worker", "--no-progress", log=survivor_log)
    client = redis_server.client()
    deadline = time.monotonic() + 60
    held = 0
    while time.monotonic() < deadline:
        if inflight_of(client, victim.pid) and client.xlen(STREAM) > 0:
            os.kill(victim.pid, signal.SIGSTOP)  # freeze it holding pages, then kill it there
            held = inflight_of(client, victim.pid)
            if held:
                break
            os.kill(victim.pid, signal.SIGCONT)
        time.sleep(0.02)
    assert held, "the victim never held a page in flight"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert survivor.wait(timeout=120) == 0, survivor_log.read_text()
    paths = streamed_paths(client)
    assert sorted(set(paths)) == ARTICLES  # nothing lost
    assert len(paths) - len(set(paths)) <= held  # only a page the victim had sent may come twice
    assert "stopped answering" in survivor_log.read_text()  # the survivor took the victim's pages back
    assert not any(client.llen(key) for key in client.keys("riskwatch:crawl:*:inflight:*"))
