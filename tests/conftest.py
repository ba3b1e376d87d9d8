"""Shared fixtures: real HTTP sites on 127.0.0.1 and a helper that runs ``riskwatch crawl`` for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from nlp.types import TaggedDocument
from riskwatch.demo.server import SiteHandler, SiteServer

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
# Politeness off for local test sites: no delays, quick retries.
FAST_CRAWL: dict[str, Any] = {
    "autothrottle": False,
    "download_delay": 0,
    "concurrency_per_domain": 8,
    "retry_backoff": 0.1,
    "timeout": 10,
    "log_level": "WARNING",
}


class FaultyHandler(SiteHandler):
    """The demo handler plus faults a test sets on its server: failing first tries, delays, huge pages."""

    server: FaultySite

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.requests.append(self.path)
            queued = self.server.fail_first.get(path)
            status = queued.pop(0) if queued else None
        if self.server.delay:
            time.sleep(self.server.delay)
        if status is not None:
            self._send(status, b"<html><body>server error</body></html>", "text/html")
            return
        if path in self.server.unsized:
            self._stream(path)
            return
        super().do_GET()

    def _stream(self, path: str) -> None:
        """Send the page without Content-Length, ended by closing the connection, as some servers do."""
        found = self.server.resolve(path.lstrip("/"))
        assert found is not None
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(found.read_bytes())
        self.close_connection = True


class FaultySite(SiteServer):
    def __init__(self, root: Path) -> None:
        super().__init__(root, handler=FaultyHandler)
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.fail_first: dict[str, list[int]] = {}
        self.unsized: set[str] = set()
        self.delay = 0.0

    def requested(self, prefix: str) -> list[str]:
        with self.lock:
            return [path for path in self.requests if path.startswith(prefix)]


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[..., FaultySite]]:
    """``make_site(files)`` writes ``{relative path: str | bytes}`` to a folder and serves it."""
    servers: list[FaultySite] = []

    def make(files: dict[str, str | bytes] | None = None, root: Path | None = None) -> FaultySite:
        if root is None:
            root = tmp_path / f"site{len(servers)}"
            for relative, content in (files or {}).items():
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            root.mkdir(parents=True, exist_ok=True)
        server = FaultySite(root).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared training data folder; tests that need it skip with the reason when it is absent."""
    from nlp.data import data_dir

    try:
        return data_dir()
    except FileNotFoundError as exc:
        pytest.skip(f"shared training data not available: {exc}")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A model trained for seconds on a few shared-data rows, once per test session (quality not judged)."""
    from nlp.train import TrainConfig, train

    output = tmp_path_factory.mktemp("model") / "tiny"
    config = TrainConfig(
        output=output, hidden_size=48, num_layers=1, num_heads=2, max_length=64,
        pretrain_steps=30, pretrain_batch=16, steps=60, batch_size=16, limit=80, log_every=10, lr=2e-3,
    )  # fmt: skip
    train(config)
    return output


@dataclass
class CrawlRun:
    returncode: int
    stderr: str
    documents: list[TaggedDocument]
    report: dict[str, Any]

    def source(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["sources"] if s["name"] == name)


def write_config(
    folder: Path,
    sources: list[dict[str, Any]],
    crawl: dict[str, Any] | None = None,
    watchlist: list[dict[str, Any]] | None = None,
) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    for source in sources:
        (folder / "sources" / f"{source['name']}.yaml").write_text(
            yaml.safe_dump(source, allow_unicode=True), encoding="utf-8"
        )
    main: dict[str, Any] = {
        "sources": "sources",
        "state_dir": "state",
        "crawl": {**FAST_CRAWL, **(crawl or {})},
    }
    if watchlist is not None:
        (folder / "watchlist.yaml").write_text(
            yaml.safe_dump(watchlist, allow_unicode=True), encoding="utf-8"
        )
        main["watchlist"] = "watchlist.yaml"
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return path


def riskwatch_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "riskwatch", "--config", str(config), *args]


def crawl_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}


def run_crawl(config: Path, output: Path, *args: str, timeout: float = 180) -> CrawlRun:
    report_path = output.with_suffix(".report.json")
    completed = subprocess.run(
        riskwatch_command(
            config, "crawl", "--no-progress", "--output", str(output), "--report", str(report_path), *args
        ),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=crawl_env(),
        cwd=config.parent,
    )
    documents = read_documents(output)
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    return CrawlRun(completed.returncode, completed.stderr, documents, report)


def read_documents(path: Path) -> list[TaggedDocument]:
    if not path.exists():
        return []
    return [TaggedDocument.from_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
