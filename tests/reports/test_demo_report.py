"""The demo's report step on a real store, and the shipped demo exposure file."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from pathlib import Path

from rich.console import Console

from crawlers.items import SHANGHAI
from indexer.config import SqliteStoreConfig
from reports.exposure_file import read_exposure_file
from reports.exposures import match_exposures
from reports.manifest import verify_manifest
from riskwatch.config import load_config
from riskwatch.demo.report_step import DEMO_EXPOSURES, demo_period, report_step
from riskwatch.demo.stages import DemoContext, demo_steps
from tests.reports.reportdata import REPO, Fixture, fixture_documents


def test_demo_exposure_file_has_the_four_companies_one_unmatched_and_one_bad_row(watchlist) -> None:
    parsed = read_exposure_file(DEMO_EXPOSURES)
    matching = match_exposures(parsed.rows, watchlist)
    assert sorted(m.entity.id for m in matching.matched) == ["anhe", "hongyuan", "mingchuan", "xinghai"]
    assert [u.row.name for u in matching.unmatched] == ["青石矿业有限公司"]
    assert [(e.row, e.reason) for e in parsed.errors] == [(7, "amount '待定' is not a number")]
    assert parsed.rows[0].amount == 120_000 * 10_000  # the header says 万元


def test_report_is_the_last_demo_step() -> None:
    assert demo_steps()[-1] is report_step


def test_report_step_writes_the_report_and_prints_the_ranking(fixture: Fixture, tmp_path: Path) -> None:
    documents = tmp_path / "documents.jsonl"
    documents.write_text("".join(doc.to_json() + "\n" for doc in fixture_documents()), encoding="utf-8")
    assert demo_period(documents).start == datetime(2025, 8, 30, tzinfo=SHANGHAI)
    assert demo_period(documents).end == datetime(2025, 10, 2, tzinfo=SHANGHAI)
    fixture.store.close()  # the step opens the store itself, as the demo's index step leaves it closed
    buffer = StringIO()
    context = DemoContext(
        config=load_config(REPO / "configs" / "riskwatch.yaml"),
        console=Console(file=buffer, width=200),
        workdir=tmp_path / "demo",
        documents=documents,
        shared={"store_config": SqliteStoreConfig(path=fixture.store_path), "store_path": fixture.store_path},
    )
    assert report_step(context) is True
    out = buffer.getvalue()
    reports = tmp_path / "demo" / "reports"
    assert verify_manifest(reports) == []
    assert {p.suffix for p in reports.iterdir()} == {".xlsx", ".pdf", ".png", ".json"}
    assert "鸿远地产集团股份有限公司 (hongyuan)" in out and "exposures.csv, row 7" in out
    assert out.index("(hongyuan)") < out.index("(mingchuan)")  # ranked


def test_report_step_fails_cleanly_without_a_store(tmp_path: Path) -> None:
    buffer = StringIO()
    context = DemoContext(
        config=load_config(REPO / "configs" / "riskwatch.yaml"),
        console=Console(file=buffer, width=200),
        workdir=tmp_path,
        documents=tmp_path / "none.jsonl",
    )
    assert report_step(context) is False
    assert "no demo store" in buffer.getvalue()
