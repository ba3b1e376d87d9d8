"""Scheduled exposure reports: what ``riskwatch run`` calls for each configured report job.

A job (:class:`reports.options.ReportJob`, one entry of ``reports:`` in the main config)::

    - name: monthly-exposure
      cron: "0 6 1 * *"            # crontab, Asia/Shanghai: 06:00 on the 1st of each month
      exposures: exposures.csv     # relative to the main config's folder
      period: previous-month       # previous-month | previous-week | previous-day | month-to-date | last-30d
      out_dir: ../data/reports     # each run writes into <out_dir>/<name>/<start>_<end>/
      formats: [xlsx, pdf]
      fx_rates: {USD: 7.10}        # plus every other report option (reports.options.ReportOptions)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawlers.items import SHANGHAI
from indexer.store import Window
from reports.options import LAST_DAYS, ReportJob
from reports.writer import ReportResult, sources_from_config, write_report


def resolve_period(spec: str, now: datetime) -> Window:
    """The period a job covers when it runs at ``now`` (Shanghai calendar days, end exclusive)."""
    today = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    first_of_month = today.replace(day=1)
    if spec == "previous-month":
        return Window((first_of_month - timedelta(days=1)).replace(day=1), first_of_month)
    if spec == "previous-week":
        monday = today - timedelta(days=today.weekday())
        return Window(monday - timedelta(days=7), monday)
    if spec == "previous-day":
        return Window(today - timedelta(days=1), today)
    if spec == "month-to-date":
        return Window(first_of_month, today) if today > first_of_month else Window(first_of_month, now)
    match = LAST_DAYS.match(spec)
    if match:
        return Window(today - timedelta(days=int(match.group(1))), today)
    raise ValueError(f"unknown period {spec!r}")


def run_scheduled_report(config: Any, job: ReportJob, now: datetime | None = None) -> ReportResult:
    """Write one scheduled report from the configured store; raises :class:`reports.errors.ReportError`
    (or :class:`indexer.errors.IndexerError`) when it cannot, for the scheduler to log."""
    from indexer.factory import open_store

    job = job.resolved(config.path.parent)  # no-op for paths the config loader already resolved
    moment = now or datetime.now(SHANGHAI)
    period = resolve_period(job.period, moment)
    out_dir = job.out_dir / job.name / f"{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}"
    store = open_store(config.main.store, config.watchlist)
    try:
        return write_report(
            sources_from_config(config, store),
            job.exposures,
            period,
            out_dir,
            job.formats,
            job.options(),
            moment,
        )
    finally:
        store.close()
