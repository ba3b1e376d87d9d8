"""The ``alerts:`` section of the main config: where alert state lives, how often rules run, retries.

Kept free of heavy imports: ``riskwatch.config`` imports it for every command.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from alerts.durations import Duration
from crawlers.configfile import ConfigPath, StrictModel


class OutboxOptions(StrictModel):
    """Retries of the persistent outbox: exponential backoff from ``retry_initial`` up to ``retry_max``."""

    retry_initial: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(minutes=30)
    max_attempts: int | None = Field(default=None, ge=1)  # None: retry until delivered (never lose one)
    lease: Duration = timedelta(minutes=2)  # a send that crashed mid-way is retried after this


class AlertOptions(StrictModel):
    state_path: ConfigPath | None = None  # alert state and outbox (SQLite); default <state_dir>/alerts.db
    evaluate_every: Duration = timedelta(minutes=1)  # `riskwatch run` evaluates every rule this often
    kibana_url: str | None = None  # e.g. http://127.0.0.1:5601 — alerts then link to the entity in Kibana
    kibana_data_view: str = "riskwatch-data-view"  # the data view `riskwatch kibana import` creates
    kibana_query: str = 'entity_ids:"{entity_id}"'  # KQL of that link; {entity_id} is filled in
    headlines: int = Field(default=5, ge=0, le=20)  # negative headlines quoted as evidence per alert
    outbox: OutboxOptions = OutboxOptions()

    @field_validator("kibana_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/") if value else value
