"""``riskwatch tag-worker``: one tagging worker of a fleet (README "Running at scale").

It reads the documents that ``riskwatch crawl --worker`` processes append to the Redis stream, tags them
with the config's model (as ``riskwatch crawl`` does in one process) and stores them in the configured
store; see :mod:`indexer.tag_worker`. SIGTERM or SIGINT stops it after the batch in hand.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import threading
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from indexer.errors import IndexerError
from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL
from riskwatch.config import INFERENCE, AppConfig


def add_commands(commands: argparse._SubParsersAction) -> None:
    worker = commands.add_parser(
        "tag-worker", help="tag and store documents from the fleet's Redis stream (crawl --worker)"
    )
    worker.add_argument("--no-tag", action="store_true", help="store the documents untagged")
    worker.add_argument("--inference", choices=INFERENCE, help="how the model runs (default: the config's)")
    worker.add_argument("--batch-size", type=int, help="documents per batch (default: fleet.tag_batch)")
    worker.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="SECONDS",
        help="exit once the stream has been empty this long and nothing is pending (default: run until stopped)",
    )
    worker.add_argument("--report", type=Path, metavar="FILE.json", help="write the worker's figures as JSON")
    worker.set_defaults(handler=cmd_tag_worker)


def _tagger(args: argparse.Namespace, config: AppConfig, console: Console):
    from riskwatch.cli import has_model

    if args.no_tag:
        return None
    if not has_model(config.model_dir):
        console.print(f"[yellow]no trained model in {config.model_dir}: documents are stored untagged[/]")
        return None
    return config.load_tagger(inference=args.inference)


def cmd_tag_worker(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    import redis

    from crawlers.fleet_config import REDIS_URL_ENV, connect
    from indexer.factory import open_store
    from indexer.masking import Masker
    from indexer.pipeline import StoreSink
    from indexer.tag_worker import TagWorker

    options = config.main.fleet
    if args.batch_size:
        options = options.model_copy(update={"tag_batch": args.batch_size})
    url = options.url()
    if url is None:
        console.print(
            f"[red]tag-worker needs a Redis URL: set {REDIS_URL_ENV} or fleet.redis_url in {config.path}[/]"
        )
        return EXIT_CONFIG
    tagger = _tagger(args, config, console)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        client = connect(url)
        store = open_store(config.main.store, config.watchlist)  # no spool: the stream keeps what waits
        sink = StoreSink(store, Masker(config.main.store.masking), tagger, batch_size=options.tag_batch + 1)
        worker = TagWorker(client, options, sink, consumer=f"{socket.gethostname()}-{os.getpid()}")
        console.print(f"tag worker {worker.consumer} reading {worker.stream}")
        try:
            report = worker.run(stop.is_set, exit_when_idle=args.exit_when_idle)
        finally:
            store.close()
    except redis.RedisError as exc:
        console.print(f"[red]fleet Redis error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_PARTIAL
    except IndexerError as exc:
        console.print(f"[red]store error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_PARTIAL
    console.print(
        f"{report.stored} document(s) stored ({report.tagged} tagged), {report.claimed} taken over from stopped "
        f"workers, {report.dead_letters} dead letter(s); {report.rate:.1f} documents/s"
    )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return EXIT_OK
