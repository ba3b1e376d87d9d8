"""The console shows riskwatch's records; libraries' go to crawl.log, or to the console with --verbose."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from rich.console import Console

from crawlers.logsetup import console_logging


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
    assert "Error processing" in shown  # a library's error still shows
    assert "Crawled (200)" not in shown and "through the logging module" not in shown


def test_verbose_shows_the_libraries_records(root_logger: logging.Logger) -> None:
    shown = record_everything(verbose=True)
    assert "Crawled (200)" in shown and "through the logging module" in shown


def test_a_handler_left_by_basic_config_is_removed(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.basicConfig()  # as onnxruntime's quantiser does through logging.warning()
    console_logging(Console(file=io.StringIO()))
    logging.getLogger("scrapy.utils.log").info("Scrapy started")
    logging.getLogger("scrapy.utils.log").warning("Scrapy warns")
    assert capsys.readouterr().err == ""
