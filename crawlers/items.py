"""The document record every stage reads and extends, serialised as one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DocumentKind = Literal["news", "forum", "social"]
KINDS: tuple[str, ...] = ("news", "forum", "social")


@dataclass
class Engagement:
    """Counts a forum page shows for a post; ``None`` where the page does not show one."""

    replies: int | None = None
    reads: int | None = None
    likes: int | None = None

    def is_empty(self) -> bool:
        return self.replies is None and self.reads is None and self.likes is None


@dataclass
class Document:
    """One crawled article or forum post.

    ``id`` is the hash of the canonical URL (see :func:`crawlers.urls.document_id`), so the same page
    crawled twice is the same document. ``cluster_id`` groups reprints of one story across sites: it is
    the id of the first document of the cluster that was seen.
    """

    id: str
    url: str
    source: str
    kind: DocumentKind
    title: str
    content: str
    crawled_at: datetime
    raw_sha256: str
    author: str | None = None
    published_at: datetime | None = None
    engagement: Engagement | None = None
    cluster_id: str | None = None
    encoding: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values: times in ISO 8601, engagement as a dict. The dict is new, but
        the lists and dicts inside it (``extra``, a tagged document's entities) are the document's own:
        ``dataclasses.asdict`` would deep-copy every entity and mention, which at indexing rates (5,000
        documents/s) cost more than segmenting the text. Copy a nested value before changing it."""
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        data["crawled_at"] = self.crawled_at.isoformat()
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        if self.engagement is not None:
            data["engagement"] = asdict(self.engagement)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown document field(s): {', '.join(unknown)}")
        values = dict(data)
        for name in ("crawled_at", "published_at"):
            raw = values.get(name)
            if isinstance(raw, str):
                parsed = datetime.fromisoformat(raw)
                values[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
        if isinstance(values.get("engagement"), dict):
            values["engagement"] = Engagement(**values["engagement"])
        if values.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {values.get('kind')!r}")
        return cls(**values)

    @classmethod
    def from_json(cls, line: str) -> Document:
        return cls.from_dict(json.loads(line))


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
