"""The shipped demo site and source configs, crawled for real over HTTP on 127.0.0.1, twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from crawlers.sources import SourceConfig
from riskwatch.config import load_config
from riskwatch.demo import DEMO_PORT, SITE_ROOT, sources_on_port
from tests.conftest import REPO, CrawlRun, FaultySite, run_crawl, write_config

SOURCES = REPO / "configs" / "sources"
NEWS_ARTICLES = sorted(p.relative_to(SITE_ROOT).as_posix() for p in SITE_ROOT.glob("news/2*/*.html"))
FINANCE_ARTICLES = sorted(
    p.relative_to(SITE_ROOT).as_posix() for p in SITE_ROOT.glob("finance/article/*.html")
)
FORUM_THREADS = sorted(p.relative_to(SITE_ROOT).as_posix() for p in SITE_ROOT.glob("forum/thread/*.html"))


@dataclass
class DemoRuns:
    site: FaultySite
    first: CrawlRun
    second: CrawlRun
    requests_after_first: int


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRuns]:
    site = FaultySite(SITE_ROOT).start()
    folder = tmp_path_factory.mktemp("demo")
    sources = []
    for path in sorted(SOURCES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", site.base_url)
        sources.append(yaml.safe_load(text))
    watchlist = yaml.safe_load((REPO / "configs" / "watchlist.yaml").read_text(encoding="utf-8"))
    config = write_config(folder / "cfg", sources, watchlist=watchlist)
    first = run_crawl(config, folder / "first.jsonl")
    requests_after_first = len(site.requests)
    second = run_crawl(config, folder / "second.jsonl")
    yield DemoRuns(site, first, second, requests_after_first)
    site.stop()


def test_every_demo_article_is_stored_once(demo_runs: DemoRuns) -> None:
    run = demo_runs.first
    assert run.returncode == 0, run.stderr
    paths = sorted(doc.url.split("/", 3)[3] for doc in run.documents)
    assert paths == sorted(NEWS_ARTICLES + FINANCE_ARTICLES + FORUM_THREADS)
    assert len({doc.id for doc in run.documents}) == len(run.documents)
    assert run.report["documents_written"] == len(run.documents)
    for doc in run.documents:
        assert doc.title and len(doc.content) > 50, doc.url
        assert doc.published_at is not None and doc.published_at.tzinfo is not None, doc.url
        assert "\ufffd" not in doc.content + doc.title, doc.url
        assert "版权所有" not in doc.content and "分享到" not in doc.content, doc.url


def test_gbk_gb2312_and_gb18030_pages_decode(demo_runs: DemoRuns) -> None:
    finance = [doc for doc in demo_runs.first.documents if doc.source == "demo-finance"]
    assert len(finance) == len(FINANCE_ARTICLES)
    assert all(doc.encoding == "gb18030" for doc in finance)
    gb18030_only = next(doc for doc in finance if doc.url.endswith("1007.html"))
    assert "𠮷" in gb18030_only.content and "小蜂出行" in gb18030_only.content


def test_reprint_shares_the_cluster_of_the_original(demo_runs: DemoRuns) -> None:
    docs = {doc.url.split("/", 3)[3]: doc for doc in demo_runs.first.documents}
    original = docs["news/20261123/hongyuan_default.html"]
    reprint = docs["finance/article/1001.html"]
    assert original.cluster_id == reprint.cluster_id
    others = [
        doc
        for path, doc in docs.items()
        if path not in {"news/20261123/hongyuan_default.html", "finance/article/1001.html"}
    ]
    assert all(doc.cluster_id == doc.id for doc in others)
    assert sum(s["reprints"] for s in demo_runs.first.report["sources"]) == 1


def test_forum_posts_keep_engagement_counts(demo_runs: DemoRuns) -> None:
    forum = [doc for doc in demo_runs.first.documents if doc.source == "demo-forum"]
    assert len(forum) == len(FORUM_THREADS)
    assert all(doc.kind == "forum" and doc.engagement is not None for doc in forum)
    assert all(doc.engagement.replies is not None and doc.engagement.reads for doc in forum)  # type: ignore[union-attr]


def test_robots_txt_is_obeyed(demo_runs: DemoRuns) -> None:
    assert demo_runs.site.requested("/news/embargo/") == []
    assert demo_runs.first.source("demo-news")["drops"] == {"robots-disallowed": 1}


def test_feed_and_per_alias_search_pages_are_read(demo_runs: DemoRuns) -> None:
    assert demo_runs.site.requested("/feeds/news.xml")
    searches = demo_runs.site.requested("/search?q=")
    assert len(searches) >= 5  # one per watchlist name and alias, each URL-encoded
    assert any("%E9%B8%BF%E8%BF%9C%E5%9C%B0%E4%BA%A7" in path for path in searches)  # 鸿远地产


def test_second_run_fetches_only_listings(demo_runs: DemoRuns) -> None:
    second = demo_runs.second
    assert second.returncode == 0, second.stderr
    assert second.documents == []
    assert sum(s["stored"] for s in second.report["sources"]) == 0
    later = demo_runs.site.requests[demo_runs.requests_after_first :]
    assert "/news/" in later and "/forum/list_2.html" in later  # listings are re-read
    fetched_articles = [p for p in later if p.startswith(("/news/2", "/finance/article/", "/forum/thread/"))]
    assert fetched_articles == []
    skipped = sum(s["skipped_seen"] for s in second.report["sources"])
    assert skipped >= len(NEWS_ARTICLES + FINANCE_ARTICLES + FORUM_THREADS)


def test_demo_sources_follow_the_demo_port() -> None:
    """``riskwatch demo --port`` serves the site elsewhere when 8765 is taken: the demo sources follow it
    (the whole demo runs on a free port in tests/test_demo_console.py); other sites' sources are left alone."""
    config = load_config(REPO / "configs" / "riskwatch.yaml")
    other = SourceConfig(
        name="other",
        kind="news",
        start_urls=["https://news.example.cn/"],
        article=[r"/a/\d+\.html"],
        search="https://s.example.cn/?q={query}",
    )
    assert sources_on_port([*config.sources, other], DEMO_PORT) == [*config.sources, other]
    moved = sources_on_port([*config.sources, other], 18765)
    urls = [str(url) for source in moved[:-1] for url in [*source.start_urls, *source.feeds]]
    urls += [source.search for source in moved[:-1] if source.search]
    assert urls and all(url.startswith("http://127.0.0.1:18765/") for url in urls), urls
    assert [s.follow for s in moved[:-1]] == [s.follow for s in config.sources]  # patterns are paths
    assert moved[-1] == other
