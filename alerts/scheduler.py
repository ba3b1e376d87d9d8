"""The service's scheduler: APScheduler 3 with its jobs persisted in SQLite (the only APScheduler import).

Jobs are given as :class:`JobSpec` (a textual ``module:function`` reference plus plain arguments, which a
persistent job store can pickle). :func:`sync_jobs` makes the stored schedule match the config without
disturbing jobs that did not change: a job whose function, arguments and trigger are the same keeps its
stored next run time, so a restart keeps the schedule, and a run missed while the service was down happens
once on start (misfires coalesce). Jobs no longer configured are removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: what to call (``module:function``, importable) and when (``every`` or ``cron``)."""

    id: str
    func: str
    args: tuple[Any, ...] = ()
    every: timedelta | None = None
    cron: str | None = None
    name: str = ""


@dataclass
class SyncReport:
    kept: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class ServiceScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus one shutdown race: its thread wakes once more after
    ``shutdown`` and would hand due jobs to the stopped executor, logging errors and advancing their next
    run time as if they had run. Here a stopping scheduler submits nothing, so those runs happen after the
    next start instead (coalesced)."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def make_trigger(spec: JobSpec, timezone: str) -> BaseTrigger:
    """An interval or crontab trigger; a bad crontab raises ``ValueError`` naming the problem."""
    if spec.every is not None:
        return IntervalTrigger(seconds=int(spec.every.total_seconds()), timezone=timezone)
    if spec.cron is None:
        raise ValueError(f"job {spec.id}: neither every nor cron")
    return CronTrigger.from_crontab(spec.cron, timezone=timezone)


def build_scheduler(
    jobstore: Path, timezone: str, misfire_grace: timedelta | None = None, workers: int = 4
) -> ServiceScheduler:
    """A scheduler whose jobs live in ``jobstore`` (SQLite via SQLAlchemy); misfires coalesce, one instance
    per job at a time, and a late job still runs unless ``misfire_grace`` says it is too late."""
    jobstore.parent.mkdir(parents=True, exist_ok=True)
    grace = int(misfire_grace.total_seconds()) if misfire_grace is not None else None
    return ServiceScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{jobstore}")},
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone=timezone,
    )


def _same(job: Any, spec: JobSpec, trigger: BaseTrigger) -> bool:
    return (
        job.func_ref == spec.func and tuple(job.args) == tuple(spec.args) and str(job.trigger) == str(trigger)
    )


def sync_jobs(
    scheduler: BackgroundScheduler, specs: list[JobSpec], timezone: str, now: datetime | None = None
) -> SyncReport:
    """Make the (started, paused) scheduler's stored jobs match ``specs``. A new job first runs at once."""
    report = SyncReport()
    wanted = {spec.id for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            report.removed.append(job.id)
    for spec in specs:
        trigger = make_trigger(spec, timezone)
        existing = scheduler.get_job(spec.id)
        if existing is not None and _same(existing, spec, trigger):
            report.kept.append(spec.id)
            continue
        scheduler.add_job(
            spec.func,
            trigger,
            args=list(spec.args),
            id=spec.id,
            name=spec.name or spec.id,
            replace_existing=True,
            next_run_time=now or datetime.now(trigger.timezone),
        )
        (report.replaced if existing is not None else report.added).append(spec.id)
    return report


def describe_jobs(scheduler: BackgroundScheduler) -> list[tuple[str, str, datetime | None]]:
    """(id, trigger, next run time) of every stored job."""
    return [(job.id, str(job.trigger), job.next_run_time) for job in scheduler.get_jobs()]
