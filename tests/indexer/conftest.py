"""The ``store`` fixture: every contract test runs once per backend in :data:`STORE_FACTORIES`.

A factory takes the pytest request (to reach fixtures such as a test server) and a temporary folder and
returns an empty store that knows the test watchlist. The Elasticsearch backend adds its entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from indexer.store import Store
from tests.indexer.docs import WATCHLIST
from tests.indexer.es_support import (  # noqa: F401 - es_settings, es_store, osmem_process are fixtures
    contract_store,
    es_settings,
    es_store,
    osmem_process,
    real_cluster_connection,
)

StoreFactory = Callable[[pytest.FixtureRequest, Path], Store]


def sqlite_store(request: pytest.FixtureRequest, folder: Path) -> Store:
    return SqliteStore(folder / "store.db", segmenter=watchlist_segmenter(WATCHLIST))


def elasticsearch_store(request: pytest.FixtureRequest, folder: Path) -> Store:
    """osmem-server on 127.0.0.1 (one per session), a fresh index prefix per test."""
    settings = {"url": request.getfixturevalue("osmem_process").url}
    return contract_store(settings, request, watchlist_segmenter(WATCHLIST))


def real_elasticsearch_store(request: pytest.FixtureRequest, folder: Path) -> Store:
    """The cluster at RISKWATCH_TEST_ES_URL; skipped, with the reason, when it is not set."""
    return contract_store(real_cluster_connection(), request, watchlist_segmenter(WATCHLIST))


STORE_FACTORIES: dict[str, StoreFactory] = {
    "sqlite": sqlite_store,
    "elasticsearch": elasticsearch_store,
    "elasticsearch-real": real_elasticsearch_store,
}


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = STORE_FACTORIES[request.param](request, tmp_path)
    yield opened
    opened.close()
