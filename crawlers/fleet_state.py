"""The crawl's memory shared by a fleet: :class:`crawlers.state.CrawlState`'s interface on Redis.

Every worker of a fleet asks the same server which article pages were seen and which documents went out, so
a page stored by one worker is skipped by all, in this run and the next. Keys (under ``<prefix>:crawl:``):
``seen`` (hash url id → outcome), ``documents`` (hash id → content hash), ``content`` (hash content hash → id),
``signatures`` (hash id → cluster id + MinHash) and ``stored_at`` (sorted set id → time stored).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from crawlers.fleet_config import FleetOptions

SEPARATOR = b"\x00"  # between the cluster id (ASCII hex) and the signature bytes


class RedisCrawlState:
    """Seen pages, emitted documents and reprint signatures of a fleet, in Redis."""

    def __init__(self, client: Any, options: FleetOptions, read_only: bool = False) -> None:
        self.read_only = read_only
        self._redis = client
        key = lambda name: options.key("crawl", name)  # noqa: E731 - a short local spelling
        self._seen, self._documents, self._content = key("seen"), key("documents"), key("content")
        self._signatures, self._stored_at = key("signatures"), key("stored_at")

    def close(self) -> None:
        pass  # the client belongs to the caller

    def is_seen(self, url_id: str) -> bool:
        return bool(self._redis.hexists(self._seen, url_id))

    def mark_seen(self, url_id: str, url: str, source: str, outcome: str) -> None:
        if not self.read_only:
            self._redis.hset(self._seen, url_id, outcome)

    def has_document(self, doc_id: str) -> bool:
        return bool(self._redis.hexists(self._documents, doc_id))

    def document_with_content(self, content_sha256: str) -> str | None:
        found = self._redis.hget(self._content, content_sha256)
        return found.decode() if found is not None else None

    def record_document(
        self,
        doc_id: str,
        url: str,
        source: str,
        content_sha256: str,
        cluster_id: str,
        signature: bytes | None,
    ) -> None:
        """Record an emitted document and mark its page seen, in one transaction."""
        if self.read_only:
            return
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._documents, doc_id, content_sha256)
        pipe.hsetnx(self._content, content_sha256, doc_id)
        pipe.hset(self._seen, doc_id, "stored")
        if signature is not None:
            pipe.hset(self._signatures, doc_id, cluster_id.encode() + SEPARATOR + signature)
            pipe.zadd(self._stored_at, {doc_id: time.time()})
        pipe.execute()

    def recent_signatures(self, days: int) -> Iterator[tuple[str, str, bytes]]:
        """``(id, cluster_id, signature)`` of documents stored in the last ``days`` days."""
        ids = self._redis.zrangebyscore(self._stored_at, time.time() - days * 86_400, "+inf")
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for doc_id, value in zip(chunk, self._redis.hmget(self._signatures, chunk), strict=True):
                if value is not None:
                    cluster_id, _, signature = value.partition(SEPARATOR)
                    yield doc_id.decode(), cluster_id.decode(), signature

    def counts(self) -> dict[str, int]:
        return {"seen_pages": self._redis.hlen(self._seen), "documents": self._redis.hlen(self._documents)}
