"""Exceptions raised by the reports stage.

    ReportError
     ├── ExposureFileError   the exposure file cannot be read at all (missing, unreadable, no usable header);
     │                       a single bad row is not an error but a row in the report's errors sheet
     └── FontError           the CJK font the PDF embeds is not installed

Config errors (a report job's settings) are :class:`crawlers.errors.ConfigError`, like every stage's.
"""

from __future__ import annotations

from pathlib import Path


class ReportError(Exception):
    """Base class of the reports stage's errors."""


class ExposureFileError(ReportError):
    """The exposure file as a whole cannot be used; the message names the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class FontError(ReportError):
    """The CJK font is missing (the set-up installs it: ``make install``)."""
