"""Fixtures of the report tests: a real SQLite store filled with the tagged documents of ``reportdata``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.sqlite import SqliteStore
from nlp.watchlist import WatchedEntity, load_watchlist
from tests.reports.reportdata import EXPOSURE_CSV, REPO, Fixture, fixture_documents


@pytest.fixture
def watchlist() -> list[WatchedEntity]:
    return load_watchlist(REPO / "configs" / "watchlist.yaml")


@pytest.fixture
def fixture(tmp_path: Path, watchlist: list[WatchedEntity]) -> Iterator[Fixture]:
    store_path = tmp_path / "store.db"
    store = SqliteStore(store_path)
    store.put(fixture_documents())
    exposures = tmp_path / "exposures.csv"
    exposures.write_text(EXPOSURE_CSV, encoding="utf-8")
    yield Fixture(store, store_path, exposures, watchlist, tmp_path)
    store.close()
