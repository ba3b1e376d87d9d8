"""The console shows riskwatch's records; libraries' go to crawl.log, or to the console with --verbose."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from crawlers.logsetup import console_logging
from tests.conftest import run_crawl, write_config


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, its handlers and level restored after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for handler in handlers:
        root.removeHandler(handler)
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def record_everything(verbose: bool = False) -> str:
    out = io.StringIO()
    console_logging(Console(file=out, width=200), verbose=verbose)
    logging.warning("a library's warning through the logging module")  # runs basicConfig() when unset
    logging.getLogger("scrapy.core.engine").info("Crawled (200) <GET http://127.0.0.1/>")
    logging.getLogger("scrapy.core.scraper").error("Error processing http://127.0.0.1/a")
    logging.getLogger("crawlers.runner").warning("riskwatch's own warning")
    return out.getvalue()


def test_a_library_configuring_the_root_logger_prints_nothing_raw(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = record_everything()
    assert capsys.readouterr().err == ""  # no "WARNING:root:…" / "INFO:scrapy…" handler was installed
    assert "riskwatch's own warning" in shown
    assert "Crawled (200)" not in shown and "through the logging module" not in shown
    assert "Error processing" not in shown  # the crawl's summary counts errors and names crawl.log


def test_verbose_shows_the_libraries_records(root_logger: logging.Logger) -> None:
    shown = record_everything(verbose=True)
    assert "Crawled (200)" in shown and "through the logging module" in shown and "Error processing" in shown


def test_a_handler_left_by_basic_config_is_removed(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.basicConfig()  # as onnxruntime's quantiser does through logging.warning()
    console_logging(Console(file=io.StringIO()))
    logging.getLogger("scrapy.utils.log").info("Scrapy started")
    logging.getLogger("scrapy.utils.log").warning("Scrapy warns")
    assert capsys.readouterr().err == ""


def test_a_crawl_with_errors_counts_them_and_names_the_log(tmp_path: Path) -> None:
    """A source that refuses connections: no Scrapy traceback on the console, a count and crawl.log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    down = {
        "name": "down",
        "kind": "news",
        "start_urls": [f"http://127.0.0.1:{port}/index.html"],
        "article": [r"/a/\w+\.html"],
        "allow_private": True,
    }
    config = write_config(tmp_path / "cfg", [down], crawl={"retries": 0})  # robots.txt: Scrapy logs ERROR
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "scrapy" not in run.stderr.lower()
    assert "error(s) logged during the crawl" in run.stderr and "crawl.log has them" in run.stderr
    assert "Connection was refused" in (tmp_path / "cfg" / "state" / "crawl.log").read_text("utf-8")
