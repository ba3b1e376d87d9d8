"""The demo's alerts step: every configured rule evaluated once, now, against the demo store, delivered to a
local outbox folder under the demo's workdir (whatever channels the config names: the demo never sends
mail or IM messages), then the delivered alerts printed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from rich.markup import escape

from alerts.config import AlertingConfig
from alerts.engine import check
from alerts.notifiers.file import OUTBOX_FILE, FileOptions
from crawlers.errors import ConfigError
from indexer.errors import IndexerError
from indexer.factory import open_store
from riskwatch.alerting import alerting_config
from riskwatch.demo.stages import DemoContext

DEMO_CHANNEL = "demo-outbox"
SHOWN_IN_FULL = 1
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def demo_alerting(context: DemoContext) -> AlertingConfig:
    """The configured rules, each sending to one local file channel; alert state under the workdir."""
    configured = alerting_config(context.config)
    rules = [
        type(rule)(rule.options.model_copy(update={"channels": [DEMO_CHANNEL]}), rule.entity_ids)
        for rule in configured.rules
    ]
    channel = FileOptions(type="file", path=context.workdir / "outbox")
    return replace(
        configured, rules=rules, channels={DEMO_CHANNEL: channel}, state_path=context.workdir / "alerts.db"
    )


def why_no_alert(context: DemoContext) -> str:
    """Why the demo raised no alert, from the documents it crawled: none, none tagged, or none over a rule."""
    lines = context.documents.read_text("utf-8").splitlines() if context.documents.exists() else []
    if not lines:
        return "the crawl stored no document (its warnings above say why), so there is nothing to count"
    if not any(json.loads(line).get("sentiment") for line in lines):
        return (
            "with no trained model installed the documents are untagged, so no entity has negative news or"
            " risk events to count"
        )
    return "no watched entity's negative news or risk events crossed a rule's threshold"


def alerts_step(context: DemoContext) -> bool:
    console = context.console
    store_config = context.shared.get("store_config")
    if store_config is None:
        console.print("[red]alerts: no demo store to evaluate (the index step did not run)[/]")
        return False
    try:
        alerting = demo_alerting(context)
        store = open_store(store_config, context.config.watchlist)
    except (ConfigError, IndexerError) as exc:
        console.print(f"[red]alerts: {escape(str(exc))}[/]")
        return False
    try:
        evaluation, delivery = check(store, alerting, at=datetime.now(UTC))
    finally:
        store.close()
    context.shared["alert_state_path"] = alerting.state_path
    console.print(
        f"[bold]alerts:[/] {evaluation.rules} rule(s) evaluated over {evaluation.entities} entities in"
        f" {evaluation.seconds:.2f} s: {len(evaluation.opened)} alert(s) opened; {delivery.sent} message(s)"
        f" delivered to {alerting.channels[DEMO_CHANNEL].path / OUTBOX_FILE}"
    )
    outbox = alerting.channels[DEMO_CHANNEL].path / OUTBOX_FILE
    messages = (
        [json.loads(line) for line in outbox.read_text("utf-8").splitlines()] if outbox.exists() else []
    )
    if not messages:
        console.print(f"no alert fired: {why_no_alert(context)}")
    messages.sort(key=lambda message: -SEVERITY_RANK.get(message["notices"][0].get("severity", ""), 0))
    for number, message in enumerate(messages):
        if number < SHOWN_IN_FULL:  # the most severe in full, as a risk officer receives it
            console.rule(escape(message["subject"]), align="left")
            console.print(
                escape(message["text"].split("\n", 2)[-1]), highlight=False
            )  # the subject is the rule
            console.rule()
        else:
            console.print(f"  • {escape(message['subject'])}", highlight=False)
    if messages:
        console.print(f"the demo's alert state: {alerting.state_path}")
    return not delivery.failed
