"""The demo's last step: an exposure report for the demo companies (``riskwatch/demo/exposures.csv``, with
one counterparty not on the watchlist and one row that does not parse, on purpose) from the demo store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from crawlers.items import SHANGHAI
from indexer.errors import IndexerError
from indexer.factory import open_store
from indexer.store import Window
from nlp.types import TaggedDocument
from reports.errors import ReportError
from reports.writer import ReportSources, rules_dir_of, write_report
from riskwatch.cli import has_model
from riskwatch.cli_report import show_result
from riskwatch.demo.stages import DemoContext

DEMO_EXPOSURES = Path(__file__).parent / "exposures.csv"


def demo_period(documents: Path) -> Window:
    """Whole Shanghai days from the earliest to the latest crawled document (the demo site's dates are
    relative to when it is crawled)."""
    times = [
        (doc.published_at or doc.crawled_at).astimezone(SHANGHAI)
        for doc in (
            TaggedDocument.from_json(line) for line in documents.read_text("utf-8").splitlines() if line
        )
    ] or [datetime.now(SHANGHAI)]
    start = min(times).replace(hour=0, minute=0, second=0, microsecond=0)
    end = max(times).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return Window(start, end)


def report_step(context: DemoContext) -> bool:
    console = context.console
    store_config = context.shared.get("store_config")
    if store_config is None or not context.documents.exists():
        console.print("[red]report: no demo store to report from (the index step did not run)[/]")
        return False
    period = demo_period(context.documents)
    console.print(
        f"[bold]exposure report[/] for {DEMO_EXPOSURES.name}, {period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}"
        " (end exclusive):"
    )
    try:
        store = open_store(store_config, context.config.watchlist)
    except IndexerError as exc:
        console.print(f"[red]report: cannot open the demo store: {exc}[/]")
        return False
    sources = ReportSources(
        watchlist=context.config.watchlist,
        store=store,
        store_description=f"sqlite: {store_config.path}",
        alert_state=context.shared.get("alert_state_path"),
        model_dir=context.config.model_dir,
        rules_dir=rules_dir_of(context.config),
    )
    try:
        result = write_report(sources, DEMO_EXPOSURES, period, context.workdir / "reports")
    except ReportError as exc:
        console.print(f"[red]report: {exc}[/]")
        return False
    finally:
        store.close()
    show_result(console, result, top=5)
    if not any(line.documents for line in result.report.lines) and not has_model(context.config.model_dir):
        console.print(
            f"[yellow]no trained model in {context.config.model_dir}: the documents were stored untagged, so no"
            " counterparty has news figures yet (the ranking is by exposure alone)[/]"
        )
    console.print("(the unmatched counterparty and the bad row above are in the demo file on purpose)")
    return True
