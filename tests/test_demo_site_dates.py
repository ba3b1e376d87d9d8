"""The demo site's dates keep their age whatever the hour the demo runs at, so its 24-hour alert windows
count the same documents at 09:30 as at 12:00 (a page saying ``昨天 10:20`` outright is 23 hours old at
09:30 and 26 at 12:00)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawlers.dates import DATE_PATTERNS, parse_date
from crawlers.items import SHANGHAI
from riskwatch.demo import SITE_ROOT
from riskwatch.demo.server import SiteServer, day_style

RELATIVE = DATE_PATTERNS[4:]  # 12-02 10:20, 刚刚, 3小时前, 今天/昨天/前天 10:20: forms read against now
HOURS = [(0, 30), (9, 30), (10, 25), (12, 5), (21, 0), (23, 50)]


def _ages(server: SiteServer, now: datetime) -> dict[str, list[timedelta]]:
    server.clock = lambda: now
    ages = {}
    for path in sorted(SITE_ROOT.rglob("*")):
        if path.suffix not in (".html", ".xml"):
            continue
        relative = path.relative_to(SITE_ROOT).as_posix()
        text = server.render(relative, path.read_bytes()).decode(server.encodings.get(relative, "utf-8"))
        found = [parse_date(match.group(0), now) for pattern in RELATIVE for match in pattern.finditer(text)]
        ages[relative] = sorted(now - moment for moment in found if moment is not None)
    return ages


def test_day_style_writes_the_day_as_forums_do() -> None:
    now = datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
    assert day_style(now - timedelta(hours=2), now) == "今天 07:30"
    assert day_style(now - timedelta(hours=23), now) == "昨天 10:30"
    assert day_style(now - timedelta(hours=36), now) == "前天 21:30"
    assert day_style(now - timedelta(hours=60), now) == "12-02 21:30"


def test_demo_dates_have_the_same_age_at_every_hour() -> None:
    server = SiteServer(SITE_ROOT)
    try:
        day = datetime(2026, 12, 5, tzinfo=SHANGHAI)
        readings = [_ages(server, day.replace(hour=h, minute=m)) for h, m in HOURS]
    finally:
        server.server_close()
    assert sum(len(ages) for ages in readings[0].values()) > 30  # the relative dates were found
    for (hour, minute), ages in zip(HOURS[1:], readings[1:], strict=True):
        for page, found in ages.items():
            assert found == pytest.approx(readings[0][page], abs=timedelta(minutes=1)), (page, hour, minute)
