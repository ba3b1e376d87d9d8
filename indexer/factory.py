"""Open the configured store: ``open_store(app.main.store, app.watchlist)``.

The SQLite backend is built in; the Elasticsearch backend is imported only when configured, so a user of
the embedded store never loads the client.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.config import ElasticsearchStoreConfig, SqliteStoreConfig
from indexer.segment import Segmenter, segmenter_for
from indexer.store import Store
from nlp.watchlist import WatchedEntity


def watchlist_segmenter(watchlist: Iterable[WatchedEntity] = ()) -> Segmenter:
    """The segmenter every backend uses: jieba plus the watched names as whole words."""
    return segmenter_for(name for entity in watchlist for name in entity.names)


def open_store(
    config: SqliteStoreConfig | ElasticsearchStoreConfig,
    watchlist: Iterable[WatchedEntity] = (),
    spool: bool = False,
) -> Store:
    """The backend ``config`` names; with ``spool=True`` wrapped so that writes survive an outage."""
    segmenter = watchlist_segmenter(watchlist)
    store: Store
    if isinstance(config, SqliteStoreConfig):
        from indexer.sqlite import SqliteStore

        store = SqliteStore(config.path, segmenter=segmenter, synchronous=config.synchronous)
    else:
        from indexer.elastic import ElasticStore  # type: ignore[import-not-found,unused-ignore]

        store = ElasticStore.from_config(config, segmenter=segmenter)
    if spool:
        from indexer.spool import SpoolingStore

        store = SpoolingStore(store, config.spool_dir)
    return store
