"""Politeness across a fleet: requests to one host are spaced by ``crawl.download_delay`` fleet-wide.

Each worker still keeps its own Scrapy delay and per-domain concurrency; this middleware adds one shared
slot per host in Redis (``<prefix>:crawl:host:<host>``: the next free instant, on the server's clock), so N
workers do not fetch from a site N times as fast as one would."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured

from crawlers.fleet_config import FleetOptions, connect

# Reserve the host's next slot; returns the seconds to wait for it (as a string: Lua numbers lose decimals).
RESERVE_SLOT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local delay = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
redis.call('SET', KEYS[1], tostring(slot + delay), 'PX', math.ceil((slot + delay - now) * 1000) + 1000)
return tostring(slot - now)
"""


class FleetPolitenessMiddleware:
    def __init__(self, client: Any, options: FleetOptions, delay: float) -> None:
        self.options = options
        self.delay = delay
        self._reserve = client.register_script(RESERVE_SLOT)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetPolitenessMiddleware:
        settings = crawler.settings
        delay = settings.getfloat("RISKWATCH_FLEET_HOST_DELAY")
        if not settings.get("RISKWATCH_FLEET") or delay <= 0:
            raise NotConfigured("no fleet, or no delay between requests to a host")
        return cls(connect(settings["REDIS_URL"]), settings["RISKWATCH_FLEET"], delay)

    def wait_for_slot(self, host: str) -> float:
        """Reserve the host's next slot; the seconds until it."""
        key = self.options.key("crawl", "host", host)
        return float(self._reserve(keys=[key], args=[repr(self.delay)]))

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        wait = self.wait_for_slot(host)
        if wait > 0:
            await asyncio.sleep(wait)
        return None
