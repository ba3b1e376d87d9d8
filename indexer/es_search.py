"""Search requests for :class:`indexer.elastic.ElasticStore`: the same matching rules as the SQLite backend.

Each whitespace-separated query term, cut by jieba as the index was, must occur in the title or in the
content (terms are ANDed); a term jieba cut into several words matches when those words stand close
together in one field, in any order: a ``span_near`` with the slop that reproduces FTS5's
``NEAR(..., NEAR_SLACK + n)`` (see :func:`term_clause`). The ``cjk`` (bigram) sub-fields only add to the
score: a document holding the query verbatim ranks higher, but what matches is what SQLite would match,
so both stores return the same documents. Title matches weigh :data:`TITLE_WEIGHT` times content ones.
"""

from __future__ import annotations

from typing import Any

from indexer.records import aware
from indexer.sqlite_query import NEAR_SLACK, TITLE_WEIGHT
from indexer.store import SearchQuery

FIELDS = ("title_seg", "content_seg")
MAX_HITS = 10_000  # Elasticsearch's default index.max_result_window: more hits than this need paging


def _boost(field: str) -> float:
    return TITLE_WEIGHT if field.startswith("title") else 1.0


def term_clause(tokens: list[str]) -> dict[str, Any]:
    """One query term in the title or the content.

    FTS5's NEAR group of n single-token phrases with parameter N matches when the first and last tokens
    are at most N + 1 positions apart; Lucene's unordered ``span_near`` of n terms with slop s matches when
    they are at most s + n - 1 apart, so s = N + 2 - n = NEAR_SLACK + 2.
    """
    should = []
    for field in FIELDS:
        if len(tokens) == 1:
            should.append({"term": {field: {"value": tokens[0], "boost": _boost(field)}}})
        else:
            should.append(
                {
                    "span_near": {
                        "clauses": [{"span_term": {field: token}} for token in tokens],
                        "slop": NEAR_SLACK + 2,
                        "in_order": False,
                        "boost": _boost(field),
                    }
                }
            )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _verbatim_boost(text: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "type": "phrase",
            "fields": [f"{field}.cjk^{_boost(field)}" for field in FIELDS],
        }
    }


def _nested(path: str, query: dict[str, Any]) -> dict[str, Any]:
    return {"nested": {"path": path, "query": query, "score_mode": "none"}}


def filters(query: SearchQuery) -> list[dict[str, Any]]:
    """The filters of ``query`` (everything but the text), as SQLite applies them."""
    clauses: list[dict[str, Any]] = []
    row: list[dict[str, Any]] = []  # what one entity row must hold
    if query.entity:
        either = [
            {"term": {"entity_rows.watchlist_id": query.entity}},
            {"term": {"entity_rows.name": query.entity}},
        ]
        row.append({"bool": {"should": either, "minimum_should_match": 1}})
    if query.negative:
        row.append({"term": {"entity_rows.negative": True}})
    if row:
        clauses.append(_nested("entity_rows", {"bool": {"filter": row}}))
    if query.sentiment:
        clauses.append({"term": {"sentiment.label": query.sentiment}})
    if query.event:
        clauses.append(_nested("events", {"term": {"events.type": query.event}}))
    if query.source:
        clauses.append({"term": {"source": query.source}})
    window: dict[str, str] = {}
    if query.since:
        window["gte"] = aware(query.since).isoformat()
    if query.until:
        window["lt"] = aware(query.until).isoformat()
    if window:
        clauses.append({"range": {"time": window}})
    return clauses


def search_body(query: SearchQuery, terms: list[str], tokens: list[list[str]]) -> dict[str, Any]:
    """The request body: matching terms (``tokens`` of each of ``terms``) and filters, hits sorted by score
    then time (by time alone without text), with ties broken by id as SQLite does."""
    must = [term_clause(term_tokens) for term_tokens in tokens]
    should = [_verbatim_boost(" ".join(terms))] if terms else []
    sort: list[Any] = [{"time": "desc"}, {"id": "asc"}]
    if must:
        sort.insert(0, {"_score": "desc"})
    return {
        "query": {"bool": {"must": must, "should": should, "filter": filters(query)}},
        "sort": sort,
        "from": min(max(query.offset, 0), MAX_HITS),
        "size": max(min(query.limit, MAX_HITS - max(query.offset, 0)), 0),
        "track_total_hits": True if query.bound is None else query.bound,
        "track_scores": True,
    }


EVENT_FACETS = 1000  # risk-event types are a short fixed list; this bound is never reached


def event_facets_aggregation() -> dict[str, Any]:
    """Documents per risk-event type among the matching documents."""
    types = {
        "terms": {"field": "events.type", "size": EVENT_FACETS},
        "aggs": {"documents": {"reverse_nested": {}}},
    }
    return {"events": {"nested": {"path": "events"}, "aggs": {"types": types}}}


def facets_aggregation(after: dict[str, Any] | None, page: int) -> dict[str, Any]:
    """Every entity name among the matching documents, a page at a time (no top-N cap)."""
    composite: dict[str, Any] = {
        "size": page,
        "sources": [{"name": {"terms": {"field": "entity_rows.name"}}}],
    }
    if after:
        composite["after"] = after
    # Two rows of one document can share a name (a watched entity and an unwatched one): count documents.
    names = {"composite": composite, "aggs": {"documents": {"reverse_nested": {}}}}
    return {"rows": {"nested": {"path": "entity_rows"}, "aggs": {"names": names}}}
