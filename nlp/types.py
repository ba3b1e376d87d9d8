"""The tagged document: the crawler's record extended with what the NLP stage found."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, NotRequired, Required

from pydantic import ConfigDict, TypeAdapter
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

from crawlers.items import Document, DocumentRecord

# The tagging contract as JSON. Keys beyond these are allowed (a later model may add scores), but every key
# named here has the type every reader relies on: alerts, reports, search and the stores.
OPEN = ConfigDict(strict=True, extra="allow")


class SentimentRecord(TypedDict, total=False):
    __pydantic_config__ = OPEN  # type: ignore[misc]

    label: Required[str]
    score: float


class MentionRecord(TypedDict):
    __pydantic_config__ = OPEN  # type: ignore[misc]

    field: Literal["title", "content"]
    start: int
    end: int


class EntityRecord(TypedDict, total=False):
    __pydantic_config__ = OPEN  # type: ignore[misc]

    name: Required[str]
    type: str | None
    watchlist_id: str | None
    mentions: list[MentionRecord]
    negative: bool
    negative_score: float
    evidence: list[str]


class EventRecord(TypedDict, total=False):
    __pydantic_config__ = OPEN  # type: ignore[misc]

    type: Required[str]
    entity: str | None
    score: float


class TaggedRecord(DocumentRecord):
    """A tagged document as JSON (:meth:`TaggedDocument.from_dict` checks it)."""

    __pydantic_config__ = ConfigDict(strict=True, extra="forbid")  # type: ignore[misc]

    sentiment: NotRequired[SentimentRecord | None]
    entities: NotRequired[list[EntityRecord]]
    events: NotRequired[list[EventRecord]]
    model: NotRequired[dict[str, str] | None]


@dataclass
class TaggedDocument(Document):
    """A :class:`crawlers.items.Document` plus the tagging contract's fields (plain data, JSON-ready)."""

    sentiment: dict[str, Any] | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    model: dict[str, str] | None = None
    contract: ClassVar[TypeAdapter[Any]] = TypeAdapter(TaggedRecord)

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
