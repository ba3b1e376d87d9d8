"""The Elasticsearch backend against a real server (osmem-server on 127.0.0.1; a real cluster too when
RISKWATCH_TEST_ES_URL is set): template, monthly indices, ids unique across months, refused documents named,
and the same answers as the SQLite backend on a random corpus."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from indexer import es_counts
from indexer.elastic import BulkItemsFailed, ElasticStore
from indexer.es_documents import mapping_version, month_index
from indexer.factory import watchlist_segmenter
from indexer.records import document_time
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery, Window
from tests.indexer.es_docs import BASE, entity, random_corpus, tagged
from tests.indexer.es_support import open_es_store


def _indices_holding(store: ElasticStore, doc_id: str) -> list[str]:
    store.client.indices.refresh(index=store.prefix)
    hits = store.client.search(index=store.prefix, query={"ids": {"values": [doc_id]}})["hits"]["hits"]
    return sorted(hit["_index"] for hit in hits)


def test_template_monthly_indices_and_read_alias(es_store: ElasticStore) -> None:
    january = tagged("jan", when=BASE)
    march = tagged("mar", when=BASE + timedelta(days=60))
    assert es_store.put([january, march]) == 2
    template = es_store.client.indices.get_index_template(name=es_store.prefix)["index_templates"][0]
    assert template["index_template"]["index_patterns"] == [f"{es_store.prefix}-*"]
    assert template["index_template"]["version"] == mapping_version()
    aliased = set(es_store.client.indices.get_alias(name=es_store.prefix).body)
    assert {f"{es_store.prefix}-2025.01", f"{es_store.prefix}-2025.03"} <= aliased
    assert _indices_holding(es_store, "mar") == [f"{es_store.prefix}-2025.03"]
    mapping = es_store.client.indices.get_mapping(index=f"{es_store.prefix}-2025.01")
    properties = next(iter(mapping.body.values()))["mappings"]["properties"]
    assert properties["entities"]["type"] == "nested"
    assert properties["time"]["type"] == "date_nanos"
    assert properties["content_seg"]["fields"]["cjk"]["analyzer"] == "cjk"


def test_documents_read_back_unchanged(es_store: ElasticStore) -> None:
    original = tagged(
        "round-trip",
        published=False,
        entities=[entity("E1", "鸿远地产", True), entity(None, "某评级机构", False)],
        events=[{"type": "default", "entity": "鸿远地产", "score": 0.87}],
        cluster_id="story-1",
    )
    original.extra = {"masked": {"mobile": 1}}
    es_store.put([original])
    assert es_store.get("round-trip") == original
    assert es_store.get("missing") is None
    assert es_store.count() == 1


@pytest.mark.parametrize("read_between", [False, True], ids=["unrefreshed", "refreshed"])
def test_a_document_whose_month_changed_keeps_one_copy(es_store: ElasticStore, read_between: bool) -> None:
    undated = tagged("moved", published=False, when=BASE)  # crawled_at: January
    es_store.put([undated, tagged("stays")])
    if read_between:
        assert es_store.count() == 2
    dated = tagged("moved", when=BASE - timedelta(days=40), title="更正：鸿远地产兑付公告")  # December 2024
    es_store.put([dated])
    assert es_store.count() == 2
    assert _indices_holding(es_store, "moved") == [month_index(es_store.prefix, document_time(dated))]
    assert es_store.get("moved").title == "更正：鸿远地产兑付公告"


def test_reindexing_replaces_never_duplicates(es_store: ElasticStore) -> None:
    documents = random_corpus(60, entities=5)
    assert es_store.put(documents + documents[:10]) == 60  # an id twice in one batch: the last one wins
    es_store.put(documents)
    assert es_store.count() == 60
    assert es_store.search(SearchQuery(limit=0)).total == 60


def test_refused_documents_are_reported_by_id(es_store: ElasticStore) -> None:
    broken = tagged("broken")
    broken.sentiment = {"label": "negative", "score": "not-a-number"}  # sentiment.score is a float field
    with pytest.raises(BulkItemsFailed) as caught:
        es_store.put([tagged("fine-1"), broken, tagged("fine-2")])
    assert set(caught.value.failures) == {"broken"}
    assert "sentiment.score" in caught.value.failures["broken"]
    assert caught.value.written == 2
    assert es_store.count() == 2


@pytest.fixture(scope="module")
def both_stores(es_settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    """An ES store and a SQLite store holding the same random corpus, with small composite pages so the
    Elasticsearch answers must follow ``after_key`` across many pages."""
    documents = random_corpus(400, entities=45)
    segmenter = watchlist_segmenter()
    sqlite = SqliteStore(tmp_path_factory.mktemp("same") / "same.db", segmenter=segmenter)
    with pytest.MonkeyPatch.context() as patch, open_es_store(es_settings, segmenter) as elastic:
        patch.setattr(es_counts, "COMPOSITE_PAGE", 7)
        for start in range(0, len(documents), 150):
            sqlite.put(documents[start : start + 150])
            elastic.put(documents[start : start + 150])
        yield elastic, sqlite, documents
    sqlite.close()


def test_entity_counts_equal_sqlite(both_stores) -> None:
    es_store, sqlite, documents = both_stores
    edge = document_time(documents[17])  # a window starting exactly at a document's time (microseconds)
    windows = [
        Window(BASE, BASE + timedelta(days=200)),
        Window(BASE + timedelta(days=20), BASE + timedelta(days=50)),
        Window(edge, edge + timedelta(days=3)),
        Window(edge - timedelta(days=3), edge),
        Window(BASE - timedelta(days=30), BASE),  # empty
    ]
    expected = sqlite.entity_counts(windows)
    assert es_store.entity_counts(windows) == expected
    assert len(expected[0]) == 45  # more entities than one composite page holds
    assert any(c.negative_stories < c.negative for c in expected[0].values())  # reprints collapse
    assert any(c.events for c in expected[0].values())
    chosen = ["E0003", "E0010", "E0044", "E9999"]
    assert es_store.entity_counts(windows, chosen) == sqlite.entity_counts(windows, chosen)
    assert es_store.entity_counts(windows, []) == sqlite.entity_counts(windows, []) == [{}] * len(windows)


def test_negative_documents_equal_sqlite(both_stores) -> None:
    es_store, sqlite, _ = both_stores
    window = Window(BASE, BASE + timedelta(days=200))
    for entity_id in ("E0001", "E0007", "E0030"):
        expected = [doc.id for doc in sqlite.negative_documents(entity_id, window, 5)]
        assert expected
        assert [doc.id for doc in es_store.negative_documents(entity_id, window, 5)] == expected


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(limit=15),
        SearchQuery(entity="E0005", limit=50),
        SearchQuery(entity="其他公司3", limit=50),
        SearchQuery(sentiment="negative", source="demo-forum", limit=30),
        SearchQuery(event="lawsuit", limit=30),
        SearchQuery(since=BASE + timedelta(days=30), until=BASE + timedelta(days=60), limit=30),
        SearchQuery(text="违约", limit=500),
        SearchQuery(text="公司债 评级", sentiment="negative", limit=500),
        SearchQuery(text="鸿远地产", entity="E0002", limit=500),
        SearchQuery(text="违约风险", limit=500),
        SearchQuery(text="提现困难 银行", limit=500),
        SearchQuery(text="信息披露违规", source="demo-news", limit=500),
        SearchQuery(text="不存在的词"),
    ],
    ids=lambda q: ",".join(f"{k}={v}" for k, v in vars(q).items() if v and k != "limit") or "all",
)
def test_search_equals_sqlite(both_stores, query: SearchQuery) -> None:
    es_store, sqlite, _ = both_stores
    expected, found = sqlite.search(query), es_store.search(query)
    assert found.total == expected.total
    if query.text == "不存在的词":
        assert expected.total == 0
    elif query != SearchQuery(limit=15):
        assert 0 < expected.total < 400  # the query picks documents apart
    assert found.entity_facets == expected.entity_facets
    if query.text:  # scores differ between BM25 implementations: the same documents, snippets marked
        assert {h.document.id for h in found.hits} == {h.document.id for h in expected.hits}
        assert all("【" in hit.snippet for hit in found.hits)
    else:
        assert [h.document.id for h in found.hits] == [h.document.id for h in expected.hits]
