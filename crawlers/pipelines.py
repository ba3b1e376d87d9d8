"""Item pipelines, in order: validate → cluster reprints (and drop exact copies) → store.

Every drop raises :class:`DropItem` through :func:`drop`, which counts it by reason and remembers the page,
so nothing disappears without a trace in the run's summary.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers import limits, reprints
from crawlers.items import Document
from crawlers.spiders.base import DROP_STAT, SourceSpider


def drop(spider: SourceSpider, document: Document, reason: str, message: str) -> DropItem:
    """Count a dropped document, mark its page seen, and return the exception to raise."""
    spider.count_drop(reason)
    spider.runtime.state.mark_seen(document.id, document.url, spider.name, reason)
    return DropItem(f"{reason}: {message}")


class _Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> SourceSpider:
        spider = self.crawler.spider
        assert isinstance(spider, SourceSpider)
        return spider


class ValidatePipeline(_Stage):
    """Reject documents without text; clear publication times that lie in the future; cut a text longer
    than ``max_content_chars`` before anything reads it whole (the cut recorded: :mod:`crawlers.limits`)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_content_chars = crawler.settings.getint(
            limits.SCRAPY_SETTING, limits.DEFAULT_MAX_CONTENT_CHARS
        )

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        if not item.content.strip():
            raise drop(spider, item, "empty-content", f"{item.url} has no text")
        cuts = limits.bound_document(item, self.max_content_chars)
        if cuts:
            spider.count("riskwatch/truncated")
            spider.logger.info("%s: %s", item.url, limits.describe(cuts))
        if item.published_at and item.published_at > item.crawled_at + timedelta(days=1):
            spider.count("riskwatch/future_date_cleared")
            item.published_at = None
        return item


class ReprintPipeline(_Stage):
    """Drop exact copies already stored; give near-duplicates the cluster of the story they reprint."""

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        runtime = spider.runtime
        if not runtime.refetch and runtime.state.has_document(item.id):
            raise drop(spider, item, "already-stored", f"{item.url} was stored by an earlier run")
        digest = reprints.content_sha256(item.content)
        twin = runtime.pending_content.get(digest) or runtime.state.document_with_content(digest)
        if twin is not None and twin != item.id:
            raise drop(spider, item, "duplicate-content", f"{item.url} repeats document {twin}")
        signature = reprints.minhash(item.content)
        item.cluster_id, similarity = runtime.reprints.assign(item.id, signature)
        if item.cluster_id != item.id:
            spider.count("riskwatch/reprints")
            item.extra["reprint_similarity"] = round(similarity, 3)
        item.extra["_signature"] = signature
        item.extra["_content_sha256"] = digest
        return item


class StorePipeline(_Stage):
    """Hand the document to the run's sink; record it in the crawl state once the sink has stored it."""

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        runtime = spider.runtime
        signature = item.extra.pop("_signature")
        digest = item.extra.pop("_content_sha256")
        cluster_id = item.cluster_id or item.id
        runtime.reprints.add(item.id, cluster_id, signature)  # at once: later items of a batch compare to it
        runtime.pending_content[digest] = item.id

        def stored() -> None:
            runtime.state.record_document(
                item.id, item.url, spider.name, digest, cluster_id, reprints.to_bytes(signature)
            )
            runtime.pending_content.pop(digest, None)

        if not runtime.sink.write(item, stored):
            stored()  # the output holds it already: remember it, so no later run fetches it again
            spider.count_drop("already-in-output")
            raise DropItem(f"already-in-output: {item.url} is in the output file already")
        spider.count("riskwatch/stored")
        return item


__all__ = ["DROP_STAT", "ReprintPipeline", "StorePipeline", "ValidatePipeline"]
