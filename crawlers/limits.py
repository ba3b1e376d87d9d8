"""The most text one document carries through crawl, tag and index: a bound on each document's work and
memory, so that one huge page or line cannot stall or kill a run.

A longer content (``max_content_chars`` in the main config, default :data:`DEFAULT_MAX_CONTENT_CHARS`) or
title (:data:`MAX_TITLE_CHARS`) is cut, and the cut is written into the document itself, never dropped
silently: ``extra["truncated"] = {"content": {"original_chars": 6700000, "kept_chars": 200000}}``. A
document cut again later (a smaller bound at index time) keeps its first original length. Mention offsets
of a document tagged before it was cut may point past the kept text.

200,000 characters is about 40 times a long news article (Chinese news runs 300 to 5,000 characters) and
holds a whole annual report's management discussion; beyond it a page is a data dump, not news.
"""

from __future__ import annotations

from typing import Any

from crawlers.items import Document

DEFAULT_MAX_CONTENT_CHARS = 200_000
MIN_MAX_CONTENT_CHARS = 1_000
MAX_TITLE_CHARS = 1_000  # a longer "title" is a page's text in the wrong field
TRUNCATED = "truncated"  # the key in ``extra``
SCRAPY_SETTING = "RISKWATCH_MAX_CONTENT_CHARS"


def bound_record(record: dict[str, Any], max_content_chars: int) -> dict[str, dict[str, int]]:
    """Cut ``record``'s ``title`` and ``content`` (in place) to the bounds and record the cut in
    ``record["extra"]["truncated"]``; returns the cuts made now ({} when nothing was cut)."""
    cuts: dict[str, dict[str, int]] = {}
    for name, limit in (("title", MAX_TITLE_CHARS), ("content", max_content_chars)):
        text = record.get(name)
        if isinstance(text, str) and len(text) > limit:
            cuts[name] = {"original_chars": len(text), "kept_chars": limit}
            record[name] = text[:limit]
    if not cuts:
        return cuts
    extra = record.get("extra")
    if not isinstance(extra, dict):
        extra = record["extra"] = {}
    earlier = extra.get(TRUNCATED) if isinstance(extra.get(TRUNCATED), dict) else {}
    for name, cut in cuts.items():
        first = earlier.get(name)
        if isinstance(first, dict) and isinstance(first.get("original_chars"), int):
            cut["original_chars"] = first["original_chars"]
    extra[TRUNCATED] = {**earlier, **cuts}
    return cuts


def bound_document(document: Document, max_content_chars: int) -> dict[str, dict[str, int]]:
    """:func:`bound_record` for a document record (its ``title``, ``content`` and ``extra`` changed)."""
    if len(document.content) <= max_content_chars and len(document.title) <= MAX_TITLE_CHARS:
        return {}
    fields = {"title": document.title, "content": document.content, "extra": dict(document.extra)}
    cuts = bound_record(fields, max_content_chars)
    document.title, document.content, document.extra = fields["title"], fields["content"], fields["extra"]
    return cuts


def describe(cuts: dict[str, dict[str, int]]) -> str:
    """``content cut from 6,700,000 to 200,000 characters`` (and the title's, if cut)."""
    return "; ".join(
        f"{name} cut from {cut['original_chars']:,} to {cut['kept_chars']:,} characters"
        for name, cut in cuts.items()
    )
