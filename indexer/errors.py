"""Exceptions of the indexer stage.

Tree::

    IndexerError                 any indexer failure
    ├── StoreUnavailable         the backend cannot be reached now (down, timing out, locked): retry later;
    │                            the spool catches this one and keeps the documents on disk
    └── StoreError               the backend refused the request (bad query, bad mapping): retrying won't help
"""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every indexer error."""


class StoreUnavailable(IndexerError):
    """The store is down or unreachable for now; what was being written is safe to retry later."""


class StoreError(IndexerError):
    """The store answered but refused the request; retrying the same request will not help."""
