"""What ``riskwatch demo`` does after its crawl: each later stage (index, alerts, report) adds one step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from riskwatch.config import AppConfig


@dataclass
class DemoContext:
    config: AppConfig
    console: Console
    workdir: Path  # everything the demo writes lives here
    documents: Path  # the crawled (and tagged, when a model is installed) documents, JSON Lines
    shared: dict[str, Any] = field(default_factory=dict)  # what one step hands the next (e.g. the store)


DemoStep = Callable[[DemoContext], bool]  # returns False when the step failed (the demo exits 1)


def demo_steps() -> list[DemoStep]:
    """The steps in order; data flows crawl → tag → index → alerts → report."""
    from riskwatch.demo.alerts_step import alerts_step
    from riskwatch.demo.index_step import index_step  # the steps import this module: import late
    from riskwatch.demo.report_step import report_step

    return [index_step, alerts_step, report_step]


def run_stages(context: DemoContext) -> bool:
    """Run every step; returns True if any failed."""
    failed = False
    for step in demo_steps():
        failed |= not step(context)
    return failed
