"""The base of every source spider: one configured source, its runtime, and how failures are counted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawlers.middlewares import RequestRefused
from crawlers.runtime import CrawlRuntime
from crawlers.sources import SourceConfig
from crawlers.urls import document_id

logger = logging.getLogger(__name__)

DROP_STAT = "riskwatch/drop/{}"
# A page that answers with these is gone for good: remember it so the next run does not ask again.
PERMANENT_STATUSES = frozenset({404, 410, 451})


def failure_reason(failure: Failure) -> str:
    """A short, countable reason for a failed request."""
    exc = failure.value
    if isinstance(exc, RequestRefused):
        return exc.reason
    if isinstance(exc, HttpError):
        return f"http-{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return "robots-disallowed" if "robots.txt" in str(exc) else "ignored"
    if isinstance(exc, DownloadCancelledError | CancelledError):
        # Scrapy cancels a download only for DOWNLOAD_MAXSIZE: announced by Content-Length (message says
        # "max size"), or reached while reading a body sent without one (empty message).
        return "too-large"
    if isinstance(exc, DownloadTimeoutError | TimeoutError | TCPTimedOutError):
        return "timeout"
    if isinstance(exc, DNSLookupError) or type(exc).__name__ == "CannotResolveHostError":
        return "dns-error"
    if isinstance(exc, ConnectionRefusedError) or type(exc).__name__ == "DownloadConnectionRefusedError":
        return "connection-refused"
    return "network-error"


class SourceSpider(scrapy.Spider):
    """Base of source spiders. :meth:`for_source` makes a subclass bound to one source and run."""

    name = "source"
    source: ClassVar[SourceConfig]
    runtime: ClassVar[CrawlRuntime]
    allow_private: ClassVar[bool] = False
    encoding_override: ClassVar[str | None] = None
    max_pages: ClassVar[int] = 2000

    @classmethod
    def for_source(
        cls, source: SourceConfig, runtime: CrawlRuntime, settings: dict[str, Any], max_pages: int
    ) -> type[SourceSpider]:
        return type(
            f"{cls.__name__}_{source.name.replace('-', '_')}",
            (cls,),
            {
                "name": source.name,
                "source": source,
                "runtime": runtime,
                "allowed_domains": source.hosts,
                "allow_private": source.allow_private,
                "encoding_override": source.encoding,
                "max_pages": source.max_pages or max_pages,
                "custom_settings": settings,
            },
        )

    def entry_requests(self) -> list[scrapy.Request]:
        """Where a crawl of the source starts (listings, feeds, searches); each spider kind says."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # In a fleet the worker that starts the round queues the entry pages (crawlers.fleet_scheduler).
        if not self.runtime.fleet:
            for request in self.entry_requests():
                yield request

    def count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, value)

    def count_drop(self, reason: str) -> None:
        self.count(DROP_STAT.format(reason))

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: count the drop by reason and remember pages that are gone."""
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        self.count_drop(reason)
        logger.warning(
            "[%s] dropped %s: %s (%s: %s)",
            self.source.name,
            request.url,
            reason,
            type(failure.value).__name__,
            failure.value,
        )
        if request.meta.get("role") == "article":
            exc = failure.value
            if isinstance(exc, HttpError) and exc.response.status in PERMANENT_STATUSES:
                self.runtime.state.mark_seen(document_id(request.url), request.url, self.name, reason)
