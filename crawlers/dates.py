"""Chinese and international publication dates, absolute and relative, resolved in Asia/Shanghai.

:func:`parse_date` turns one date string into an aware datetime; :func:`find_date` finds the first date
written in a stretch of page text. Relative forms (刚刚, 5分钟前, 3小时前, 昨天 10:20, 前天, 3天前) are resolved
against ``now``, the crawl time. A date without a year (09-02 14:03) takes the crawl's year, or the year
before when that would put it in the future.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import dateparser

from crawlers.items import SHANGHAI

_TIME = r"(?:\s*|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})?"
# Ordered from most to least specific; each finds a candidate inside running page text.
DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?{_ZONE}",
        rf"(?<!\d)\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日(?:{_TIME})?",
        rf"(?<!\d)\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?:{_TIME})?(?!\d)",
        rf"(?<![\d\-/])\d{{1,2}}\s*月\s*\d{{1,2}}\s*日(?:{_TIME})?",
        rf"(?<![\d\-/:])\d{{1,2}}-\d{{1,2}}{_TIME}(?!\d)",
        r"刚刚",
        r"\d+\s*(?:秒|分钟|小时|天|周|个月)前",
        rf"(?:今天|昨天|前天)(?:{_TIME})?",
    )
)

_CN_FULL = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH_DAY_TIME = re.compile(r"^(\d{1,2})-(\d{1,2})(\s.*)$")
_WEEKS_MONTHS = re.compile(r"^(\d+)\s*(周|个月)前$")


def _normalise(text: str, now: datetime) -> str:
    text = text.strip().replace("：", ":")
    text = _CN_FULL.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d} ", text)
    text = _CN_MONTH_DAY.sub(lambda m: f"{now.year}-{int(m[1]):02d}-{int(m[2]):02d} ", text)
    text = _MONTH_DAY_TIME.sub(lambda m: f"{now.year}-{int(m[1]):02d}-{int(m[2]):02d}{m[3]}", text)
    return re.sub(r"\s+", " ", text).strip()


def parse_date(text: str, now: datetime) -> datetime | None:
    """Parse one date string; ``now`` (aware) is the crawl time that relative forms count back from."""
    if not text or not text.strip():
        return None
    now = now.astimezone(SHANGHAI)
    raw = text.strip()
    weeks_months = _WEEKS_MONTHS.match(raw)
    if weeks_months:
        count = int(weeks_months[1])
        days = count * 7 if weeks_months[2] == "周" else count * 30
        return now - timedelta(days=days)
    if re.match(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}", raw):  # RFC 822, as RSS writes it
        try:
            return parsedate_to_datetime(raw).astimezone(SHANGHAI)
        except (TypeError, ValueError):
            pass
    normalised = _normalise(raw, now)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", normalised):
        try:
            parsed = datetime.fromisoformat(normalised.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
    parsed = dateparser.parse(
        normalised,
        languages=["zh", "en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
        },
    )
    if parsed is None:
        return None
    parsed = parsed.astimezone(SHANGHAI)
    yearless = normalised != raw and not re.search(r"\d{4}", raw)
    if yearless and parsed > now + timedelta(days=1):
        parsed = parsed.replace(year=parsed.year - 1)
    return parsed


def find_date(text: str, now: datetime) -> datetime | None:
    """The first parseable date written in ``text`` (earliest position wins, then the more specific form)."""
    candidates: list[tuple[int, int, str]] = []
    for rank, pattern in enumerate(DATE_PATTERNS):
        for match in pattern.finditer(text):
            candidates.append((match.start(), rank, match.group(0)))
    for _start, _rank, candidate in sorted(candidates):
        parsed = parse_date(candidate, now)
        if parsed is not None:
            return parsed
    return None
