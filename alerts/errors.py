"""Exceptions of the alerts stage.

Tree::

    AlertsError                  any alerts failure
    ├── DeliveryError            a channel could not take a message (down, refused it, misconfigured at
    │                            send time such as a missing environment variable); the outbox retries it
    └── AlertStateError          a request about alert state that cannot be met (unknown id, a resolved
                                 alert acknowledged)

Config files of this stage raise :class:`crawlers.errors.ConfigError` (file, key, valid choices), like every
other stage, so the CLI reports all config errors the same way.
"""

from __future__ import annotations


class AlertsError(Exception):
    """Base of every alerts error."""


class DeliveryError(AlertsError):
    """One delivery attempt failed; ``reason`` says why in a line fit for ``riskwatch alerts list``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AlertStateError(AlertsError):
    """An alert-state request that cannot be met (unknown alert id, a transition not allowed)."""
