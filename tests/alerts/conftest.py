"""Fixtures of the alerts tests: a real SQLite store, HTTP robots and an SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from tests.alerts.support import WATCHLIST, MailBox, Robots, free_port


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    sqlite = SqliteStore(tmp_path / "store.db", segmenter=watchlist_segmenter(WATCHLIST))
    yield sqlite
    sqlite.close()


@pytest.fixture
def robots() -> Iterator[Robots]:
    servers = Robots()
    yield servers
    servers.close()


@pytest.fixture
def smtp() -> Iterator[tuple[MailBox, int]]:
    """A plain aiosmtpd server: (mailbox, port)."""
    from aiosmtpd.controller import Controller

    mailbox = MailBox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()
