"""A crawl worker's share of the fleet: the Redis client, the shared crawl state, the document stream and
the Scrapy settings that put the frontier in Redis (scrapy-redis). ``riskwatch crawl --worker`` builds one
with :func:`join_fleet` and hands it to :func:`crawlers.runner.run_crawl`."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from crawlers.fleet_config import FleetOptions, connect
from crawlers.fleet_sink import StreamSink
from crawlers.fleet_state import RedisCrawlState
from crawlers.settings import DOWNLOADER_MIDDLEWARES
from crawlers.sources import CrawlOptions, SourceConfig

POLITENESS_MIDDLEWARE = "crawlers.fleet_politeness.FleetPolitenessMiddleware"


@dataclass
class FleetCrawl:
    client: Any
    options: FleetOptions
    url: str
    state: RedisCrawlState
    sink: StreamSink
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )

    def settings(self, crawl: CrawlOptions) -> dict[str, Any]:
        """Scrapy settings of a fleet worker, merged over :func:`crawlers.settings.crawl_settings`."""
        key = self.options.key
        return {
            "SCHEDULER": "crawlers.fleet_scheduler.FleetScheduler",
            "SCHEDULER_PERSIST": True,  # one worker closing must not clear the fleet's queue
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue",
            "SCHEDULER_QUEUE_KEY": key("crawl", "%(spider)s", "requests"),
            "SCHEDULER_DUPEFILTER_KEY": key("crawl", "%(spider)s", "dupefilter"),
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_SERIALIZER": "crawlers.fleet_serializer",
            "REDIS_URL": self.url,
            "RISKWATCH_FLEET": self.options,
            "RISKWATCH_WORKER_ID": self.worker_id,
            "RISKWATCH_FLEET_HOST_DELAY": crawl.download_delay,
            "RISKWATCH_FLEET_HOST_CONCURRENCY": crawl.concurrency_per_domain,
            # After the retry backoff (550): a retried page waits for its host's slot like any other.
            "DOWNLOADER_MIDDLEWARES": {**DOWNLOADER_MIDDLEWARES, POLITENESS_MIDDLEWARE: 570},
        }

    def source_settings(self, source: SourceConfig, crawl: CrawlOptions) -> dict[str, Any]:
        """A worker takes from the shared queue only what it can download at once: Scrapy would otherwise
        pull up to CONCURRENT_REQUESTS pages into its own downloader queue, leaving the others idle."""
        return {"CONCURRENT_REQUESTS": crawl.concurrency_per_domain * max(1, len(source.hosts))}


def join_fleet(options: FleetOptions, url: str) -> FleetCrawl:
    """Connect to the fleet's Redis (a :class:`redis.ConnectionError` if it is unreachable)."""
    client = connect(url)
    client.ping()
    return FleetCrawl(client, options, url, RedisCrawlState(client, options), StreamSink(client, options))
