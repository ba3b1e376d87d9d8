"""The tagged document: the crawler's record extended with what the NLP stage found."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from crawlers.items import Document


@dataclass
class TaggedDocument(Document):
    """A :class:`crawlers.items.Document` plus the tagging contract's fields (plain data, JSON-ready)."""

    sentiment: dict[str, Any] | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    model: dict[str, str] | None = None

    @classmethod
    def from_document(cls, document: Document, tags: dict[str, Any]) -> TaggedDocument:
        values = {f.name: getattr(document, f.name) for f in fields(Document)}
        return cls(
            **values,
            sentiment=tags["sentiment"],
            entities=tags["entities"],
            events=tags["events"],
            model=tags["model"],
        )
