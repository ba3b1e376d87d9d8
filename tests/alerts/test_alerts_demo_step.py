"""The demo's alerts step with the shipped config: rules evaluated now, delivered to a local outbox."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from crawlers.items import SHANGHAI
from indexer.config import SqliteStoreConfig
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from riskwatch.config import load_config
from riskwatch.demo.alerts_step import alerts_step
from riskwatch.demo.stages import DemoContext, demo_steps
from tests.alerts.support import doc

SHIPPED = Path(__file__).parents[2] / "configs" / "riskwatch.yaml"


def context(tmp_path: Path, documents: list) -> DemoContext:
    config = load_config(SHIPPED)
    store_path = tmp_path / "riskwatch.db"
    store = SqliteStore(store_path, segmenter=watchlist_segmenter(config.watchlist))
    store.put(documents)
    store.close()
    demo = DemoContext(
        config=config,
        console=Console(record=True, width=120),
        workdir=tmp_path,
        documents=tmp_path / "d.jsonl",
    )
    demo.shared["store_path"] = store_path
    demo.shared["store_config"] = SqliteStoreConfig(path=store_path, spool_dir=tmp_path / "spool")
    return demo


def test_alerts_follow_indexing_in_the_demo() -> None:
    names = [step.__name__ for step in demo_steps()]
    assert names.index("alerts_step") == names.index("index_step") + 1


def test_demo_step_delivers_to_a_local_outbox(tmp_path: Path) -> None:
    now = datetime.now(SHANGHAI)
    documents = [
        doc("hongyuan", now - timedelta(hours=n), events=["债务违约"], cluster=f"s{n}") for n in (1, 2, 3)
    ]
    demo = context(tmp_path, documents)
    assert alerts_step(demo)
    lines = (tmp_path / "outbox" / "alerts.jsonl").read_text("utf-8").splitlines()
    subjects = sorted(json.loads(line)["subject"] for line in lines)
    # negative-volume (3 stories), negative-ratio (3 of 3) and risk-events (债务违约) fire; the spike rule needs 4.
    assert sorted(s.split("：")[1] for s in subjects) == [
        "负面占比（negative-ratio）",
        "负面数量阈值（negative-volume）",
        "风险事件（risk-events）",
    ]
    assert all("鸿远地产集团股份有限公司（hongyuan）" in s for s in subjects)
    assert demo.shared["alert_state_path"] == tmp_path / "alerts.db"
    printed = demo.console.export_text()
    assert "3 alert(s) opened; 3 message(s) delivered" in printed and "负面报道：" in printed
    assert printed.index("【风险预警·严重】") < printed.index("负面报道：") < printed.index("【风险预警·高】")


@pytest.mark.parametrize(
    ("crawled", "why"),
    [
        (None, "the crawl stored no document"),  # e.g. the site was not reachable
        ([{"id": "a", "title": "t"}], "with no trained model installed the documents are untagged"),
        (
            [{"id": "a", "sentiment": {"label": "neutral"}}],
            "no watched entity's negative news or risk events crossed",
        ),
    ],
)
def test_demo_step_without_an_alert_says_why(tmp_path: Path, crawled: list | None, why: str) -> None:
    demo = context(tmp_path, [])
    if crawled is not None:
        demo.documents.write_text("".join(json.dumps(d) + "\n" for d in crawled), "utf-8")
    assert alerts_step(demo)
    printed = " ".join(demo.console.export_text().split())
    assert "no alert fired: " + why in printed
