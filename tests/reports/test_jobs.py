"""Scheduled report jobs: the periods they cover, their config errors, and one run from a loaded config."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from crawlers.configfile import validate
from crawlers.errors import ConfigError
from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from reports.jobs import resolve_period, run_scheduled_report
from reports.manifest import verify_manifest
from reports.options import ReportJob
from riskwatch.config import load_config
from tests.reports.reportdata import EXPOSURE_CSV, REPO, fixture_documents


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("spec", "now", "start", "end"),
    [
        ("previous-month", "2025-10-01 06:00", "2025-09-01", "2025-10-01"),
        ("previous-month", "2025-01-15 12:00", "2024-12-01", "2025-01-01"),
        ("previous-month", "2024-03-01 00:00", "2024-02-01", "2024-03-01"),
        ("previous-week", "2025-09-17 08:00", "2025-09-08", "2025-09-15"),  # a Wednesday
        ("previous-week", "2025-09-15 00:30", "2025-09-08", "2025-09-15"),  # a Monday
        ("previous-day", "2025-09-17 08:00", "2025-09-16", "2025-09-17"),
        ("month-to-date", "2025-09-17 08:00", "2025-09-01", "2025-09-17"),
        ("last-30d", "2025-09-17 08:00", "2025-08-18", "2025-09-17"),
    ],
)
def test_periods(spec: str, now: str, start: str, end: str) -> None:
    window = resolve_period(spec, at(now))
    assert (window.start, window.end) == (at(start), at(end))


def test_a_utc_clock_is_read_in_shanghai_days() -> None:
    moment = datetime.fromisoformat("2025-09-30T17:00:00+00:00")  # 01:00 on 1 October in Shanghai
    assert resolve_period("previous-month", moment).start == at("2025-09-01")


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({}, "exposures", "required key is missing"),
        ({"exposures": "x.csv", "period": "last-quarter"}, "period", "unknown period 'last-quarter'"),
        ({"exposures": "x.csv", "formats": ["docx"]}, "formats[0]", "'xlsx' or 'pdf'"),
        ({"exposures": "x.csv", "formats": []}, "formats", "at least one"),
        ({"exposures": "x.csv", "cron": "monthly"}, "cron", "5 fields"),
        ({"exposures": "x.csv", "fx_rates": {"usd": 7}}, "fx_rates", "upper-case ISO"),
        ({"exposures": "x.csv", "colour": "red"}, "colour", "unknown key"),
    ],
)
def test_job_config_errors_name_the_key(data: dict, key: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        validate(ReportJob, data, tmp_path / "riskwatch.yaml")
    assert raised.value.key == key and message in raised.value.message


def test_scheduled_report_writes_into_its_period_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    (folder / "sources").mkdir(parents=True)
    (folder / "watchlist.yaml").write_bytes((REPO / "configs" / "watchlist.yaml").read_bytes())
    (folder / "exposures.csv").write_text(EXPOSURE_CSV, encoding="utf-8")
    (folder / "riskwatch.yaml").write_text(
        yaml.safe_dump(
            {
                "sources": "sources",
                "watchlist": "watchlist.yaml",
                "state_dir": "state",
                "store": {"path": "store.db"},
            }
        ),
        encoding="utf-8",
    )
    store = SqliteStore(folder / "store.db")
    store.put(fixture_documents())
    store.close()
    config = load_config(folder / "riskwatch.yaml")
    job = validate(
        ReportJob,
        {
            "name": "monthly",
            "exposures": "exposures.csv",
            "out_dir": "reports",
            "formats": ["xlsx"],
            "headlines": 1,
        },
        config.path,
    )
    result = run_scheduled_report(config, job, now=at("2025-10-01 06:00"))
    out = folder / "reports" / "monthly" / "2025-09-01_2025-10-01"
    assert result.manifest == out / "manifest.json" and verify_manifest(out) == []
    assert [line.entity_id for line in result.report.lines][:2] == ["hongyuan", "mingchuan"]
    assert len(result.report.line("hongyuan").headlines) == 1  # the job's own options apply
    assert result.report.metadata.generated_at == at("2025-10-01 06:00")


def _config_with_reports(tmp_path: Path, reports: list[dict]) -> Path:
    folder = tmp_path / "cfg"
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump({"sources": "sources", "reports": reports}, allow_unicode=True), "utf-8")
    return path


def test_reports_section_of_the_main_config(tmp_path: Path) -> None:
    path = _config_with_reports(tmp_path, [{"name": "monthly", "exposures": "in/exposures.xlsx"}])
    (job,) = load_config(path).main.reports
    assert job.exposures == path.parent / "in" / "exposures.xlsx"  # resolved against the config's folder
    assert job.out_dir == (path.parent / ".." / "data" / "reports").resolve()
    assert (job.cron, job.period, job.formats) == ("0 6 1 * *", "previous-month", ["xlsx", "pdf"])


@pytest.mark.parametrize(
    ("reports", "key", "message"),
    [
        ([{"name": "m", "exposures": "a.csv"}, {"name": "m", "exposures": "b.csv"}], "reports", "duplicate"),
        ([{"exposures": "a.csv", "period": "yesterday"}], "reports[0].period", "unknown period"),
        ([{"exposures": "a.csv", "fx_rates": {"USD": 0}}], "reports[0].fx_rates", "must be positive"),
    ],
)
def test_reports_section_errors_name_the_key(
    tmp_path: Path, reports: list[dict], key: str, message: str
) -> None:
    path = _config_with_reports(tmp_path, reports)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.path == path and raised.value.key == key and message in raised.value.message
