"""Tagging workers on a real Redis stream and a real store: batches acknowledged only once stored, a dead
worker's batch taken over (XAUTOCLAIM), every document stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import redis
import yaml

from crawlers.fleet_config import FleetOptions
from crawlers.fleet_sink import StreamSink
from indexer.masking import Masker
from indexer.pipeline import StoreSink
from indexer.sqlite import SqliteStore
from indexer.tag_worker import GROUP, TagWorker
from tests.conftest import REPO
from tests.fleet.conftest import RedisServer
from tests.fleet.documents import news
from tests.fleet.support import start


def worker_config(folder: Path, fleet: dict) -> Path:
    """The shipped config (watchlist, shipped model) with its store and state in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((REPO / "configs" / "riskwatch.yaml").read_text(encoding="utf-8"))
    data |= {
        "sources": str(REPO / "configs" / "sources"),
        "watchlist": str(REPO / "configs" / "watchlist.yaml"),
        "rules": str(REPO / "configs" / "rules"),
        "state_dir": "state",
        "store": {"type": "sqlite", "path": "store.db", "spool_dir": "spool"},
        "fleet": fleet,
    }
    data["alerts"]["state_path"] = "state/alerts.db"
    data["channels"] = {"local-outbox": {"type": "file", "path": "outbox"}}
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def stored_ids(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT id FROM documents")]


def pending_of(client, consumer_pid: int) -> int:
    try:
        consumers = client.xinfo_consumers(FleetOptions().key("documents"), GROUP)
    except redis.ResponseError:  # no worker has created the group yet
        return 0
    for consumer in consumers:
        if consumer["name"].decode().endswith(f"-{consumer_pid}"):
            return int(consumer["pending"])
    return 0


def test_two_workers_one_killed_every_document_stored_once(tmp_path: Path, redis_server: RedisServer) -> None:
    """The production path: the shipped model through the config's loader, as `riskwatch tag-worker` runs."""
    options = FleetOptions(claim_idle=1.0, tag_batch=16)
    config = worker_config(tmp_path / "cfg", options.model_dump(exclude={"redis_url"}))
    client = redis_server.client()
    documents = news(400)
    sink = StreamSink(client, options)
    for document in documents:
        sink.write(document)
    victim = start(
        config, redis_server.url, "tag-worker", "--exit-when-idle", "30", log=tmp_path / "victim.log"
    )
    report = tmp_path / "heir.json"
    heir = start(
        config, redis_server.url, "tag-worker", "--exit-when-idle", "2", "--report", str(report),
        log=tmp_path / "heir.log",
    )  # fmt: skip
    deadline = time.monotonic() + 120
    held = 0
    while time.monotonic() < deadline and victim.poll() is None:
        if pending_of(client, victim.pid):
            os.kill(victim.pid, signal.SIGSTOP)  # frozen with a batch read and not acknowledged
            held = pending_of(client, victim.pid)
            if held:
                break
            os.kill(victim.pid, signal.SIGCONT)
        time.sleep(0.01)
    assert held, (tmp_path / "victim.log").read_text()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert heir.wait(timeout=300) == 0, (tmp_path / "heir.log").read_text()
    figures = json.loads(report.read_text())
    assert figures["claimed"] >= held  # the victim's batch was taken over
    ids = stored_ids(tmp_path / "cfg" / "store.db")
    assert sorted(ids) == sorted(doc.id for doc in documents)  # every document, each exactly once
    assert client.xlen(options.key("documents")) == 0  # acknowledged and deleted
    assert client.xpending(options.key("documents"), GROUP)["pending"] == 0
    with sqlite3.connect(tmp_path / "cfg" / "store.db") as db:
        untagged = db.execute("SELECT COUNT(*) FROM documents WHERE sentiment IS NULL").fetchone()[0]
    assert untagged == 0  # tagged by the shipped model


def test_batch_stays_pending_while_the_store_is_locked(tmp_path: Path, redis_server: RedisServer) -> None:
    """No acknowledgement before the store took the batch; a bad entry goes to the dead letters, counted."""
    options = FleetOptions(claim_idle=0.2, tag_batch=8)
    client = redis_server.client()
    documents = news(8)
    sink = StreamSink(client, options)
    for document in documents:
        sink.write(document)
    client.xadd(options.key("documents"), {b"document": b"{not json"})
    database = tmp_path / "store.db"
    store = SqliteStore(database, busy_timeout=0.1)
    first = TagWorker(client, options, StoreSink(store, Masker(), close_store=False), "first")
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    assert first.process(first.next_batch()) is False
    assert first.pending() == 8 and first.report.stored == 0
    blocker.execute("ROLLBACK")
    time.sleep(0.3)  # past claim_idle: the batch may be taken over
    heir = TagWorker(client, options, StoreSink(store, Masker(), close_store=False), "heir")
    report = heir.run(lambda: False, exit_when_idle=0.5)
    assert report.claimed == 8 and report.stored == 8 and report.dead_letters == 1
    assert sorted(stored_ids(database)) == sorted(doc.id for doc in documents)
    dead = client.xrange(options.key("documents", "dead"))
    assert len(dead) == 1 and dead[0][1][b"reason"].startswith(b"not a document")
    assert heir.pending() == 0 and client.xlen(options.key("documents")) == 0
    store.close()


def test_an_entry_delivered_too_often_goes_to_the_dead_letters(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """A document that stopped every worker that took it is set aside instead of stopping the next one."""
    options = FleetOptions(claim_idle=0.05, tag_batch=8, max_deliveries=3)
    client = redis_server.client()
    stream = options.key("documents")
    poison, healthy = news(2)
    sink = StreamSink(client, options)
    store = SqliteStore(tmp_path / "store.db")
    worker = TagWorker(client, options, StoreSink(store, Masker(), close_store=False), "worker")
    sink.write(poison)
    poison_id = client.xreadgroup(GROUP, "crashed-1", {stream: ">"}, count=1)[0][1][0][0]
    for crashed in ("crashed-2", "crashed-3"):  # two more workers took it and died
        time.sleep(0.06)
        client.xclaim(stream, GROUP, crashed, 50, [poison_id])
    sink.write(healthy)
    time.sleep(0.06)
    report = worker.run(lambda: False, exit_when_idle=0.3)
    assert report.claimed == 1 and report.dead_letters == 1 and report.stored == 1
    assert stored_ids(tmp_path / "store.db") == [healthy.id]
    dead = client.xrange(options.key("documents", "dead"))
    assert dead[0][1][b"entry"] == poison_id and b"delivered 4 times" in dead[0][1][b"reason"]
    assert worker.pending() == 0 and client.xlen(stream) == 0
    store.close()


def test_stopped_consumers_that_hold_nothing_are_forgotten(redis_server: RedisServer, tmp_path: Path) -> None:
    options = FleetOptions(claim_idle=0.05)
    client = redis_server.client()
    stream = options.key("documents")
    store = SqliteStore(tmp_path / "store.db")
    TagWorker(client, options, StoreSink(store, Masker(), close_store=False), "first")  # creates the group
    for document in news(2):
        StreamSink(client, options).write(document)
    client.xreadgroup(GROUP, "holder", {stream: ">"}, count=1)  # stopped holding an entry: kept
    done = client.xreadgroup(GROUP, "idle", {stream: ">"}, count=1)[0][1][0][0]
    client.xack(stream, GROUP, done)  # stopped holding nothing: forgotten
    time.sleep(0.6)  # ten times claim_idle

    def names() -> set[str]:
        return {consumer["name"].decode() for consumer in client.xinfo_consumers(stream, GROUP)}

    assert names() == {"holder", "idle"}
    worker = TagWorker(client, options, StoreSink(store, Masker(), close_store=False), "second")
    assert names() == {"holder"}  # its entry stays pending, to be taken over
    assert worker.pending() == 1
    store.close()
