"""Wiring the alerts stage from the main config: the validated alerting config and the configured store."""

from __future__ import annotations

from alerts.config import AlertingConfig, load_alerting
from indexer.store import Store
from riskwatch.config import AppConfig


def alerting_config(config: AppConfig) -> AlertingConfig:
    """Channels and rules of ``config``, checked (a :class:`crawlers.errors.ConfigError` names file and key)."""
    main = config.main
    return load_alerting(
        config.path,
        raw_channels=main.channels,
        rules_dir=main.rules,
        rules_required="rules" in main.model_fields_set,
        options=main.alerts,
        state_dir=config.state_dir,
        watchlist=config.watchlist,
    )


def open_config_store(config: AppConfig) -> Store:
    """The store documents are indexed in (SQLite by default), as ``riskwatch crawl`` writes it."""
    from indexer.factory import open_store

    return open_store(config.main.store, config.watchlist)
