"""The ``schedule:`` section of the main config: when ``riskwatch run`` crawls (see riskwatch/service.py).

Alert evaluation runs every ``alerts.evaluate_every``; report jobs carry their own ``cron`` in the reports
stage's ``reports:`` section.

Kept free of heavy imports (APScheduler is imported only by alerts/scheduler.py): every command reads it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, model_validator

from alerts.durations import Duration
from crawlers.configfile import ConfigPath, StrictModel

CRON_FIELD = r"[\w*/,\-?#LW]+"
CRON = re.compile(rf"^\s*{CRON_FIELD}(\s+{CRON_FIELD}){{4}}\s*$")


def check_cron(value: str) -> str:
    """Five crontab fields (minute hour day month weekday); APScheduler checks each field's values."""
    if not CRON.match(value):
        raise ValueError(f"not a crontab expression (minute hour day month weekday): {value!r}")
    return value


class Trigger(StrictModel):
    """When a job runs: ``every: 30m`` (an interval) or ``cron: "*/15 8-20 * * *"`` (crontab, local time)."""

    every: Duration | None = None
    cron: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Trigger:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of every (e.g. 30m) or cron (e.g. '0 8 * * *')")
        if self.cron is not None:
            check_cron(self.cron)
        return self


class ScheduleOptions(StrictModel):
    jobstore: ConfigPath | None = None  # the persistent schedule (SQLite); default <state_dir>/scheduler.db
    timezone: str = "Asia/Shanghai"  # of cron expressions
    crawl: Trigger | None = Trigger(every=timedelta(minutes=30))  # every enabled source; null: no crawling
    sources: dict[str, Trigger] = {}  # per-source overrides of `crawl`
    misfire_grace: Duration | None = Field(
        default=None
    )  # a job missed by more than this is skipped; null: run late
