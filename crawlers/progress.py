"""What a crawl shows while it runs and when it ends: pages, items and drops by reason, per source."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

DROP_PREFIX = "riskwatch/drop/"


@dataclass
class SourceReport:
    """One source's figures for a run, read from its crawler's stats."""

    name: str
    pages: int = 0
    stored: int = 0
    skipped_seen: int = 0
    deferred: int = 0
    reprints: int = 0
    no_date: int = 0
    truncated: int = 0  # documents cut to max_content_chars (crawlers.limits)
    errors: int = 0  # ERROR records logged (crawl.log has them; the console shows riskwatch's own)
    drops: dict[str, int] = field(default_factory=dict)
    finish_reason: str | None = None
    elapsed_seconds: float = 0.0

    @classmethod
    def from_stats(cls, name: str, stats: dict[str, Any]) -> SourceReport:
        drops = {
            key.removeprefix(DROP_PREFIX): int(value)
            for key, value in stats.items()
            if key.startswith(DROP_PREFIX)
        }
        if stats.get("offsite/filtered"):
            drops["offsite"] = int(stats["offsite/filtered"])
        return cls(
            name=name,
            pages=int(stats.get("response_received_count", 0)),
            stored=int(stats.get("riskwatch/stored", 0)),
            skipped_seen=int(stats.get("riskwatch/skipped_seen", 0)),
            deferred=int(stats.get("riskwatch/deferred", 0)),
            reprints=int(stats.get("riskwatch/reprints", 0)),
            no_date=int(stats.get("riskwatch/no_date", 0)),
            truncated=int(stats.get("riskwatch/truncated", 0)),
            errors=int(stats.get("log_count/ERROR", 0)),
            drops=dict(sorted(drops.items())),
            finish_reason=stats.get("finish_reason"),
            elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
        )

    @property
    def unreachable(self) -> bool:
        """No page at all could be fetched: the source is down or refused."""
        return self.pages == 0 and bool(self.drops)


def _drops_text(drops: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in drops.items()) or "-"


COUNT_COLUMNS = ("pages", "stored", "seen\nbefore", "reprints", "deferred")


def report_table(reports: Iterable[SourceReport], title: str, finished: bool = False) -> Table:
    """Per-source counts. Figures never wrap and headers break only where they are written to, so the table
    reads at 80 columns; the final table has an ``ended`` column only when a source ended otherwise than
    ``finished`` (a page limit, a shutdown), and says so in its caption when every source finished."""
    reports = list(reports)
    ended = finished and any((r.finish_reason or "-") != "finished" for r in reports)
    caption = "every source finished" if finished and reports and not ended else None
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    # Source names never shrink to "demo-f…" on a narrow console: two sources could not be told apart.
    table.add_column("source", no_wrap=True, min_width=max((len(r.name) for r in reports), default=6))
    for column in COUNT_COLUMNS:
        width = max(len(line) for line in column.splitlines())
        table.add_column(column, justify="right", no_wrap=True, min_width=width)
    table.add_column("dropped\n(by reason)", overflow="fold")
    if ended:
        table.add_column("ended", overflow="fold")
    totals = SourceReport("total")
    for report in reports:
        row = [
            report.name,
            str(report.pages),
            str(report.stored),
            str(report.skipped_seen),
            str(report.reprints),
            str(report.deferred),
            _drops_text(report.drops),
        ]
        if ended:
            row.append(report.finish_reason or "-")
        table.add_row(*row)
        totals.pages += report.pages
        totals.stored += report.stored
        totals.skipped_seen += report.skipped_seen
        totals.reprints += report.reprints
        totals.deferred += report.deferred
        for reason, count in report.drops.items():
            totals.drops[reason] = totals.drops.get(reason, 0) + count
    total_row = [
        "total",
        str(totals.pages),
        str(totals.stored),
        str(totals.skipped_seen),
        str(totals.reprints),
        str(totals.deferred),
    ]
    total_row.append(_drops_text(dict(sorted(totals.drops.items()))))
    if ended:
        total_row.append("")
    table.add_row(*total_row, style="bold")
    return table
