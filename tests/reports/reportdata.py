"""Data of the report tests: tagged documents about the demo companies, an exposure file for them, and the
facts the expected figures are computed from (never the code under test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from indexer.store import Window
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity
from reports.writer import ReportSources

REPO = Path(__file__).resolve().parents[2]
PERIOD = Window(datetime(2025, 9, 1, tzinfo=SHANGHAI), datetime(2025, 10, 1, tzinfo=SHANGHAI))
NAMES = {
    "hongyuan": "鸿远地产",
    "mingchuan": "明川科技",
    "anhe": "安和食品",
    "xinghai": "星海新能源",
}

EXPOSURE_CSV = """客户编号,客户名称,别名,敞口金额,币种,评级,业务条线
hongyuan,鸿远地产集团股份有限公司,鸿远地产;鸿远集团,"1,200,000,000.00",CNY,BBB,公司金融
,明川科技股份有限公司,,3.5亿,人民币,A,投资银行
C0003,安和食品,,"250,000,000",CNY,AA,零售金融
C0004,某某公司,星海新能源｜星海,8000万,CNY,BB+,公司金融
C0099,青石矿业有限公司,,"50,000,000",CNY,BB,公司金融
C0100,坏行公司,,12abc,CNY,B,零售金融
C0101,负数公司,,-5,CNY,B,零售金融
"""
# What the file holds, for expected figures: amounts per entity, unmatched and bad rows.
AMOUNTS = {"hongyuan": 1_200_000_000, "mingchuan": 350_000_000, "anhe": 250_000_000, "xinghai": 80_000_000}
UNMATCHED_AMOUNT = 50_000_000
BAD_ROWS = {7: "12abc", 8: "-5"}


def document(
    doc_id: str,
    entity_id: str | None,
    when: datetime,
    negative: bool,
    cluster: str | None = None,
    events: tuple[str, ...] = (),
    evidence: str = "",
) -> TaggedDocument:
    name = NAMES.get(entity_id or "", "")
    entities: list[dict[str, Any]] = []
    if entity_id:
        entities.append(
            {
                "name": name,
                "type": "ORG",
                "watchlist_id": entity_id,
                "mentions": [{"field": "title", "start": 0, "end": len(name)}],
                "negative": negative,
                "negative_score": 0.9 if negative else 0.1,
                "evidence": [evidence or f"{name}出现负面情况。"] if negative else [],
            }
        )
    return TaggedDocument(
        id=doc_id,
        url=f"http://news.example.test/{doc_id}.html",
        source="fixture-news",
        kind="news",
        title=f"{name}新闻{doc_id}",
        content=f"{name}相关报道。",
        crawled_at=when,
        raw_sha256="0" * 64,
        published_at=when,
        cluster_id=cluster,
        sentiment={"label": "negative" if negative else "neutral", "score": 0.9},
        entities=entities,
        events=[{"type": kind, "entity": name, "score": 0.9} for kind in events],
        model={"name": "riskwatch-zh-mini", "version": "test-1"},
    )


def day(d: int, hour: int = 10) -> datetime:
    return datetime(2025, 9, d, hour, tzinfo=SHANGHAI)


def fixture_documents() -> list[TaggedDocument]:
    return [
        # 鸿远: 4 negative documents in 3 stories (h1 reprinted as h1b), 债务违约 ×2, 立案调查 ×1, 2 neutral.
        document("h1", "hongyuan", day(3), True, "story-h1", ("债务违约",), "鸿远地产未能按期兑付债券本息。"),
        document("h1b", "hongyuan", day(3, 15), True, "story-h1", ("债务违约",)),
        document("h2", "hongyuan", day(10), True, None, ("立案调查",), "鸿远地产被证监会立案调查。"),
        document("h3", "hongyuan", day(20), True),
        document("h4", "hongyuan", day(21), False),
        document("h5", "hongyuan", day(22), False),
        document("h-old", "hongyuan", datetime(2025, 8, 30, tzinfo=SHANGHAI), True),  # before the period
        document("h-late", "hongyuan", datetime(2025, 10, 1, tzinfo=SHANGHAI), True),  # end is exclusive
        # 明川: 1 negative with 高管变动, 2 neutral.
        document("m1", "mingchuan", day(5), True, None, ("高管变动",), "明川科技董事长辞职。"),
        document("m2", "mingchuan", day(6), False),
        document("m3", "mingchuan", day(7), False),
        # 安和: 2 neutral documents. 星海: nothing.
        document("a1", "anhe", day(8), False),
        document("a2", "anhe", day(9), False),
        document("x-none", None, day(9), False),
    ]


# hongyuan: stories 3, events 债务违约 2 (severe, weight 2) + 立案调查 1 (severe, weight 2) -> signal 9
# mingchuan: stories 1, 高管变动 1 (weight 1) -> signal 2
SIGNALS = {"hongyuan": 9.0, "mingchuan": 2.0, "anhe": 0.0, "xinghai": 0.0}


@dataclass
class Fixture:
    store: SqliteStore
    store_path: Path
    exposures: Path
    watchlist: list[WatchedEntity]
    tmp: Path

    def sources(self, alert_state: Path | None = None, rules_dir: Path | None = None) -> ReportSources:
        return ReportSources(
            watchlist=self.watchlist,
            store=self.store,
            store_description=f"sqlite: {self.store_path}",
            alert_state=alert_state,
            model_dir=None,
            rules_dir=rules_dir,
        )
