"""``riskwatch web``: the browser console over the configured store and alert state (riskwatch/web/).

``riskwatch web --hash-password`` reads a password (prompted, or one line of standard input) and prints the
scrypt hash to put in ``web.users[].password_hash``. Exit codes: 0 served until stopped; 2 bad config.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from rich.console import Console
from rich.markup import escape

from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK
from riskwatch.config import AppConfig


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this stage's sub-commands; each parser sets `handler(args, config, console) -> exit code`."""
    web = commands.add_parser("web", help="serve the browser console (search, entities, alerts, reports)")
    web.add_argument("--host", help="address to listen on (default: web.host, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port (default: web.port, 8080)")
    web.add_argument(
        "--hash-password",
        action="store_true",
        help="read a password and print its hash for web.users[].password_hash, then exit",
    )
    web.set_defaults(handler=cmd_web)


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_web(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    if args.hash_password:
        from riskwatch.web.passwords import hash_password

        try:
            print(hash_password(read_password()))
        except ValueError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            return EXIT_CONFIG
        return EXIT_OK
    import uvicorn

    from indexer.errors import IndexerError
    from riskwatch.web.app import build_app
    from riskwatch.web.context import open_context
    from riskwatch.web.errors import WebError

    options = config.main.web
    try:
        context = open_context(config)
    except (WebError, IndexerError) as exc:
        console.print(f"[red]cannot start the console:[/] {escape(str(exc))}", highlight=False)
        return EXIT_CONFIG
    if not context.secret_from_env:
        console.print(
            f"[yellow]{options.secret_env} is not set: sessions are signed with a random key and end when"
            " the console restarts[/]"
        )
    host, port = args.host or options.host, args.port or options.port
    console.print(f"riskwatch web on http://{host}:{port}/ ({len(context.users)} user(s); Ctrl-C stops)")
    try:
        uvicorn.run(build_app(context), host=host, port=port, log_level="warning")
    finally:
        context.close()
    return EXIT_OK
