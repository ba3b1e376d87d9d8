"""Downloader middlewares: what keeps the crawler safe, patient and correct about charsets.

- :class:`PrivateAddressGuard` refuses requests to private, loopback, link-local and other non-public
  addresses unless the source sets ``allow_private``; it checks every request, so redirects and followed
  links cannot reach an internal service either.
- :class:`BackoffRetryMiddleware` is Scrapy's retry middleware with exponential backoff between tries.
- :class:`CharsetMiddleware` re-decodes pages whose charset is missing, wrong or overridden.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawlers.charset import choose_encoding

logger = logging.getLogger(__name__)


class RequestRefused(IgnoreRequest):
    """A request the crawler will not make; ``reason`` is counted as a drop."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {message}")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6 (mapped, 6to4, Teredo) is judged by the IPv4 address it reaches.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


class PrivateAddressGuard:
    """Resolve each request's host and refuse non-public addresses unless the spider allows them."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._resolved: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler)

    async def _addresses(self, host: str) -> list[str]:
        try:
            ipaddress.ip_address(host.strip("[]"))
            return [host.strip("[]")]
        except ValueError:
            pass
        if host not in self._resolved:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except OSError:
                return []  # unresolvable: let the download fail with its own DNS error
            self._resolved[host] = sorted({info[4][0] for info in infos})
        return self._resolved[host]

    async def process_request(self, request: Request) -> None:
        if getattr(self.crawler.spider, "allow_private", False):
            return None
        host = request.url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
        host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        for address in await self._addresses(host):
            if not is_public_address(address):
                raise RequestRefused(
                    "private-address",
                    f"{request.url} resolves to non-public address {address}; "
                    "set allow_private: true on the source to crawl it",
                )
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry timeouts, connection errors and 5xx with exponential backoff (``RETRY_BACKOFF`` × 2^n)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            tries = retry.meta.get("retry_times", 1)
            delay = min(self.backoff * 2 ** (tries - 1), self.backoff_max)
            # Wall-clock time: in a fleet the retry may be taken from the shared queue on another machine.
            retry.meta["retry_not_before"] = time.time() + delay
        return retry

    async def process_request(self, request: Request) -> None:
        not_before = request.meta.get("retry_not_before")
        if not_before is not None:
            wait = min(not_before - time.time(), self.backoff_max)  # a skewed clock waits no longer than this
            if wait > 0:
                await asyncio.sleep(wait)
        return None


class CharsetMiddleware:
    """Give every HTML page the encoding :func:`crawlers.charset.choose_encoding` picks."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        override = getattr(self.crawler.spider, "encoding_override", None)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        encoding, how = choose_encoding(response.body, content_type, override)
        request.meta["charset_how"] = how
        if how == "misdeclared":
            logger.info("%s declares a charset its bytes do not match; decoded as %s", response.url, encoding)
        if encoding != response.encoding:
            return response.replace(encoding=encoding)
        return response
