"""``riskwatch crawl`` without --output streams documents, masked, into the configured store: over real
HTTP on 127.0.0.1, twice, with no duplicates and pages marked seen only once stored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery
from tests.conftest import crawl_env, riskwatch_command, write_config
from tests.test_crawl_faults import STORY, article, distinct_story, listing, source


def crawl(config: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = config.parent / "report.json"
    done = subprocess.run(
        riskwatch_command(config, "crawl", "--no-progress", "--report", str(report), *args),
        capture_output=True,
        text=True,
        timeout=180,
        env=crawl_env(),
        cwd=config.parent,
    )
    return done, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def test_crawl_streams_into_the_store(make_site, tmp_path: Path) -> None:
    pages = {"index.html": listing(*(f"/a/{i}.html" for i in range(4)))}
    pages["a/0.html"] = article("鸿远地产未能按期付息", STORY + "投资者咨询电话13912345678。")
    for i in range(1, 4):
        pages[f"a/{i}.html"] = article(f"报道{i}", distinct_story(i))
    site = make_site(pages)
    config = write_config(tmp_path / "cfg", [source(site.base_url)])
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["store"] = {"path": "data/riskwatch.db"}
    settings["model"] = "no-model"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")

    first, report = crawl(config)
    assert first.returncode == 0, first.stderr
    assert "4 document(s) stored in SQLite" in first.stderr
    assert report["index"]["stored"] == 4 and report["index"]["untagged"] == 4
    assert report["index"]["masked"]["mobile"] == 1
    store = SqliteStore(tmp_path / "cfg" / "data" / "riskwatch.db")
    assert store.count() == 4
    hits = store.search(SearchQuery(text="付息"))
    assert [hit.document.title for hit in hits.hits] == ["鸿远地产未能按期付息"]
    assert "139****5678" in hits.hits[0].document.content
    assert hits.hits[0].document.extra["masked"] == {"mobile": 1}
    store.close()

    second, report = crawl(config)
    assert second.returncode == 0, second.stderr
    assert report["index"]["stored"] == 0  # every article page was recorded as seen after it was stored
    assert len(site.requested("/a/0.html")) == 1
    store = SqliteStore(tmp_path / "cfg" / "data" / "riskwatch.db")
    assert store.count() == 4
    store.close()
