"""Helpers of the fleet tests: the demo site's config with a fleet section, and worker processes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from riskwatch.demo import SITE_ROOT
from tests.conftest import REPO, crawl_env, riskwatch_command, write_config

ARTICLES = sorted(
    p.relative_to(SITE_ROOT).as_posix()
    for pattern in ("news/2*/*.html", "finance/article/*.html", "forum/thread/*.html")
    for p in SITE_ROOT.glob(pattern)
)


def demo_config(
    folder: Path, base_url: str, fleet: dict[str, Any], crawl: dict[str, Any] | None = None, **main: Any
) -> Path:
    """The shipped demo sources pointed at ``base_url``, with a ``fleet:`` section, crawl options over the
    tests' fast ones, and other keys."""
    sources = []
    for path in sorted((REPO / "configs" / "sources").glob("*.yaml")):
        text = path.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", base_url)
        sources.append(yaml.safe_load(text))
    watchlist = yaml.safe_load((REPO / "configs" / "watchlist.yaml").read_text(encoding="utf-8"))
    config = write_config(folder, sources, crawl=crawl, watchlist=watchlist)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["fleet"] = fleet
    data.update(main)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config


def start(config: Path, redis_url: str, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """``riskwatch <args>`` in the background, with the fleet's Redis in RISKWATCH_REDIS_URL."""
    env = {**crawl_env(), "RISKWATCH_REDIS_URL": redis_url, "COLUMNS": "300"}  # log lines unwrapped
    out = log.open("w", encoding="utf-8") if log else subprocess.DEVNULL
    return subprocess.Popen(
        riskwatch_command(config, *args),
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=config.parent,
    )
