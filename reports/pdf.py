"""The exposure report as a PDF for people (fpdf2), in Chinese, with the CJK font embedded.

fpdf2 embeds a subset of the TrueType font (the glyphs used) with a ToUnicode map, so the text can be
searched and extracted (pdftotext, pypdf) and displays on machines without any Chinese font. Sections:
summary and ranking, the negative-volume chart, per-counterparty evidence, unmatched and error rows, method.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from reports.fonts import BOLD, FONT_FAMILY, LICENCE, REGULAR, cjk_font
from reports.model import CounterpartyLine, ExposureReport
from reports.scoring import method_lines
from reports.xlsx import iso, metadata_rows

FONT = "cjk"
GREY, DARK_RED = (110, 110, 110), (150, 20, 20)
HEADING_FILL = (235, 238, 243)


def amount_text(amount: object) -> str:
    return f"{amount:,.2f}"


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.2f}%"


class ReportPDF(FPDF):
    """A4 portrait with a running title and page numbers."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.add_font(FONT, "", str(cjk_font(REGULAR)))
        self.add_font(FONT, "B", str(cjk_font(BOLD)))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=16)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, self.report_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 14) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, size=9)

    def paragraph(
        self, text: str, size: float = 9, color: tuple[int, int, int] = (0, 0, 0), link: str = ""
    ) -> None:
        self.set_font(FONT, size=size)
        self.set_text_color(*color)
        self.multi_cell(
            0,
            size * 0.5,
            text,
            align="L",
            wrapmode=WrapMode.CHAR,
            link=link or None,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(0, 0, 0)

    def grid(self, rows: Sequence[Sequence[str]], widths: Sequence[float], size: float = 8) -> None:
        self.set_font(FONT, size=size)
        heading = FontFace(family=FONT, emphasis="BOLD", fill_color=HEADING_FILL)
        with self.table(
            col_widths=widths,
            width=sum(widths),
            text_align="LEFT",
            wrapmode=WrapMode.CHAR,
            line_height=size * 0.5,
            headings_style=heading,
            align="LEFT",
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)


def _front(pdf: ReportPDF, report: ExposureReport) -> None:
    meta = report.metadata
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 10, "交易对手敞口舆情风险报告", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph("Exposure risk report — riskwatch", 10, GREY)
    pdf.ln(2)
    facts = [
        f"报告期间：{iso(meta.period_start)} 至 {iso(meta.period_end)}（不含结束时刻）",
        f"生成时间：{iso(meta.generated_at)}",
        f"敞口文件：{meta.input_file}（SHA-256 {meta.input_sha256}）",
        f"已匹配交易对手 {len(report.lines)} 户，未匹配 {len(report.unmatched)} 行，错误 {len(report.errors)} 行",
        "各币种池合计："
        + ("；".join(f"{p} {amount_text(a)}" for p, a in report.pool_totals.items()) or "无"),
    ]
    for fact in facts:
        pdf.paragraph(fact)
    for note in meta.notes:
        pdf.paragraph(f"说明：{note}", 8.5, DARK_RED)


def _more(pdf: ReportPDF, total: int, top: int, unit: str) -> None:
    if total > top:
        pdf.paragraph(f"（仅列前 {top} 项，其余 {total - top} {unit}见 XLSX 工作簿。）", 8.5, GREY)


def _ranking(pdf: ReportPDF, report: ExposureReport, top: int) -> None:
    pdf.heading("一、风险排名（按敞口加权风险评分）")
    if not report.lines:
        pdf.paragraph("没有与关注名单匹配的交易对手。")
        return
    rows = [["排名", "交易对手", "敞口", "占比", "负面文档", "负面报道", "事件", "告警", "评分"]]
    for line in report.lines[:top]:
        rows.append(
            [
                str(line.rank),
                f"{line.entity_name}\n{line.entity_id}",
                f"{amount_text(line.amount)} {line.pool}",
                share_text(line.exposure_share),
                str(line.negative),
                str(line.negative_stories),
                str(sum(line.events.values())),
                str(line.alerts),
                f"{line.score:.2f}",
            ]
        )
    pdf.grid(rows, [10, 48, 32, 16, 14, 14, 12, 12, 22])
    _more(pdf, len(report.lines), top, "户交易对手")


def _chart(pdf: ReportPDF, chart_png: Path | None, report: ExposureReport) -> None:
    unit = "日" if report.series.bucket_days == 1 else "周"
    drawn = len(report.series.negative)
    scope = f"有负面文档的排名前 {drawn} 户" if drawn else "期间内无负面文档"
    pdf.heading(f"二、负面舆情走势（每{unit}负面文档数，{scope}）")
    if chart_png is None:
        pdf.paragraph("（未生成图表）")
        return
    pdf.image(str(chart_png), w=pdf.epw)
    pdf.ln(2)


def _events_text(line: CounterpartyLine) -> str:
    return "；".join(f"{kind} {n}" for kind, n in line.events.items()) or "无"


def _evidence(pdf: ReportPDF, report: ExposureReport, top: int) -> None:
    pdf.heading("三、逐户证据")
    for line in report.lines[:top]:
        _counterparty(pdf, line)
    _more(pdf, len(report.lines), top, "户交易对手")


def _counterparty(pdf: ReportPDF, line: CounterpartyLine) -> None:
    pdf.heading(f"{line.rank}. {line.entity_name}（{line.entity_id}）", 11)
    figures = (
        f"敞口 {amount_text(line.amount)} {line.pool}（占比 {share_text(line.exposure_share)}）；"
        f"文档 {line.documents}，负面 {line.negative}（负面占比 {share_text(line.negative_share)}），"
        f"负面报道 {line.negative_stories}；告警 {line.alerts}；评分 {line.score:.2f}"
    )
    pdf.paragraph(figures)
    pdf.paragraph(f"风险事件：{_events_text(line)}")
    extra = [f"文件中名称：{'；'.join(line.file_names)}", f"行号：{', '.join(map(str, line.rows))}"]
    if line.ratings:
        extra.append(f"评级：{'；'.join(line.ratings)}")
    if line.business_units:
        extra.append(f"业务条线：{'；'.join(line.business_units)}")
    pdf.paragraph("　".join(extra), 8, GREY)
    if not line.headlines:
        pdf.paragraph("期间内无负面报道。", 8.5, GREY)
    for headline in line.headlines:
        pdf.ln(1)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(
            0, 4.6, headline.title, align="L", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.paragraph(f"{headline.source} · {iso(headline.published_at)}", 8, GREY)
        pdf.paragraph(headline.url, 7.5, (30, 60, 160), link=headline.url)
        if headline.evidence:
            pdf.paragraph(f"证据：{headline.evidence}", 8.5)
    pdf.ln(2)


def _leftovers(pdf: ReportPDF, report: ExposureReport, top: int) -> None:
    pdf.heading("四、未匹配的交易对手（未在关注名单中，未统计舆情）")
    if report.unmatched:
        rows = [["行号", "客户编号", "客户名称", "敞口", "原因"]]
        rows += [
            [
                str(u.row.row),
                u.row.counterparty_id,
                u.row.name,
                f"{amount_text(u.row.amount)} {u.row.currency}",
                u.reason,
            ]
            for u in report.unmatched[:top]
        ]
        pdf.grid(rows, [12, 24, 46, 34, 64])
        _more(pdf, len(report.unmatched), top, "行")
    else:
        pdf.paragraph("无。")
    pdf.heading("五、无法解析的行")
    if report.errors:
        pdf.grid([["行号", "原因"], *([str(e.row), e.reason] for e in report.errors[:top])], [14, 166])
        _more(pdf, len(report.errors), top, "行")
    else:
        pdf.paragraph("无。")


def _method(pdf: ReportPDF, report: ExposureReport) -> None:
    pdf.heading("六、方法说明")
    for chinese, _ in method_lines():
        pdf.paragraph(f"• {chinese}")
    pdf.paragraph(
        "• 统计口径：文档时间取发布时间（缺失时取抓取时间），期间为左闭右开区间；负面按实体级情感判断；"
        "负面报道按转载簇（cluster_id）去重；风险事件按类型统计涉及该实体的文档数；告警为期间内新开的告警。"
    )
    pdf.paragraph(
        "• 匹配：先按客户编号匹配关注名单编号，再按名称与别名（全半角、大小写归一，并去除公司后缀）匹配。"
    )
    pdf.paragraph(
        "• 币种：不使用未经配置的汇率。配置了汇率的币种折算为本位币一起计算占比；无汇率的币种单独成池，在池内计算占比。"
    )
    pdf.ln(1)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 5, "数据来源与版本", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for key, value in metadata_rows(report):
        pdf.paragraph(f"{key}：{value}", 8)
    pdf.paragraph(f"字体：{FONT_FAMILY}（{LICENCE}），嵌入子集。", 8, GREY)


def write_pdf(report: ExposureReport, target: Path, chart_png: Path | None, top: int = 50) -> Path:
    """Render the PDF; ranking, evidence, unmatched and bad rows are cut at ``top`` each (the workbook has
    them all), so a 10,000-row exposure file still gives a document people read."""
    meta = report.metadata
    title = f"交易对手敞口舆情风险报告 {meta.period_start.date()} 至 {meta.period_end.date()}"
    pdf = ReportPDF(title)
    pdf.set_title(title)
    pdf.set_author("riskwatch")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(meta.generated_at)
    _front(pdf, report)
    _ranking(pdf, report, top)
    _chart(pdf, chart_png, report)
    _evidence(pdf, report, top)
    _leftovers(pdf, report, top)
    _method(pdf, report)
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target
