"""The fleet's document sink: each crawled document is appended to a Redis stream (``<prefix>:documents``),
from which ``riskwatch tag-worker`` processes tag and store it (:mod:`indexer.tag_worker`).

``XADD`` returns once Redis holds the entry, so the page is marked seen only after that."""

from __future__ import annotations

from typing import Any

from crawlers.fleet_config import FleetOptions
from crawlers.items import Document
from crawlers.sinks import OnStored

FIELD = "document"  # the stream entry's one field: the document as JSON


def stream_key(options: FleetOptions) -> str:
    return options.key("documents")


class StreamSink:
    """A :class:`crawlers.sinks.DocumentSink` that appends to the fleet's document stream."""

    def __init__(self, client: Any, options: FleetOptions) -> None:
        self._redis = client
        self.stream = stream_key(options)
        self.max_len = options.stream_max_len or None
        self.written = 0

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        self._redis.xadd(self.stream, {FIELD: document.to_json()}, maxlen=self.max_len, approximate=True)
        self.written += 1
        if on_stored:
            on_stored()
        return True

    def close(self) -> None:
        pass  # every write is already in Redis
