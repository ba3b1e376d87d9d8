"""What every page reads: the config, the open store, the audit log, the alert-state path, the masker."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from alerts.state import AlertState
from indexer.factory import open_store, watchlist_segmenter
from indexer.masking import Masker
from indexer.segment import Segmenter
from indexer.store import Store
from nlp.watchlist import WatchedEntity
from reports.writer import alert_state_path
from riskwatch.config import AppConfig
from riskwatch.web.audit import AuditLog
from riskwatch.web.errors import WebConfigError
from riskwatch.web.options import WebOptions, WebUser
from riskwatch.web.throttle import LoginThrottle


@dataclass
class WebContext:
    config: AppConfig
    store: Store
    audit: AuditLog
    segmenter: Segmenter
    masker: Masker
    secret_key: str
    secret_from_env: bool
    users: dict[str, WebUser] = field(default_factory=dict)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    entities: dict[str, WatchedEntity] = field(default_factory=dict)

    @property
    def options(self) -> WebOptions:
        return self.config.main.web

    @property
    def alert_state_path(self) -> Path:
        return alert_state_path(self.config)

    def alert_state(self) -> AlertState | None:
        """The alert-state database, or ``None`` while no alert was ever evaluated (no file yet)."""
        path = self.alert_state_path
        return AlertState(path) if path.is_file() else None

    def close(self) -> None:
        self.store.close()
        self.audit.close()


def open_context(config: AppConfig, store: Store | None = None) -> WebContext:
    """Open the configured store (or use ``store``) and the audit log; raises :class:`WebConfigError`
    when no user is configured, since nobody could log in."""
    options = config.main.web
    if not options.users:
        raise WebConfigError(
            f"{config.path}: web.users is empty: add at least one user with a password_hash from"
            " `riskwatch web --hash-password`"
        )
    secret = os.environ.get(options.secret_env, "")
    audit_path = options.audit_path or config.state_dir / "web-audit.db"
    return WebContext(
        config=config,
        store=store or open_store(config.main.store, config.watchlist),
        audit=AuditLog(audit_path),
        segmenter=watchlist_segmenter(config.watchlist),
        masker=Masker(config.main.store.masking),
        secret_key=secret or secrets.token_urlsafe(32),
        secret_from_env=bool(secret),
        users={user.name: user for user in options.users},
        entities={entity.id: entity for entity in config.watchlist},
    )
