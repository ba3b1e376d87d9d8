"""The negative-volume chart: negative documents per day (per week for long periods), one line per top
counterparty, as a PNG drawn with matplotlib's object API (no pyplot, no display needed)."""

from __future__ import annotations

from pathlib import Path

from reports.fonts import cjk_font
from reports.model import DailySeries

WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.2, 160


def render_chart(series: DailySeries, target: Path) -> Path:
    """Draw ``series`` to ``target`` (PNG). Same series → same pixels: no timestamps are drawn or stored."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    font_path = cjk_font()
    font_manager.fontManager.addfont(str(font_path))
    family = font_manager.FontProperties(fname=str(font_path)).get_name()
    style = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False, "svg.hashsalt": "riskwatch"}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        unit = "日" if series.bucket_days == 1 else "周"
        axes.set_title(f"负面文档数（每{unit}）· 排名靠前的交易对手")
        axes.set_ylabel("负面文档")
        drawn = False
        for entity_id, counts in series.negative.items():
            if not series.buckets:
                break
            axes.plot(
                series.buckets,
                counts,
                marker="o",
                markersize=3,
                linewidth=1.4,
                drawstyle="steps-mid",
                label=f"{series.names[entity_id]} ({entity_id})".replace("$", r"\$"),  # no math text
            )
            drawn = drawn or any(counts)
        if not drawn:
            axes.text(
                0.5,
                0.5,
                "期间内无负面文档",
                transform=axes.transAxes,
                ha="center",
                va="center",
                fontsize=14,
                color="#666666",
            )
        if series.negative and series.buckets:
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
            locator = AutoDateLocator()
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.set_ylim(bottom=0)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.grid(axis="y", alpha=0.3)
        figure.tight_layout()
        target.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(target, format="png", metadata={"Software": None})
    return target
