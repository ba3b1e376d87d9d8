"""Publication dates: Chinese relative and absolute forms, ISO and RFC 822, resolved in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlers.dates import find_date, parse_date
from crawlers.items import SHANGHAI

NOW = datetime(2025, 9, 3, 12, 0, tzinfo=SHANGHAI)
EIGHT_HOURS = timedelta(hours=8)


def at(*args: int) -> datetime:
    """A wall-clock time in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", at(2025, 9, 3, 12, 0)),
        ("5分钟前", at(2025, 9, 3, 11, 55)),
        ("3小时前", at(2025, 9, 3, 9, 0)),
        ("昨天 10:20", at(2025, 9, 2, 10, 20)),
        ("前天", at(2025, 9, 1, 12, 0)),
        ("前天 08:15", at(2025, 9, 1, 8, 15)),
        ("3天前", at(2025, 8, 31, 12, 0)),
        ("2周前", at(2025, 8, 20, 12, 0)),
        ("2025年9月2日 14:03", at(2025, 9, 2, 14, 3)),
        ("2025年9月2日14:03", at(2025, 9, 2, 14, 3)),
        ("2025年09月02日 14：03", at(2025, 9, 2, 14, 3)),
        ("2025-09-02", at(2025, 9, 2, 0, 0)),
        ("2025/9/2 14:03", at(2025, 9, 2, 14, 3)),
        ("09-02 14:03", at(2025, 9, 2, 14, 3)),
        ("12-30 14:03", at(2024, 12, 30, 14, 3)),
        ("9月2日 14:03", at(2025, 9, 2, 14, 3)),
        ("12月30日", at(2024, 12, 30, 0, 0)),
    ],
)
def test_parse_date_resolves_in_shanghai(text: str, expected: datetime) -> None:
    """Each form gives the right wall-clock time, aware and at +08:00 when the text names no zone."""
    parsed = parse_date(text, NOW)
    assert parsed is not None, text
    assert parsed.tzinfo is not None and parsed.utcoffset() == EIGHT_HOURS, text
    assert parsed.replace(tzinfo=None) == expected.replace(tzinfo=None), text


def test_yearless_date_takes_the_year_of_now() -> None:
    """A month-day date in the past of this year keeps this year."""
    parsed = parse_date("09-02 14:03", NOW)
    assert parsed is not None and parsed.year == 2025


def test_yearless_date_in_the_future_moves_to_the_previous_year() -> None:
    """12-30 seen on 2025-09-03 cannot be in the future, so it is 2024-12-30."""
    parsed = parse_date("12-30 14:03", NOW)
    assert parsed == at(2024, 12, 30, 14, 3)


def test_iso_with_z_keeps_utc_offset_and_instant() -> None:
    """An ISO time in UTC stays at offset zero and denotes the same instant."""
    parsed = parse_date("2025-09-02T06:03:00Z", NOW)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)
    assert parsed == datetime(2025, 9, 2, 6, 3, tzinfo=UTC)
    assert parsed == at(2025, 9, 2, 14, 3)


def test_iso_without_zone_is_shanghai_time() -> None:
    """An ISO time without an offset is read as Asia/Shanghai wall-clock time."""
    parsed = parse_date("2025-09-02T14:03:00", NOW)
    assert parsed is not None and parsed.utcoffset() == EIGHT_HOURS
    assert parsed == at(2025, 9, 2, 14, 3)


def test_rfc822_date() -> None:
    """The RSS date format is parsed with its own offset."""
    parsed = parse_date("Mon, 01 Sep 2025 10:00:00 +0800", NOW)
    assert parsed == at(2025, 9, 1, 10, 0)
    assert parsed is not None and parsed.utcoffset() == EIGHT_HOURS


def test_rfc822_gmt_is_the_same_instant() -> None:
    """An RFC 822 date in GMT denotes the same instant as its Shanghai equivalent."""
    parsed = parse_date("Tue, 02 Sep 2025 06:03:00 GMT", NOW)
    assert parsed == at(2025, 9, 2, 14, 3)


@pytest.mark.parametrize("text", ["garbage", "no date here 没有日期", "", "   "])
def test_unparseable_text_gives_none(text: str) -> None:
    """Text without a date, and empty text, give ``None`` rather than a guess."""
    assert parse_date(text, NOW) is None


def test_relative_dates_count_from_now_given_in_another_zone() -> None:
    """A crawl time given in UTC resolves 昨天 against the Shanghai calendar day."""
    now_utc = NOW.astimezone(UTC)
    parsed = parse_date("昨天 10:20", now_utc)
    assert parsed == at(2025, 9, 2, 10, 20)
    assert parsed is not None and parsed.utcoffset() == EIGHT_HOURS


def test_find_date_picks_the_earliest_date_in_text() -> None:
    """The publication time written first wins over a later comment time."""
    text = "发布时间：2025年9月2日 14:03 来源：某报 评论 2025-09-03 08:00"
    parsed = find_date(text, NOW)
    assert parsed == at(2025, 9, 2, 14, 3)
    assert parsed is not None and parsed.utcoffset() == EIGHT_HOURS


def test_find_date_order_follows_position_not_form() -> None:
    """When the numeric form comes first, it is the one picked."""
    text = "评论 2025-09-03 08:00 发布时间：2025年9月2日 14:03"
    assert find_date(text, NOW) == at(2025, 9, 3, 8, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("来源：某报 2025-09-02 14:03 阅读 3456", at(2025, 9, 2, 14, 3)),
        ("发布于 09-02 14:03 回复 12", at(2025, 9, 2, 14, 3)),
        ("2小时前 发布", at(2025, 9, 3, 10, 0)),
        ("楼主 9月1日 08:00 发表", at(2025, 9, 1, 8, 0)),
        ("更新于2025-09-02T06:03:00Z 编辑", datetime(2025, 9, 2, 6, 3, tzinfo=UTC)),
    ],
)
def test_find_date_in_running_text(text: str, expected: datetime) -> None:
    """Dates embedded in surrounding words are found and parsed."""
    assert find_date(text, NOW) == expected


def test_find_date_without_a_date_gives_none() -> None:
    """Text with no date in it gives ``None``."""
    assert find_date("瑞丰农牧多笔银行借款逾期 涉及金额超9亿元", NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-31 23:00", at(2025, 12, 31, 23, 0)),
        ("12月31日 23:00", at(2025, 12, 31, 23, 0)),
        ("01-02 08:00", at(2026, 1, 2, 8, 0)),
        ("昨天 23:00", at(2026, 1, 1, 23, 0)),
        ("前天", at(2025, 12, 31, 9, 0)),
    ],
)
def test_dates_across_new_year(text: str, expected: datetime) -> None:
    """Just after New Year, December dates belong to last year and January dates to this one."""
    assert parse_date(text, datetime(2026, 1, 2, 9, 0, tzinfo=SHANGHAI)) == expected
