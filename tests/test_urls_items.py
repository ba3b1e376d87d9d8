"""Canonical URLs, document ids, and the Document record's JSON round trip."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from crawlers.items import SHANGHAI, Document, Engagement
from crawlers.urls import canonical_url, document_id
from nlp.types import TaggedDocument


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://News.Example.COM/a/b.html", "http://news.example.com/a/b.html"),
        ("http://news.example.com:80/a.html", "http://news.example.com/a.html"),
        ("https://news.example.com:443/a.html", "https://news.example.com/a.html"),
        ("https://news.example.com:8443/a.html", "https://news.example.com:8443/a.html"),
        ("http://news.example.com:443/a.html", "http://news.example.com:443/a.html"),
        ("https://news.example.com/a.html#comments", "https://news.example.com/a.html"),
        ("https://news.example.com", "https://news.example.com/"),
        (
            "https://news.example.com/a?utm_source=wx&utm_medium=m&utm_campaign=c&utm_term=t&utm_content=x&id=5",
            "https://news.example.com/a?id=5",
        ),
        ("https://news.example.com/a?spm=1.2.3&id=5", "https://news.example.com/a?id=5"),
        ("https://news.example.com/a?b=2&a=1&c=3", "https://news.example.com/a?a=1&b=2&c=3"),
        ("https://news.example.com/a?page=2&id=5#top", "https://news.example.com/a?id=5&page=2"),
        ("https://news.example.com/a?q=&id=5", "https://news.example.com/a?id=5&q="),
        ("https://news.example.com/Path/Case.HTML", "https://news.example.com/Path/Case.HTML"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    """Host lower-cased, default port, fragment and tracking params dropped, query sorted, rest kept."""
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    """Canonicalising a canonical URL changes nothing."""
    once = canonical_url("HTTP://News.Example.COM:80/a?utm_source=x&b=2&a=1#f")
    assert canonical_url(once) == once


def test_canonical_url_percent_encodes_chinese() -> None:
    """Chinese path and query text become the same percent-escapes as the pre-encoded form."""
    raw = "https://news.example.com/新闻/1.html?q=银行"
    escaped = "https://news.example.com/%E6%96%B0%E9%97%BB/1.html?q=%E9%93%B6%E8%A1%8C"
    assert canonical_url(raw) == escaped
    assert canonical_url(escaped) == escaped


def test_canonical_url_keeps_ipv6_brackets() -> None:
    """An IPv6 literal host keeps its brackets (and its non-default port)."""
    assert canonical_url("http://[::1]:8080/a.html") == "http://[::1]:8080/a.html"


def test_canonical_url_keeps_gbk_query_escapes() -> None:
    """A GBK-encoded query value (银行 = %D2%F8%D0%D0) is kept byte for byte, not replaced."""
    url = "http://bbs.example.com/search.php?q=%D2%F8%D0%D0"
    assert canonical_url(url) == url


def test_document_id_differs_for_different_gbk_queries() -> None:
    """Two pages whose GBK query values differ (银行 vs 招商) must not share a document id."""
    bank = "http://bbs.example.com/show.php?name=%D2%F8%D0%D0"
    merchants = "http://bbs.example.com/show.php?name=%D5%D0%C9%CC"
    assert document_id(bank) != document_id(merchants)


def test_document_id_is_32_hex_chars_and_stable() -> None:
    """The id is 32 lower-case hex digits and the same on every call."""
    url = "https://news.example.com/a/1.html"
    first = document_id(url)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert document_id(url) == first


def test_document_id_equal_for_equivalent_urls() -> None:
    """Spellings of one page (case, port, fragment, tracking, order) share an id."""
    variants = [
        "https://news.example.com/a/1.html?id=5&page=2",
        "HTTPS://NEWS.example.com:443/a/1.html?page=2&id=5",
        "https://news.example.com/a/1.html?utm_source=weibo&id=5&page=2#comments",
        "https://news.example.com/a/1.html?spm=a.b.c&page=2&id=5",
    ]
    assert len({document_id(url) for url in variants}) == 1


@pytest.mark.parametrize(
    "other",
    [
        "https://news.example.com/a/2.html",
        "https://news.example.com/a/1.html?id=6",
        "http://news.example.com/a/1.html?id=5",
        "https://news.example.com:8443/a/1.html?id=5",
        "https://other.example.com/a/1.html?id=5",
        "https://news.example.com/A/1.html?id=5",
    ],
)
def test_document_id_differs_for_different_pages(other: str) -> None:
    """Another path, query value, scheme, port, host or path case is another document."""
    assert document_id(other) != document_id("https://news.example.com/a/1.html?id=5")


def make_document(**changes: object) -> Document:
    """A forum document with every field set, Chinese text and aware datetimes in two zones."""
    values: dict[str, object] = {
        "id": document_id("https://bbs.example.com/t/1.html"),
        "url": "https://bbs.example.com/t/1.html",
        "source": "demo-forum",
        "kind": "forum",
        "title": "瑞丰农牧借款逾期了，手里的股票还能拿吗",
        "content": "下午开盘直接跌停，我手里还有五千股。\n成本十一块多。",
        "crawled_at": datetime(2025, 9, 3, 12, 0, tzinfo=SHANGHAI),
        "raw_sha256": "ab" * 32,
        "author": "老韭菜2018",
        "published_at": datetime(2025, 9, 2, 13, 17, tzinfo=UTC),
        "engagement": Engagement(replies=12, reads=3456, likes=None),
        "cluster_id": "c" * 32,
        "encoding": "gb18030",
        "extra": {"tags": ["逾期", "质押"], "rank": 1},
    }
    values.update(changes)
    return Document(**values)  # type: ignore[arg-type]


def test_document_json_round_trip() -> None:
    """to_json then from_json gives an equal document: engagement, datetimes and offsets kept."""
    document = make_document()
    restored = Document.from_json(document.to_json())
    assert restored == document
    assert restored.engagement == Engagement(replies=12, reads=3456, likes=None)
    assert restored.crawled_at.utcoffset() == document.crawled_at.utcoffset()
    assert restored.published_at is not None and restored.published_at.utcoffset().total_seconds() == 0
    assert restored.published_at == document.published_at


def test_document_json_round_trip_without_optional_fields() -> None:
    """A news document without author, time or engagement round-trips with ``None`` kept."""
    document = make_document(kind="news", author=None, published_at=None, engagement=None, cluster_id=None)
    restored = Document.from_json(document.to_json())
    assert restored == document
    assert restored.published_at is None and restored.engagement is None


def test_document_json_is_one_line_with_unescaped_chinese() -> None:
    """The JSON line holds Chinese as text (ensure_ascii off), no \\u escapes and no newline."""
    line = make_document().to_json()
    assert "瑞丰农牧借款逾期" in line and "老韭菜2018" in line
    assert "\\u" not in line
    assert "\n" not in line
    data = json.loads(line)
    assert data["crawled_at"] == "2025-09-03T12:00:00+08:00"
    assert data["published_at"] == "2025-09-02T13:17:00+00:00"
    assert data["engagement"] == {"replies": 12, "reads": 3456, "likes": None}


def test_to_dict_has_every_field_as_a_deep_copy_would() -> None:
    """to_dict builds its dict without dataclasses.asdict's deep copy (for indexing speed), yet holds what
    asdict holds, for a tagged document with entities and mentions too; each call returns a new dict."""
    tagged = TaggedDocument.from_document(
        make_document(),
        {
            "sentiment": {"label": "negative", "score": 0.9},
            "entities": [{"name": "瑞丰农牧", "mentions": [{"field": "title", "start": 0, "end": 4}]}],
            "events": [{"type": "违约", "entity": "瑞丰农牧", "score": 0.8}],
            "model": {"name": "m", "version": "1"},
        },
    )
    for document in (make_document(), make_document(engagement=None, published_at=None), tagged):
        expected = asdict(document)
        expected["crawled_at"] = document.crawled_at.isoformat()
        expected["published_at"] = document.published_at.isoformat() if document.published_at else None
        data = document.to_dict()
        assert data == expected
        assert list(data) == list(expected)
        assert data is not document.to_dict()
        assert json.loads(document.to_json()) == expected
        assert type(document).from_json(document.to_json()) == document


def test_naive_datetime_in_json_is_read_as_shanghai() -> None:
    """A stored time without an offset is read as Asia/Shanghai, never left naive."""
    data = make_document().to_dict()
    data["crawled_at"] = "2025-09-03T12:00:00"
    restored = Document.from_dict(data)
    assert restored.crawled_at.tzinfo is not None
    assert restored.crawled_at == datetime(2025, 9, 3, 4, 0, tzinfo=UTC)


def test_unknown_field_is_rejected() -> None:
    """A JSON line with a field Document lacks raises ValueError naming the field."""
    data = make_document().to_dict()
    data["sentiment"] = 0.5
    with pytest.raises(ValueError, match="sentiment"):
        Document.from_json(json.dumps(data, ensure_ascii=False))


@pytest.mark.parametrize("kind", ["blog", "", None])
def test_bad_kind_is_rejected(kind: str | None) -> None:
    """A kind other than news, forum or social raises ValueError listing the valid kinds."""
    data = make_document().to_dict()
    data["kind"] = kind
    with pytest.raises(ValueError, match="news, forum, social"):
        Document.from_dict(data)
