"""The spool: a store that cannot be written (a real SQLite lock held by another connection) loses
nothing; documents are replayed, exactly once, when it returns, even after a crash mid-replay."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.errors import StoreUnavailable
from indexer.factory import watchlist_segmenter
from indexer.spool import SpoolingStore
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery
from tests.conftest import REPO
from tests.indexer.docs import WATCHLIST, corpus, make_doc


def open_sqlite(path: Path) -> SqliteStore:
    return SqliteStore(path, segmenter=watchlist_segmenter(WATCHLIST), busy_timeout=0.05)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another connection holds the write lock: every write of the store fails as 'database is locked'."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def batch(prefix: str, n: int) -> list:
    return [make_doc(f"{prefix}{i}", f"标题{prefix}{i}", f"内容{prefix}{i}") for i in range(n)]


def test_a_locked_sqlite_store_is_unavailable(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "store.db")
    with locked(tmp_path / "store.db"), pytest.raises(StoreUnavailable):
        store.put(batch("a", 1))
    store.close()


def test_outage_spools_then_replays_exactly(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SpoolingStore(open_sqlite(path), tmp_path / "spool", retry_after=0)
    store.put(batch("a", 10))
    with locked(path):
        assert store.put(batch("b", 25)) == 25  # accepted: spooled
        assert store.put(batch("a", 10)) == 10  # re-sent during the outage: spooled again
        assert store.pending == 35
    assert store.count() == 10
    assert store.put(batch("c", 5)) == 5  # the store is back: the spool goes first, then this batch
    assert store.pending == 0
    assert store.count() == 40  # 10 + 25 + 5; the re-sent a* replaced themselves
    assert (store.stored, store.spooled, store.replayed) == (50, 35, 35)
    assert store.search(SearchQuery(text="内容b7")).total == 1
    store.close()


def test_spool_survives_a_restart_and_replays_on_open(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = SpoolingStore(open_sqlite(path), tmp_path / "spool")
    with locked(path):
        first.put(corpus())
        first.spool.close()  # the process ends while the store is still down
        first.store.close()
    second = SpoolingStore(open_sqlite(path), tmp_path / "spool")
    assert second.pending == 0 and second.count() == 7 and second.replayed == 7
    second.close()


def test_explicit_replay_waits_for_the_store(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SpoolingStore(open_sqlite(path), tmp_path / "spool", retry_after=60)
    with locked(path):
        store.put(batch("a", 3))
        assert store.replay() == 0 and store.pending == 3
        store.put(batch("b", 2))  # within retry_after: straight to the spool, the store is not tried
        assert store.pending == 5
    assert store.replay() == 5
    assert store.pending == 0 and store.count() == 5
    store.close()


CRASH_MID_REPLAY = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from indexer.spool import SpoolingStore
    from indexer.sqlite import SqliteStore

    folder = Path(sys.argv[1])
    store = SqliteStore(folder / "store.db")
    real_put = store.put

    def put_then_die(documents):
        real_put(documents)  # committed in the store...
        os._exit(3)  # ...and the process dies before the spool entry is removed

    store.put = put_then_die
    SpoolingStore(store, folder / "spool")  # replays on open
    """
)


def test_crash_between_store_and_spool_removal_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    spooling = SpoolingStore(open_sqlite(path), tmp_path / "spool")
    with locked(path):
        spooling.put(corpus())
    spooling.spool.close()
    spooling.store.close()
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_MID_REPLAY, str(tmp_path)],
        env={"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 3, crashed.stderr
    plain = open_sqlite(path)
    assert plain.count() == 7  # the store had them...
    plain.close()
    again = SpoolingStore(open_sqlite(path), tmp_path / "spool")
    assert again.replayed == 7  # ...and the spool still did: replayed once more, idempotently
    assert again.pending == 0 and again.count() == 7
    again.close()


class RefusesSome:
    """A real SQLite store that refuses documents whose id is in ``refused`` (as Elasticsearch refuses a
    document that does not fit its mapping): the others of the batch are written."""

    def __init__(self, store: SqliteStore, refused: set[str]) -> None:
        self.store, self.refused = store, refused

    def put(self, documents):
        from indexer.elastic import BulkItemsFailed

        accepted = [d for d in documents if d.id not in self.refused]
        written = self.store.put(accepted)
        failures = {d.id: "mapper_parsing_exception" for d in documents if d.id in self.refused}
        if failures:
            raise BulkItemsFailed(failures, written)
        return written

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_refused_spooled_document_is_set_aside_and_the_queue_moves_on(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    inner = open_sqlite(path)
    store = SpoolingStore(inner, tmp_path / "spool", retry_after=0)
    with locked(path):
        store.put(batch("b", 6))
    assert store.pending == 6
    store.store = RefusesSome(inner, {"b2", "b4"})
    assert store.replay() == 4
    assert store.pending == 0 and store.rejected == 2
    assert store.spool.rejected() == [("b2", "mapper_parsing_exception"), ("b4", "mapper_parsing_exception")]
    assert store.count() == 4 and store.get("b2") is None and store.get("b3") is not None
    store.put(batch("c", 2))  # later writes are not blocked behind the refused ones
    assert store.count() == 6
    store.close()
