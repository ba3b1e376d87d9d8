"""The live progress display, as a person sees it in a terminal (a real pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

from tests.conftest import crawl_env, riskwatch_command, write_config
from tests.test_crawl_faults import article, distinct_story, listing, source


def test_progress_shows_pages_items_and_drops_while_running(make_site, tmp_path: Path) -> None:
    pages = {f"a/p{i}.html": article(f"报道{i}", distinct_story(i)) for i in range(8)}
    site = make_site({"index.html": listing(*[f"/{p}" for p in pages], "/a/gone.html"), **pages})
    site.delay = 0.3  # slow enough for the display to refresh several times
    config = write_config(tmp_path / "cfg", [source(site.base_url)], crawl={"concurrency_per_domain": 1})
    primary, secondary = pty.openpty()
    env = {**crawl_env(), "COLUMNS": "160", "LINES": "40"}
    process = subprocess.Popen(
        riskwatch_command(config, "crawl", "--output", str(tmp_path / "out.jsonl")),
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    screen = b""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(primary)
    text = screen.decode("utf-8", errors="replace")
    assert process.returncode == 0
    live, _, final = text.partition("crawl finished")
    assert "crawling…" in live  # drawn while the crawl ran, before the final summary
    for column in ("pages", "stored", "dropped", "(by reason)"):
        assert column in live
    assert "http-404 1" in final  # the drop is in the final summary with its reason
    assert final.count("test-news") == 1
