"""The report's figures from a real SQLite store: counts, shares, the score formula, ranking, evidence,
currency pools, merged rows and an empty period. Expected values come from the fixture's facts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from crawlers.items import SHANGHAI
from indexer.store import Window
from reports.options import ReportOptions
from reports.writer import ReportResult, write_report
from tests.reports.reportdata import AMOUNTS, PERIOD, SIGNALS, UNMATCHED_AMOUNT, Fixture

NOW = datetime(2025, 10, 2, 9, 0, tzinfo=SHANGHAI)
TOTAL = sum(AMOUNTS.values()) + UNMATCHED_AMOUNT


def expected_score(entity_id: str, total: float = TOTAL, extra_signal: float = 0.0) -> float:
    share = AMOUNTS[entity_id] / total
    return 100 * share * (1 - 0.5 ** ((SIGNALS[entity_id] + extra_signal) / 5))


def run(
    fixture: Fixture, period: Window = PERIOD, options: ReportOptions | None = None, **kw: object
) -> ReportResult:
    exposures = kw.pop("exposures", fixture.exposures)
    return write_report(
        fixture.sources(),
        exposures,
        period,
        fixture.tmp / "out",
        formats=(),
        options=options,
        now=NOW,  # type: ignore[arg-type]
    )


def test_counts_come_from_the_store_for_the_period_only(fixture: Fixture) -> None:
    report = run(fixture).report
    hongyuan, mingchuan, anhe, xinghai = (
        report.line(e) for e in ("hongyuan", "mingchuan", "anhe", "xinghai")
    )
    # h-old (before) and h-late (at the exclusive end) are outside the period.
    assert (hongyuan.documents, hongyuan.negative, hongyuan.negative_stories) == (6, 4, 3)
    assert hongyuan.events == {"债务违约": 2, "立案调查": 1}
    assert hongyuan.negative_share == pytest.approx(4 / 6)
    assert (mingchuan.documents, mingchuan.negative, mingchuan.negative_stories) == (3, 1, 1)
    assert mingchuan.events == {"高管变动": 1}
    assert (anhe.documents, anhe.negative, anhe.negative_share) == (2, 0, 0.0)
    assert (xinghai.documents, xinghai.negative_share) == (0, None)


def test_scores_follow_the_documented_formula_and_rank(fixture: Fixture) -> None:
    report = run(fixture).report
    assert [line.entity_id for line in report.lines] == ["hongyuan", "mingchuan", "anhe", "xinghai"]
    assert [line.rank for line in report.lines] == [1, 2, 3, 4]
    for line in report.lines:
        assert line.exposure_share == pytest.approx(AMOUNTS[line.entity_id] / TOTAL)
        assert line.signal == SIGNALS[line.entity_id]
        assert line.score == pytest.approx(expected_score(line.entity_id))
    assert report.pool_totals == {"CNY": TOTAL}
    assert report.line("anhe").score == 0.0  # exposure without negative news scores 0


def test_evidence_headlines_latest_first_with_sentences(fixture: Fixture) -> None:
    report = run(fixture).report
    headlines = report.line("hongyuan").headlines
    assert [h.document_id for h in headlines] == ["h3", "h2", "h1b"]  # 3 of 4, newest first
    assert headlines[1].evidence == "鸿远地产被证监会立案调查。"
    assert headlines[1].url == "http://news.example.test/h2.html"
    assert report.line("mingchuan").headlines[0].evidence == "明川科技董事长辞职。"
    assert report.line("anhe").headlines == []
    more = run(fixture, options=ReportOptions(headlines=10)).report
    # One headline per story: h1 is the story h1b reprints, so it does not take a second line.
    assert [h.document_id for h in more.line("hongyuan").headlines] == ["h3", "h2", "h1b"]


def test_unmatched_and_bad_rows_are_listed_not_dropped(fixture: Fixture) -> None:
    report = run(fixture).report
    assert [(u.row.row, u.row.name) for u in report.unmatched] == [(6, "青石矿业有限公司")]
    assert [(e.row, e.reason) for e in report.errors] == [
        (7, "amount '12abc' is not a number"),
        (8, "amount '-5' is negative"),
    ]


def test_daily_series_for_top_counterparties_with_news(fixture: Fixture) -> None:
    series = run(fixture).report.series
    assert series.bucket_days == 1 and len(series.buckets) == 30
    assert list(series.negative) == ["hongyuan", "mingchuan"]  # ranked; those without negatives left out
    hongyuan = series.negative["hongyuan"]
    assert {series.buckets[i].day: n for i, n in enumerate(hongyuan) if n} == {3: 2, 10: 1, 20: 1}
    assert sum(series.negative["mingchuan"]) == 1


def test_empty_period_gives_zeros_ranked_by_exposure(fixture: Fixture) -> None:
    quiet = Window(datetime(2025, 7, 1, tzinfo=SHANGHAI), datetime(2025, 8, 1, tzinfo=SHANGHAI))
    report = run(fixture, quiet).report
    assert [line.entity_id for line in report.lines] == ["hongyuan", "mingchuan", "anhe", "xinghai"]
    assert all(line.score == 0 and line.documents == 0 and not line.headlines for line in report.lines)
    assert report.series.negative == {}


def test_currency_pools_without_and_with_rates(fixture: Fixture, tmp_path: Path) -> None:
    exposures = tmp_path / "fx.csv"
    exposures.write_text(
        "id,name,exposure,currency\nhongyuan,鸿远地产,1000,CNY\nmingchuan,明川科技,100,USD\nanhe,安和食品,300,CNY\n",
        encoding="utf-8",
    )
    report = run(fixture, exposures=exposures).report
    assert report.pool_totals == {"CNY": 1300, "USD": 100}
    assert report.line("mingchuan").exposure_share == 1.0  # weighed within its own pool
    assert any("no FX rate for USD" in note for note in report.metadata.notes)
    converted = run(fixture, exposures=exposures, options=ReportOptions(fx_rates={"USD": 7.0})).report
    assert converted.pool_totals == {"CNY": 2000}
    assert converted.line("mingchuan").exposure_share == pytest.approx(700 / 2000)
    assert converted.line("mingchuan").currencies == ["USD"] and converted.line("mingchuan").pool == "CNY"


def test_rows_for_one_counterparty_are_summed(fixture: Fixture, tmp_path: Path) -> None:
    exposures = tmp_path / "two-rows.csv"
    exposures.write_text(
        "客户编号,客户名称,敞口金额,币种,业务条线\nhongyuan,鸿远地产,600,CNY,公司金融\n"
        "X9,鸿远集团,400,CNY,投资银行\nanhe,安和食品,1000,CNY,零售\n",
        encoding="utf-8",
    )
    report = run(fixture, exposures=exposures).report
    hongyuan = report.line("hongyuan")
    assert (hongyuan.amount, hongyuan.rows, hongyuan.matched_by) == (1000, [2, 3], ["id", "name"])
    assert hongyuan.business_units == ["公司金融", "投资银行"] and hongyuan.exposure_share == 0.5


def test_ties_are_broken_by_entity_id(fixture: Fixture, tmp_path: Path) -> None:
    exposures = tmp_path / "ties.csv"
    exposures.write_text("id,exposure\nxinghai,10\nanhe,10\n", encoding="utf-8")
    report = run(fixture, exposures=exposures).report
    assert [line.entity_id for line in report.lines] == ["anhe", "xinghai"]


def test_metadata_names_its_sources(fixture: Fixture, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "b.yaml").write_text("name: b\n", encoding="utf-8")
    (rules / "a.yaml").write_text("name: a\n", encoding="utf-8")
    sources = fixture.sources(rules_dir=rules)
    first = write_report(
        sources, fixture.exposures, PERIOD, tmp_path / "o1", formats=(), now=NOW
    ).report.metadata
    assert first.rule_set_hash.startswith("sha256:") and first.rule_set_hash.endswith("(2 files)")
    assert "riskwatch-zh-mini test-1" in first.model_version  # from the evidence documents' `model`
    assert first.generated_at == NOW and first.period_start == PERIOD.start
    assert any("no alert state configured" in note for note in first.notes)
    (rules / "a.yaml").write_text("name: a\nmin_count: 6\n", encoding="utf-8")
    second = write_report(
        sources, fixture.exposures, PERIOD, tmp_path / "o2", formats=(), now=NOW
    ).report.metadata
    assert second.rule_set_hash != first.rule_set_hash


def test_long_periods_are_charted_by_week(fixture: Fixture) -> None:
    long = Window(datetime(2025, 6, 1, tzinfo=SHANGHAI), datetime(2025, 10, 1, tzinfo=SHANGHAI))  # 122 days
    series = run(fixture, long).report.series
    assert series.bucket_days == 7 and len(series.buckets) == 18  # 17 full weeks and a last 3-day bucket
    assert series.buckets[0].isoformat() == "2025-06-01" and series.buckets[-1].isoformat() == "2025-09-28"
    assert sum(series.negative["hongyuan"]) == 5  # h-old (30 Aug) is inside this longer period
