"""The Elasticsearch backend: monthly indices ``<prefix>-YYYY.MM`` behind the read alias ``<prefix>``.

On first use the store installs its composable index template (``indexer/mappings/``), which gives every
``<prefix>-*`` index the mappings and the read alias, and makes sure the current month's index exists so
the alias always resolves. Writes go to the index of the document's month (by ``time``) with ``_id`` = the
document id, through the bulk helper (items refused with 429/502/503/504 retried; connection errors,
timeouts and those statuses retried by the client for whole requests). This routing is the write path:
a single ``is_write_index`` alias cannot send a document to the month it belongs to. A document whose
month changed since it was last stored is deleted from its old index in the same bulk request, so ids stay
unique across the alias. An unreachable cluster raises
:class:`~indexer.errors.StoreUnavailable` (the spool keeps the documents) and makes the next call check the
template again, since a cluster that came back may be a new, empty one.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from indexer import es_counts
from indexer.config import ElasticsearchStoreConfig
from indexer.errors import StoreError, StoreUnavailable
from indexer.es_client import RETRY_ON_STATUS, Connection, build_client, store_errors
from indexer.es_counts import time_range, window_counts
from indexer.es_documents import from_source, index_template, month_index, to_source
from indexer.es_search import MAX_HITS, event_facets_aggregation, facets_aggregation, search_body
from indexer.records import as_tagged, document_time
from indexer.segment import Segmenter, segmenter_for
from indexer.snippets import snippet
from indexer.store import EntityCounts, SearchHit, SearchQuery, SearchResult, Window
from nlp.types import TaggedDocument

BULK_CHUNK = 500
BULK_RETRIES = 3  # per-item 429/5xx rejections, on top of the client's own request retries
LOOKUP_CHUNK = 1000
PENDING_LIMIT = 50_000  # ids remembered between refreshes before the store refreshes on its own


class BulkItemsFailed(StoreError):
    """Some documents of a batch were refused; the others were written. ``failures``: id → reason."""

    def __init__(self, failures: dict[str, str], written: int) -> None:
        shown = "; ".join(f"{doc_id}: {reason}" for doc_id, reason in list(failures.items())[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} document(s) refused, {written} written: {shown}{more}")
        self.failures = failures
        self.written = written


def _reason(operation: str, info: dict[str, Any]) -> str:
    error = info.get("error", {})
    reason = error.get("reason", error) if isinstance(error, dict) else error
    where = "" if operation == "index" else f" ({operation} of the copy in {info.get('_index')})"
    return f"HTTP {info.get('status')} {reason}{where}"


class ElasticStore:
    """The :class:`indexer.store.Store` on an Elasticsearch (8 or 9) or OpenSearch-compatible cluster."""

    bulk_retries = BULK_RETRIES
    bulk_backoff = 0.5  # seconds before retrying refused items, doubled each time

    def __init__(
        self,
        client: Elasticsearch,
        index_prefix: str,
        segmenter: Segmenter | None = None,
        shards: int | None = None,
        replicas: int | None = None,
        bulk_chunk: int = BULK_CHUNK,
        bulk_retries: int = BULK_RETRIES,
    ) -> None:
        """``shards``/``replicas``: the index template's (``None``: settings.json's, or the cluster's);
        ``bulk_chunk``: documents per bulk request; ``bulk_retries``: retries of items refused for load."""
        self.client = client
        self.prefix = index_prefix
        self.shards, self.replicas = shards, replicas
        self.bulk_chunk = bulk_chunk
        self.bulk_retries = bulk_retries
        self.segmenter = segmenter or segmenter_for()
        self.url = ", ".join(str(node.base_url) for node in client.transport.node_pool.all())
        self._ready = False
        self._indices: set[str] = set()  # monthly indices known to exist
        self._pending: dict[str, str] = {}  # id → index written since the last refresh (not yet searchable)
        self._lock = threading.RLock()  # one writer at a time: the id lookup must see the previous batch

    @classmethod
    def from_config(
        cls, config: ElasticsearchStoreConfig, segmenter: Segmenter | None = None, **connection: Any
    ) -> ElasticStore:
        """From the ``store:`` section; secrets are read from the environment variables it names.
        ``connection`` overrides :class:`~indexer.es_client.Connection` defaults (timeouts, retries)."""
        settings = Connection(
            url=config.url,
            username_env=config.username_env,
            password_env=config.password_env,
            api_key_env=config.api_key_env,
            ca_certs=str(config.ca_certs) if config.ca_certs else None,
            verify_certs=config.verify_certs,
            **{"max_retries": config.max_retries, "request_timeout": config.request_timeout, **connection},
        )
        return cls(
            build_client(settings),
            config.index_prefix,
            segmenter,
            shards=config.shards,
            replicas=config.replicas,
            bulk_chunk=config.bulk_chunk,
            bulk_retries=config.bulk_retries,
        )

    # -- set-up -----------------------------------------------------------------------------------------

    def _call(self, what: str, method: Any, **kwargs: Any) -> Any:
        try:
            with store_errors(self.url, what):
                return method(**kwargs)
        except StoreUnavailable:
            self._ready = False
            raise

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        self._call(
            "install the index template",
            self.client.indices.put_index_template,
            name=self.prefix,
            **index_template(self.prefix, self.shards, self.replicas),
        )
        self._indices.clear()
        self._ensure_index(month_index(self.prefix, datetime.now(UTC)))
        self._ready = True

    def _ensure_index(self, index: str) -> None:
        if index in self._indices:
            return
        client = self.client.options(ignore_status=400)  # 400 resource_already_exists: another writer won
        response = self._call(f"create {index}", client.indices.create, index=index)
        error = response.body.get("error") if isinstance(response.body, dict) else None
        if error and error.get("type") != "resource_already_exists_exception":
            raise StoreError(f"Elasticsearch at {self.url}: create {index}: {error.get('reason', error)}")
        self._indices.add(index)

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        self._ensure_ready()
        self._refresh_if_pending()
        return self._call("search", self.client.search, index=self.prefix, **body).body

    def _refresh_if_pending(self) -> None:
        with self._lock:
            if self._pending:
                self._call("refresh", self.client.indices.refresh, index=self.prefix)
                self._pending.clear()

    # -- writing ----------------------------------------------------------------------------------------

    def _locations(self, ids: list[str]) -> dict[str, set[str]]:
        """Indices that hold each id now: searchable copies plus those written since the last refresh."""
        found: dict[str, set[str]] = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start : start + LOOKUP_CHUNK]
            body = {"query": {"ids": {"values": chunk}}, "size": len(chunk) * 2, "_source": False}
            hits = self._call("look up ids", self.client.search, index=self.prefix, **body)["hits"]["hits"]
            for hit in hits:
                found.setdefault(hit["_id"], set()).add(hit["_index"])
        for doc_id in ids:
            if doc_id in self._pending:
                found.setdefault(doc_id, set()).add(self._pending[doc_id])
        return found

    def put(self, documents: Sequence[TaggedDocument]) -> int:
        """Insert or replace by id; a document that moved to another month leaves its old index.

        Documents still refused after the retries raise: :class:`StoreUnavailable` when any was refused for
        load (429/5xx: the spool keeps the whole batch, replaying it is harmless), otherwise
        :class:`BulkItemsFailed` naming each refused id (the others are written)."""
        unique = {doc.id: as_tagged(doc) for doc in documents}  # the last version of an id in the batch wins
        if not unique:
            return 0
        with self._lock:
            return self._put(unique)

    def _put(self, unique: dict[str, TaggedDocument]) -> int:
        self._ensure_ready()
        targets = {doc_id: month_index(self.prefix, document_time(doc)) for doc_id, doc in unique.items()}
        for index in sorted(set(targets.values())):
            self._ensure_index(index)
        moved = self._locations(list(unique))
        actions: list[dict[str, Any]] = []
        for doc_id, doc in unique.items():
            actions.append(
                {
                    "_op_type": "index",
                    "_index": targets[doc_id],
                    "_id": doc_id,
                    "_source": to_source(doc, self.segmenter),
                }
            )
            actions.extend(
                {"_op_type": "delete", "_index": old, "_id": doc_id}
                for old in sorted(moved.get(doc_id, set()) - {targets[doc_id]})
            )
        written, failures, overloaded = self._bulk(actions)
        if len(self._pending) + len(targets) > PENDING_LIMIT:
            self._refresh_if_pending()
        self._pending.update(targets)
        if overloaded:
            self._ready = False
            shown = ", ".join(sorted(overloaded)[:5])
            raise StoreUnavailable(
                f"Elasticsearch at {self.url} overloaded: {len(overloaded)} refused ({shown})"
            )
        if failures:
            raise BulkItemsFailed(failures, written)
        return written

    def _bulk(self, actions: list[dict[str, Any]]) -> tuple[int, dict[str, str], set[str]]:
        """(index operations done, id → reason of refused ones, ids refused for load after retries)."""
        written = 0
        failures: dict[str, str] = {}
        overloaded: set[str] = set()
        results = helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=self.bulk_chunk,
            max_retries=self.bulk_retries,
            initial_backoff=self.bulk_backoff,
            max_backoff=10,
            raise_on_error=False,
            ignore_status=(404,),  # deleting an old copy that is already gone is fine
            retry_on_status=RETRY_ON_STATUS,
        )
        try:
            with store_errors(self.url, "bulk"):
                for ok, item in results:
                    operation, info = next(iter(item.items()))
                    if operation == "index" and ok:
                        written += 1
                    elif not ok and not (operation == "delete" and info.get("status") == 404):
                        failures[str(info.get("_id"))] = _reason(operation, info)
                        if info.get("status") in RETRY_ON_STATUS:
                            overloaded.add(str(info.get("_id")))
        except StoreUnavailable:
            self._ready = False
            raise
        return written, failures, overloaded

    # -- reading ----------------------------------------------------------------------------------------

    def get(self, document_id: str) -> TaggedDocument | None:
        body = {"query": {"ids": {"values": [document_id]}}, "size": 1}
        hits = self._search(body)["hits"]["hits"]
        return from_source(hits[0]["_source"]) if hits else None

    def count(self) -> int:
        self._ensure_ready()
        self._refresh_if_pending()
        return int(self._call("count", self.client.count, index=self.prefix)["count"])

    def search(self, query: SearchQuery) -> SearchResult:
        terms = query.text.split()
        tokens = [self.segmenter.query_tokens(term) for term in terms]
        kept = [(term, toks) for term, toks in zip(terms, tokens, strict=True) if toks]
        body = search_body(query, [t for t, _ in kept], [k for _, k in kept])
        found = self._search(body)["hits"]
        hits = []
        for hit in found["hits"]:
            doc = from_source(hit["_source"])
            text = snippet(doc.title, doc.content, [t for t, _ in kept], [k for _, k in kept])
            hits.append(SearchHit(doc, float(hit.get("_score") or 0.0), text))
        total = int(found["total"]["value"])
        exact = found["total"].get("relation", "eq") == "eq"
        facets = self._facets(body["query"]) if total else {}
        events = self._event_facets(body["query"]) if total else {}
        return SearchResult(
            total=total, hits=hits, entity_facets=facets, event_facets=events, total_exact=exact
        )

    def _event_facets(self, query: dict[str, Any]) -> dict[str, int]:
        aggs = event_facets_aggregation()
        found = self._search({"size": 0, "query": query, "aggs": aggs})["aggregations"]["events"]["types"]
        counts = {bucket["key"]: bucket["documents"]["doc_count"] for bucket in found["buckets"]}
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def _facets(self, query: dict[str, Any]) -> dict[str, int]:
        page = es_counts.COMPOSITE_PAGE
        counts: dict[str, int] = {}
        after: dict[str, Any] | None = None
        while True:
            aggs = facets_aggregation(after, page)
            result = self._search({"size": 0, "query": query, "aggs": aggs})["aggregations"]["rows"]["names"]
            for bucket in result["buckets"]:
                counts[bucket["key"]["name"]] = bucket["documents"]["doc_count"]
            after = result.get("after_key")
            if len(result["buckets"]) < page or after is None:
                break
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def entity_counts(
        self, windows: Sequence[Window], entity_ids: Collection[str] | None = None
    ) -> list[dict[str, EntityCounts]]:
        return [window_counts(self._search, window, entity_ids) for window in windows]

    def negative_documents(self, entity_id: str, window: Window, limit: int) -> list[TaggedDocument]:
        negative = [
            {"term": {"entity_rows.watchlist_id": entity_id}},
            {"term": {"entity_rows.negative": True}},
        ]
        about = {
            "nested": {"path": "entity_rows", "query": {"bool": {"filter": negative}}, "score_mode": "none"}
        }
        body = {
            "query": {"bool": {"filter": [about, time_range(window)]}},
            "sort": [{"time": "desc"}, {"id": "asc"}],
            "size": min(max(limit, 0), MAX_HITS),
        }
        return [from_source(hit["_source"]) for hit in self._search(body)["hits"]["hits"]]

    def close(self) -> None:
        self.client.close()
