"""``riskwatch report exposure`` and ``riskwatch report verify``: compliance exposure reports.

Exit codes as elsewhere: 0 written; 1 written, but some rows of the exposure file could not be read (they are
in the errors sheet); 2 nothing written: bad arguments, an unusable exposure file, or no store.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, absolute_time


def fx_rate(text: str) -> tuple[str, float]:
    code, _, rate = text.partition("=")
    try:
        return code.strip().upper(), float(rate)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected CODE=RATE such as USD=7.10, got {text!r}") from exc


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this stage's sub-commands; each parser sets `handler(args, config, console) -> exit code`."""
    report = commands.add_parser("report", help="compliance reports (exposure-weighted news evidence)")
    kinds = report.add_subparsers(dest="report_kind", required=True)
    exposure = kinds.add_parser("exposure", help="exposure report as XLSX and PDF, with a manifest")
    exposure.add_argument("--exposures", type=Path, required=True, metavar="FILE", help="CSV or XLSX")
    exposure.add_argument("--start", type=absolute_time, required=True, metavar="DATE", help="period start")
    exposure.add_argument(
        "--end", type=absolute_time, required=True, metavar="DATE", help="period end (exclusive)"
    )
    exposure.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    exposure.add_argument("--format", default="xlsx,pdf", help="xlsx, pdf or xlsx,pdf (default)")
    exposure.add_argument(
        "--base-currency", default="CNY", metavar="CODE", help="currency FX rates convert into (CNY)"
    )
    exposure.add_argument(
        "--fx",
        type=fx_rate,
        action="append",
        default=[],
        metavar="CODE=RATE",
        help="units of the base currency per unit of CODE, e.g. USD=7.10 (repeatable); none are assumed",
    )
    exposure.add_argument(
        "--default-currency",
        default="CNY",
        metavar="CODE",
        help="currency of a file without a currency column (CNY)",
    )
    exposure.add_argument(
        "--headlines", type=int, default=3, metavar="N", help="negative headlines per counterparty (3)"
    )
    exposure.add_argument(
        "--pdf-top",
        type=int,
        default=50,
        metavar="N",
        help="counterparties detailed in the PDF (50; XLSX: all)",
    )
    exposure.set_defaults(handler=cmd_report_exposure)

    verify = kinds.add_parser("verify", help="check a report folder against its manifest.json")
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.set_defaults(handler=cmd_report_verify)


def _store_or_reason(config: Any) -> tuple[Any, str | None]:
    from indexer.errors import IndexerError
    from indexer.factory import open_store

    store_config = config.main.store
    if store_config.type == "sqlite" and not Path(store_config.path).is_file():
        return None, (
            f"no store at {store_config.path}: index documents first (`riskwatch crawl` or `riskwatch index`)"
        )
    try:
        return open_store(store_config, config.watchlist), None
    except IndexerError as exc:
        return None, f"cannot open the store: {exc}"


def show_result(console: Console, result: Any, top: int = 10) -> None:
    """The written files, the top of the ranking, unmatched and bad rows (the demo prints this too)."""
    report = result.report
    for path in result.files:
        console.print(f"wrote {path}", highlight=False)
    table = Table(
        title=f"exposure ranking (top {min(top, len(report.lines))} of {len(report.lines)})",
        title_justify="left",
    )
    rows = [
        (
            f"{line.rank}. {line.entity_name} ({line.entity_id})",
            f"{line.amount:,.0f}\n{line.pool} {line.exposure_share:.1%}",
            str(line.negative),
            str(line.negative_stories),
            str(sum(line.events.values())),
            str(line.alerts),
            f"{line.score:.2f}",
        )
        for line in report.lines[:top]
    ]
    columns = (
        "counterparty",
        "exposure\n(share)",  # two-line cells and headers: the table fits 80 columns, borders and all
        "neg.\ndocs",
        "neg.\nstories",
        "events",
        "alerts",
        "score",
    )
    for number, column in enumerate(columns):
        if column == "counterparty":
            table.add_column(column, ratio=1, min_width=len(column), overflow="fold")
            continue
        # A figure is never cut to "1,200…" on a narrow console: its column is as wide as its widest value.
        widest = max((len(part) for row in rows for part in row[number].split("\n")), default=1)
        table.add_column(column, justify="right", min_width=widest, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table, soft_wrap=False)  # a table on a soft-wrapping console overflows by CJK cells
    for item in report.unmatched:
        console.print(
            f"unmatched, row {item.row.row}: {escape(item.row.name or item.row.counterparty_id)}"
            f" — {escape(item.reason)}",
            highlight=False,
        )
    for error in report.errors:
        console.print(
            f"[red]{escape(report.metadata.input_file)}, row {error.row}:[/] {escape(error.reason)}",
            highlight=False,
        )
    for note in report.metadata.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)


def cmd_report_exposure(args: argparse.Namespace, config: Any, console: Console) -> int:
    from indexer.store import Window
    from reports.errors import ReportError
    from reports.options import ReportOptions
    from reports.writer import FORMATS, sources_from_config, write_report

    formats = [part.strip() for part in args.format.split(",") if part.strip()]
    bad = [f for f in formats if f not in FORMATS] or ([] if formats else ["(none)"])
    if bad:
        console.print(f"[red]--format: unknown {', '.join(bad)} (choose from {', '.join(FORMATS)})[/]")
        return EXIT_CONFIG
    if args.end <= args.start:
        console.print(
            f"[red]--end ({args.end.isoformat()}) must be after --start ({args.start.isoformat()})[/]"
        )
        return EXIT_CONFIG
    try:
        options = ReportOptions(
            base_currency=args.base_currency.upper(),
            default_currency=args.default_currency.upper(),
            fx_rates=dict(args.fx),
            headlines=args.headlines,
            pdf_top=args.pdf_top,
        )
    except ValidationError as exc:
        console.print(f"[red]bad option:[/] {escape(exc.errors()[0]['msg'])}", highlight=False)
        return EXIT_CONFIG
    store, reason = _store_or_reason(config)
    if store is None:
        console.print(f"[red]{escape(reason or 'no store')}[/]", highlight=False)
        return EXIT_CONFIG
    try:
        result = write_report(
            sources_from_config(config, store),
            args.exposures,
            Window(args.start, args.end),
            args.out,
            formats,
            options,
        )
    except ReportError as exc:
        console.print(f"[red]exposure report not written:[/] {escape(str(exc))}", highlight=False)
        return EXIT_CONFIG
    finally:
        store.close()
    show_result(console, result)
    return EXIT_PARTIAL if result.report.errors else EXIT_OK


def cmd_report_verify(args: argparse.Namespace, config: Any, console: Console) -> int:
    from reports.manifest import verify_manifest

    problems = verify_manifest(args.dir)
    for problem in problems:
        console.print(f"[red]{escape(problem)}[/]", highlight=False)
    if not problems:
        console.print(f"every file listed in {args.dir / 'manifest.json'} matches its SHA-256")
    return EXIT_PARTIAL if problems else EXIT_OK
