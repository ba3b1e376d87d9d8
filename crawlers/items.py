"""The document record every stage reads and extends, serialised as one JSON object per line."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Literal, NotRequired
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

SHANGHAI = ZoneInfo("Asia/Shanghai")
DocumentKind = Literal["news", "forum", "social"]
KINDS: tuple[str, ...] = ("news", "forum", "social")
UNION_TAG = re.compile(r"^(str|int|float|bool|datetime)$|[\[\-]")  # pydantic's name of a union's member


@dataclass
class Engagement:
    """Counts a forum page shows for a post; ``None`` where the page does not show one."""

    replies: int | None = None
    reads: int | None = None
    likes: int | None = None

    def is_empty(self) -> bool:
        return self.replies is None and self.reads is None and self.likes is None


class EngagementRecord(TypedDict, total=False):
    __pydantic_config__ = ConfigDict(strict=True, extra="forbid")  # type: ignore[misc]

    replies: int | None
    reads: int | None
    likes: int | None


class DocumentRecord(TypedDict):
    """A document as JSON: the contract every reader relies on, checked by :meth:`Document.from_dict`."""

    __pydantic_config__ = ConfigDict(strict=True, extra="forbid")  # type: ignore[misc]

    id: str
    url: str
    source: str
    kind: DocumentKind
    title: str
    content: str
    crawled_at: str | datetime
    raw_sha256: str
    author: NotRequired[str | None]
    published_at: NotRequired[str | datetime | None]
    engagement: NotRequired[EngagementRecord | None]
    cluster_id: NotRequired[str | None]
    encoding: NotRequired[str | None]
    extra: NotRequired[dict[str, Any]]


def contract_problem(contract: TypeAdapter[Any], data: dict[str, Any]) -> str | None:
    """The first way ``data`` breaks ``contract``, naming the field (``entities[0].negative``), or None."""
    try:
        contract.validate_python(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        parts = [p for p in error["loc"] if not (isinstance(p, str) and UNION_TAG.search(p))]
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
        where = where.lstrip(".")
        if error["type"] == "missing":
            return f"field '{where}' is missing"
        got = error.get("input")
        shown = repr(got) if len(repr(got)) <= 40 else repr(got)[:37] + "..."
        return f"field '{where}': {error['msg'].lower()}, got {type(got).__name__} {shown}"
    return None


def _time_field(values: dict[str, Any], name: str) -> None:
    raw = values.get(name)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"field '{name}': not an ISO 8601 time, got {raw[:40]!r}") from None
        values[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


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
    # The JSON contract from_dict checks: a reader never meets a field of the wrong type.
    contract: ClassVar[TypeAdapter[Any]] = TypeAdapter(DocumentRecord)

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
        if data.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {data.get('kind')!r}")
        problem = contract_problem(cls.contract, data)
        if problem:
            raise ValueError(problem)
        values = dict(data)
        for name in ("crawled_at", "published_at"):
            _time_field(values, name)
        if isinstance(values.get("engagement"), dict):
            values["engagement"] = Engagement(**values["engagement"])
        return cls(**values)

    @classmethod
    def from_json(cls, line: str) -> Document:
        return cls.from_dict(json.loads(line))


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
