"""Builders for tagged documents and the small watchlist the indexer tests share."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawlers.items import SHANGHAI
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)
WATCHLIST = [
    WatchedEntity(id="hongyuan", name="鸿远地产集团股份有限公司", aliases=["鸿远地产", "鸿远集团"]),
    WatchedEntity(id="mingchuan", name="明川科技股份有限公司", aliases=["明川科技"]),
    WatchedEntity(id="xinghai", name="星海新能源股份有限公司", aliases=["星海新能源"]),
]
NAMES = {entity.id: entity.name for entity in WATCHLIST}


def entity(watch_id: str | None, negative: bool = False, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or NAMES[watch_id or ""],
        "type": "ORG",
        "watchlist_id": watch_id,
        "mentions": [],
        "negative": negative,
        "negative_score": 0.9 if negative else 0.1,
        "evidence": [],
    }


def event(event_type: str, watch_id: str | None = None) -> dict[str, Any]:
    return {"type": event_type, "entity": NAMES[watch_id] if watch_id else None, "score": 0.9}


def make_doc(
    doc_id: str,
    title: str = "标题",
    content: str = "正文",
    at: datetime | None = T0,
    crawled_at: datetime | None = None,
    source: str = "news",
    sentiment: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    cluster_id: str | None = None,
) -> TaggedDocument:
    return TaggedDocument(
        id=doc_id,
        url=f"http://news.example/{doc_id}.html",
        source=source,
        kind="news",
        title=title,
        content=content,
        crawled_at=crawled_at or (at or T0) + timedelta(minutes=30),
        raw_sha256="0" * 64,
        published_at=at,
        cluster_id=cluster_id,
        sentiment={"label": sentiment, "score": 0.9} if sentiment else None,
        entities=entities or [],
        events=events or [],
        model={"name": "test", "version": "0"} if sentiment else None,
    )


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def corpus() -> list[TaggedDocument]:
    """Seven documents whose counts the contract tests work out by hand (see test_store_contract)."""
    return [
        make_doc(
            "d1",
            "鸿远地产主体评级下调",
            "评级机构将鸿远地产集团股份有限公司的主体信用等级下调，公司债券违约风险上升。",
            at=hours(1),
            sentiment="negative",
            entities=[entity("hongyuan", True)],
            events=[event("评级调整", "hongyuan")],
            cluster_id="d1",
        ),
        make_doc(
            "d2",
            "转载：鸿远地产评级下调",
            "鸿远地产集团股份有限公司信用等级被下调，债券违约担忧加剧。",
            at=hours(2),
            source="finance",
            sentiment="negative",
            entities=[entity("hongyuan", True)],
            events=[event("评级调整", "hongyuan")],
            cluster_id="d1",
        ),
        make_doc(
            "d3",
            "鸿远集团项目停工 明川科技供应受影响",
            "鸿远集团多个项目停工，业主反映提现困难，明川科技表示影响有限。",
            at=hours(25),
            sentiment="negative",
            entities=[entity("hongyuan", True), entity("mingchuan", False)],
            events=[event("提现困难", "hongyuan")],
        ),
        make_doc(
            "d4",
            "明川科技发布新一代芯片",
            "明川科技股份有限公司与华为合作发布新一代芯片，股价上涨。",
            at=hours(3),
            sentiment="positive",
            entities=[entity("mingchuan", False), entity(None, False, name="华为")],
        ),
        make_doc("d5", "鸿远地产展期方案", "鸿远地产提出展期方案，尚待持有人会议表决。", at=hours(5)),
        make_doc(
            "d6",
            "星海新能源业绩预告大幅下滑",
            "星海新能源股份有限公司预计全年净利润下滑七成。",
            at=hours(49),
            source="forum",
            sentiment="negative",
            entities=[entity("xinghai", True)],
            events=[event("业绩下滑")],
        ),
        make_doc(
            "d7",
            "鸿远地产召开投资者交流会",
            "鸿远地产集团股份有限公司召开投资者交流会，介绍经营近况。",
            at=None,
            crawled_at=hours(4),
            sentiment="neutral",
            entities=[entity("hongyuan", False)],
        ),
    ]
