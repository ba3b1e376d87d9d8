"""``riskwatch alerts …`` (list, ack, resolve, check) and ``riskwatch run`` (the long-running service).

``alerts check [--at TIMESTAMP]`` evaluates every rule once at that instant and delivers in the same run
(for cron and tests); ``run`` keeps crawling, evaluating and reporting on the configured schedule.
Exit codes: 0 done; 1 done, but a delivery failed (it stays queued and is retried); 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.content import local_time
from alerts.errors import AlertStateError
from alerts.state import STATES, AlertRecord, AlertState
from crawlers.errors import ConfigError
from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, absolute_time
from riskwatch.config import AppConfig


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this stage's sub-commands; each parser sets `handler(args, config, console) -> exit code`."""
    alerts = commands.add_parser("alerts", help="alerts: list, acknowledge, resolve, evaluate the rules once")
    actions = alerts.add_subparsers(dest="alerts_command", required=True)

    listing = actions.add_parser("list", help="alerts, newest first, with their deliveries")
    listing.add_argument("--state", choices=[*STATES, "active"], help="only alerts in this state")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50; 0: all)")
    listing.add_argument("--json", action="store_true", help="one JSON object per alert per line on stdout")
    listing.set_defaults(handler=cmd_list)

    for name, verb in (("ack", "acknowledge"), ("resolve", "resolve")):
        action = actions.add_parser(name, help=f"{verb} an alert by id")
        action.add_argument("id", type=int, help="the alert id (riskwatch alerts list)")
        action.set_defaults(handler=cmd_transition, transition=verb)

    check = actions.add_parser("check", help="evaluate every rule once and deliver what is due")
    check.add_argument(
        "--at", type=absolute_time, metavar="TIMESTAMP", help="evaluate at this instant (ISO; default now)"
    )
    check.set_defaults(handler=cmd_check)

    run = commands.add_parser("run", help="the service: crawl, evaluate alerts and report on a schedule")
    run.add_argument(
        "--list-jobs", action="store_true", help="print the schedule (after syncing it) and exit"
    )
    run.set_defaults(handler=cmd_run)


def _state(config: AppConfig) -> AlertState:
    from riskwatch.alerting import alerting_config

    return AlertState(alerting_config(config).state_path)


def cmd_list(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from alerts.outbox import Outbox

    with _state(config) as state:
        alerts = state.list(args.state, args.limit or None)
        deliveries = Outbox(state.connection).by_alert([alert.id for alert in alerts])
    if args.json:
        for alert in alerts:
            print(
                json.dumps(
                    {**alert.to_dict(), "deliveries": deliveries.get(alert.id, [])}, ensure_ascii=False
                )
            )
        return EXIT_OK
    table = Table(title=f"alerts ({args.state or 'all'})", title_justify="left")
    for column in ("id", "state", "severity", "rule", "entity", "figure", "opened", "deliveries"):
        table.add_column(column)
    for alert in alerts:
        table.add_row(
            str(alert.id),
            alert.state,
            alert.severity,
            alert.rule,
            f"{alert.entity_name} ({alert.entity_id})",
            f"{alert.figure:g} / {alert.threshold:g}",
            local_time(alert.opened_at),
            _delivery_cell(deliveries.get(alert.id, [])),
        )
    console.print(table, soft_wrap=False)
    if not alerts:
        console.print("no alerts")
    return EXIT_OK


def _delivery_cell(rows: list[dict]) -> str:
    cells = []
    for row in rows:
        status = row["status"]
        if status == "digested":
            status = f"digest:{row['digest_status']}"
        elif status == "pending" and row["attempts"]:
            status = f"retrying ({row['attempts']}): {row['last_error']}"
        cells.append(f"{row['kind']}→{row['channel']}: {status}")
    return escape("\n".join(cells))


def cmd_transition(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    with _state(config) as state:
        try:
            alert: AlertRecord = getattr(state, args.transition)(args.id)
        except AlertStateError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            return EXIT_CONFIG
    console.print(f"alert {alert.id} ({alert.rule}, {alert.entity_name}): {alert.state}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from alerts.engine import check
    from indexer.errors import IndexerError
    from riskwatch.alerting import alerting_config, open_config_store

    alerting = alerting_config(config)
    try:
        store = open_config_store(config)
        try:
            evaluation, delivery = check(store, alerting, at=args.at)
        finally:
            store.close()
    except IndexerError as exc:  # nothing was decided: the next check evaluates again
        console.print(f"[red]store error:[/] {escape(str(exc))}")
        return EXIT_PARTIAL
    console.print(
        f"evaluated {evaluation.rules} rule(s) at {local_time(evaluation.at)} over {evaluation.windows} window(s),"
        f" {evaluation.entities} entities in {evaluation.seconds:.2f} s: {len(evaluation.opened)} opened,"
        f" {len(evaluation.recovered)} recovered, {evaluation.still_active} still active,"
        f" {evaluation.suppressed} suppressed by realert"
    )
    console.print(
        f"delivered {delivery.sent} message(s) ({delivery.notices_sent} notice(s), {delivery.digests} digest(s));"
        f" {len(delivery.failed)} failed, {delivery.throttled} waiting for a rate limit"
    )
    for channel, delivery_id, reason in delivery.failed:
        console.print(
            f"[red]channel {escape(channel)}: delivery {delivery_id} failed: {escape(reason)}[/] (will retry)"
        )
    return EXIT_PARTIAL if delivery.failed else EXIT_OK


def cmd_run(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from riskwatch.service import list_jobs, run_service

    try:
        if args.list_jobs:
            return list_jobs(config, console)
        return run_service(config, console)
    except ConfigError as exc:
        console.print(f"[red]config error:[/] {escape(str(exc))}")
        return EXIT_CONFIG
