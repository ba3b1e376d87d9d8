"""``riskwatch run``: the long-running service, wiring every stage's job into the scheduler from config.

Jobs (each a module-level function here, so the persistent job store can name it):

- ``crawl:<source>`` — ``riskwatch crawl --source <source>`` in a child process (Scrapy's reactor runs once
  per process), which stores the documents in the configured store; ``schedule.crawl`` or a per-source
  ``schedule.sources.<name>`` trigger;
- ``alerts`` — evaluate every rule and deliver, every ``alerts.evaluate_every`` (default one minute);
- ``report:<name>`` — ``reports.jobs.run_scheduled_report(config, job)`` on the job's cron, for each job in
  the reports stage's ``reports:`` section.

SIGTERM or SIGINT stops the service after the running jobs finish. Jobs read the config file again each
time they run, so a changed rule or channel takes effect without a restart; a changed schedule needs one.

With a fleet Redis (``RISKWATCH_REDIS_URL`` or ``fleet.redis_url``) several services may run: one leads
and runs the jobs, the others stand by (:mod:`riskwatch.leader`).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawlers.logsetup import console_logging
from riskwatch.config import AppConfig, load_config
from riskwatch.leader import still_leading

log = logging.getLogger("riskwatch.service")
CRAWL_TIMEOUT_S = 3 * 3600  # a crawl that hangs longer than this is killed; its pages are fetched next time


def crawl_command(config_path: str, source: str) -> list[str]:
    """``riskwatch crawl --source <source>``; with a fleet Redis, as one worker of the fleet (``--worker``),
    so the service's crawl joins the round the crawl machines share and its documents go to the stream."""
    command = [sys.executable, "-m", "riskwatch", "--config", config_path, "crawl", "--source", source]
    if load_config(config_path).main.fleet.url() is not None:
        command.append("--worker")
    return [*command, "--no-progress"]


def crawl_job(config_path: str, source: str) -> None:
    """Crawl one source into the store (or, with a fleet, into its stream), in a child process."""
    if not still_leading():
        log.info("crawl %s: skipped, this service is not the leader", source)
        return
    command = crawl_command(config_path, source)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        log.error("crawl %s: killed after %d s", source, CRAWL_TIMEOUT_S)
        return
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    if done.returncode:
        log.warning("crawl %s: exit %d: %s", source, done.returncode, tail)
    else:
        log.info("crawl %s: done: %s", source, tail)


def alerts_job(config_path: str) -> None:
    """Evaluate every rule now and deliver what is due."""
    if not still_leading():
        log.info("alerts: skipped, this service is not the leader")
        return
    from alerts.engine import check
    from riskwatch.alerting import alerting_config, open_config_store

    config = load_config(config_path)
    alerting = alerting_config(config)
    store = open_config_store(config)
    try:
        evaluation, delivery = check(store, alerting)
    finally:
        store.close()
    log.info(
        "alerts: %d opened, %d recovered, %d active, %d suppressed in %.2f s; %d sent, %d failed, %d throttled",
        len(evaluation.opened),
        len(evaluation.recovered),
        evaluation.still_active,
        evaluation.suppressed,
        evaluation.seconds,
        delivery.sent,
        len(delivery.failed),
        delivery.throttled,
    )
    for channel, delivery_id, reason in delivery.failed:
        log.warning("alerts: channel %s: delivery %d failed (will retry): %s", channel, delivery_id, reason)


def _report_jobs(config: AppConfig) -> list:
    """The reports stage's scheduled jobs (``reports:`` in the main config), if that stage is configured."""
    return list(getattr(config.main, "reports", None) or [])


def report_job(config_path: str, name: str) -> None:
    """Write one scheduled report through ``reports.jobs.run_scheduled_report`` (the reports stage)."""
    if not still_leading():
        log.info("report %s: skipped, this service is not the leader", name)
        return
    config = load_config(config_path)
    job = next((job for job in _report_jobs(config) if job.name == name), None)
    if job is None:
        log.warning("report %s: no longer configured", name)
        return
    from reports.jobs import run_scheduled_report

    result = run_scheduled_report(config, job)
    log.info("report %s: written to %s", name, getattr(result, "manifest", "?"))


def job_specs(config: AppConfig) -> list:
    """The jobs the config asks for."""
    from alerts.scheduler import JobSpec

    schedule = config.main.schedule
    path = str(config.path)
    specs = []
    for source in config.sources:
        trigger = schedule.sources.get(source.name) or schedule.crawl
        if source.enabled and trigger is not None:
            specs.append(
                JobSpec(
                    f"crawl:{source.name}",
                    "riskwatch.service:crawl_job",
                    (path, source.name),
                    trigger.every,
                    trigger.cron,
                    f"crawl {source.name}",
                )
            )
    specs.append(
        JobSpec(
            "alerts",
            "riskwatch.service:alerts_job",
            (path,),
            config.main.alerts.evaluate_every,
            name="evaluate alert rules and deliver",
        )
    )
    for report in _report_jobs(config):
        specs.append(
            JobSpec(
                f"report:{report.name}",
                "riskwatch.service:report_job",
                (path, report.name),
                cron=report.cron,
                name=f"report {report.name}",
            )
        )
    return specs


def _check(config: AppConfig) -> None:
    """Everything a job will need, validated before the service starts (errors name file and key)."""
    from alerts.scheduler import make_trigger
    from crawlers.errors import ConfigError
    from riskwatch.alerting import alerting_config

    alerting_config(config)
    schedule = config.main.schedule
    known = {source.name for source in config.sources}
    for name in schedule.sources:
        if name not in known:
            raise ConfigError(
                config.path,
                f"unknown source {name!r} (configured: {', '.join(sorted(known))})",
                key=f"schedule.sources.{name}",
            )
    for spec in job_specs(config):
        try:
            make_trigger(spec, schedule.timezone)
        except (ValueError, LookupError) as exc:
            raise ConfigError(config.path, f"{spec.name}: {exc}", key=_trigger_key(config, spec.id)) from exc


def _trigger_key(config: AppConfig, job_id: str) -> str:
    kind, _, name = job_id.partition(":")
    if kind == "report":
        index = [job.name for job in _report_jobs(config)].index(name)
        return f"reports[{index}].cron"
    if kind == "crawl":
        return f"schedule.sources.{name}" if name in config.main.schedule.sources else "schedule.crawl"
    return "alerts.evaluate_every"


def _scheduler(config: AppConfig):
    from alerts.scheduler import build_scheduler

    schedule = config.main.schedule
    jobstore = (
        (config.path.parent / schedule.jobstore).resolve()
        if schedule.jobstore
        else config.state_dir / "scheduler.db"
    )
    return build_scheduler(Path(jobstore), schedule.timezone, schedule.misfire_grace)


def list_jobs(config: AppConfig, console: Console) -> int:
    """Sync the stored schedule with the config and print it (the service need not be running)."""
    from alerts.scheduler import describe_jobs, sync_jobs

    _check(config)
    scheduler = _scheduler(config)
    scheduler.start(paused=True)
    try:
        sync_jobs(scheduler, job_specs(config), config.main.schedule.timezone)
        table = Table(title="scheduled jobs", title_justify="left")
        for column in ("job", "trigger", "next run"):
            table.add_column(column)
        for job_id, trigger, next_run in describe_jobs(scheduler):
            table.add_row(job_id, trigger, next_run.isoformat() if next_run else "paused")
        console.print(table, soft_wrap=False)
    finally:
        scheduler.shutdown(wait=False)
    return 0


def run_service(config: AppConfig, console: Console) -> int:
    """Run until SIGTERM or SIGINT; then let the running jobs finish and exit 0."""
    from alerts.scheduler import sync_jobs

    _check(config)
    console_logging(console, logging.INFO)  # the jobs' progress; libraries' records behind --verbose
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the running jobs", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler = _scheduler(config)
    scheduler.start(paused=True)
    try:
        synced = sync_jobs(scheduler, job_specs(config), config.main.schedule.timezone)
        log.info(
            "service started: %d job(s) kept from the stored schedule, %d added, %d changed, %d removed",
            len(synced.kept),
            len(synced.added),
            len(synced.replaced),
            len(synced.removed),
        )
        url = config.main.fleet.url()
        if url is None:
            scheduler.resume()
            while not stop.wait(0.5):
                pass
        else:
            _lead_or_stand_by(config, url, scheduler, stop)
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("service stopped")
    return 0


def _lead_or_stand_by(config: AppConfig, url: str, scheduler, stop: threading.Event) -> None:
    """Run the jobs while this service holds the fleet's leader lease; stand by otherwise."""
    from crawlers.fleet_config import connect
    from riskwatch.leader import LeaderLease, run_lease

    fleet = config.main.fleet
    lease = LeaderLease(connect(url), fleet.key("service", "leader"), fleet.leader_lease)
    log.info("service %s: one of a fleet; standing by until it holds the leader lease", lease.holder)
    run_lease(lease, stop, on_lead=scheduler.resume, on_lose=scheduler.pause)
