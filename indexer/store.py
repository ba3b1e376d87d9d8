"""The store interface every backend implements (SQLite by default, Elasticsearch for the bank).

A store holds tagged documents by id (putting the same id again replaces it), searches them, and answers
the per-entity window counts that alerts and reports are built on. Entities are counted by their watchlist
id; a document's time is ``published_at``, or ``crawled_at`` when the page showed none.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from nlp.types import TaggedDocument


@dataclass(frozen=True)
class SearchQuery:
    """Full-text query plus filters; every filter is optional and they combine with AND."""

    text: str = ""
    entity: str | None = None  # watchlist id, or an entity name as tagged
    sentiment: str | None = None  # the document's sentiment label
    # Entity-level: documents the model judged negative about ``entity`` (about any entity when no entity
    # is given): the judgement alerts and reports count, not the document's own sentiment label.
    negative: bool = False
    event: str | None = None  # a risk-event type
    source: str | None = None
    since: datetime | None = None  # document time >= since
    until: datetime | None = None  # document time < until
    limit: int = 20
    offset: int = 0  # hits skipped before the first returned (paging)
    # At most this many matches are counted, ranked and faceted (the newest stored, where the backend can
    # tell); beyond it ``total`` is a lower bound (``total_exact`` False). None: every match, exactly.
    bound: int | None = None


@dataclass
class SearchHit:
    document: TaggedDocument
    score: float
    snippet: str  # a piece of the text with the matched terms marked 【like this】


@dataclass
class SearchResult:
    total: int  # every matching document, not only the hits returned (at least this many when not exact)
    hits: list[SearchHit]
    entity_facets: dict[str, int]  # entity name -> matching documents that mention it
    event_facets: dict[str, int] = field(default_factory=dict)  # risk-event type -> matching documents
    total_exact: bool = True  # False: more than SearchQuery.bound matched; facets cover the newest bound


@dataclass(frozen=True)
class Window:
    """A half-open time range ``[start, end)``."""

    start: datetime
    end: datetime


@dataclass
class EntityCounts:
    """One entity in one window."""

    documents: int = 0  # documents that mention the entity
    negative: int = 0  # documents tagged negative about this entity (entity-level, not document-level)
    negative_stories: int = 0  # distinct cluster_id (a document's own id when it has none) among those
    events: dict[str, int] = field(
        default_factory=dict
    )  # risk-event type -> documents with it for the entity


@runtime_checkable
class Store(Protocol):
    """What alerts, reports and the CLI may ask of a store."""

    def put(self, documents: Sequence[TaggedDocument]) -> int:
        """Insert or replace by id; returns how many were written."""
        ...

    def get(self, document_id: str) -> TaggedDocument | None: ...

    def count(self) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def entity_counts(
        self, windows: Sequence[Window], entity_ids: Collection[str] | None = None
    ) -> list[dict[str, EntityCounts]]:
        """For each window, every watchlist entity with at least one document in it (or only
        ``entity_ids``) -> its counts. No top-N cap: 10,000 entities come back as 10,000 keys."""
        ...

    def negative_documents(self, entity_id: str, window: Window, limit: int) -> list[TaggedDocument]:
        """The latest documents negative about the entity in the window: evidence for alerts and reports."""
        ...

    def close(self) -> None: ...
