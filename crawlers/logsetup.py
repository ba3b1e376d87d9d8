"""Where log records go: riskwatch's own on the console; libraries' in ``crawl.log``, or on the console with
``--verbose`` (the crawl's summary counts their errors and names the log).

Libraries may configure the root logger behind our back: onnxruntime's quantiser calls
``logging.warning()``, which runs ``logging.basicConfig()`` and prints every later record of every library
(``INFO:scrapy.core.engine:…``, Scrapy's settings dumps) on stderr. :func:`console_logging` installs
riskwatch's console handler on the root logger (so a later ``basicConfig()`` finds a handler and does
nothing) and removes a handler such a call left behind.
"""

from __future__ import annotations

import logging
import sys

from rich.console import Console

OWN_PACKAGES = frozenset({"riskwatch", "crawlers", "nlp", "indexer", "alerts", "reports", "benchmarks"})
CONSOLE_ROLE = "console"
VERBOSE_LEVEL = logging.INFO  # what --verbose shows of the libraries (DEBUG stays in the debugger's hands)


def is_own(record: logging.LogRecord) -> bool:
    """A record of riskwatch's packages, or of one of its spiders (their loggers bear the source's name)."""
    if record.name.split(".", 1)[0] in OWN_PACKAGES:
        return True
    spider = getattr(record, "spider", None)
    return spider is not None and record.name == getattr(spider, "name", None)


class ConsoleFilter(logging.Filter):
    """Let riskwatch's records through; a library's only when ``verbose`` (or CRITICAL)."""

    def __init__(self, verbose: bool = False) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        return self.verbose or record.levelno >= logging.CRITICAL or is_own(record)


def _is_basic_config_handler(handler: logging.Handler) -> bool:
    """The handler ``logging.basicConfig()`` installs with no arguments: stderr, ``LEVEL:name:message``."""
    formatter = handler.formatter
    return (
        type(handler) is logging.StreamHandler
        and getattr(handler, "stream", None) in (sys.stderr, sys.__stderr__)
        and formatter is not None
        and formatter._fmt == logging.BASIC_FORMAT
    )


def console_handler() -> logging.Handler | None:
    """riskwatch's console handler on the root logger, if one is installed."""
    return next(
        (h for h in logging.getLogger().handlers if getattr(h, "_riskwatch", None) == CONSOLE_ROLE), None
    )


def is_verbose() -> bool:
    handler = console_handler()
    return any(isinstance(f, ConsoleFilter) and f.verbose for f in handler.filters) if handler else False


def console_logging(
    console: Console, level: str | int = logging.WARNING, verbose: bool | None = None
) -> None:
    """Install (or replace) the console handler: riskwatch's records from ``level`` up on ``console``;
    ``verbose`` (default: as the handler it replaces) adds the libraries' records from INFO up."""
    from rich.logging import RichHandler

    verbose = is_verbose() if verbose is None else verbose
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_riskwatch", None) == CONSOLE_ROLE or _is_basic_config_handler(handler):
            root.removeHandler(handler)
    threshold = logging.getLevelName(level) if isinstance(level, str) else level
    if verbose:
        threshold = min(threshold, VERBOSE_LEVEL)
    handler = RichHandler(console=console, show_path=False, markup=False)
    handler.setLevel(threshold)
    handler.addFilter(ConsoleFilter(verbose))
    handler._riskwatch = CONSOLE_ROLE  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > threshold:
        root.setLevel(threshold)
