"""What every ``riskwatch`` command shares: exit codes and the time arguments."""

from __future__ import annotations

import argparse
from datetime import datetime

from crawlers.items import SHANGHAI

EXIT_OK, EXIT_PARTIAL, EXIT_CONFIG = (
    0,
    1,
    2,
)  # done; done but some input or source failed; bad config or usage


def absolute_time(text: str) -> datetime:
    """An ISO date or timestamp; without a zone it is Shanghai time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or timestamp: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
