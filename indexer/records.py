"""How a tagged document is flattened into the rows every backend indexes.

Both backends count from these rows, so they give identical per-entity counts: one row per watched or
tagged entity of a document, one per (event type, entity) pair. An event counts for an entity when the
event names it (by tagged name or watchlist id); an event naming no entity is a document-level event only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.items import SHANGHAI, Document
from nlp.types import TaggedDocument

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class EntityRow:
    entity_id: str | None  # watchlist id; None for an organisation not on the watchlist
    name: str
    negative: bool


@dataclass(frozen=True)
class EventRow:
    type: str
    entity_id: str | None  # watchlist id of the entity the event concerns, if it names a watched one
    entity: str | None  # the name the tagger gave


def aware(moment: datetime) -> datetime:
    """A naive timestamp is read as Shanghai time, as the crawler does."""
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exact (no float rounding)."""
    return (aware(moment) - EPOCH) // MICROSECOND


def from_epoch_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def document_time(document: Document) -> datetime:
    """``published_at``, or ``crawled_at`` when the page showed no date."""
    return aware(document.published_at or document.crawled_at)


def cluster_of(document: Document) -> str:
    """The story a document belongs to: its ``cluster_id``, or its own id."""
    return document.cluster_id or document.id


def sentiment_label(document: TaggedDocument) -> str | None:
    sentiment = document.sentiment
    return sentiment.get("label") if isinstance(sentiment, dict) else None


def as_tagged(document: Document) -> TaggedDocument:
    """A crawler document as a tagged one with no tags (sentiment None, no entities), unchanged if tagged."""
    if isinstance(document, TaggedDocument):
        return document
    return TaggedDocument(**{f.name: getattr(document, f.name) for f in fields(Document)})


def entity_rows(document: TaggedDocument) -> list[EntityRow]:
    """One row per entity: watched entities merged by id (negative if any mention says so), others by name."""
    merged: dict[tuple[str | None, str], EntityRow] = {}
    for entity in document.entities or []:
        watch_id = entity.get("watchlist_id") or None
        name = str(entity.get("name") or watch_id or "")
        if not name:
            continue
        key = (watch_id, "") if watch_id else (None, name)
        negative = bool(entity.get("negative"))
        previous = merged.get(key)
        if previous is not None:
            negative = negative or previous.negative
            name = previous.name
        merged[key] = EntityRow(watch_id, name, negative)
    return list(merged.values())


def event_rows(document: TaggedDocument) -> list[EventRow]:
    """One row per (event type, entity) pair; the entity resolved to its watchlist id where it is watched."""
    ids_by_name: dict[str, str] = {}
    for entity in document.entities or []:
        watch_id = entity.get("watchlist_id")
        if watch_id:
            ids_by_name[str(entity.get("name") or watch_id)] = watch_id
            ids_by_name[watch_id] = watch_id
    rows: dict[tuple[str, str | None, str | None], EventRow] = {}
    for event in document.events or []:
        event_type = event.get("type")
        if not event_type:
            continue
        name = event.get("entity") or None
        watch_id = ids_by_name.get(name) if name else None
        rows[(event_type, watch_id, name)] = EventRow(str(event_type), watch_id, name)
    return list(rows.values())


def search_fields(document: TaggedDocument) -> dict[str, Any]:
    """The flat fields a backend filters on."""
    return {
        "time": document_time(document),
        "source": document.source,
        "kind": document.kind,
        "sentiment": sentiment_label(document),
        "cluster": cluster_of(document),
    }
