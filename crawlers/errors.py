"""Exceptions raised by the crawling stage.

    CrawlerError
     ├── ConfigError       a config file is missing, unparsable or invalid; names the file and the key
     ├── ExtractionError   a fetched page could not be turned into a document (reason in the message)
     └── SinkError         an output file cannot be appended to safely (crawlers.sinks)

``ConfigError`` is also the error every later stage raises for its own config files, so that the CLI
reports all of them the same way.
"""

from __future__ import annotations

from pathlib import Path


class CrawlerError(Exception):
    """Base class of the crawling stage's errors."""


class ConfigError(CrawlerError):
    """A config file is missing, unparsable or invalid."""

    def __init__(self, path: Path | str | None, message: str, key: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.key = key
        self.message = message
        where = str(self.path) if self.path is not None else "<config>"
        if key:
            where += f": key '{key}'"
        super().__init__(f"{where}: {message}")


class ExtractionError(CrawlerError):
    """A page could not be turned into a document; ``reason`` is a short stats-friendly code."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {message}")
