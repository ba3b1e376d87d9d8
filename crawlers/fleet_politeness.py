"""Politeness across a fleet: per host, at most ``crawl.concurrency_per_domain`` requests at once and one
request every ``crawl.download_delay`` seconds, counted over all workers together.

Each worker still keeps its own Scrapy delay and per-domain concurrency; this middleware adds, per host in
Redis, a lease set of the requests in progress (``<prefix>:crawl:host:<host>:active``: a lease runs out
after the download timeout, so a killed worker's leases free themselves) and the next free instant
(``<prefix>:crawl:host:<host>``, on the server's clock), so N workers do not fetch from a site N times as
fast as one would.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.fleet_config import FleetOptions, connect

LEASE_KEY = "riskwatch_host_lease"  # request.meta: the lease this request holds
RETRY_S = 0.05  # how often a request waiting for a host's free place asks again

# Take one of the host's places if one is free (expired leases dropped first); 1 if taken, else 0.
TAKE_PLACE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
return 1
"""

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
    def __init__(
        self, client: Any, options: FleetOptions, delay: float, concurrency: int = 0, timeout: float = 180.0
    ) -> None:
        """``concurrency``: requests at once per host, fleet-wide (0: no limit); ``timeout``: how long a
        lease lasts if its worker never gives it back."""
        self.redis = client
        self.options = options
        self.delay = delay
        self.concurrency = concurrency
        self.timeout = timeout
        self._reserve = client.register_script(RESERVE_SLOT)
        self._take = client.register_script(TAKE_PLACE)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetPolitenessMiddleware:
        settings = crawler.settings
        if not settings.get("RISKWATCH_FLEET"):
            raise NotConfigured("not a fleet worker")
        return cls(
            connect(settings["REDIS_URL"]),
            settings["RISKWATCH_FLEET"],
            settings.getfloat("RISKWATCH_FLEET_HOST_DELAY"),
            settings.getint("RISKWATCH_FLEET_HOST_CONCURRENCY"),
            # A lease outlives the longest a request can take: the download timeout, times its retries.
            settings.getfloat("DOWNLOAD_TIMEOUT") + 60,
        )

    def _key(self, host: str, *parts: str) -> str:
        return self.options.key("crawl", "host", host, *parts)

    def wait_for_slot(self, host: str) -> float:
        """Reserve the host's next slot; the seconds until it."""
        if self.delay <= 0:
            return 0.0
        return float(self._reserve(keys=[self._key(host)], args=[repr(self.delay)]))

    def take_place(self, host: str, lease: str) -> bool:
        """Take one of the host's ``concurrency`` places for ``lease``; ``False`` while all are taken."""
        if self.concurrency <= 0:
            return True
        key = self._key(host, "active")
        return bool(self._take(keys=[key], args=[self.concurrency, repr(self.timeout), lease]))

    def give_back(self, request: Request) -> None:
        lease = request.meta.pop(LEASE_KEY, None)
        if lease is not None:
            self.redis.zrem(self._key(urlsplit(request.url).hostname or "", "active"), lease)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        lease = uuid.uuid4().hex
        while not self.take_place(host, lease):
            await asyncio.sleep(RETRY_S)
        if self.concurrency > 0:
            request.meta[LEASE_KEY] = lease
        wait = self.wait_for_slot(host)
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        self.give_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.give_back(request)
        return None
