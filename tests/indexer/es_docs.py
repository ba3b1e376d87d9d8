"""Tagged documents for the Elasticsearch tests, built directly (no model needed)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from crawlers.items import SHANGHAI
from nlp.types import TaggedDocument

BASE = datetime(2025, 1, 10, 9, 30, 0, 250_000, tzinfo=SHANGHAI)
EVENT_TYPES = ("default", "lawsuit", "downgrade", "regulatory_penalty")
TEXTS = (  # (title, content): words the text queries of the tests pick apart
    ("鸿远地产集团债券违约", "鸿远地产集团股份有限公司公告称，公司债券未能按期兑付本息，评级机构下调评级。"),
    ("明川科技发布新一代芯片", "明川科技股份有限公司发布新一代芯片，股价上涨，市场反应积极。"),
    ("星海新能源业绩预告", "星海新能源预计全年净利润下滑七成，债券持有人担忧违约风险。"),
    ("理财产品逾期", "某银行理财产品出现逾期，投资者提现困难，银行称正在协调。"),
    ("监管罚单", "监管部门对多家公司开出罚单，涉及信息披露违规。"),
    # 违约 and 风险 far apart: a query for 违约风险 (cut into 违约 + 风险, which must stand close) misses it
    ("公司出现违约", "公司出现违约，管理层称经营正常，各方仍在持续评估后续的各种潜在风险。"),
)


def tagged(
    doc_id: str,
    *,
    when: datetime = BASE,
    published: bool = True,
    title: str = "鸿远地产集团债券违约",
    content: str = "鸿远地产集团股份有限公司公告称，公司债券未能按期兑付本息，评级机构下调评级。",
    source: str = "demo-news",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    sentiment: str | None = "negative",
    cluster_id: str | None = None,
) -> TaggedDocument:
    return TaggedDocument(
        id=doc_id,
        url=f"http://127.0.0.1/news/{doc_id}.html",
        source=source,
        kind="news",
        title=title,
        content=content,
        crawled_at=when + timedelta(hours=1),
        raw_sha256="0" * 64,
        published_at=when if published else None,
        cluster_id=cluster_id,
        sentiment={"label": sentiment, "score": 0.91} if sentiment else None,
        entities=entities or [],
        events=events or [],
        model={"name": "test", "version": "0"} if sentiment else None,
    )


def entity(watchlist_id: str | None, name: str, negative: bool) -> dict[str, Any]:
    return {
        "name": name,
        "type": "ORG",
        "watchlist_id": watchlist_id,
        "mentions": [{"field": "content", "start": 0, "end": len(name)}],
        "negative": negative,
        "negative_score": 0.9 if negative else 0.1,
        "evidence": [f"{name}违约"] if negative else [],
    }


def random_corpus(count: int, entities: int, seed: int = 7) -> list[TaggedDocument]:
    """Documents spread over four months with random watched / unwatched entities, negatives, reprint
    clusters and events (some naming an entity, some not), for comparing backends."""
    rng = random.Random(seed)
    documents = []
    for n in range(count):
        picked = rng.sample(range(entities), k=rng.randint(0, 3))
        ents = [entity(f"E{i:04d}", f"实体{i}", rng.random() < 0.4) for i in picked]
        if rng.random() < 0.3:
            ents.append(entity(None, f"其他公司{rng.randint(0, 5)}", rng.random() < 0.5))
        if ents and rng.random() < 0.15:  # the same watched entity tagged twice under another name
            first = next((e for e in ents if e["watchlist_id"]), None)
            if first:
                ents.append(entity(first["watchlist_id"], first["name"] + "集团", rng.random() < 0.5))
        events = []
        for _ in range(rng.randint(0, 2)):
            named = rng.choice([*ents, None]) if ents else None
            events.append(
                {"type": rng.choice(EVENT_TYPES), "entity": named["name"] if named else None, "score": 0.8}
            )
        title, content = rng.choice(TEXTS)
        when = BASE + timedelta(days=rng.randint(0, 110), seconds=rng.randint(0, 86_400), microseconds=n)
        documents.append(
            tagged(
                f"doc{n:05d}",
                when=when,
                published=rng.random() < 0.8,
                title=title,
                content=content,
                entities=ents,
                events=events,
                sentiment=rng.choice(["negative", "neutral", "positive", None]),
                cluster_id=f"story{rng.randint(0, count // 3)}" if rng.random() < 0.5 else None,
                source=rng.choice(["demo-news", "demo-forum"]),
            )
        )
    return documents
