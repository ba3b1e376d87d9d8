"""The index stage of the pipeline: crawl → mask → (tag) → store, as a crawler :class:`DocumentSink`.

Documents are held until a batch is full, then masked, tagged (those not yet tagged, when a tagger is
given) and put into the store in one call. Masking first keeps the stored text and the tagger's mention
offsets in step (a mask keeps the length), and personal numbers never reach the model. ``on_stored`` runs only after the store, or its spool, has the
batch, so a crawl killed with a batch in hand fetches those pages again next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from crawlers.items import Document
from crawlers.limits import DEFAULT_MAX_CONTENT_CHARS, bound_document
from crawlers.sinks import OnStored
from indexer.masking import Masker
from indexer.records import as_tagged
from indexer.store import Store
from nlp.types import TaggedDocument

BATCH_SIZE = 256


class BatchTagger(Protocol):
    """What the sink needs of :class:`nlp.tagger.Tagger`."""

    def tag(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]: ...


def is_tagged(document: Document) -> bool:
    return isinstance(document, TaggedDocument) and (
        document.model is not None or document.sentiment is not None
    )


@dataclass
class IndexReport:
    stored: int = 0  # documents the store (or its spool) accepted
    tagged: int = 0  # documents tagged on the way in
    untagged: int = 0  # documents stored without tags (no model installed)
    truncated: int = 0  # documents cut to max_content_chars here (extra.truncated records it)
    masked: dict[str, int] = field(default_factory=dict)  # numbers masked by kind, and documents affected

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "tagged": self.tagged,
            "untagged": self.untagged,
            "truncated": self.truncated,
            "masked": dict(self.masked),
        }


class StoreSink:
    """A :class:`crawlers.sinks.DocumentSink` that indexes into a :class:`Store` in batches."""

    def __init__(
        self,
        store: Store,
        masker: Masker | None = None,
        tagger: BatchTagger | None = None,
        batch_size: int = BATCH_SIZE,
        close_store: bool = True,
        max_content_chars: int = DEFAULT_MAX_CONTENT_CHARS,
    ) -> None:
        self.store = store
        self.masker = masker or Masker()
        self.tagger = tagger
        self.batch_size = batch_size
        self.close_store = close_store
        self.max_content_chars = max_content_chars
        self.report = IndexReport()
        self._held: list[tuple[Document, OnStored | None]] = []

    @property
    def written(self) -> int:
        return self.report.stored

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        self._held.append((document, on_stored))
        if len(self._held) >= self.batch_size:
            self.flush()
        return True

    def _tag(self, documents: list[TaggedDocument]) -> list[TaggedDocument]:
        todo = [i for i, doc in enumerate(documents) if not is_tagged(doc)]
        if self.tagger is None or not todo:
            self.report.untagged += len(todo)
            return documents
        records = [
            {
                "id": documents[i].id,
                "title": documents[i].title,
                "content": documents[i].content,
                "kind": documents[i].kind,  # what the sentiment label means: news or a post
            }
            for i in todo
        ]
        for i, tags in zip(todo, self.tagger.tag(records), strict=True):
            documents[i] = TaggedDocument.from_document(documents[i], tags)
        self.report.tagged += len(todo)
        return documents

    def flush(self) -> None:
        """Mask, tag and store what is held; then tell the crawl each document is stored."""
        if not self._held:
            return
        held, self._held = self._held, []
        for document, _ in held:
            self.report.truncated += bool(bound_document(document, self.max_content_chars))
        documents = [self.masker.mask(as_tagged(doc)) for doc, _ in held]
        documents = self._tag(documents)
        self.report.stored += self.store.put(documents)
        self.report.masked = self.masker.report.to_dict()
        for _, on_stored in held:
            if on_stored:
                on_stored()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self.close_store:
                self.store.close()
