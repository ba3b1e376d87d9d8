"""``riskwatch kibana export`` and ``riskwatch kibana import``: the saved objects of ``indexer/kibana/``.

``export`` writes them (for the configured index prefix, or ``--index-prefix``) as one NDJSON file that
Kibana's Saved Objects page imports; ``import`` posts the same file to Kibana's saved-objects API and
reports each object Kibana refused. Exit codes: 0 all imported, 1 some objects refused, 2 nothing imported
(Kibana unreachable, credentials refused) or a bad command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from indexer.config import ElasticsearchStoreConfig
from indexer.saved_objects import (
    DEFAULT_PREFIX,
    EXPORT_NAME,
    dangling_references,
    export_objects,
    load_objects,
)
from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL
from riskwatch.config import AppConfig


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this stage's sub-commands; each parser sets `handler(args, config, console) -> exit code`."""
    kibana = commands.add_parser("kibana", help="Kibana saved objects: a data view, searches, a dashboard")
    actions = kibana.add_subparsers(dest="kibana_command", required=True)

    export = actions.add_parser("export", help=f"write the saved objects to DIR/{EXPORT_NAME}")
    export.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="folder to write (default .)"
    )
    _prefix_option(export)
    export.set_defaults(handler=cmd_export)

    load = actions.add_parser("import", help="load the saved objects through Kibana's saved-objects API")
    load.add_argument("--url", required=True, help="Kibana's base URL, e.g. http://localhost:5601")
    load.add_argument("--space", help="Kibana space id (default: the default space)")
    load.add_argument("--ca-certs", metavar="FILE", help="CA bundle for an https Kibana with its own CA")
    _prefix_option(load)
    load.set_defaults(handler=cmd_import)


def _prefix_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-prefix",
        metavar="P",
        help="index prefix the data view covers (P-*); default: store.index_prefix, else riskwatch",
    )


def index_prefix(args: argparse.Namespace, config: AppConfig) -> str:
    if args.index_prefix:
        return args.index_prefix
    store = config.main.store
    return store.index_prefix if isinstance(store, ElasticsearchStoreConfig) else DEFAULT_PREFIX


def cmd_export(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    prefix = index_prefix(args, config)
    try:
        path, count = export_objects(args.out, prefix)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot export the saved objects:[/] {escape(str(exc))}")
        return EXIT_CONFIG
    console.print(f"{count} saved object(s) for {prefix}-* written to {path}")
    console.print(
        "import them with `riskwatch kibana import --url URL`, or in Kibana: Stack Management → Saved Objects"
    )
    return EXIT_OK


def cmd_import(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from indexer.kibana_import import KibanaError, import_saved_objects
    from indexer.saved_objects import to_ndjson

    prefix = index_prefix(args, config)
    objects = load_objects(prefix)
    missing = dangling_references(objects)
    if missing:
        console.print(f"[red]the saved objects are incomplete:[/] {', '.join(missing)}")
        return EXIT_CONFIG
    try:
        report = import_saved_objects(
            args.url, to_ndjson(objects), space=args.space, verify=args.ca_certs or True
        )
    except KibanaError as exc:
        console.print(f"[red]import failed:[/] {escape(str(exc))}")
        return EXIT_CONFIG
    for failure in report.failures:
        console.print(
            f"[red]{escape(failure.type)}/{escape(failure.id)}[/] ({escape(failure.title)}): {escape(failure.reason)}"
        )
    where = f"space {args.space}" if args.space else "the default space"
    console.print(f"{report.imported} of {len(objects)} saved object(s) for {prefix}-* imported into {where}")
    return EXIT_OK if report.success and not report.failures else EXIT_PARTIAL
