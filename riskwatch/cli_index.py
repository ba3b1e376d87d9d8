"""``riskwatch index`` and ``riskwatch search``: documents into the configured store, and back out.

``index FILE.jsonl`` (``-`` for standard input) masks, tags (when a model is installed and the document is
not tagged yet) and stores each line; a bad line is reported with its number and skipped. ``search`` ranks
matching documents with highlighted snippets and entity facet counts, or prints one JSON object per hit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.items import SHANGHAI
from indexer.errors import IndexerError
from indexer.pipeline import StoreSink
from indexer.store import SearchQuery, SearchResult
from nlp.labels import SENTIMENT_LABELS
from nlp.types import TaggedDocument
from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, absolute_time
from riskwatch.config import AppConfig

_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this stage's sub-commands; each parser sets `handler(args, config, console) -> exit code`."""
    index = commands.add_parser("index", help="store JSON Lines documents in the configured store")
    index.add_argument("file", metavar="FILE.jsonl", help="JSON Lines documents, or - for standard input")
    index.add_argument("--no-tag", action="store_true", help="store untagged documents as they are")
    index.add_argument("--batch-size", type=int, default=256, help="documents per store write")
    index.set_defaults(handler=cmd_index)

    search = commands.add_parser("search", help="search the store: ranked hits, snippets, entity facets")
    search.add_argument("query", nargs="?", default="", help="words to find (all of them); may be empty")
    search.add_argument("--entity", metavar="ID|NAME", help="watchlist id or entity name")
    search.add_argument(
        "--negative",
        action="store_true",
        help="documents the model judged negative about --entity (the entity-level judgement alerts count;"
        " without --entity: about any entity)",
    )
    search.add_argument(
        "--sentiment", choices=SENTIMENT_LABELS, help="the document's own sentiment label (document-level)"
    )
    search.add_argument("--event", metavar="TYPE", help="a risk-event type, e.g. 评级调整")
    search.add_argument("--source", metavar="NAME", help="a source name from the config")
    search.add_argument(
        "--since", type=since_time, metavar="7d|DATE", help="documents from (30m, 24h, 7d, 2w, or ISO)"
    )
    search.add_argument("--until", type=absolute_time, metavar="DATE", help="documents before this time")
    search.add_argument("--limit", type=int, default=20, help="hits to show (default 20)")
    search.add_argument("--json", action="store_true", help="one JSON object per hit per line on stdout")
    search.set_defaults(handler=cmd_search)


# -- time arguments --------------------------------------------------------------------------------------


def since_time(text: str, now: datetime | None = None) -> datetime:
    """``7d`` (also ``30m``, ``24h``, ``2w``) before now, or an ISO date/timestamp."""
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        return (now or datetime.now(SHANGHAI)) - timedelta(**{unit: amount})
    return absolute_time(text)


# -- index -----------------------------------------------------------------------------------------------


def open_sink(config: AppConfig, console: Console, tag: bool = True, batch_size: int = 256) -> StoreSink:
    """The configured store (with its spool) behind masking and, when a model is installed, tagging."""
    from indexer.factory import open_store
    from indexer.masking import Masker
    from riskwatch.cli import has_model

    tagger = None
    if tag and has_model(config.model_dir):
        tagger = config.load_tagger()
    elif tag:
        console.print(
            f"[yellow]no trained model in {config.model_dir}: documents not yet tagged are stored untagged[/]"
        )
    store = open_store(config.main.store, config.watchlist, spool=True)
    return StoreSink(
        store,
        Masker(config.main.store.masking),
        tagger,
        batch_size=batch_size,
        max_content_chars=config.main.max_content_chars,
    )


def describe_store(config: AppConfig) -> str:
    store = config.main.store
    return (
        f"SQLite {store.path}"
        if store.type == "sqlite"
        else f"Elasticsearch {store.url} ({store.index_prefix}-*)"
    )


def print_index_report(console: Console, config: AppConfig, sink: StoreSink) -> None:
    report = sink.report
    console.print(
        f"{report.stored} document(s) stored in {describe_store(config)}"
        f" ({report.tagged} tagged now, {report.untagged} stored untagged)"
    )
    if report.truncated:
        console.print(
            f"{report.truncated} document(s) longer than max_content_chars ({config.main.max_content_chars:,})"
            " were cut before storing; each records its original length in extra.truncated"
        )
    masked = {k: v for k, v in report.masked.items() if k != "documents" and v}
    if masked:
        kinds = ", ".join(f"{count} {kind}" for kind, count in masked.items())
        console.print(f"masked before storing: {kinds} in {report.masked['documents']} document(s)")
    replayed = getattr(sink.store, "replayed", 0)
    if replayed:
        console.print(f"{replayed} document(s) spooled during an earlier outage were replayed into the store")
    pending = getattr(sink.store, "spooled", 0)
    if pending:
        console.print(
            f"[yellow]{pending} document(s) went to the spool ({config.main.store.spool_dir}): the store was "
            "unavailable; they are replayed on the next write[/]"
        )


def read_documents(lines: IO[str], failed: list[tuple[int, str]]) -> Iterator[TaggedDocument]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            failed.append((number, f"not JSON ({exc})"))
            continue
        if not isinstance(record, dict):
            failed.append((number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        try:
            yield TaggedDocument.from_dict(record)
        except (TypeError, ValueError) as exc:
            failed.append((number, f"not a document ({exc})"))


def cmd_index(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    failed: list[tuple[int, str]] = []
    try:
        source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        console.print(f"[red]cannot read {args.file}: {exc.strerror}[/]")
        return EXIT_CONFIG
    try:
        sink = open_sink(config, console, tag=not args.no_tag, batch_size=args.batch_size)
        try:
            for document in read_documents(source, failed):
                sink.write(document)
        finally:
            sink.close()
    except IndexerError as exc:
        console.print(f"[red]store error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_PARTIAL
    finally:
        if source is not sys.stdin:
            source.close()
    for line, reason in failed:
        console.print(f"[red]{args.file}, line {line}:[/] {escape(reason)} (skipped)", highlight=False)
    print_index_report(console, config, sink)
    if failed:
        console.print(f"{len(failed)} line(s) failed")
    return EXIT_PARTIAL if failed else EXIT_OK


# -- search ----------------------------------------------------------------------------------------------


def hit_record(hit: Any) -> dict[str, Any]:
    doc: TaggedDocument = hit.document
    return {
        "id": doc.id,
        "title": doc.title,
        "url": doc.url,
        "source": doc.source,
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "score": round(hit.score, 4),
        "entities": doc.entities,
        "sentiment": doc.sentiment,
        "events": doc.events,
        "snippet": hit.snippet,
    }


def _highlighted(text: str) -> str:
    return escape(text).replace("【", "[bold yellow]【").replace("】", "】[/]")


def print_results(console: Console, result: SearchResult, ranked: bool = True) -> None:
    """The hits as a table. ``ranked``: the query had words, so hits are ranked by their score; without
    words (filters only) every score is 0 and the hits come latest first, so no score column is shown."""
    order = "" if ranked else ", latest first"
    table = Table(
        title=f"{result.total} matching document(s), {len(result.hits)} shown{order}", title_justify="left"
    )
    columns = ("score", "time", "source", "sentiment", "title / snippet")
    for column in columns if ranked else columns[1:]:
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        doc = hit.document
        moment = (doc.published_at or doc.crawled_at).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        label = (doc.sentiment or {}).get("label", "-")
        style = "red" if label == "negative" else ""
        score = [f"{hit.score:.2f}"] if ranked else []
        table.add_row(
            *score,
            moment,
            escape(doc.source),
            f"[{style}]{label}[/]" if style else label,
            f"[bold]{escape(doc.title)}[/]\n{_highlighted(hit.snippet)}\n[dim]{escape(doc.url)}[/]",
        )
    console.print(table, soft_wrap=False)  # a table on a soft-wrapping console overflows by CJK cells
    if result.entity_facets:
        facets = ", ".join(f"{escape(name)} ({count})" for name, count in result.entity_facets.items())
        console.print(f"entities in the matches: {facets}")


def cmd_search(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from indexer.factory import open_store

    query = SearchQuery(
        text=args.query,
        entity=args.entity,
        sentiment=args.sentiment,
        negative=args.negative,
        event=args.event,
        source=args.source,
        since=args.since,
        until=args.until,
        limit=args.limit,
    )
    try:
        store = open_store(config.main.store, config.watchlist)
        try:
            result = store.search(query)
        finally:
            store.close()
    except IndexerError as exc:
        console.print(f"[red]store error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_PARTIAL
    if args.json:
        for hit in result.hits:
            sys.stdout.write(json.dumps(hit_record(hit), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return EXIT_OK
    print_results(Console(soft_wrap=False), result, ranked=bool(query.text.strip()))
    return EXIT_OK
