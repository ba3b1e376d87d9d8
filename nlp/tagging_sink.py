"""Tag crawled documents in batches on their way to the output: crawl → tag → store.

A document is held until its batch is tagged and written; only then does the crawl record its page as seen
(through ``on_stored``), so a crawl killed with a batch in hand loses nothing: those pages are fetched
again next run.
"""

from __future__ import annotations

from crawlers.items import Document
from crawlers.limits import DEFAULT_MAX_CONTENT_CHARS, bound_document
from crawlers.sinks import DocumentSink, OnStored
from nlp.tagger import Tagger
from nlp.types import TaggedDocument


class TaggingSink:
    def __init__(
        self,
        inner: DocumentSink,
        tagger: Tagger,
        batch_size: int = 32,
        max_content_chars: int = DEFAULT_MAX_CONTENT_CHARS,
    ) -> None:
        self.inner = inner
        self.tagger = tagger
        self.batch_size = batch_size
        self.max_content_chars = max_content_chars  # longer texts are cut first (crawlers.limits)
        self._held: list[tuple[Document, OnStored | None]] = []

    @property
    def written(self) -> int:
        return self.inner.written

    @property
    def recovered_partial_line(self) -> bool:
        return bool(getattr(self.inner, "recovered_partial_line", False))

    def write(self, document: Document, on_stored: OnStored | None = None) -> bool:
        self._held.append((document, on_stored))
        if len(self._held) >= self.batch_size:
            self.flush()
        return True

    def flush(self) -> None:
        if not self._held:
            return
        held, self._held = self._held, []
        for document, _ in held:
            bound_document(document, self.max_content_chars)
        # kind: what the sentiment label means (bad news for a company, or a poster's stance)
        records = [
            {"id": doc.id, "title": doc.title, "content": doc.content, "kind": doc.kind} for doc, _ in held
        ]
        for (document, on_stored), tags in zip(held, self.tagger.tag(records), strict=True):
            tagged = TaggedDocument.from_document(document, tags)
            if not self.inner.write(tagged, on_stored) and on_stored:
                on_stored()  # already in the output: still remember the page

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.inner.close()
