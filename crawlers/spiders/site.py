"""The config-driven site spider: listing pages, RSS/Atom feeds and per-entity search pages lead to
article (or forum post) pages, which become documents."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import feedparser
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawlers.dates import parse_date
from crawlers.errors import ExtractionError
from crawlers.extract import extract_page
from crawlers.items import Document
from crawlers.spiders import register_spider
from crawlers.spiders.base import SourceSpider
from crawlers.urls import canonical_url, document_id

logger = logging.getLogger(__name__)


@register_spider("site")
class SiteSpider(SourceSpider):
    """Follows ``follow`` links, fetches unseen ``article`` links, reads feeds and search pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.source
        # Off-site links are filtered (and counted) by Scrapy's OffsiteMiddleware using allowed_domains;
        # LinkExtractor's allow_domains would compare host:port and miss every site on a port.
        self.article_links = LinkExtractor(allow=source.article)
        self.follow_links = LinkExtractor(allow=source.follow, deny=source.article)
        self.budget = self.max_pages

    def _spend(self, request: Request) -> Request | None:
        """Let a request through while the run's page budget lasts; count the ones left for next run."""
        if self.budget <= 0:
            self.count("riskwatch/deferred")
            return None
        self.budget -= 1
        return request

    def entry_requests(self) -> list[Request]:
        """The source's listings, feeds and per-entity search pages, within the page budget."""
        feed_meta = {"role": "feed"}
        candidates = [self._listing(url) for url in self.source.start_urls]
        candidates += [
            self._spend(Request(url, callback=self.parse_feed, errback=self.on_error, meta=feed_meta))
            for url in self.source.feeds
        ]
        if self.source.search:
            for query in self.runtime.queries:
                encoded = quote(query.encode(self.source.search_encoding, errors="replace"))
                candidates.append(
                    self._listing(self.source.search.replace("{query}", encoded), role="search")
                )
        return [request for request in candidates if request is not None]

    def _listing(self, url: str, role: str = "listing") -> Request | None:
        meta = {"role": role}
        return self._spend(Request(url, callback=self.parse_listing, errback=self.on_error, meta=meta))

    def _article(self, url: str, **meta: Any) -> Request | None:
        url = canonical_url(url)
        if not self.runtime.refetch and self.runtime.state.is_seen(document_id(url)):
            self.count("riskwatch/skipped_seen")
            return None
        meta = {"role": "article", **meta}
        return self._spend(Request(url, callback=self.parse_article, errback=self.on_error, meta=meta))

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self.count_drop("not-html")
            return
        for link in self.article_links.extract_links(response):
            request = self._article(link.url)
            if request is not None:
                yield request
        if response.meta.get("role") == "listing":
            for link in self.follow_links.extract_links(response):
                listing = self._listing(link.url)
                if listing is not None:
                    yield listing

    def parse_feed(self, response: Response) -> Iterator[Request]:
        feed = feedparser.parse(response.body)
        if feed.bozo and not feed.entries:
            self.count_drop("bad-feed")
            logger.warning("[%s] %s is not a readable feed: %s", self.name, response.url, feed.bozo_exception)
            return
        patterns = self.article_links.allow_res
        for entry in feed.entries:
            link = entry.get("link")
            if not link or (patterns and not any(p.search(link) for p in patterns)):
                continue
            request = self._article(response.urljoin(link), feed_published=entry.get("published"))
            if request is not None:
                yield request

    def parse_article(self, response: Response) -> Iterator[Document]:
        now = self.runtime.now()
        if not isinstance(response, TextResponse):
            self.count_drop("not-html")
            self.runtime.state.mark_seen(document_id(response.url), response.url, self.name, "not-html")
            return
        try:
            extracted = extract_page(
                response.text, response.url, now, self.source.selectors.as_dict(), self.source.kind
            )
        except ExtractionError as exc:
            self.count_drop(exc.reason)
            logger.warning("[%s] dropped %s: %s", self.name, response.url, exc)
            self.runtime.state.mark_seen(document_id(response.url), response.url, self.name, exc.reason)
            return
        published_at = extracted.published_at
        if published_at is None and response.meta.get("feed_published"):
            published_at = parse_date(response.meta["feed_published"], now)
        if published_at is None:
            self.count("riskwatch/no_date")
        requested = response.request.url if response.request else response.url
        if canonical_url(requested) != canonical_url(response.url):
            self.runtime.state.mark_seen(document_id(requested), requested, self.name, "redirected")
        url = canonical_url(response.url)
        yield Document(
            id=document_id(url),
            url=url,
            source=self.name,
            kind=self.source.kind,
            title=extracted.title,
            content=extracted.content,
            author=extracted.author,
            published_at=published_at,
            crawled_at=now,
            raw_sha256=hashlib.sha256(response.body).hexdigest(),
            engagement=extracted.engagement,
            encoding=response.encoding,
        )
