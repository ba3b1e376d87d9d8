"""Elasticsearch outages with the spool in front: a killed and restarted server, and a hung one. Each test
runs its own osmem-server process, on a port that stays the same across the restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from indexer.errors import StoreUnavailable
from indexer.factory import watchlist_segmenter
from indexer.spool import SpoolingStore
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery, Window
from tests.indexer.es_docs import BASE, random_corpus
from tests.indexer.es_support import OsmemProcess, drop_prefix, es_test_store


@pytest.fixture
def own_server() -> Iterator[OsmemProcess]:
    process = OsmemProcess().start()
    yield process
    process.stop()


def _ids(store, query: SearchQuery) -> set[str]:
    return {hit.document.id for hit in store.search(query).hits}


def test_killed_server_documents_spooled_then_replayed(own_server: OsmemProcess, tmp_path: Path) -> None:
    documents = random_corpus(150, entities=12)
    first, second, third = documents[:50], documents[50:100], documents[100:]
    store = es_test_store({"url": own_server.url}, request_timeout=2.0)
    spooling = SpoolingStore(store, tmp_path / "spool", retry_after=0)
    try:
        assert spooling.put(first) == 50
        assert store.count() == 50

        own_server.stop()  # mid-run: the cluster is gone
        with pytest.raises(StoreUnavailable):
            store.count()
        assert spooling.put(second) == 50  # accepted: into the spool, not lost
        assert spooling.put(third) == 50
        assert (spooling.pending, spooling.spooled) == (100, 100)

        own_server.start()  # same port, but an empty cluster: osmem keeps its data in memory only
        assert spooling.replay() == 100
        assert spooling.pending == 0
        assert store.count() == 100  # exactly the spooled documents; the template was installed again
        assert _ids(store, SearchQuery(limit=500)) == {doc.id for doc in second + third}

        # Re-indexing everything (as `riskwatch index FILE` after such a loss) restores it, without duplicates.
        spooling.put(documents)
        spooling.put(second)
        assert store.count() == 150
        assert store.search(SearchQuery(limit=0)).total == 150
    finally:
        spooling.close()
        drop_prefix({"url": own_server.url}, store.prefix)


def test_hung_server_documents_spooled_then_replayed_exactly(
    own_server: OsmemProcess, tmp_path: Path
) -> None:
    """A server that stops answering (SIGSTOP) keeps its data; the request that timed out may still be
    carried out when it wakes up, and the replay of the same documents must not duplicate them."""
    documents = random_corpus(150, entities=12, seed=11)
    first, second, third = documents[:50], documents[50:100], documents[100:]
    segmenter = watchlist_segmenter()
    store = es_test_store({"url": own_server.url}, segmenter, request_timeout=1.0, max_retries=0)
    spooling = SpoolingStore(store, tmp_path / "spool", retry_after=0)
    try:
        spooling.put(first)
        own_server.pause()
        try:
            assert spooling.put(second) == 50  # times out: spooled
            assert spooling.pending == 50
        finally:
            own_server.resume()
        assert spooling.put(third) == 50  # the spool is replayed first, then this batch is written
        assert spooling.pending == 0
        assert spooling.replayed == 50
        assert store.count() == 150

        reference = SqliteStore(tmp_path / "reference.db", segmenter=segmenter)
        reference.put(documents)
        window = [Window(BASE, BASE + timedelta(days=200))]
        assert store.entity_counts(window) == reference.entity_counts(window)
        reference.close()
    finally:
        spooling.close()
        drop_prefix({"url": own_server.url}, store.prefix)
