"""Run a crawl: every selected source as its own spider in one Scrapy process, with live progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from rich.console import Console
from rich.live import Live
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.fleet import FleetCrawl
from crawlers.items import SHANGHAI
from crawlers.limits import DEFAULT_MAX_CONTENT_CHARS, SCRAPY_SETTING
from crawlers.logsetup import console_logging
from crawlers.progress import SourceReport, report_table
from crawlers.reprints import ReprintIndex, from_bytes
from crawlers.runtime import CrawlRuntime, shanghai_now
from crawlers.settings import crawl_settings, source_settings
from crawlers.sinks import CountingSink, DocumentSink, JsonlSink
from crawlers.sources import CrawlOptions, SourceConfig
from crawlers.spiders import get_spider
from crawlers.state import CrawlState, SeenState

logger = logging.getLogger(__name__)
LOG_MAX_BYTES, LOG_BACKUPS = 10_000_000, 5  # crawl.log rotates: a long-running service must not fill the disk


@dataclass
class CrawlReport:
    sources: list[SourceReport]
    output: Path | None
    documents_written: int
    recovered_partial_line: bool = False
    log_path: Path | None = None  # crawl.log: every record, libraries' included

    @property
    def unreachable(self) -> list[SourceReport]:
        return [report for report in self.sources if report.unreachable]

    def to_dict(self) -> dict[str, object]:
        return {
            "output": str(self.output) if self.output else None,
            "documents_written": self.documents_written,
            "recovered_partial_line": self.recovered_partial_line,
            "sources": [asdict(report) for report in self.sources],
            "unreachable": [report.name for report in self.unreachable],
        }


def _configure_logging(state_dir: Path, level: str, console: Console) -> None:
    """Every record from INFO up into ``crawl.log``; the console shows riskwatch's own from ``level`` up
    (libraries' records only with ``--verbose``: :mod:`crawlers.logsetup`)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_riskwatch", None) == "file":
            root.removeHandler(handler)
            handler.close()
    file_handler = RotatingFileHandler(
        state_dir / "crawl.log", maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
    file_handler._riskwatch = "file"  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    console_logging(console, level)


def _reprint_index(state: CrawlState, options: CrawlOptions) -> ReprintIndex:
    index = ReprintIndex(options.near_duplicate_threshold)
    for doc_id, cluster_id, blob in state.recent_signatures(options.reprint_window_days):
        index.add(doc_id, cluster_id, from_bytes(blob))
    return index


def run_crawl(
    sources: list[SourceConfig],
    options: CrawlOptions,
    state_dir: Path,
    output: Path | None = None,
    queries: list[str] | None = None,
    refetch: bool = False,
    now: datetime | None = None,
    console: Console | None = None,
    live: bool | None = None,
    wrap_sink: Callable[[DocumentSink], DocumentSink] | None = None,
    sink: DocumentSink | None = None,
    max_content_chars: int = DEFAULT_MAX_CONTENT_CHARS,
    fleet: FleetCrawl | None = None,
) -> CrawlReport:
    """Crawl ``sources`` once. Blocks until every spider has finished; can run once per process.

    ``sink`` (e.g. :class:`indexer.pipeline.StoreSink`) replaces the ``output`` file as the documents'
    destination; pages are then marked seen as the sink stores them. With ``fleet`` this process is one
    worker of a crawl fleet: frontier, state and documents are in Redis (:mod:`crawlers.fleet`)."""
    console = console or Console(stderr=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    _configure_logging(state_dir, options.log_level, console)
    settings = crawl_settings(options)
    state: SeenState
    if fleet is not None:
        state, sink = fleet.state, fleet.sink
        settings |= fleet.settings(options)
        # An idle worker polls the shared queue this often (Scrapy's default is every 5 s).
        ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 1.0
    else:
        # Without an output the documents go nowhere, so the run must not mark their pages seen: a dry run.
        state = CrawlState(state_dir, read_only=output is None and sink is None)
    if sink is None:
        sink = JsonlSink(output) if output else CountingSink()
        if wrap_sink is not None and output is not None:
            sink = wrap_sink(sink)  # e.g. tagging in batches before the file (nlp.tagging_sink)
    runtime = CrawlRuntime(
        state=state,
        sink=sink,
        reprints=_reprint_index(state, options),
        now=(lambda: now.astimezone(SHANGHAI)) if now else shanghai_now,
        queries=list(queries or []),
        refetch=refetch,
        fleet=fleet is not None,
    )
    process = CrawlerProcess(settings)
    process.settings.set(SCRAPY_SETTING, max_content_chars)  # longer texts are cut (crawlers.limits)
    crawlers: list[Crawler] = []
    for source in sources:
        spider_settings = source_settings(source, options)
        if fleet is not None:
            spider_settings |= fleet.source_settings(source, options)
        spider_cls = get_spider(source.spider).for_source(source, runtime, spider_settings, options.max_pages)
        crawler = process.create_crawler(spider_cls)
        crawlers.append(crawler)
        process.crawl(crawler)

    def reports() -> list[SourceReport]:
        return [
            SourceReport.from_stats(
                c.spider.name if c.spider else "?", c.stats.get_stats() if c.stats else {}
            )
            for c in crawlers
        ]

    show_live = console.is_terminal if live is None else live
    try:
        if show_live:
            with Live(
                console=console,
                refresh_per_second=4,
                transient=True,
                get_renderable=lambda: report_table(reports(), "crawling…"),
            ):
                process.start()
        else:
            process.start()
    finally:
        sink.close()
        state.close()
    written = sink.written
    return CrawlReport(
        sources=reports(),
        output=output,
        documents_written=written,
        recovered_partial_line=getattr(sink, "recovered_partial_line", False),
        log_path=state_dir / "crawl.log",
    )
