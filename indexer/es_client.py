"""The Elasticsearch client the store talks through: credentials from the environment, TLS, retries.

Media types: the 9.x client marks every request ``application/vnd.elasticsearch+json; compatible-with=9``.
An Elasticsearch 8 server rejects that (it accepts compatibility with 8 and 7 only), and OpenSearch-
compatible servers (osmem-server, which the tests run) reject any vendor media type. :class:`PlainJsonNode`
sends plain ``application/json`` / ``application/x-ndjson`` instead, which every Elasticsearch from 7 to 9
and OpenSearch accept as "the server's own version of the API". The store only uses APIs whose shape is
the same in 8 and 9 (bulk, search, count, index templates, aliases), so nothing depends on the
compatibility layer. The product check (``X-Elastic-Product: Elasticsearch``) is left on.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, HttpHeaders, TlsError, Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch, TransportError, UnsupportedProductError

from indexer.errors import StoreError, StoreUnavailable

_VENDOR_MEDIA_TYPE = re.compile(r"application/vnd\.elasticsearch\+([\w.-]+)\s*;\s*compatible-with=\d+")
RETRY_ON_STATUS = (429, 502, 503, 504)


def plain_media_type(value: str) -> str:
    """``application/vnd.elasticsearch+json; compatible-with=9`` → ``application/json``."""
    return _VENDOR_MEDIA_TYPE.sub(r"application/\1", value)


class PlainJsonNode(Urllib3HttpNode):
    """The client's default urllib3 node, sending plain JSON media types (see the module docstring)."""

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers=None, **kw: Any):
        if headers:
            headers = HttpHeaders(headers)
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = plain_media_type(headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kw)


@dataclass(frozen=True)
class Connection:
    """Where and how to connect; secrets are read from the named environment variables at connect time."""

    url: str
    username_env: str | None = None
    password_env: str | None = None
    api_key_env: str | None = None
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout: float = 30.0
    max_retries: int = 3
    retry_backoff: float = 0.5  # seconds, doubled per retry (with jitter), capped at 30 s


def _secret(variable: str | None, key: str, environ: Mapping[str, str]) -> str | None:
    if not variable:
        return None
    value = environ.get(variable)
    if not value:
        raise StoreError(f"store.{key} names the environment variable {variable}, which is not set")
    return value


def auth_options(connection: Connection, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``api_key`` or a basic ``authorization`` header for the client, from the environment; none when nothing is named."""
    environ = os.environ if environ is None else environ
    api_key = _secret(connection.api_key_env, "api_key_env", environ)
    if api_key:
        return {"api_key": api_key}
    username = _secret(connection.username_env, "username_env", environ)
    password = _secret(connection.password_env, "password_env", environ)
    if username and password:
        # Built here rather than with ``basic_auth``, which encodes as ASCII: a password with non-ASCII
        # characters is sent UTF-8 encoded, as RFC 7617 and Elasticsearch expect.
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return {"headers": {"authorization": f"Basic {token}"}}
    if username or password:
        raise StoreError("store: username_env and password_env must be set together")
    return {}


def build_client(connection: Connection, environ: Mapping[str, str] | None = None) -> Elasticsearch:
    """A client with retries on connection errors, timeouts and 429/502/503/504 (exponential backoff)."""
    options: dict[str, Any] = {
        "node_class": PlainJsonNode,
        "request_timeout": connection.request_timeout,
        "max_retries": connection.max_retries,
        "retry_on_status": RETRY_ON_STATUS,
        "retry_on_timeout": True,
        "retry_backoff_base": connection.retry_backoff,
        "retry_backoff_cap": 30.0,
        **auth_options(connection, environ),
    }
    if connection.url.startswith("https:"):
        options["verify_certs"] = connection.verify_certs
        if connection.ca_certs:
            options["ca_certs"] = connection.ca_certs
        if not connection.verify_certs:
            options["ssl_show_warn"] = False
    return Elasticsearch(connection.url, **options)


@contextmanager
def store_errors(url: str, what: str) -> Iterator[None]:
    """Client exceptions as the indexer's: unreachable or overloaded → :class:`StoreUnavailable` (the spool
    keeps the documents), anything the server refused → :class:`StoreError`."""
    try:
        yield
    except TlsError as exc:  # a certificate problem does not heal by waiting
        raise StoreError(f"Elasticsearch at {url}: {what}: TLS error: {exc}") from exc
    except (TransportConnectionError, ConnectionTimeout) as exc:
        raise StoreUnavailable(f"Elasticsearch at {url} unreachable ({what}): {exc}") from exc
    except ApiError as exc:
        status = exc.meta.status if exc.meta is not None else 0
        message = f"Elasticsearch at {url}: {what}: HTTP {status} {exc.message}"
        if status in RETRY_ON_STATUS or status >= 500:
            raise StoreUnavailable(message) from exc
        raise StoreError(message) from exc
    except (TransportError, UnsupportedProductError) as exc:
        raise StoreError(f"Elasticsearch at {url}: {what}: {exc}") from exc
