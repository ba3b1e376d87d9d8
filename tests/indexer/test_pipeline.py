"""StoreSink: crawl → tag (untagged only) → mask → store, with ``on_stored`` only after the store has it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from crawlers.items import Document
from indexer.errors import StoreUnavailable
from indexer.factory import watchlist_segmenter
from indexer.pipeline import StoreSink
from indexer.records import as_tagged
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery
from nlp.linking import EntityLinker
from tests.indexer.docs import WATCHLIST, make_doc


class KeywordTagger:
    """A stand-in for the trained model (none may be installed): real entity linking over the watchlist,
    negative when the text says 违约."""

    def __init__(self) -> None:
        self.linker = EntityLinker(WATCHLIST)
        self.seen: list[str] = []
        self.kinds: list[str] = []  # what the model is told each document is (news or a post)

    def tag(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        self.seen += [r["id"] for r in records]
        self.kinds += [r["kind"] for r in records]
        tagged = []
        for record in records:
            negative = "违约" in record["title"] + record["content"]
            entities = [
                {
                    "name": linked.entity.name,
                    "type": "ORG",
                    "watchlist_id": linked.entity.id,
                    "negative": negative,
                }
                for linked in self.linker.link(record["title"], record["content"])
            ]
            tagged.append(
                {
                    "sentiment": {"label": "negative" if negative else "neutral", "score": 0.9},
                    "entities": entities,
                    "events": [],
                    "model": {"name": "keywords", "version": "1"},
                }
            )
        return tagged


def crawled(doc_id: str, title: str, content: str) -> Document:
    """A plain crawler document, as ``riskwatch crawl`` hands it over without a model."""
    fields = make_doc(doc_id, title, content).to_dict()
    return Document.from_dict({k: v for k, v in fields.items() if k in Document.__dataclass_fields__})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.db", watchlist_segmenter(WATCHLIST), busy_timeout=0.05)
    yield opened
    opened.close()


def test_untagged_documents_are_tagged_masked_and_stored_in_batches(store: SqliteStore) -> None:
    tagger = KeywordTagger()
    sink = StoreSink(store, tagger=tagger, batch_size=2, close_store=False)
    stored_when_called: list[int] = []
    already = make_doc("t0", "明川科技发布新品", "明川科技今日发布新品。", sentiment="positive")
    sink.write(already, lambda: stored_when_called.append(store.count()))
    assert stored_when_called == []  # held until the batch is full
    sink.write(crawled("t1", "鸿远地产债券违约", "鸿远地产未能兑付，投资者热线13812345678。"))
    assert stored_when_called == [2]  # called after the store had the batch
    sink.write(crawled("t2", "星海新能源公告", "星海新能源发布年报。"))
    sink.close()
    assert store.count() == 3
    assert tagger.seen == ["t1", "t2"]  # the already tagged document is not tagged again
    assert tagger.kinds == [store.get("t1").kind, store.get("t2").kind]  # type: ignore[union-attr]
    t1 = store.get("t1")
    assert t1 is not None and t1.sentiment == {"label": "negative", "score": 0.9}
    assert [e["watchlist_id"] for e in t1.entities] == ["hongyuan"]
    assert "13812345678" not in t1.content and t1.extra["masked"] == {"mobile": 1}
    assert store.get("t0").sentiment == {"label": "positive", "score": 0.9}  # type: ignore[union-attr]
    assert sink.report.to_dict() == {
        "stored": 3,
        "tagged": 2,
        "untagged": 0,
        "truncated": 0,
        "masked": {"id_card": 0, "bank_card": 0, "mobile": 1, "documents": 1},
    }
    assert store.search(SearchQuery(entity="hongyuan", sentiment="negative")).total == 1


def test_without_a_tagger_documents_are_stored_untagged(store: SqliteStore) -> None:
    sink = StoreSink(store, close_store=False)
    assert sink.write(crawled("u1", "鸿远地产展期", "鸿远地产提出展期。"))
    sink.close()
    assert sink.report.untagged == 1 and sink.written == 1
    stored = store.get("u1")
    assert stored is not None and stored.sentiment is None and stored.entities == []
    assert store.search(SearchQuery(text="展期")).total == 1


def test_on_stored_is_not_called_when_the_store_fails(store: SqliteStore, tmp_path: Path) -> None:
    calls: list[str] = []
    sink = StoreSink(store, close_store=False)
    sink.write(as_tagged(crawled("f1", "标题", "内容")), lambda: calls.append("f1"))
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreUnavailable):
        sink.flush()
    other.execute("ROLLBACK")
    other.close()
    assert calls == [] and store.count() == 0  # the crawl will fetch the page again
