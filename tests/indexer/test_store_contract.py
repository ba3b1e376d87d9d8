"""The store contract, run against every backend in conftest.STORE_FACTORIES: the same documents give the
same answers. Expected counts are worked out by hand from docs.corpus() (times in hours after T0)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from indexer.store import EntityCounts, SearchQuery, Store, Window
from nlp.types import TaggedDocument
from tests.indexer.docs import NAMES, T0, corpus, entity, hours, make_doc

DAY1 = Window(T0, hours(24))
DAY2 = Window(hours(24), hours(48))
DAY3 = Window(hours(48), hours(72))
ALL = Window(T0, hours(72))
HONGYUAN = NAMES["hongyuan"]


def ids(result) -> set[str]:
    return {hit.document.id for hit in result.hits}


def test_put_get_count_round_trip(store: Store) -> None:
    documents = corpus()
    assert store.put(documents) == 7
    assert store.count() == 7
    got = store.get("d3")
    assert got is not None
    assert got.to_dict() == documents[2].to_dict()
    assert store.get("d7").published_at is None  # type: ignore[union-attr]
    assert store.get("missing") is None


def test_reindexing_replaces_and_never_duplicates(store: Store) -> None:
    store.put(corpus())
    store.put(corpus())
    assert store.count() == 7
    first = corpus()[0]
    changed = replace(
        first,
        content="评级机构维持鸿远地产的信用等级。",
        sentiment={"label": "positive", "score": 0.8},
        entities=[entity("hongyuan", False)],
        events=[],
    )
    store.put([first, changed])  # the same id twice in one batch: the last one wins
    assert store.count() == 7
    assert store.get("d1").sentiment == {"label": "positive", "score": 0.8}  # type: ignore[union-attr]
    assert ids(store.search(SearchQuery(text="违约"))) == {"d2"}  # the old text is gone from the index
    counts = store.entity_counts([DAY1])[0]["hongyuan"]
    assert counts == EntityCounts(documents=3, negative=1, negative_stories=1, events={"评级调整": 1})


def test_entity_counts_per_window(store: Store) -> None:
    store.put(corpus())
    day1, day2, day3, everything, edge, before = store.entity_counts(
        [DAY1, DAY2, DAY3, ALL, Window(hours(1), hours(2)), Window(T0 - timedelta(days=1), T0)]
    )
    assert day1 == {
        "hongyuan": EntityCounts(3, 2, 1, {"评级调整": 2}),  # d1, d2 (a reprint of d1's story), d7
        "mingchuan": EntityCounts(1, 0, 0, {}),  # 华为 in d4 is not on the watchlist: not counted
    }
    assert day2 == {
        "hongyuan": EntityCounts(1, 1, 1, {"提现困难": 1}),
        "mingchuan": EntityCounts(1, 0, 0, {}),
    }
    assert day3 == {"xinghai": EntityCounts(1, 1, 1, {})}  # d6's event names no entity: document-level only
    assert everything == {
        "hongyuan": EntityCounts(4, 3, 2, {"评级调整": 2, "提现困难": 1}),
        "mingchuan": EntityCounts(2, 0, 0, {}),
        "xinghai": EntityCounts(1, 1, 1, {}),
    }
    assert edge == {"hongyuan": EntityCounts(1, 1, 1, {"评级调整": 1})}  # [start, end): d2 at 2 h is out
    assert before == {}


def test_entity_counts_for_chosen_entities(store: Store) -> None:
    store.put(corpus())
    (only,) = store.entity_counts([ALL], entity_ids={"mingchuan", "nobody"})
    assert only == {"mingchuan": EntityCounts(2, 0, 0, {})}


def test_entity_counts_have_no_top_n_cap(store: Store) -> None:
    documents = [
        make_doc(f"n{i}", at=hours(1), entities=[entity(f"e{i:04d}", i % 3 == 0, name=f"公司{i}")])
        for i in range(1500)
    ]
    store.put(documents)
    (counts,) = store.entity_counts([DAY1])
    assert len(counts) == 1500
    assert sum(c.negative for c in counts.values()) == 500


def reference_counts(documents: list[TaggedDocument], window: Window) -> dict[str, EntityCounts]:
    """The contract, computed directly from the documents."""
    docs: dict[str, int] = defaultdict(int)
    negative: dict[str, int] = defaultdict(int)
    stories: dict[str, set[str]] = defaultdict(set)
    events: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc in documents:
        moment = doc.published_at or doc.crawled_at
        if not window.start <= moment < window.end:
            continue
        watched = {e["watchlist_id"] for e in doc.entities if e["watchlist_id"]}
        for watch_id in watched:
            docs[watch_id] += 1
            if any(e["negative"] for e in doc.entities if e["watchlist_id"] == watch_id):
                negative[watch_id] += 1
                stories[watch_id].add(doc.cluster_id or doc.id)
        by_name = {e["name"]: e["watchlist_id"] for e in doc.entities if e["watchlist_id"]}
        for ev in doc.events:
            if ev["entity"] in by_name:
                events[by_name[ev["entity"]]][ev["type"]].add(doc.id)
    return {
        watch_id: EntityCounts(
            docs[watch_id],
            negative[watch_id],
            len(stories[watch_id]),
            {kind: len(found) for kind, found in events[watch_id].items()},
        )
        for watch_id in docs
    }


def test_entity_counts_match_a_direct_count_of_random_documents(store: Store) -> None:
    rng = random.Random(7)
    names = {f"w{i}": f"实体{i}" for i in range(30)}
    documents = []
    for i in range(400):
        chosen = rng.sample(sorted(names), rng.randint(0, 3))
        entities = [entity(w, rng.random() < 0.4, name=names[w]) for w in chosen]
        if rng.random() < 0.3:
            entities.append(entity(None, True, name="某未关注公司"))
        doc_events = [
            event_with_name(rng.choice(["评级调整", "业绩下滑", "涉嫌违法"]), names[w])
            for w in chosen
            if rng.random() < 0.5
        ]
        documents.append(
            make_doc(
                f"r{i}",
                at=T0 + timedelta(minutes=rng.randint(0, 4 * 24 * 60)),
                entities=entities,
                events=doc_events,
                cluster_id=f"r{rng.randint(0, 150)}" if rng.random() < 0.5 else None,
                sentiment="negative",
            )
        )
    store.put(documents)
    windows = [
        Window(T0 + timedelta(hours=h), T0 + timedelta(hours=h + span))
        for h, span in [(0, 24), (13, 7), (24, 72), (0, 96), (95, 1)]
    ]
    assert store.entity_counts(windows) == [reference_counts(documents, w) for w in windows]


def event_with_name(event_type: str, name: str) -> dict[str, object]:
    return {"type": event_type, "entity": name, "score": 0.8}


def test_negative_documents_latest_first_within_the_window(store: Store) -> None:
    store.put(corpus())
    assert [d.id for d in store.negative_documents("hongyuan", ALL, 10)] == ["d3", "d2", "d1"]
    assert [d.id for d in store.negative_documents("hongyuan", ALL, 2)] == ["d3", "d2"]
    assert [d.id for d in store.negative_documents("hongyuan", DAY1, 10)] == ["d2", "d1"]
    assert store.negative_documents("mingchuan", ALL, 10) == []
    assert store.negative_documents("hongyuan", ALL, 1)[0].to_dict() == corpus()[2].to_dict()


# -- search --------------------------------------------------------------------------------------------


def test_search_text_with_snippet_total_and_facets(store: Store) -> None:
    store.put(corpus())
    result = store.search(SearchQuery(text="违约"))
    assert result.total == 2 and ids(result) == {"d1", "d2"}
    assert all("【违约】" in hit.snippet for hit in result.hits)
    assert result.entity_facets == {HONGYUAN: 2}


def test_search_ranks_by_relevance(store: Store) -> None:
    store.put(corpus())
    result = store.search(SearchQuery(text="评级"))
    assert result.hits[0].document.id == "d1"  # in the title and the content
    assert result.hits[0].score > result.hits[-1].score


def test_search_finds_watched_names_and_words_inside_longer_words(store: Store) -> None:
    store.put(corpus())
    assert ids(store.search(SearchQuery(text="鸿远地产"))) == {"d1", "d2", "d5", "d7"}  # 鸿远地产集团… too
    assert ids(store.search(SearchQuery(text="公司债"))) == {"d1"}  # inside 公司债券
    assert ids(store.search(SearchQuery(text="明川科技 芯片"))) == {"d4"}  # every term must match
    assert store.search(SearchQuery(text="不存在的词")).total == 0


def test_total_and_facets_cover_every_match_not_only_the_hits(store: Store) -> None:
    store.put(corpus())
    result = store.search(SearchQuery(text="鸿远地产", limit=1))
    assert result.total == 4 and len(result.hits) == 1
    assert result.entity_facets == {HONGYUAN: 3}  # d1, d2, d7; d5 is untagged


def test_every_filter(store: Store) -> None:
    store.put(corpus())

    def found(**filters: object) -> set[str]:
        return ids(store.search(SearchQuery(**filters)))  # type: ignore[arg-type]

    assert found(entity="hongyuan") == {"d1", "d2", "d3", "d7"}
    assert found(entity=HONGYUAN) == {"d1", "d2", "d3", "d7"}
    assert found(entity="华为") == {"d4"}  # not watched, found by its name
    assert found(sentiment="negative") == {"d1", "d2", "d3", "d6"}
    assert found(event="评级调整") == {"d1", "d2"}
    assert found(event="业绩下滑") == {"d6"}
    assert found(source="finance") == {"d2"}
    assert found(since=hours(3), until=hours(25)) == {"d4", "d5", "d7"}  # d3 at 25 h: until is exclusive
    assert found(text="违约", source="news") == {"d1"}
    assert found(entity="hongyuan", sentiment="negative", since=hours(24)) == {"d3"}


def test_filter_only_search_is_latest_first(store: Store) -> None:
    store.put(corpus())
    result = store.search(SearchQuery(entity="hongyuan"))
    assert [hit.document.id for hit in result.hits] == ["d3", "d7", "d2", "d1"]
    assert result.total == 4
    assert result.entity_facets == {HONGYUAN: 4, NAMES["mingchuan"]: 1}


def test_paging_with_offset_continues_the_same_order(store: Store) -> None:
    store.put(corpus())
    everything = [hit.document.id for hit in store.search(SearchQuery(entity="hongyuan")).hits]
    pages = [store.search(SearchQuery(entity="hongyuan", limit=3, offset=start)) for start in (0, 3)]
    assert [hit.document.id for page in pages for hit in page.hits] == everything
    assert [len(page.hits) for page in pages] == [3, 1] and {page.total for page in pages} == {4}
    assert store.search(SearchQuery(entity="hongyuan", offset=10)).hits == []


def test_a_bound_caps_counting_and_says_the_total_is_a_lower_bound(store: Store) -> None:
    store.put(corpus())
    exact = store.search(SearchQuery(entity="hongyuan", bound=4))
    assert exact.total == 4 and exact.total_exact and len(exact.hits) == 4
    capped = store.search(SearchQuery(entity="hongyuan", bound=2))
    assert capped.total == 2 and not capped.total_exact
    assert len(capped.hits) >= 2 and sum(capped.entity_facets.values()) >= 2  # SQLite: of the newest 2


def test_a_bound_above_the_matches_changes_nothing(store: Store) -> None:
    store.put(corpus())
    for query in (
        SearchQuery(text="鸿远地产"),
        SearchQuery(text="评级"),
        SearchQuery(entity="hongyuan"),
        SearchQuery(text="鸿远地产", entity="hongyuan", limit=2, offset=1),
        SearchQuery(sentiment="negative", event="评级调整"),
    ):
        plain, bounded = store.search(query), store.search(replace(query, bound=100))
        assert [h.document.id for h in bounded.hits] == [h.document.id for h in plain.hits], query
        assert [round(h.score, 6) for h in bounded.hits] == [round(h.score, 6) for h in plain.hits], query
        assert (bounded.total, bounded.total_exact) == (plain.total, True)
        assert (bounded.entity_facets, bounded.event_facets) == (plain.entity_facets, plain.event_facets)


def test_event_facets_count_matching_documents_per_event_type(store: Store) -> None:
    store.put(corpus())
    assert store.search(SearchQuery(entity="hongyuan")).event_facets == {"评级调整": 2, "提现困难": 1}
    assert store.search(SearchQuery(sentiment="negative")).event_facets == {
        "评级调整": 2,
        "业绩下滑": 1,
        "提现困难": 1,
    }
    assert store.search(SearchQuery(text="不存在的词")).event_facets == {}


def test_full_width_and_case_fold(store: Store) -> None:
    store.put([make_doc("x1", "ＣＭＢ 发布公告", "招商银行（CMB）今日发布公告。")])
    assert ids(store.search(SearchQuery(text="cmb"))) == {"x1"}
    assert ids(store.search(SearchQuery(text="ＣＭＢ"))) == {"x1"}


def test_negative_about_an_entity_is_the_judgement_alerts_count(store: Store) -> None:
    """``negative=True`` with an entity asks the entity-level question: a document labelled positive that
    the model judged negative about hongyuan is found; one negative only about another entity is not."""
    documents = [
        make_doc("p1", at=hours(1), sentiment="positive", entities=[entity("hongyuan", True)]),
        make_doc("p2", at=hours(2), sentiment="negative", entities=[entity("hongyuan", False)]),
        make_doc(
            "p3",
            at=hours(3),
            sentiment="negative",
            entities=[entity("hongyuan", False), entity("mingchuan", True)],
        ),
        make_doc("p4", at=hours(4), sentiment="neutral", entities=[entity(None, True, name="华为")]),
    ]
    store.put(documents)

    def found(**filters: object) -> set[str]:
        return ids(store.search(SearchQuery(**filters)))  # type: ignore[arg-type]

    assert found(entity="hongyuan", negative=True) == {"p1"}
    assert found(entity=HONGYUAN, negative=True) == {"p1"}  # by name as well as by id
    assert found(entity="hongyuan", sentiment="negative") == {"p2", "p3"}  # the document-level label
    assert found(entity="mingchuan", negative=True) == {"p3"}
    assert found(entity="华为", negative=True) == {"p4"}
    assert found(negative=True) == {"p1", "p3", "p4"}  # negative about any entity
    (counts,) = store.entity_counts([Window(T0, hours(5))])
    negative_ids = {d.id for d in store.negative_documents("hongyuan", Window(T0, hours(5)), 10)}
    assert counts["hongyuan"].negative == store.search(SearchQuery(entity="hongyuan", negative=True)).total
    assert negative_ids == found(entity="hongyuan", negative=True)
