"""Per-entity window counts in Elasticsearch: composite aggregations over the nested ``entity_rows``.

Every count is exact and uncapped. Composite aggregations are paged with ``after_key`` until the last
page, so 10,000 entities come back as 10,000 keys. Distinct negative stories are not a ``cardinality``
(HyperLogLog, approximate above its precision threshold) but the number of (entity, story) buckets of a
second composite; documents by event type are a third composite over (entity, event type). Each entity
row of a document carries the event types that concern it and, when negative, its story (see
:mod:`indexer.es_documents`), so the three requests are plain bucket counts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

from indexer.records import aware
from indexer.store import EntityCounts, Window

COMPOSITE_PAGE = 5000  # buckets per request; well under the default search.max_buckets (65,536)
Search = Callable[[dict[str, Any]], dict[str, Any]]


def composite_buckets(
    search: Search,
    query: dict[str, Any],
    sources: list[tuple[str, str]],
    aggs: dict[str, Any] | None = None,
    path: str = "entity_rows",
    page: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every bucket of a composite aggregation (``sources``: (name, field) pairs) under the nested
    ``path``, for the documents matching ``query``, following ``after_key`` to the end."""
    page = page or COMPOSITE_PAGE
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": page,
            "sources": [{name: {"terms": {"field": field}}} for name, field in sources],
        }
        if after is not None:
            composite["after"] = after
        grouped: dict[str, Any] = {"composite": composite}
        if aggs:
            grouped["aggs"] = aggs
        body = {
            "size": 0,
            "query": query,
            "aggs": {"rows": {"nested": {"path": path}, "aggs": {"grouped": grouped}}},
        }
        result = search(body)["aggregations"]["rows"]["grouped"]
        buckets = result.get("buckets", [])
        yield from buckets
        after = result.get("after_key")
        if not buckets or after is None or len(buckets) < page:
            return


def time_range(window: Window) -> dict[str, Any]:
    """Documents whose time is in ``[start, end)``; ``date_nanos`` keeps microseconds exact, as SQLite."""
    return {"range": {"time": {"gte": aware(window.start).isoformat(), "lt": aware(window.end).isoformat()}}}


def window_query(window: Window, entity_ids: Collection[str] | None) -> dict[str, Any]:
    """Documents in ``[start, end)`` (and mentioning one of ``entity_ids``, when given)."""
    clauses: list[dict[str, Any]] = [time_range(window)]
    if entity_ids is not None:
        clauses.append(
            {
                "nested": {
                    "path": "entity_rows",
                    "query": {"terms": {"entity_rows.watchlist_id": sorted(entity_ids)}},
                    "score_mode": "none",
                }
            }
        )
    return {"bool": {"filter": clauses}}


def window_counts(
    search: Search, window: Window, entity_ids: Collection[str] | None
) -> dict[str, EntityCounts]:
    """Every watched entity with a document in ``window`` (only ``entity_ids`` when given) → its counts."""
    if entity_ids is not None and not entity_ids:
        return {}
    wanted = None if entity_ids is None else set(entity_ids)
    query = window_query(window, entity_ids)
    counts: dict[str, EntityCounts] = {}
    negative = {"negative": {"filter": {"term": {"entity_rows.negative": True}}}}
    for bucket in composite_buckets(search, query, [("entity", "entity_rows.watchlist_id")], negative):
        entity = bucket["key"]["entity"]
        if wanted is None or entity in wanted:
            counts[entity] = EntityCounts(bucket["doc_count"], bucket["negative"]["doc_count"])
    story_sources = [("entity", "entity_rows.watchlist_id"), ("story", "entity_rows.negative_story")]
    for bucket in composite_buckets(search, query, story_sources):
        if bucket["key"]["entity"] in counts:
            counts[bucket["key"]["entity"]].negative_stories += 1
    event_sources = [("entity", "entity_rows.watchlist_id"), ("event", "entity_rows.event_types")]
    for bucket in composite_buckets(search, query, event_sources):
        entity = counts.get(bucket["key"]["entity"])
        if entity is not None:
            entity.events[bucket["key"]["event"]] = bucket["doc_count"]
    return counts
