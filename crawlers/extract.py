"""HTML → title, main text, publication time, author and engagement counts. Pure functions, no I/O.

Each field is found by a chain of guards, the first that yields wins: the source's own selector, then page
metadata, then the page's visible structure. Main text comes from trafilatura, which drops navigation,
footers, share bars and comment widgets; its baseline extractor is the fallback for pages it rejects.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from parsel import Selector

from crawlers.dates import find_date, parse_date
from crawlers.errors import ExtractionError
from crawlers.items import Engagement

logger = logging.getLogger(__name__)

MIN_CONTENT_CHARS = 10
MAX_LINK_SHARE = 0.5  # a fallback text that is mostly link text is a menu, not an article
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-\s)\s*")
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "publish_date",
    "PubDate",
    "datePublished",
)
AUTHOR_LABEL = re.compile(r"(?:作者|记者|编辑|责任编辑|楼主|发帖人|文)\s*[:：/]\s*([^\s|｜/，,]{2,16})")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?\s*[万wW]?")
COUNT = r"\s*[:：]?\s*(" + NUMBER.pattern + ")"
ENGAGEMENT_PATTERNS = {
    "replies": re.compile(r"(?:回复|评论|回帖)(?:数)?" + COUNT),
    "reads": re.compile(r"(?:阅读|浏览|点击|查看)(?:数|量)?" + COUNT),
    "likes": re.compile(r"(?:点赞|赞|喜欢)(?:数)?" + COUNT),
}


@dataclass
class Extracted:
    title: str
    content: str
    published_at: datetime | None
    author: str | None
    engagement: Engagement | None


def _clean(text: str) -> str:
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def select_text(page: Selector, query: str) -> str:
    """Text of every node a ``css:`` or ``xpath:`` selector matches, one node a line."""
    kind, _, expression = query.partition(":")
    nodes = page.css(expression) if kind == "css" else page.xpath(expression)
    parts: list[str] = []
    for node in nodes:
        root = getattr(node, "root", None)
        if isinstance(root, str):
            parts.append(root)
        else:
            parts.append(
                "\n".join(node.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall())
            )
    return _clean("\n".join(parts))


def page_text(page: Selector) -> str:
    """Visible text of the body, without scripts and styles."""
    texts = page.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
    return _clean("\n".join(texts.getall()))


def _meta(page: Selector, *names: str) -> str | None:
    for name in names:
        value = page.xpath(
            f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
        ).get()
        if value and value.strip():
            return value.strip()
    return None


MAX_TITLE_CHARS = 120


def _title_tag(page: Selector) -> str:
    """The longest segment of ``<title>`` once site suffixes (``_站名``, ``| 频道``) are split off."""
    title = _clean(page.xpath("//title//text()").get() or "").replace("\n", " ")
    parts = TITLE_SEPARATORS.split(title)
    return max(parts, key=len) if parts else ""


BLOCK_ELEMENT = " or ".join(f"self::{tag}" for tag in ("p", "div", "table", "ul", "section"))


def _heading_text(heading: Selector) -> str:
    if heading.xpath(f".//*[{BLOCK_ELEMENT}]"):
        # An unclosed <h1> swallowed the body: keep only its own text before the first block element.
        own = heading.xpath(f"./text()[following-sibling::*[{BLOCK_ELEMENT}]]").getall()
    else:
        own = heading.xpath(".//text()").getall()
    return _clean(" ".join(own)).replace("\n", " ")


def find_title(page: Selector) -> str:
    for heading in page.xpath("//h1"):
        text = _heading_text(heading)
        if 4 <= len(text) <= MAX_TITLE_CHARS:
            return text
    return _meta(page, "og:title") or _title_tag(page)


def _json_ld_date(page: Selector) -> str | None:
    for block in page.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict) and isinstance(entry.get("datePublished"), str):
                return entry["datePublished"]
    return None


def _post_window(text: str, title: str, content: str) -> str:
    """Page text from the title to a little past the body: forums print counts above or below the post."""
    start = max(text.find(title), 0) if title else 0
    tail = content[-20:]
    end = text.find(tail, start) if tail else -1
    end = end + len(tail) + 200 if end >= 0 else start + 600
    return text[start:end]


def _header_window(text: str, title: str, content: str) -> str:
    """Page text from the title to the start of the body: where sites print the time and the author."""
    start = text.find(title) if title else -1
    start = start + len(title) if start >= 0 else 0
    body_head = content[:20]
    end = text.find(body_head, start) if body_head else -1
    if end < 0 or end - start > 600:
        end = start + 600
    return text[start:end]


def find_published_at(page: Selector, text: str, header: str, now: datetime) -> datetime | None:
    for raw in (_meta(page, *DATE_META), _json_ld_date(page), page.xpath("//time/@datetime").get()):
        if raw:
            parsed = parse_date(raw, now)
            if parsed is not None:
                return parsed
    return find_date(header, now) or find_date(text, now)


def find_author(page: Selector, header: str) -> str | None:
    meta_author = _meta(page, "author", "article:author")
    if meta_author:
        return meta_author
    classed = page.xpath(
        '//*[contains(concat(" ", normalize-space(@class), " "), " author ")]//text()'
    ).getall()
    name = _clean(" ".join(classed)).split("\n")[0].strip() if classed else ""
    if name:
        return AUTHOR_LABEL.sub(r"\1", name)[:40]
    match = AUTHOR_LABEL.search(header)
    return match.group(1) if match else None


def parse_count(raw: str) -> int:
    """'3,456' → 3456, '1.2万' → 12000."""
    raw = raw.replace(",", "").strip()
    multiplier = 10_000 if raw[-1:] in "万wW" else 1
    number = raw.rstrip("万wW").strip()
    return round(float(number) * multiplier)


def find_engagement(selected: Mapping[str, str], window: str) -> Engagement | None:
    """Reply, read and like counts: from the source's selectors, else from labels in the post's window."""
    counts: dict[str, int] = {}
    for field_name, pattern in ENGAGEMENT_PATTERNS.items():
        chosen = selected.get(field_name)
        match = NUMBER.search(chosen) if chosen else pattern.search(window)
        if match:
            counts[field_name] = parse_count(match.group(match.lastindex or 0))
    engagement = Engagement(**counts)
    return None if engagement.is_empty() else engagement


def densest_paragraph_block(page: Selector) -> str:
    """Paragraphs of the element whose direct ``<p>`` children hold the most text.

    Old portals lay pages out with tables, which trafilatura reads as data; their article is still the
    element with the most paragraph text.
    """
    best_text, best_score = "", 0
    for element in page.xpath("//*[p]"):
        paragraphs = [
            _clean(" ".join(p.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()))
            for p in element.xpath("./p")
        ]
        score = sum(len(text) for text in paragraphs)
        if score > best_score:
            best_text, best_score = "\n".join(text for text in paragraphs if text), score
    return best_text


def _trafilatura(html: str, url: str | None, tables: bool) -> str:
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=tables,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
    )
    return _clean(text or "")


def find_content(html: str, url: str | None, page: Selector) -> str:
    """Main text by a chain of guards; each logs why it passed the page on."""
    text = _trafilatura(html, url, tables=False)
    if len(text) >= MIN_CONTENT_CHARS:
        return text
    logger.debug("%s: no main text outside tables; trying the densest paragraph block", url)
    text = densest_paragraph_block(page)
    if len(text) >= MIN_CONTENT_CHARS:
        return text
    logger.debug("%s: no paragraph block; trying trafilatura with tables", url)
    text = _trafilatura(html, url, tables=True)
    if len(text) >= MIN_CONTENT_CHARS:
        return text
    logger.debug("%s: trafilatura found nothing; trying its baseline extractor", url)
    _tree, baseline_text, _length = trafilatura.baseline(html)
    text = _clean(baseline_text or "")
    if link_share(page, text) > MAX_LINK_SHARE:
        logger.debug("%s: the only text left is link text (navigation); no main text", url)
        return ""
    return text


def link_share(page: Selector, text: str) -> float:
    """How much of ``text`` is the text of the page's links: near 1 for a menu, low for an article."""
    if not text:
        return 0.0
    anchors = {_clean(" ".join(a.xpath(".//text()").getall())) for a in page.xpath("//a")}
    compact = re.sub(r"\s+", "", text)
    linked = sum(len(re.sub(r"\s+", "", anchor)) for anchor in anchors if anchor and anchor in text)
    return min(1.0, linked / max(1, len(compact)))


def extract_page(
    html: str,
    url: str | None,
    now: datetime,
    selectors: Mapping[str, str] | None = None,
    kind: str = "news",
) -> Extracted:
    """Extract one article or forum post; raises :class:`ExtractionError` when the page holds no text."""
    selectors = selectors or {}
    if not html or not html.strip():
        raise ExtractionError("empty-page", "the page has no body")
    page = Selector(text=html)
    picked = {name: select_text(page, query) for name, query in selectors.items()}

    title = picked.get("title") or find_title(page)
    content = picked.get("content") or find_content(html, url, page)
    if len(content) < MIN_CONTENT_CHARS:
        raise ExtractionError("empty-content", f"no main text found ({len(content)} characters)")
    if title and content.startswith(title):
        content = content[len(title) :].lstrip()

    text = page_text(page)
    header = _header_window(text, title, content)
    published_at = None
    if picked.get("published_at"):
        published_at = find_date(picked["published_at"], now)
    if published_at is None:
        published_at = find_published_at(page, text, header, now)
    author = picked.get("author") or find_author(page, header)
    engagement = (
        find_engagement(picked, _post_window(text, title, content))
        if kind == "forum" or picked.keys() & ENGAGEMENT_PATTERNS.keys()
        else None
    )
    return Extracted(
        title=title.replace("\n", " ").strip(),
        content=content,
        published_at=published_at,
        author=author,
        engagement=engagement,
    )
