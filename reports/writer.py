"""Writing one exposure report: read the file, build the figures, render XLSX/PDF, write the manifest.

Used by ``riskwatch report exposure``, by scheduled report jobs and by the demo; each passes the same
:class:`ReportSources` (from the config, or a store it already has open).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.items import SHANGHAI
from indexer.store import Store, Window
from nlp.watchlist import WatchedEntity
from reports.exposure import AlertLike, Provenance, build_report
from reports.exposure_file import read_exposure_file
from reports.manifest import write_manifest
from reports.model import ExposureReport
from reports.options import ReportOptions
from reports.provenance import describe_store, model_version, riskwatch_version, rule_set_hash

FORMATS = ("xlsx", "pdf")


@dataclass
class ReportSources:
    """Everything a report reads besides the exposure file."""

    watchlist: Sequence[WatchedEntity]
    store: Store
    store_description: str
    alert_state: Path | None  # the alert-state database; absent → alerts counted as 0, with a note
    model_dir: Path | None
    rules_dir: Path | None


@dataclass
class ReportResult:
    report: ExposureReport
    files: list[Path]  # every output, manifest last
    manifest: Path


def alert_state_path(config: Any) -> Path:
    """The alert-state database of a config: ``alerts.state_path`` (relative to the config file's folder),
    default ``<state_dir>/alerts.db`` — where the alerts stage keeps it."""
    options = getattr(config.main, "alerts", None)
    state_path = getattr(options, "state_path", None)
    return config.path.parent / state_path if state_path else config.state_dir / "alerts.db"


def rules_dir_of(config: Any) -> Path:
    """The alert rules folder: ``rules:`` in the main config (relative to its folder), default ``rules/``."""
    return config.path.parent / (getattr(config.main, "rules", None) or "rules")


def sources_from_config(config: Any, store: Store) -> ReportSources:
    return ReportSources(
        watchlist=config.watchlist,
        store=store,
        store_description=describe_store(config.main.store),
        alert_state=alert_state_path(config),
        model_dir=config.model_dir,
        rules_dir=rules_dir_of(config),
    )


def load_alerts(path: Path | None, period: Window) -> tuple[list[AlertLike] | None, str | None]:
    """Alerts raised in the period, or ``None`` and the reason when there is no alert state to read."""
    if path is None:
        return None, "no alert state configured: alerts raised in the period are counted as 0"
    if not path.is_file():
        return None, f"no alert state at {path}: alerts raised in the period are counted as 0"
    try:
        from alerts.state import AlertState
    except ImportError:
        return None, "the alerts stage is not installed: alerts are counted as 0"
    state = AlertState(path)
    try:
        return list(state.alerts_between(period.start, period.end)), None
    finally:
        close = getattr(state, "close", None)
        if close is not None:
            close()


def output_stem(period: Window) -> str:
    return f"exposure-{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def write_report(
    sources: ReportSources,
    exposures: Path,
    period: Window,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    options: ReportOptions | None = None,
    now: datetime | None = None,
) -> ReportResult:
    """Write the report's files into ``out_dir``; raises :class:`reports.errors.ReportError` when the
    exposure file cannot be used at all (bad rows go to the errors sheet instead)."""
    options = options or ReportOptions()
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    exposure_file = read_exposure_file(exposures, options.default_currency)
    alerts, alerts_note = load_alerts(sources.alert_state, period)
    provenance = Provenance(
        store=sources.store_description,
        model_version=model_version(sources.model_dir),
        rule_set_hash=rule_set_hash(sources.rules_dir),
        riskwatch_version=riskwatch_version(),
        notes=(alerts_note,) if alerts_note else (),
    )
    generated_at = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    report = build_report(
        exposure_file, sources.watchlist, sources.store, period, options, provenance, generated_at, alerts
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = output_stem(period)
    files: list[Path] = []
    if "xlsx" in formats:
        from reports.xlsx import write_xlsx

        files.append(write_xlsx(report, out_dir / f"{stem}.xlsx", options.headlines))
    if "pdf" in formats:
        from reports.chart import render_chart
        from reports.pdf import write_pdf

        chart = render_chart(report.series, out_dir / f"{stem}-chart.png")
        files += [write_pdf(report, out_dir / f"{stem}.pdf", chart, options.pdf_top), chart]
    about = {
        "report": "exposure",
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "input_file": exposure_file.path.name,
        "input_sha256": exposure_file.sha256,
    }
    manifest = write_manifest(out_dir, files, about)
    return ReportResult(report=report, files=[*files, manifest], manifest=manifest)
