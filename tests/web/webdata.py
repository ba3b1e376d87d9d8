"""Data of the web console tests: a config folder written to disk and loaded by the real loader, a SQLite
store of tagged documents about the demo companies, and alerts opened by the real alert engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from alerts.engine import check
from crawlers.items import SHANGHAI
from indexer.factory import open_store
from indexer.masking import Masker
from nlp.types import TaggedDocument
from riskwatch.alerting import alerting_config
from riskwatch.config import AppConfig, load_config
from riskwatch.web.passwords import hash_password

REPO = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)  # the alert evaluation instant; documents lie before it
PASSWORDS = {"viewer": "viewer-pw-1", "officer": "officer-pw-2", "admin": "admin-pw-3"}
PHONE = "13812345678"  # in a document's text; stored masked as 138****5678
NAMES = {"hongyuan": "鸿远地产", "mingchuan": "明川科技", "anhe": "安和食品"}


@cache
def password_hashes() -> dict[str, str]:
    return {name: hash_password(password) for name, password in PASSWORDS.items()}


def document(
    doc_id: str,
    entity_id: str,
    hours_before: float,
    negative: bool,
    title: str,
    content: str,
    cluster: str | None = None,
    events: tuple[str, ...] = (),
    evidence: str = "",
    source: str = "demo-news",
) -> TaggedDocument:
    name = NAMES[entity_id]
    when = AT - timedelta(hours=hours_before)
    return TaggedDocument(
        id=doc_id,
        url=f"http://news.example.test/{doc_id}.html",
        source=source,
        kind="news",
        title=title,
        content=content,
        crawled_at=when,
        raw_sha256="0" * 64,
        published_at=when,
        cluster_id=cluster,
        sentiment={"label": "negative" if negative else "neutral", "score": 0.9},
        entities=[
            {
                "name": name,
                "type": "ORG",
                "watchlist_id": entity_id,
                "mentions": [],
                "negative": negative,
                "negative_score": 0.9 if negative else 0.1,
                "evidence": [evidence or content] if negative else [],
            }
        ],
        events=[{"type": kind, "entity": name, "score": 0.9} for kind in events],
        model={"name": "riskwatch-zh-mini", "version": "test"},
    )


def documents() -> list[TaggedDocument]:
    """鸿远: four negative stories in the last day (one reprinted), events 债务违约 and 立案调查, a masked
    phone number in one text; 明川: one negative, two neutral; 安和: neutral only."""
    docs = [
        document(
            "h1",
            "hongyuan",
            2,
            True,
            "鸿远地产债券违约",
            "鸿远地产未能按期兑付债券本息，投资者维权。",
            "story-h1",
            ("债务违约",),
            "鸿远地产未能按期兑付债券本息。",
        ),
        document(
            "h1b",
            "hongyuan",
            1,
            True,
            "转载：鸿远地产债券违约",
            "鸿远地产未能按期兑付债券本息，投资者维权。",
            "story-h1",
            ("债务违约",),
            "鸿远地产未能按期兑付债券本息。",
            source="demo-forum",
        ),
        document(
            "h2",
            "hongyuan",
            5,
            True,
            "鸿远地产被立案调查",
            "鸿远地产因信息披露违规被证监会立案调查。",
            None,
            ("立案调查",),
            "鸿远地产因信息披露违规被证监会立案调查。",
        ),
        document(
            "h3", "hongyuan", 8, True, "鸿远地产项目停工", f"鸿远地产多个项目停工，业主热线{PHONE}无人接听。"
        ),
        document(
            "h4",
            "hongyuan",
            20,
            True,
            "鸿远地产评级下调",
            "评级机构下调鸿远地产主体信用等级。",
            None,
            ("评级调整",),
        ),
        document(
            "h5", "hongyuan", 30, False, "鸿远地产召开交流会", "鸿远地产召开投资者交流会，介绍经营情况。"
        ),
        document("h6", "hongyuan", 80, True, "鸿远地产裁员传闻", "网传鸿远地产裁员，公司尚未回应。"),
        document("m1", "mingchuan", 3, True, "明川科技高管辞职", "明川科技董事长辞职。", None, ("高管负面",)),
        document("m2", "mingchuan", 6, False, "明川科技发布新品", "明川科技发布新一代芯片。"),
        document("m3", "mingchuan", 40, False, "明川科技签约", "明川科技与地方政府签约。"),
        document("a1", "anhe", 4, False, "安和食品新品上市", "安和食品推出新品。"),
    ]
    for number in range(30):  # enough neutral 安和 news for two pages of results
        docs.append(
            document(
                f"a-{number:02d}",
                "anhe",
                10 + number,
                False,
                f"安和食品动态{number}",
                f"安和食品经营正常，第{number}条报道。",
            )
        )
    return docs


@dataclass
class WebFixture:
    config: AppConfig
    folder: Path
    exposures: Path


def write_config(
    folder: Path, extra_web: dict[str, Any] | None = None, store: dict[str, Any] | None = None
) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "watchlist.yaml").write_bytes((REPO / "configs" / "watchlist.yaml").read_bytes())
    exposures = folder / "exposures.csv"
    exposures.write_bytes((REPO / "riskwatch" / "demo" / "exposures.csv").read_bytes())
    hashes = password_hashes()
    main = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "store": store or {"type": "sqlite", "path": "store.db"},
        "rules": str(REPO / "configs" / "rules"),
        "channels": {"local-outbox": {"type": "file", "path": "outbox"}},
        "alerts": {"state_path": "state/alerts.db"},
        "web": {
            "users": [{"name": name, "role": name, "password_hash": hashes[name]} for name in PASSWORDS],
            "exposures": "exposures.csv",
            "reports_dir": "web-reports",
            **(extra_web or {}),
        },
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return path


def build(folder: Path, store: dict[str, Any] | None = None) -> WebFixture:
    """The config, the store filled (masked as `riskwatch index` masks) and the rules evaluated at AT;
    ``store``: another ``store:`` section than the SQLite default."""
    config = load_config(write_config(folder, store=store))
    store = open_store(config.main.store, config.watchlist)
    masker = Masker(config.main.store.masking)
    store.put([masker.mask(doc) for doc in documents()])
    try:
        check(store, alerting_config(config), at=AT, now=AT)
    finally:
        store.close()
    return WebFixture(config, folder, folder / "exposures.csv")
