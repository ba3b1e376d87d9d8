"""What goes wrong on real sites, over real HTTP on 127.0.0.1: each failure is retried, counted or refused,
and nothing else is lost."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import crawl_env, read_documents, riskwatch_command, run_crawl, write_config

STORY = (
    "鸿远地产集团股份有限公司今日公告称，公司发行的公司债券未能按期支付利息，公司正与债券持有人协商展期方案。"
    "公告显示，受销售回款不及预期影响，公司短期流动性承压，多个项目出现停工。"
    "评级机构随后将公司主体信用等级下调，并将其列入负面观察名单。分析人士认为，公司仍需通过出售资产等方式缓解偿债压力。"
)


def article(title: str, body: str, date: str = "2025-09-02 10:00", extra: str = "") -> str:
    paragraphs = "".join(f"<p>{sentence}。</p>" for sentence in body.split("。") if sentence)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_测试网</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a> <a href='/a/'>财经</a></div>"
        f"<h1>{title}</h1><div class='info'>{date} 来源：测试网</div>"
        f"<div class='article-content'>{paragraphs}</div>{extra}"
        f"<div class='footer'>版权所有 测试网</div></body></html>"
    )


COMPANIES = ["鸿远地产", "明川科技", "安和食品", "星海新能源", "小蜂出行", "江屿银行", "北辰证券", "东临保险"]
EVENTS = ["债务违约", "立案调查", "产品召回", "股东减持", "押金纠纷", "行政处罚", "高管变动", "评级下调"]


def distinct_story(i: int) -> str:
    """A story that shares little text with the others, so that it is not taken for a reprint."""
    company, event = COMPANIES[i % 8], EVENTS[(i * 3) % 8]
    return (
        f"{company}第{i}号公告披露了{event}事项。据知情人士透露，该事项涉及金额约{i + 3}亿元。"
        f"{company}表示将在{i + 2}个工作日内回复监管问询。市场人士称{event}对{company}短期经营影响有限。"
        f"截至发稿，{company}股价报收{10 + i}.{i}元。"
    )


def listing(*paths: str) -> str:
    links = "".join(f"<li><a href='{p}'>{p}</a></li>" for p in paths)
    return f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul></body></html>"


def source(base_url: str, **overrides: object) -> dict[str, object]:
    return {
        "name": "test-news",
        "kind": "news",
        "start_urls": [f"{base_url}/index.html"],
        "follow": [r"/list_\d+\.html"],
        "article": [r"/a/\w+\.html"],
        "allow_private": True,
        **overrides,
    }


def test_server_error_succeeds_on_retry(make_site, tmp_path: Path) -> None:
    site = make_site({"index.html": listing("/a/1.html"), "a/1.html": article("鸿远地产未能按期付息", STORY)})
    site.fail_first["/a/1.html"] = [500, 503]
    config = write_config(
        tmp_path / "cfg", [source(site.base_url)], crawl={"retries": 3, "retry_backoff": 0.2}
    )
    started = time.monotonic()
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 0, run.stderr
    assert [doc.title for doc in run.documents] == ["鸿远地产未能按期付息"]
    assert site.requested("/a/1.html") == ["/a/1.html"] * 3
    assert run.source("test-news")["drops"] == {}
    assert time.monotonic() - started >= 0.2 + 0.4  # backoff: 0.2 s, then 0.4 s


def test_failures_are_dropped_with_their_reason(make_site, tmp_path: Path) -> None:
    huge = article("超大页面", STORY * 200)
    site = make_site(
        {
            "index.html": listing(
                "/a/ok.html", "/a/missing.html", "/a/broken.html", "/a/huge.html", "/a/streamed.html"
            ),
            "a/ok.html": article("正常页面", STORY),
            "a/broken.html": "x",
            "a/huge.html": huge,
            "a/streamed.html": huge,
        }
    )
    site.fail_first["/a/broken.html"] = [500, 500, 500]
    site.unsized.add("/a/streamed.html")  # no Content-Length: the limit must hold while reading
    crawl = {"retries": 2, "max_response_bytes": 20_000}
    config = write_config(tmp_path / "cfg", [source(site.base_url)], crawl=crawl)
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 0, run.stderr
    assert [doc.title for doc in run.documents] == ["正常页面"]
    assert run.source("test-news")["drops"] == {"http-404": 1, "http-500": 1, "too-large": 2}
    assert len(huge.encode()) > 20_000
    assert "http-404" in run.stderr and "too-large" in run.stderr  # the summary shows drops by reason

    site.fail_first["/a/broken.html"] = [500, 500, 500]
    again = run_crawl(config, tmp_path / "again.jsonl")
    assert "/a/missing.html" in site.requested("/a/missing.html")
    assert len(site.requested("/a/missing.html")) == 1  # a 404 is remembered, not asked again
    assert len(site.requested("/a/broken.html")) == 3 + 3  # a 5xx page is tried again next run
    assert again.documents == []


def test_malformed_empty_and_duplicate_pages(make_site, tmp_path: Path) -> None:
    malformed = (
        "<html><head><meta charset='utf-8'><title>残缺页面_测试网</title><body><h1>明川科技收到立案告知书"
        "<div class='article-content'><p>明川科技股份有限公司公告称，公司收到中国证监会立案告知书，因涉嫌信息披露违法违规"
        "<p>公司表示将积极配合调查工作，并严格履行信息披露义务。</div></span></td>"
    )
    site = make_site(
        {
            "index.html": listing(
                "/a/malformed.html", "/a/empty.html", "/a/nav.html", "/a/one.html", "/a/two.html"
            ),
            "a/malformed.html": malformed,
            "a/empty.html": "",
            "a/nav.html": "<html><body><div><a href='/'>首页</a></div></body></html>",
            "a/one.html": article("同一篇报道", STORY),
            "a/two.html": article("同一篇报道", STORY, extra="<div>相关阅读：<a href='/x'>其他</a></div>"),
        }
    )
    config = write_config(tmp_path / "cfg", [source(site.base_url)])
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 0, run.stderr
    titles = sorted(doc.title for doc in run.documents)
    assert titles == ["同一篇报道", "明川科技收到立案告知书"]
    broken = next(doc for doc in run.documents if doc.title.startswith("明川"))
    assert "立案告知书" in broken.content and "积极配合调查" in broken.content
    drops = run.source("test-news")["drops"]
    assert drops == {"duplicate-content": 1, "empty-content": 1, "empty-page": 1}


def test_misdeclared_charset_is_decoded(make_site, tmp_path: Path) -> None:
    gbk_bytes = article("安和食品召回速冻水饺", STORY).encode("gbk")  # the page says utf-8, the bytes are GBK
    site = make_site({"index.html": listing("/a/1.html"), "a/1.html": gbk_bytes})
    config = write_config(tmp_path / "cfg", [source(site.base_url)])
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert [doc.title for doc in run.documents] == ["安和食品召回速冻水饺"]
    assert run.documents[0].encoding == "gb18030" and "鸿远地产" in run.documents[0].content


def test_reprint_in_a_later_run_joins_the_earlier_cluster(make_site, tmp_path: Path) -> None:
    site = make_site({"index.html": listing("/a/orig.html"), "a/orig.html": article("原稿", STORY)})
    config = write_config(tmp_path / "cfg", [source(site.base_url)])
    first = run_crawl(config, tmp_path / "first.jsonl")
    reprint = article(
        "转载：鸿远地产付息违约",
        "（本文转载自财经快讯网）。" + STORY.replace("，", ",", 1) + "责任编辑：王五。",
    )
    (site.root / "a" / "copy.html").write_text(reprint, encoding="utf-8")
    (site.root / "index.html").write_text(listing("/a/orig.html", "/a/copy.html"), encoding="utf-8")
    second = run_crawl(config, tmp_path / "second.jsonl")
    assert [doc.title for doc in second.documents] == ["转载：鸿远地产付息违约"]
    assert second.documents[0].cluster_id == first.documents[0].id
    assert second.documents[0].id != first.documents[0].id


def test_page_budget_stops_the_run_and_the_next_run_continues(make_site, tmp_path: Path) -> None:
    pages = {f"a/p{i}.html": article(f"第{i}篇报道", distinct_story(i)) for i in range(8)}
    site = make_site({"index.html": listing(*[f"/{p}" for p in pages]), **pages})
    config = write_config(
        tmp_path / "cfg", [source(site.base_url, max_pages=4)], crawl={"concurrency_per_domain": 1}
    )
    first = run_crawl(config, tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    assert first.source("test-news")["pages"] == 1 + 4  # robots.txt, then the listing and three articles
    assert len(first.documents) == 3
    assert first.source("test-news")["deferred"] == 5
    runs = [first]
    while sum(len(r.documents) for r in runs) < 8 and len(runs) < 8:
        runs.append(run_crawl(config, tmp_path / f"run{len(runs)}.jsonl"))
    ids = [doc.id for r in runs for doc in r.documents]
    assert len(ids) == len(set(ids)) == 8


def test_private_addresses_are_refused_without_allow_private(make_site, tmp_path: Path) -> None:
    site = make_site({"index.html": listing("/a/1.html"), "a/1.html": article("内部页面", STORY)})
    internal = source(site.base_url, allow_private=False)
    metadata = source("http://169.254.169.254", name="metadata", allow_private=False)
    config = write_config(tmp_path / "cfg", [internal, metadata])
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 1  # a source that fetched nothing is reported as unreachable
    assert run.documents == []
    assert site.requests == []  # not even robots.txt was asked for
    assert run.source("test-news")["drops"] == {"private-address": 1}
    assert run.source("metadata")["drops"] == {"private-address": 1}
    assert "allow_private" in (tmp_path / "cfg" / "state" / "crawl.log").read_text(encoding="utf-8")


def test_down_server_is_reported_not_fatal(make_site, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    site = make_site({"index.html": listing("/a/1.html"), "a/1.html": article("正常页面", STORY)})
    down = source(f"http://127.0.0.1:{closed_port}", name="down-site")
    config = write_config(tmp_path / "cfg", [down, source(site.base_url)], crawl={"retries": 1})
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 1
    assert [doc.title for doc in run.documents] == ["正常页面"]  # the other source is unaffected
    assert run.source("down-site")["drops"] == {"connection-refused": 1}
    assert run.report["unreachable"] == ["down-site"]
    assert "down-site: no page could be fetched" in run.stderr


def test_killed_crawl_resumes_without_loss_or_duplicates(make_site, tmp_path: Path) -> None:
    pages = {f"a/k{i}.html": article(f"报道{i}", distinct_story(i)) for i in range(12)}
    site = make_site({"index.html": listing(*[f"/{p}" for p in pages]), **pages})
    site.delay = 0.25
    crawl = {"concurrency_per_domain": 1, "concurrent_requests": 1}
    config = write_config(tmp_path / "cfg", [source(site.base_url)], crawl=crawl)
    output = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        # Untagged, so that each document is written as it is crawled (tagging holds a batch of 32, and
        # a kill with a batch in hand is covered by the tagging sink's own tests).
        riskwatch_command(config, "crawl", "--no-progress", "--no-tag", "--output", str(output)),
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(read_documents(output)) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    partial = read_documents(output)
    assert 3 <= len(partial) < 12, "the kill should land mid-run"

    site.delay = 0
    resumed = run_crawl(config, output, "--no-tag")
    assert resumed.returncode == 0, resumed.stderr
    ids = [doc.id for doc in read_documents(output)]
    assert len(ids) == len(set(ids)) == 12
    titles = sorted(doc.title for doc in read_documents(output))
    assert titles == sorted(f"报道{i}" for i in range(12))


def test_crawl_dry_run_records_nothing(make_site, tmp_path: Path) -> None:
    """Documents with nowhere to go must not be marked seen, or a later run with --output would skip them.
    (Without --output a crawl now stores into the configured store; --dry-run is the old behaviour.)"""
    site = make_site({"index.html": listing("/a/1.html"), "a/1.html": article("鸿远地产未能按期付息", STORY)})
    config = write_config(tmp_path / "cfg", [source(site.base_url)])
    dry = subprocess.run(
        riskwatch_command(config, "crawl", "--no-progress", "--dry-run"),
        capture_output=True,
        text=True,
        env=crawl_env(),
    )
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stderr
    assert not (tmp_path / "cfg" / "data").exists()  # no store opened
    real = run_crawl(config, tmp_path / "out.jsonl")
    assert [doc.title for doc in real.documents] == ["鸿远地产未能按期付息"]
    assert len(site.requested("/a/1.html")) == 2
