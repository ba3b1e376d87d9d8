"""What a newcomer sees first: ``riskwatch demo`` run for real (its own port, a copy of the shipped config),
its console output read at 80 and at 200 columns."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery, Window
from tests.conftest import REPO, crawl_env

RAW_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):[\w.]*:", re.MULTILINE)
DEMO_COMMAND = (sys.executable, "-m", "riskwatch")
EXAMPLE = re.compile(r"example search: riskwatch search (.+)\n(\d+) matching document\(s\)")


@dataclass
class DemoRun:
    columns: int
    returncode: int
    output: str
    workdir: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def shipped_config_in(folder: Path) -> Path:
    """A copy of the shipped configs, as they are: their demo sources name 127.0.0.1:8765, and the demo runs
    on a free port (8765 may be taken), which ``riskwatch demo --port`` moves them to."""
    configs = folder / "configs"
    shutil.copytree(REPO / "configs", configs)
    return configs / "riskwatch.yaml"


@pytest.fixture(
    scope="module", params=[80, pytest.param(200, marks=pytest.mark.slow)], ids=lambda c: f"{c}-columns"
)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    folder = tmp_path_factory.mktemp(f"demo{request.param}")
    port = free_port()
    config = shipped_config_in(folder)
    workdir = folder / "work"
    completed = subprocess.run(
        [*DEMO_COMMAND, "--config", str(config), "demo", "--workdir", str(workdir), "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**crawl_env(), "COLUMNS": str(request.param), "TERM": "dumb"},
        cwd=folder,
    )
    return DemoRun(request.param, completed.returncode, completed.stdout + completed.stderr, workdir)


def test_demo_runs_and_shows_no_raw_library_log_line(demo: DemoRun) -> None:
    assert demo.returncode == 0, demo.output[-3000:]
    assert RAW_LOG_LINE.findall(demo.output) == []
    assert "scrapy" not in demo.output.lower()  # no settings, middleware or stats dumps
    assert not re.search(r"^[\[{]'", demo.output, re.MULTILINE)
    assert (demo.workdir / "state" / "crawl.log").read_text("utf-8").count("[scrapy.") > 10  # they went here
    tables = [line for line in demo.output.splitlines() if set(line) & set("┃│━")]
    assert tables and [line for line in tables if cell_len(line) > demo.columns] == []  # every table fits


def documents_table(output: str) -> str:
    start = output.index("documents in ")
    return output[start : output.index("reprinted story", start)]


def test_documents_table_shows_the_model_labels(demo: DemoRun) -> None:
    table = documents_table(demo.output)
    assert "utf-8" not in table and "gb18030" not in table  # no longer the charset and the length
    labels = re.findall(r"│ (negative|neutral|positive|untagged) +│", table)
    assert len(labels) == 12 and "untagged" not in labels
    assert re.search(r"│ (hongyuan|mingchuan|anhe|xinghai)", table)  # negative about a watched entity
    assert "债务违约" in table or "立案调查" in table  # risk events


def test_example_searches_find_what_they_describe(demo: DemoRun) -> None:
    """The entity search asks what the alerts count (documents negative about the entity), on the same
    store: its total is the store's entity-level negative count, and it finds those documents."""
    examples = dict(EXAMPLE.findall(demo.output))
    entity_query = next(label for label in examples if label.startswith("--entity"))
    entity_id = re.match(r"--entity (\S+) --negative$", entity_query).group(1)  # type: ignore[union-attr]
    assert int(examples[entity_query]) > 0 and int(examples["违约"]) > 0
    store = SqliteStore(demo.workdir / "riskwatch.db")
    try:
        everything = Window(datetime(2000, 1, 1, tzinfo=SHANGHAI), datetime.now(SHANGHAI) + timedelta(days=1))
        counted = store.entity_counts([everything], {entity_id})[0][entity_id].negative
        found = store.search(SearchQuery(entity=entity_id, negative=True, limit=100))
        evidence = store.negative_documents(entity_id, everything, 100)
    finally:
        store.close()
    assert int(examples[entity_query]) == counted == found.total
    assert {hit.document.id for hit in found.hits} == {doc.id for doc in evidence}


def test_tables_keep_source_names_and_figures_whole(demo: DemoRun) -> None:
    """At 80 columns no source name shrinks to "demo-f…" and no exposure to "1,200…"."""
    crawl = demo.output[demo.output.index("demo crawl") : demo.output.index("documents in ")]
    assert all(name in crawl for name in ("demo-finance", "demo-forum", "demo-news"))
    ranking = demo.output[demo.output.index("exposure ranking") :]
    assert "1,200,000,000" in ranking and "350,000,000" in ranking
    table = ranking.split("unmatched")[0]
    assert "…" not in table and "59.1%" in table  # hongyuan's share of the exposure
    # every line of the table ends with its border: nothing is cropped at the console's edge
    lines = [line.rstrip() for line in table.splitlines()[1:] if line.strip()]
    assert lines and all(line[-1] in "┓┃┩│┘" for line in lines), lines


def test_the_demo_default_reads_negative_in_news_and_in_the_bondholders_post(demo: DemoRun) -> None:
    """Issue 17's demo check, on what the demo stored: every document reporting 22鸿远02's default (the
    news stories and the forum post where bondholders weigh the extension) reads negative as a document, and
    a search for negative documents about the issuer finds each of them."""
    store = SqliteStore(demo.workdir / "riskwatch.db")
    try:
        default = store.search(SearchQuery(text="22鸿远02", event="债务违约", limit=100))
        negative = store.search(SearchQuery(entity="hongyuan", sentiment="negative", limit=100))
    finally:
        store.close()
    documents = [hit.document for hit in default.hits]
    assert {doc.kind for doc in documents} >= {"news", "forum"}, [(d.kind, d.title) for d in documents]
    assert {doc.title: doc.sentiment["label"] for doc in documents} == {
        doc.title: "negative" for doc in documents
    }
    assert {doc.id for doc in documents} <= {hit.document.id for hit in negative.hits}
