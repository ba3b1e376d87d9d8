"""The service: a schedule that survives restarts, coalesced misfires, and a clean stop on SIGTERM."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from alerts.scheduler import JobSpec, build_scheduler, sync_jobs
from crawlers.items import SHANGHAI
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from riskwatch.config import load_config
from riskwatch.service import job_specs
from tests.alerts.support import WATCHLIST, Robot, Robots, doc, wait_until
from tests.conftest import crawl_env, riskwatch_command

TZ = "Asia/Shanghai"


def specs(path: Path, every_a: int = 3600) -> list[JobSpec]:
    return [
        JobSpec("a", "tests.alerts.support:record_run", (str(path),), every=timedelta(seconds=every_a)),
        JobSpec("b", "tests.alerts.support:record_run", (str(path),), cron="0 8 * * MON"),
    ]


def test_the_schedule_survives_a_restart(tmp_path: Path) -> None:
    store, runs = tmp_path / "jobs.db", tmp_path / "runs.txt"
    first = build_scheduler(store, TZ)
    first.start(paused=True)
    start = datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)
    assert sorted(sync_jobs(first, specs(runs), TZ, now=start).added) == ["a", "b"]
    before = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown()
    second = build_scheduler(store, TZ)  # a new process: the jobs come from the database
    second.start(paused=True)
    report = sync_jobs(second, specs(runs), TZ)
    assert sorted(report.kept) == ["a", "b"] and report.added == report.replaced == []
    assert {job.id: job.next_run_time for job in second.get_jobs()} == before
    changed = sync_jobs(second, specs(runs, every_a=600)[:1], TZ)  # a's interval changed, b unconfigured
    assert changed.replaced == ["a"] and changed.removed == ["b"]
    assert [str(job.trigger) for job in second.get_jobs()] == ["interval[0:10:00]"]
    second.shutdown()
    assert not runs.exists()  # paused throughout: nothing ran


def test_missed_runs_coalesce_into_one(tmp_path: Path) -> None:
    store, runs = tmp_path / "jobs.db", tmp_path / "runs.txt"
    scheduler = build_scheduler(store, TZ)
    scheduler.start(paused=True)
    down_since = datetime.now(SHANGHAI) - timedelta(minutes=5)  # five one-minute runs were missed
    sync_jobs(scheduler, specs(runs, every_a=60)[:1], TZ, now=down_since)
    scheduler.resume()
    assert wait_until(lambda: runs.exists())
    time.sleep(0.5)
    scheduler.shutdown()
    assert runs.read_text().splitlines() == ["run"]


def write_service_config(folder: Path, hook_url: str) -> Path:
    (folder / "sources").mkdir()
    (folder / "sources" / "news.yaml").write_text(
        yaml.safe_dump(
            {"name": "news", "kind": "news", "start_urls": ["http://127.0.0.1:9/"], "article": ["/a/"]}
        ),
        "utf-8",
    )
    (folder / "watchlist.yaml").write_text(
        yaml.safe_dump([e.model_dump() for e in WATCHLIST], allow_unicode=True), "utf-8"
    )
    (folder / "rules").mkdir()
    rule = {"name": "vol", "type": "threshold", "window": "24h", "min_count": 1, "channels": ["ops"]}
    (folder / "rules" / "vol.yaml").write_text(yaml.safe_dump(rule), "utf-8")
    config = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "store": {"type": "sqlite", "path": "store.db", "spool_dir": "spool"},
        "rules": "rules",
        "channels": {"ops": {"type": "webhook", "url": hook_url, "timeout": 30}},
        "alerts": {"evaluate_every": "1s"},
        "schedule": {"crawl": None},
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def test_jobs_come_from_config(tmp_path: Path) -> None:
    path = write_service_config(tmp_path, "http://127.0.0.1:9/")
    config = load_config(path)
    assert [(s.id, s.func, s.every) for s in job_specs(config)] == [
        ("alerts", "riskwatch.service:alerts_job", timedelta(seconds=1)),
    ]
    text = path.read_text("utf-8").replace(
        "crawl: null", "crawl: {every: 30m}\n  sources: {news: {cron: '*/5 * * * *'}}"
    )
    path.write_text(text, "utf-8")
    (crawl,) = [s for s in job_specs(load_config(path)) if s.id.startswith("crawl:")]
    assert (crawl.id, crawl.cron, crawl.args[1]) == ("crawl:news", "*/5 * * * *", "news")


@pytest.mark.slow
def test_sigterm_stops_after_the_running_job(tmp_path: Path, robots: Robots) -> None:
    receiver = robots.start("hook", Robot(delay=2.0))  # the delivery job takes two seconds
    path = write_service_config(tmp_path, robots.url("hook"))
    store = SqliteStore(tmp_path / "store.db", segmenter=watchlist_segmenter(WATCHLIST))
    store.put([doc("hongyuan", datetime.now(SHANGHAI) - timedelta(hours=1))])
    store.close()
    service = subprocess.Popen(
        riskwatch_command(path, "run"), stderr=subprocess.PIPE, text=True, env=crawl_env(), cwd=tmp_path
    )
    try:
        assert receiver.arrived.wait(60), "the service never delivered"
        service.send_signal(signal.SIGTERM)  # mid-delivery
        _, stderr = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, stderr
    assert "SIGTERM received: stopping after the running jobs" in stderr and "service stopped" in stderr
    assert len(receiver.requests) == 1
    with sqlite3.connect(tmp_path / "state" / "alerts.db") as db:
        assert db.execute("SELECT status, attempts FROM deliveries").fetchall() == [("sent", 1)]
    # The schedule was persisted: a second start keeps both jobs.
    listing = subprocess.run(
        riskwatch_command(path, "run", "--list-jobs"),
        capture_output=True,
        text=True,
        env=crawl_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert listing.returncode == 0 and "interval[0:00:01]" in listing.stderr  # the table, on the console
