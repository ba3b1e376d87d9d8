"""The private-address guard on every request a spider makes, names resolved through real DNS lookups."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import pytest
from scrapy import Request

from crawlers.middlewares import PrivateAddressGuard, RequestRefused


def guard(allow_private: bool) -> PrivateAddressGuard:
    crawler = SimpleNamespace(spider=SimpleNamespace(allow_private=allow_private))
    return PrivateAddressGuard(crawler)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/admin",  # a name that resolves to loopback
        "http://127.0.0.1/",
        "http://10.1.2.3/internal",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
        "http://[::1]:9200/_cat/indices",
        "http://user:secret@192.168.0.1:8443/x",
    ],
)
def test_followed_links_to_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(RequestRefused) as refused:
        asyncio.run(guard(allow_private=False).process_request(Request(url)))
    assert refused.value.reason == "private-address"
    assert "allow_private" in str(refused.value)


def test_allow_private_lets_internal_addresses_through() -> None:
    assert asyncio.run(guard(allow_private=True).process_request(Request("http://localhost/x"))) is None


def test_unresolvable_names_are_left_to_the_download(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that does not resolve is not refused here; the download then fails with its DNS error.
    (The lookup is made to fail in-process: tests send nothing to a DNS server.)"""

    async def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", no_such_host)
    request = Request("http://no-such-host.invalid/x")
    assert asyncio.run(guard(allow_private=False).process_request(request)) is None
