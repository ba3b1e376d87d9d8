"""Page extraction as a pure function: golden pages, malformed HTML, empty pages, source selectors,
engagement counts, and the private-address check."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from crawlers.charset import choose_encoding
from crawlers.errors import ExtractionError
from crawlers.extract import extract_page, parse_count
from crawlers.items import SHANGHAI
from crawlers.middlewares import is_public_address
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"
EXPECTED: dict[str, dict[str, Any]] = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
NOW = datetime.fromisoformat("2025-09-03T12:00:00+08:00")

BODY_1 = "瑞丰农牧股份有限公司9月2日午间发布公告称，公司及下属子公司在多家银行的借款出现逾期，逾期本金合计约9.26亿元。"
BODY_2 = (
    "瑞丰农牧表示，逾期主要原因是生猪价格持续低位运行，公司养殖业务连续多个季度亏损，经营性现金流入减少。"
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_page(name: str) -> None:
    """Each fixture page, decoded with the chosen encoding, extracts to its expected fields."""
    expected = EXPECTED[name]
    body = (PAGES / name).read_bytes()
    encoding, _how = choose_encoding(body, "text/html")
    html = body.decode(encoding)
    assert "\ufffd" not in html
    result = extract_page(html, f"http://127.0.0.1:8765/pages/{name}", NOW, kind=expected["kind"])
    assert result.title == expected["title"]
    assert result.published_at is not None
    assert result.published_at.isoformat() == expected["published_at"]
    for sentence in expected["content_contains"]:
        assert sentence in result.content, sentence
    for boilerplate in expected["content_excludes"]:
        assert boilerplate not in result.content, boilerplate
    assert result.author == expected["author"]
    counts = (
        None
        if result.engagement is None
        else {k: v for k, v in vars(result.engagement).items() if v is not None}
    )
    assert counts == expected["engagement"]


@pytest.mark.parametrize("name", [n for n, e in sorted(EXPECTED.items()) if e["encoding"] == "gbk"])
def test_golden_gbk_pages_choose_gb18030(name: str) -> None:
    """The GBK fixtures are read as gb18030, so their Chinese text decodes without replacements."""
    encoding, _how = choose_encoding((PAGES / name).read_bytes(), None)
    assert encoding == "gb18030"


MALFORMED = [
    # no <html>/<head>/<body>, unclosed <h1> and <p>, stray closing tags
    f"<title>瑞丰农牧借款逾期_财经频道</title><div class='art'><h1>瑞丰农牧多笔银行借款逾期<p>{BODY_1}"
    f"<p>{BODY_2}</div></div></span><div>",
    # body only, unclosed div and paragraphs, stray </div> between paragraphs
    f"<h1>瑞丰农牧多笔银行借款逾期</h1><div><p>{BODY_1}</div></div><p>{BODY_2}",
    # html without body, unclosed table cells
    f"<html><h1>瑞丰农牧多笔银行借款逾期</h1><table><tr><td><p>{BODY_1}<p>{BODY_2}</table></html>",
]


@pytest.mark.parametrize("html", MALFORMED, ids=["no-html-body", "stray-div", "no-body-table"])
def test_malformed_html_still_extracts(html: str) -> None:
    """Broken markup still yields the heading as title and both paragraphs as body."""
    result = extract_page(html, "http://news.example.com/a.html", NOW)
    assert result.title == "瑞丰农牧多笔银行借款逾期"
    assert BODY_1 in result.content
    assert BODY_2 in result.content
    assert "<" not in result.content


@pytest.mark.parametrize("html", ["", "   \n\t "])
def test_empty_page_is_an_extraction_error(html: str) -> None:
    """An empty document raises ExtractionError with reason 'empty-page'."""
    with pytest.raises(ExtractionError) as caught:
        extract_page(html, "http://news.example.com/a.html", NOW)
    assert caught.value.reason == "empty-page"


def nav_page(labels: list[str], wrapper: str = "<ul>{}</ul>") -> str:
    """A page whose body is nothing but a menu of links."""
    items = "".join(f"<li><a href='/{n}'>{label}</a></li>" for n, label in enumerate(labels))
    return f"<html><head><title>财经频道</title></head><body>{wrapper.format(items)}</body></html>"


def test_navigation_only_page_is_empty_content() -> None:
    """A page of nothing but a short menu raises ExtractionError with reason 'empty-content'."""
    with pytest.raises(ExtractionError) as caught:
        extract_page(nav_page(["首页", "新闻", "股票"]), "http://news.example.com/", NOW)
    assert caught.value.reason == "empty-content"
    assert str(caught.value).startswith("empty-content:")


@pytest.mark.parametrize(
    "html",
    [
        nav_page(["首页", "新闻", "股票", "关于"]),
        nav_page(
            ["首页", "财经要闻", "股票行情", "基金理财", "银行保险", "关于我们", "联系我们"],
            "<nav><ul>{}</ul></nav>",
        ),
    ],
    ids=["four-links", "nav-element"],
)
def test_navigation_only_page_with_longer_menu_is_empty_content(html: str) -> None:
    """A menu whose link text adds up to 10+ characters is still no article: 'empty-content'."""
    with pytest.raises(ExtractionError) as caught:
        extract_page(html, "http://news.example.com/", NOW)
    assert caught.value.reason == "empty-content"


SELECTOR_PAGE = f"""<html><head><title>站点标题 - 财经网</title>
<meta name="author" content="元数据作者">
<meta property="article:published_time" content="2025-08-01T10:00:00+08:00"></head><body>
<h1>自动识别的标题</h1>
<div class="headline"><span>选择器指定的标题</span></div>
<div id="main"><p>{BODY_1}</p><p>{BODY_2}</p></div>
<div class="sidebar"><p>侧栏推荐：多家养殖企业上半年亏损扩大，行业整体承压明显，需要长期关注这一领域的变化。</p></div>
<div class="info"><span class="when">发布于 2025年9月2日 14:03</span><span class="who">孙立</span></div>
</body></html>"""


def test_automatic_extraction_of_selector_page() -> None:
    """Without selectors the page's own metadata and heading win (the baseline for the next test)."""
    result = extract_page(SELECTOR_PAGE, None, NOW)
    assert result.title == "自动识别的标题"
    assert result.author == "元数据作者"
    assert result.published_at == datetime(2025, 8, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "selectors",
    [
        {
            "title": "css:.headline span",
            "content": "css:#main",
            "published_at": "css:.when",
            "author": "css:.who::text",
        },
        {
            "title": "xpath://div[@class='headline']/span",
            "content": "xpath://div[@id='main']",
            "published_at": "xpath://span[@class='when']",
            "author": "xpath://span[@class='who']/text()",
        },
    ],
    ids=["css", "xpath"],
)
def test_source_selectors_override_automatic_extraction(selectors: dict[str, str]) -> None:
    """css: and xpath: selectors beat the heading, metadata and automatic body for every field."""
    result = extract_page(SELECTOR_PAGE, None, NOW, selectors=selectors)
    assert result.title == "选择器指定的标题"
    assert result.content == f"{BODY_1}\n{BODY_2}"
    assert "侧栏推荐" not in result.content
    assert result.published_at == datetime(2025, 9, 2, 14, 3, tzinfo=SHANGHAI)
    assert result.author == "孙立"


def test_selector_matching_nothing_falls_back_to_automatic() -> None:
    """A selector that matches no node leaves the field to automatic extraction."""
    result = extract_page(SELECTOR_PAGE, None, NOW, selectors={"title": "css:.no-such-class"})
    assert result.title == "自动识别的标题"


def test_engagement_selectors_on_news_page() -> None:
    """Count selectors are read even on a news page, with 万 and thousands separators."""
    html = SELECTOR_PAGE.replace(
        '<div class="info">',
        '<div class="stats"><b class="r">评论 1.2万</b><b class="v">3,456</b></div><div class="info">',
    )
    result = extract_page(html, None, NOW, selectors={"replies": "css:.r", "reads": "css:.v"})
    assert result.engagement is not None
    assert (result.engagement.replies, result.engagement.reads, result.engagement.likes) == (
        12000,
        3456,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.2万", 12000), ("3,456", 3456), ("8", 8), ("2w", 20000), (" 12 ", 12), ("1,234,567", 1234567)],
)
def test_parse_count(raw: str, expected: int) -> None:
    """Counts with 万/w and thousands separators become integers."""
    assert parse_count(raw) == expected


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 wrapping 169.254.169.254
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    """Loopback, private, link-local (cloud metadata), CGNAT, multicast and IPv4-mapped are refused."""
    assert is_public_address(address) is False


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::"]
)
def test_public_addresses(address: str) -> None:
    """Global unicast addresses, v4, v6 and v4-mapped, are allowed."""
    assert is_public_address(address) is True
