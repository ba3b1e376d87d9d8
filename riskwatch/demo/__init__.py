"""The offline demo: a small Chinese finance news site, a GBK portal and a stock forum, served locally and
run through the whole pipeline (crawl → tag → index → alerts → report) by ``riskwatch demo``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crawlers.sources import SourceConfig

SITE_ROOT = Path(__file__).parent / "site"
DEMO_PORT = 8765
"""The port the shipped demo sources name (``configs/sources/demo-*.yaml``)."""


def sources_on_port(sources: Sequence[SourceConfig], port: int) -> list[SourceConfig]:
    """``sources`` with the demo site's address (127.0.0.1:8765) in their start, feed and search URLs moved
    to ``port``: ``riskwatch demo --port`` serves the site elsewhere when 8765 is taken, and its sources must
    follow it. Sources of other sites are returned as they are."""
    if port == DEMO_PORT:
        return list(sources)
    old, new = f"//127.0.0.1:{DEMO_PORT}/", f"//127.0.0.1:{port}/"
    moved = []
    for source in sources:
        values = source.model_dump(mode="json")
        values["start_urls"] = [url.replace(old, new, 1) for url in values["start_urls"]]
        values["feeds"] = [url.replace(old, new, 1) for url in values["feeds"]]
        if values["search"] is not None:
            values["search"] = values["search"].replace(old, new, 1)
        moved.append(SourceConfig.model_validate(values))
    return moved
