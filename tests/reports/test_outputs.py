"""The written files: the XLSX read back with openpyxl, the PDF's text read back (pypdf; pdftotext too when
poppler is installed), the embedded CJK font, the manifest's hashes, and two runs giving the same figures."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from indexer.store import Window
from nlp.watchlist import load_watchlist
from reports.manifest import verify_manifest
from reports.options import ReportOptions
from reports.writer import ReportResult, ReportSources, write_report
from reports.xlsx import COUNTERPARTIES, ERRORS, METADATA, SUMMARY, UNMATCHED
from tests.reports.reportdata import (
    AMOUNTS,
    EXPOSURE_CSV,
    PERIOD,
    REPO,
    SIGNALS,
    UNMATCHED_AMOUNT,
    day,
    document,
    fixture_documents,
)

TOTAL = sum(AMOUNTS.values()) + UNMATCHED_AMOUNT
RUN_TIMES = (datetime(2025, 10, 2, 9, 0, tzinfo=SHANGHAI), datetime(2025, 10, 3, 18, 30, tzinfo=SHANGHAI))
WATCHED_NAMES = [
    "鸿远地产集团股份有限公司",
    "明川科技股份有限公司",
    "安和食品股份有限公司",
    "星海新能源股份有限公司",
]


def score(entity_id: str) -> float:
    return 100 * AMOUNTS[entity_id] / TOTAL * (1 - 0.5 ** (SIGNALS[entity_id] / 5))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReportResult, ReportResult, Path]]:
    """The same report written twice (different clocks, different folders) from one store."""
    tmp = tmp_path_factory.mktemp("outputs")
    store = SqliteStore(tmp / "store.db")
    store.put(fixture_documents())
    exposures = tmp / "exposures.csv"
    exposures.write_text(EXPOSURE_CSV, encoding="utf-8")
    sources = ReportSources(
        watchlist=load_watchlist(REPO / "configs" / "watchlist.yaml"),
        store=store,
        store_description=f"sqlite: {tmp / 'store.db'}",
        alert_state=None,
        model_dir=None,
        rules_dir=None,
    )
    first, second = (
        write_report(sources, exposures, PERIOD, tmp / f"run{n}", now=now) for n, now in enumerate(RUN_TIMES)
    )
    yield first, second, exposures
    store.close()


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook[name].iter_rows(values_only=True)]
    finally:
        workbook.close()


def records(path: Path, name: str) -> list[dict[str, Any]]:
    header, *rows = sheet_rows(path, name)
    table = []
    for row in rows:
        if row[0] is None:
            break  # the summary's table ends at the first blank row; the method text follows
        table.append(dict(zip(header, row, strict=False)))
    return table


def output(result: ReportResult, suffix: str) -> Path:
    return next(path for path in result.files if path.name.endswith(suffix))


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_summary_sheet_ranks_by_score_and_explains_it(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    xlsx = output(runs[0], ".xlsx")
    summary = records(xlsx, SUMMARY)
    assert [(r["Rank 排名"], r["Entity id 实体编号"]) for r in summary] == [
        (1, "hongyuan"),
        (2, "mingchuan"),
        (3, "anhe"),
        (4, "xinghai"),
    ]
    for row in summary:
        entity = row["Entity id 实体编号"]
        assert row["Score 风险评分"] == pytest.approx(score(entity))
        assert row["Exposure 敞口"] == AMOUNTS[entity]
        assert row["Exposure share 敞口占比"] == pytest.approx(AMOUNTS[entity] / TOTAL)
    assert summary[0]["Counterparty 交易对手"] == "鸿远地产集团股份有限公司"
    text = "\n".join(str(cell) for row in sheet_rows(xlsx, SUMMARY) for cell in row if cell is not None)
    assert "score = 100 × exposure share × news factor" in text
    assert "风险评分 = 100 × 敞口占比 × 舆情系数" in text


def test_counterparty_rows_carry_counts_events_and_headlines(
    runs: tuple[ReportResult, ReportResult, Path],
) -> None:
    rows = {r["Entity id 实体编号"]: r for r in records(output(runs[0], ".xlsx"), COUNTERPARTIES)}
    hongyuan = rows["hongyuan"]
    assert (hongyuan["Documents 文档"], hongyuan["Negative documents 负面文档"]) == (6, 4)
    assert hongyuan["Negative stories 负面报道"] == 3
    assert hongyuan["Negative share 负面占比"] == pytest.approx(4 / 6)
    assert (hongyuan["Event 事件: 债务违约"], hongyuan["Event 事件: 立案调查"]) == (2, 1)
    assert rows["mingchuan"]["Event 事件: 高管变动"] == 1 and rows["mingchuan"]["Event 事件: 债务违约"] == 0
    assert hongyuan["Headline 2 标题"] == "鸿远地产新闻h2"
    assert hongyuan["URL 2 链接"] == "http://news.example.test/h2.html"
    assert hongyuan["Evidence 2 证据句"] == "鸿远地产被证监会立案调查。"
    assert (hongyuan["Matched by 匹配方式"], rows["xinghai"]["Matched by 匹配方式"]) == ("id", "alias")
    assert rows["xinghai"]["Negative share 负面占比"] is None  # no documents: no share, not 0
    assert hongyuan["Alerts 告警"] == 0


def test_errors_unmatched_and_metadata_sheets(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    xlsx = output(runs[0], ".xlsx")
    errors = records(xlsx, ERRORS)
    assert [(e["Row 行号"], e["Reason 原因"]) for e in errors] == [
        (7, "amount '12abc' is not a number"),
        (8, "amount '-5' is negative"),
    ]
    assert "坏行公司" in errors[0]["Cells as read 原始内容"]
    unmatched = records(xlsx, UNMATCHED)
    assert [(u["Row 行号"], u["Name 客户名称"], u["Exposure 敞口"]) for u in unmatched] == [
        (6, "青石矿业有限公司", UNMATCHED_AMOUNT)
    ]
    metadata = dict(sheet_rows(xlsx, METADATA)[1:])
    exposures = runs[2]
    assert metadata["Input file SHA-256 输入文件哈希"] == hashlib.sha256(exposures.read_bytes()).hexdigest()
    assert metadata["Period start 期间开始"] == "2025-09-01T00:00:00+08:00"
    assert metadata["Period end (exclusive) 期间结束（不含）"] == "2025-10-01T00:00:00+08:00"
    assert metadata["Generated at 生成时间"] == "2025-10-02T09:00:00+08:00"
    assert metadata["Store 存储"].startswith("sqlite: ")
    assert "riskwatch-zh-mini test-1" in metadata["Model version 模型版本"]
    assert metadata["Rule set hash 规则集哈希"] == "no rules directory"


def test_pdf_text_has_the_chinese_names_and_figures(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    text = pdf_text(output(runs[0], ".pdf"))
    for name in [
        *WATCHED_NAMES,
        "青石矿业有限公司",
        "鸿远地产被证监会立案调查。",
        "交易对手敞口舆情风险报告",
        "方法说明",
    ]:
        assert name in text, name
    assert f"{score('hongyuan'):.2f}" in text and f"{score('mingchuan'):.2f}" in text
    assert "http://news.example.test/h2.html" in text
    assert "amount '12abc' is not a number" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")
def test_pdftotext_reads_the_same_names(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    completed = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(output(runs[0], ".pdf")), "-"], capture_output=True, check=True
    )
    text = completed.stdout.decode("utf-8")
    assert all(name in text for name in WATCHED_NAMES)


def test_pdf_embeds_its_cjk_font(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    reader = PdfReader(output(runs[0], ".pdf"))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    embedded.add(str(font["/BaseFont"]))
    assert embedded and all("NotoSansSC" in name for name in embedded), embedded


def test_chart_is_a_png_in_the_outputs(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    chart = output(runs[0], "-chart.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_manifest_lists_every_output_with_its_hash(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    result = runs[0]
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    listed = {entry["file"] for entry in manifest["files"]}
    assert listed == {p.name for p in result.files if p != result.manifest}
    assert listed == {p.name for p in result.manifest.parent.iterdir()} - {"manifest.json"}
    assert verify_manifest(result.manifest.parent) == []
    copy = result.manifest.parent.parent / "tampered"
    shutil.copytree(result.manifest.parent, copy)
    with (copy / output(result, ".pdf").name).open("ab") as handle:
        handle.write(b"%")
    assert verify_manifest(copy) == [f"{output(result, '.pdf').name}: SHA-256 differs from the manifest"]


def test_two_runs_give_identical_figures(runs: tuple[ReportResult, ReportResult, Path]) -> None:
    first, second, _ = runs
    for sheet in (SUMMARY, COUNTERPARTIES, UNMATCHED, ERRORS, METADATA):
        a, b = sheet_rows(output(first, ".xlsx"), sheet), sheet_rows(output(second, ".xlsx"), sheet)
        if sheet == METADATA:  # only the generated-at time may differ
            a = [row for row in a if row[0] != "Generated at 生成时间"]
            b = [row for row in b if row[0] != "Generated at 生成时间"]
        assert a == b, sheet
    assert output(first, "-chart.png").read_bytes() == output(second, "-chart.png").read_bytes()
    strip = [line for line in pdf_text(output(first, ".pdf")).splitlines() if "2025-10-02T09" not in line]
    other = [line for line in pdf_text(output(second, ".pdf")).splitlines() if "2025-10-03T18" not in line]
    assert strip == other


def test_empty_period_still_writes_every_file(
    runs: tuple[ReportResult, ReportResult, Path], tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "empty.db")
    try:
        sources = ReportSources(
            load_watchlist(REPO / "configs" / "watchlist.yaml"), store, "sqlite: empty", None, None, None
        )
        window = Window(datetime(2025, 1, 1, tzinfo=SHANGHAI), datetime(2025, 1, 8, tzinfo=SHANGHAI))
        result = write_report(sources, runs[2], window, tmp_path / "out", now=RUN_TIMES[0])
    finally:
        store.close()
    assert {p.suffix for p in result.files} == {".xlsx", ".pdf", ".png", ".json"}
    summary = records(output(result, ".xlsx"), SUMMARY)
    assert [r["Score 风险评分"] for r in summary] == [0, 0, 0, 0]
    assert "期间内无负面文档" in pdf_text(output(result, ".pdf"))
    assert verify_manifest(result.manifest.parent) == []


def test_pdf_details_only_the_top_counterparties(
    runs: tuple[ReportResult, ReportResult, Path], tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "store.db")
    store.put(fixture_documents())
    try:
        sources = ReportSources(
            load_watchlist(REPO / "configs" / "watchlist.yaml"), store, "s", None, None, None
        )
        options = ReportOptions(pdf_top=1)
        result = write_report(sources, runs[2], PERIOD, tmp_path / "out", ("pdf",), options, RUN_TIMES[0])
    finally:
        store.close()
    text = pdf_text(output(result, ".pdf"))
    assert "鸿远地产集团股份有限公司" in text and "明川科技股份有限公司" not in text
    assert "其余 3 户交易对手见 XLSX" in text and "其余 1 行见 XLSX" in text  # 2 bad rows, 1 shown


def test_text_from_outside_never_becomes_a_formula_or_a_non_web_link(tmp_path: Path) -> None:
    """Headlines come from crawled pages and cells from the bank's file: a leading ``=`` stays text."""
    formula = '=HYPERLINK("http://evil.example/","点此查看")'
    hostile = replace(
        document("evil", "hongyuan", day(4), True, evidence="=1+1"),
        title=formula,
        url="javascript:alert(1)",
    )
    store = SqliteStore(tmp_path / "store.db")
    store.put([hostile])
    exposures = tmp_path / "exposures.csv"
    exposures.write_text(
        "客户编号,客户名称,敞口金额,币种\nhongyuan,鸿远地产,100,CNY\nC9,=cmd|' /C calc'!A0,n/a,CNY\n",
        encoding="utf-8",
    )
    try:
        sources = ReportSources(
            load_watchlist(REPO / "configs" / "watchlist.yaml"), store, "s", None, None, None
        )
        result = write_report(sources, exposures, PERIOD, tmp_path / "out", ("xlsx",), now=RUN_TIMES[0])
    finally:
        store.close()
    workbook = load_workbook(output(result, ".xlsx"))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.value for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {formula, "=1+1"} <= texts
    assert any(value.startswith("C9 | =cmd|") for value in texts)  # the errors sheet's raw cells
    assert [c.hyperlink for c in cells if c.hyperlink] == []
