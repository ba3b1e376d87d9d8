"""Scrapy settings built from riskwatch's validated crawl options. Stage order is configuration here."""

from __future__ import annotations

from typing import Any

from crawlers.sources import CrawlOptions, SourceConfig

DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    # Runs before robots.txt (100) so that even the robots.txt request to an internal host is refused.
    "crawlers.middlewares.PrivateAddressGuard": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # Below HttpCompressionMiddleware (590): responses reach it decompressed.
    "crawlers.middlewares.CharsetMiddleware": 580,
}

ITEM_PIPELINES: dict[str, int] = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.ReprintPipeline": 200,
    "crawlers.pipelines.StorePipeline": 300,
}


def crawl_settings(options: CrawlOptions) -> dict[str, Any]:
    """Process-wide Scrapy settings."""
    return {
        "BOT_NAME": "riskwatch",
        "USER_AGENT": options.user_agent,
        "ROBOTSTXT_OBEY": options.obey_robots,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
        "AUTOTHROTTLE_START_DELAY": options.autothrottle_start_delay,
        "AUTOTHROTTLE_MAX_DELAY": options.autothrottle_max_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": options.autothrottle_target_concurrency,
        "DOWNLOAD_DELAY": options.download_delay,
        "CONCURRENT_REQUESTS": options.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": options.timeout,
        "DOWNLOAD_MAXSIZE": options.max_response_bytes,
        "DOWNLOAD_WARNSIZE": options.max_response_bytes // 2,
        "RETRY_ENABLED": options.retries > 0,
        "RETRY_TIMES": options.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_BACKOFF": options.retry_backoff,
        "RETRY_BACKOFF_MAX": options.retry_backoff_max,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "LOG_FORMATTER": "crawlers.logformat.QuietDropFormatter",
        "TELNETCONSOLE_ENABLED": False,  # no listening consoles in a bank's crawler
        "REMOTE_CONTROL_ENABLED": False,
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOG_INSTALL_ROOT_HANDLER": False,  # riskwatch configures logging itself (crawlers.runner)
    }


def source_settings(source: SourceConfig, options: CrawlOptions) -> dict[str, Any]:
    """Per-source overrides, applied as the source spider's ``custom_settings``."""
    settings: dict[str, Any] = {}
    if source.obey_robots is not None:
        settings["ROBOTSTXT_OBEY"] = source.obey_robots
    return settings
