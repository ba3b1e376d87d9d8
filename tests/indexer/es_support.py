"""Elasticsearch servers for the tests: osmem-server on 127.0.0.1 (a real in-memory OpenSearch-compatible
server, started as a process), or the real cluster at ``RISKWATCH_TEST_ES_URL``.

Each store a test opens gets a fresh index prefix and is dropped afterwards (indices and template), so tests
sharing one server never see each other's documents.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from osmem_server import OsmemServer

from indexer.elastic import ElasticStore
from indexer.es_client import Connection, build_client
from indexer.segment import Segmenter

REAL_ES_ENV = "RISKWATCH_TEST_ES_URL"
# Optional, for a secured real cluster: the *names* of these variables go into the connection, as in config.
REAL_ES_USER_ENV, REAL_ES_PASSWORD_ENV = "RISKWATCH_TEST_ES_USER", "RISKWATCH_TEST_ES_PASSWORD"
REAL_ES_CA_ENV = "RISKWATCH_TEST_ES_CA_CERTS"
# Fail fast in tests: one quick retry, short timeouts (a stopped server must not stall the suite).
FAST = {"max_retries": 1, "retry_backoff": 0.05, "request_timeout": 5.0}


class OsmemProcess:
    """One osmem-server process on a port that survives restarts, so a store's URL stays valid."""

    def __init__(self) -> None:
        self.port = 0
        self.server: OsmemServer | None = None

    def start(self) -> OsmemProcess:
        self.server = OsmemServer.start(addr=f"127.0.0.1:{self.port}", japanese=False)
        self.port = urlsplit(self.server.url).port or 0
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill the process: every index it held is gone, as with a node that lost its data."""
        if self.server is not None:
            self.server.close(grace=0)
            self.server = None

    def pause(self) -> None:
        """SIGSTOP: the server stops answering (connections hang), its data stays."""
        assert self.server is not None
        os.kill(self.server.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.server is not None
        os.kill(self.server.pid, signal.SIGCONT)


def real_cluster_connection() -> dict[str, Any]:
    """Connection settings for the real cluster, or a skip naming the variable to set."""
    url = os.environ.get(REAL_ES_ENV)
    if not url:
        pytest.skip(f"no real Elasticsearch cluster: set {REAL_ES_ENV} (e.g. https://localhost:9200)")
    settings: dict[str, Any] = {"url": url}
    if os.environ.get(REAL_ES_USER_ENV):
        settings |= {"username_env": REAL_ES_USER_ENV, "password_env": REAL_ES_PASSWORD_ENV}
    if os.environ.get(REAL_ES_CA_ENV):
        settings["ca_certs"] = os.environ[REAL_ES_CA_ENV]
    return settings


def fresh_prefix() -> str:
    return f"rwtest-{uuid.uuid4().hex[:10]}"


def drop_prefix(settings: dict[str, Any], prefix: str) -> None:
    """Delete a test's indices and template, with a client of its own (the store's may be closed, the
    server down by design); best effort."""
    client = build_client(Connection(**{**FAST, **settings, "max_retries": 0})).options(ignore_status=404)
    try:
        indices = client.indices.get_alias(name=prefix).body
        for index in indices if "error" not in indices else ():
            client.indices.delete(index=index)
        client.indices.delete_index_template(name=prefix)
    except Exception:  # cleanup must not mask the test's own result
        pass
    finally:
        client.close()


def es_test_store(settings: dict[str, Any], segmenter: Segmenter | None = None, **fast: Any) -> ElasticStore:
    """A store on ``settings`` with a fresh index prefix and the tests' short timeouts."""
    return ElasticStore(build_client(Connection(**{**FAST, **settings, **fast})), fresh_prefix(), segmenter)


@contextmanager
def open_es_store(
    settings: dict[str, Any], segmenter: Segmenter | None = None, **fast: Any
) -> Iterator[ElasticStore]:
    """:func:`es_test_store`, closed and dropped afterwards."""
    store = es_test_store(settings, segmenter, **fast)
    try:
        yield store
    finally:
        store.close()
        drop_prefix(settings, store.prefix)


def contract_store(
    settings: dict[str, Any], request: pytest.FixtureRequest, segmenter: Segmenter
) -> ElasticStore:
    """For the contract suite's ``store`` fixture (which closes it); the indices are dropped afterwards."""
    store = es_test_store(settings, segmenter)
    request.addfinalizer(lambda: drop_prefix(settings, store.prefix))
    return store


@pytest.fixture(scope="session")
def osmem_process() -> Iterator[OsmemProcess]:
    """One osmem-server for the session, on 127.0.0.1 and a free port."""
    process = OsmemProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="session", params=["osmem", "real-cluster"])
def es_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Connection settings: osmem-server, then the real cluster (skipped unless RISKWATCH_TEST_ES_URL)."""
    if request.param == "real-cluster":
        return real_cluster_connection()
    return {"url": request.getfixturevalue("osmem_process").url}


@pytest.fixture
def es_store(es_settings: dict[str, Any]) -> Iterator[ElasticStore]:
    with open_es_store(es_settings) as store:
        yield store
