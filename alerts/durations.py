"""Durations in config files: ``90s``, ``15m``, ``24h``, ``7d``, ``2w`` or combinations such as ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
PART = re.compile(r"(\d+)([smhdw])")
WHOLE = re.compile(r"^(?:\d+[smhdw])+$")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` → 90 minutes; anything else (``"24"``, ``"1.5h"``, ``"0s"``) is a ``ValueError``."""
    compact = text.strip().replace(" ", "")
    if not WHOLE.match(compact):
        raise ValueError(f"not a duration: {text!r} (use a number and a unit s, m, h, d or w, e.g. 24h, 7d)")
    seconds = sum(int(number) * UNITS[unit] for number, unit in PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"a duration must be longer than zero, got {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest config spelling of ``value`` (``timedelta(hours=24)`` → ``"1d"``)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def chinese_duration(value: timedelta) -> str:
    """``timedelta(days=1)`` → ``"24小时"``, ``7 days`` → ``"7天"``: how windows read in alert text."""
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0 and seconds > 86400:
        return f"{seconds // 86400}天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    if seconds % 60 == 0:
        return f"{seconds // 60}分钟"
    return f"{seconds}秒"


def _coerce(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a duration is text such as 24h or 7d, got {value!r}")
    return parse_duration(value)


# A config field holding a duration string; the model sees a timedelta.
Duration = Annotated[timedelta, BeforeValidator(_coerce), PlainSerializer(format_duration, return_type=str)]
