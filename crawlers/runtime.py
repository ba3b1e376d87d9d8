"""What one crawl run shares between its spiders and pipelines (state, sink, reprint index, clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from crawlers.items import SHANGHAI
from crawlers.reprints import ReprintIndex
from crawlers.sinks import DocumentSink
from crawlers.state import SeenState


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI)


@dataclass
class CrawlRuntime:
    state: SeenState
    sink: DocumentSink
    reprints: ReprintIndex
    now: Callable[[], datetime] = shanghai_now
    queries: list[str] = field(default_factory=list)
    refetch: bool = False
    fleet: bool = False  # one worker of a fleet: the frontier and the state are shared in Redis
    # Content hashes of documents a sink holds back (not yet in the state): exact copies must see them too.
    pending_content: dict[str, str] = field(default_factory=dict)
