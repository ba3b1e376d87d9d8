"""The exposure report as an XLSX workbook (openpyxl).

Sheets: ``Summary 汇总`` (ranked by score, the formula explained under the table), ``Counterparties 交易对手``
(one row per counterparty: counts, events by type, alerts, top headlines with URLs and evidence),
``Unmatched 未匹配``, ``Errors 错误行`` (rows of the exposure file that did not parse, with row number and
reason) and ``Metadata 元数据``. Times are ISO-8601 text with their UTC offset (Excel has no time zones).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.model import CounterpartyLine, ExposureReport
from reports.scoring import method_lines

SUMMARY, COUNTERPARTIES, UNMATCHED, ERRORS, METADATA = (
    "Summary 汇总",
    "Counterparties 交易对手",
    "Unmatched 未匹配",
    "Errors 错误行",
    "Metadata 元数据",
)
SUMMARY_COLUMNS = (
    "Rank 排名",
    "Entity id 实体编号",
    "Counterparty 交易对手",
    "Exposure 敞口",
    "Pool 币种池",
    "Exposure share 敞口占比",
    "Negative stories 负面报道",
    "Risk-event documents 风险事件文档",
    "Alerts 告警",
    "Signal 信号",
    "News factor 舆情系数",
    "Score 风险评分",
)
DETAIL_COLUMNS = (
    "Rank 排名",
    "Entity id 实体编号",
    "Counterparty 交易对手",
    "Name in file 文件中名称",
    "Matched by 匹配方式",
    "File rows 文件行号",
    "Rating 评级",
    "Business unit 业务条线",
    "Exposure 敞口",
    "Pool 币种池",
    "Currencies 原币种",
    "Exposure share 敞口占比",
    "Documents 文档",
    "Negative documents 负面文档",
    "Negative share 负面占比",
    "Negative stories 负面报道",
    "Alerts 告警",
    "Alerts by severity 告警级别",
    "Score 风险评分",
)
UNMATCHED_COLUMNS = (
    "Row 行号",
    "Counterparty id 客户编号",
    "Name 客户名称",
    "Aliases 别名",
    "Exposure 敞口",
    "Currency 币种",
    "Rating 评级",
    "Business unit 业务条线",
    "Reason 原因",
)
ERROR_COLUMNS = ("Row 行号", "Reason 原因", "Cells as read 原始内容")
EVENT_PREFIX = "Event 事件: "
AMOUNT_FORMAT, SHARE_FORMAT, SCORE_FORMAT = "#,##0.00", "0.00%", "0.00"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _header(sheet: Worksheet, columns: Sequence[str], widths: Sequence[int] | None = None) -> None:
    sheet.append(list(columns))
    for position, _ in enumerate(columns, start=1):
        sheet.cell(row=1, column=position).font = BOLD
        width = widths[position - 1] if widths and position <= len(widths) else 16
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"


def _append(sheet: Worksheet, row: int, values: Sequence[Any]) -> None:
    """Append ``values`` as row ``row``, every string as text: openpyxl stores a string starting with ``=``
    as a formula, and titles, evidence and exposure-file cells come from outside (formula injection)."""
    sheet.append(list(values))
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith("="):
            sheet.cell(row=row, column=column).data_type = "s"


def _safe_link(url: str) -> str | None:
    """Only web links become hyperlinks (not ``file:``, ``javascript:`` or other schemes)."""
    return url if url.lower().startswith(("http://", "https://")) else None


def _formats(sheet: Worksheet, row: int, formats: dict[int, str]) -> None:
    for column, number_format in formats.items():
        sheet.cell(row=row, column=column).number_format = number_format


def _event_documents(line: CounterpartyLine) -> int:
    return sum(line.events.values())


def _summary(sheet: Worksheet, report: ExposureReport) -> None:
    _header(sheet, SUMMARY_COLUMNS, [8, 14, 30, 18, 10, 14, 12, 14, 8, 10, 12, 12])
    for row, line in enumerate(report.lines, start=2):  # rows counted here: sheet.max_row is O(rows)
        _append(
            sheet,
            row,
            [
                line.rank,
                line.entity_id,
                line.entity_name,
                float(line.amount),
                line.pool,
                line.exposure_share,
                line.negative_stories,
                _event_documents(line),
                line.alerts,
                line.signal,
                line.news_factor,
                line.score,
            ],
        )
        _formats(sheet, row, {4: AMOUNT_FORMAT, 6: SHARE_FORMAT, 11: "0.000", 12: SCORE_FORMAT})
    sheet.append([])
    sheet.append(["How the score is computed 评分方法"])
    sheet.cell(row=len(report.lines) + 3, column=1).font = BOLD
    for chinese, english in method_lines():
        sheet.append([english])
        sheet.append([chinese])
    sheet.append([])
    totals = "; ".join(f"{pool} {amount:,.2f}" for pool, amount in report.pool_totals.items())
    sheet.append([f"Pool totals 各币种池合计: {totals or 'none'}"])


def _headline_columns(count: int) -> list[str]:
    columns: list[str] = []
    for n in range(1, count + 1):
        columns += [f"Headline {n} 标题", f"URL {n} 链接", f"Evidence {n} 证据句", f"Published {n} 时间"]
    return columns


def _details(sheet: Worksheet, report: ExposureReport, headlines: int) -> None:
    event_types = sorted({kind for line in report.lines for kind in line.events})
    columns = [*DETAIL_COLUMNS, *(EVENT_PREFIX + kind for kind in event_types), *_headline_columns(headlines)]
    _header(sheet, columns, [8, 14, 30, 30, 10, 10, 8, 14, 18, 8, 10, 12, 10, 12, 12, 12, 8, 18, 10])
    first_headline = len(DETAIL_COLUMNS) + len(event_types) + 1
    for row, line in enumerate(report.lines, start=2):
        values: list[Any] = [
            line.rank,
            line.entity_id,
            line.entity_name,
            "; ".join(line.file_names),
            "; ".join(line.matched_by),
            ", ".join(str(row) for row in line.rows),
            "; ".join(line.ratings),
            "; ".join(line.business_units),
            float(line.amount),
            line.pool,
            "; ".join(line.currencies),
            line.exposure_share,
            line.documents,
            line.negative,
            line.negative_share,
            line.negative_stories,
            line.alerts,
            "; ".join(f"{sev} {n}" for sev, n in line.alerts_by_severity.items()),
            line.score,
            *(line.events.get(kind, 0) for kind in event_types),
        ]
        for headline in line.headlines[:headlines]:
            values += [headline.title, headline.url, headline.evidence, iso(headline.published_at)]
        _append(sheet, row, values)
        _formats(sheet, row, {9: AMOUNT_FORMAT, 12: SHARE_FORMAT, 15: SHARE_FORMAT, 19: SCORE_FORMAT})
        for n, headline in enumerate(line.headlines[:headlines]):
            link = _safe_link(headline.url)
            if link:
                cell = sheet.cell(row=row, column=first_headline + 4 * n + 1)
                cell.hyperlink, cell.style = link, "Hyperlink"
        for column in range(first_headline, len(values) + 1):
            sheet.cell(row=row, column=column).alignment = WRAP


def _unmatched(sheet: Worksheet, report: ExposureReport) -> None:
    _header(sheet, UNMATCHED_COLUMNS, [8, 16, 30, 24, 18, 10, 8, 14, 50])
    for number, item in enumerate(report.unmatched, start=2):
        row = item.row
        _append(
            sheet,
            number,
            [
                row.row,
                row.counterparty_id,
                row.name,
                "; ".join(row.aliases),
                float(row.amount),
                row.currency,
                row.rating,
                row.business_unit,
                item.reason,
            ],
        )
        _formats(sheet, number, {5: AMOUNT_FORMAT})


def _errors(sheet: Worksheet, report: ExposureReport) -> None:
    _header(sheet, ERROR_COLUMNS, [8, 50, 60])
    for number, error in enumerate(report.errors, start=2):
        _append(sheet, number, [error.row, error.reason, " | ".join(error.values)])


def metadata_rows(report: ExposureReport) -> list[tuple[str, str]]:
    meta = report.metadata
    return [
        ("Period start 期间开始", iso(meta.period_start)),
        ("Period end (exclusive) 期间结束（不含）", iso(meta.period_end)),
        ("Generated at 生成时间", iso(meta.generated_at)),
        ("Input file 输入文件", meta.input_file),
        ("Input file SHA-256 输入文件哈希", meta.input_sha256),
        ("Input columns 输入列", "; ".join(f"{k}={v}" for k, v in meta.input_columns.items())),
        ("Store 存储", meta.store),
        ("Model version 模型版本", meta.model_version),
        ("Rule set hash 规则集哈希", meta.rule_set_hash),
        ("Base currency 本位币", meta.base_currency),
        (
            "FX rates 汇率",
            "; ".join(f"{k} {v:g}" for k, v in meta.fx_rates.items()) or "none (no conversion)",
        ),
        ("Pool totals 各币种池合计", "; ".join(f"{k} {v:,.2f}" for k, v in report.pool_totals.items())),
        ("Counterparties matched 匹配交易对手", str(len(report.lines))),
        ("Unmatched rows 未匹配行", str(len(report.unmatched))),
        ("Error rows 错误行", str(len(report.errors))),
        ("riskwatch version 版本", meta.riskwatch_version),
        *(("Note 说明", note) for note in meta.notes),
    ]


def _metadata(sheet: Worksheet, report: ExposureReport) -> None:
    _header(sheet, ("Key 项目", "Value 值"), [36, 100])
    for number, (key, value) in enumerate(metadata_rows(report), start=2):
        _append(sheet, number, [key, value])


def write_xlsx(report: ExposureReport, target: Path, headlines: int) -> Path:
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY
    _summary(summary, report)
    _details(workbook.create_sheet(COUNTERPARTIES), report, headlines)
    _unmatched(workbook.create_sheet(UNMATCHED), report)
    _errors(workbook.create_sheet(ERRORS), report)
    _metadata(workbook.create_sheet(METADATA), report)
    created = report.metadata.generated_at.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = created
    workbook.properties.title = "riskwatch exposure report"
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target
