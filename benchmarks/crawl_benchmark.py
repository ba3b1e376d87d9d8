"""Crawl throughput: pages per minute through riskwatch's spider (extraction, dedupe, reprint check, JSONL
sink) against a local site, beside ``scrapy bench`` run in the same command on the same machine.

    .venv/bin/python benchmarks/crawl_benchmark.py [--articles 1500] [--bench-seconds 20]

Target (issue 2): riskwatch ≥ 0.5 × scrapy bench's pages/minute. Both crawlers get politeness off
(no delays, no AutoThrottle, no robots.txt) and the site runs in its own process, as scrapy bench's does.
Run it alone: a second heavy process on this 2-core machine slows either side 2–6×.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PARAGRAPH = (
    "{company}今日发布公告称，公司第{n}号事项涉及金额约{amount}亿元，相关工作正在推进中。"
    "公告显示，受行业周期与融资环境变化影响，公司短期经营承压，管理层表示将通过处置资产、压降负债等方式改善现金流。"
    "分析人士指出，{company}后续仍需关注债务到期安排与项目交付进度，投资者应理性看待股价波动。"
)
COMPANIES = ["鸿远地产", "明川科技", "安和食品", "星海新能源", "江屿银行", "北辰证券", "东临保险", "小蜂出行"]
BOILERPLATE_TOP = (
    "<div class='nav'>" + " ".join(f"<a href='/c{i}/'>频道{i}</a>" for i in range(30)) + "</div>"
    "<div class='breadcrumb'>首页 &gt; 财经 &gt; 公司</div>"
)
BOILERPLATE_BOTTOM = (
    "<div class='share'>分享到：微信 微博 QQ空间</div>"
    "<div class='related'><h3>相关阅读</h3>"
    + "".join(f"<p><a href='/x/{i}.html'>相关新闻标题第{i}条</a></p>" for i in range(10))
    + "</div><div class='comments'><h3>网友评论</h3><p>网友A：说得对</p><p>网友B：观望</p></div>"
    "<div class='footer'>关于我们 | 联系我们 | 版权所有 财经测试网 | 京ICP备00000000号</div>"
)


def write_site(root: Path, articles: int, per_listing: int = 50) -> None:
    for n in range(articles):
        company = COMPANIES[n % len(COMPANIES)]
        body = "".join(
            f"<p>{PARAGRAPH.format(company=company, n=n * 7 + k, amount=n % 97 + k)}</p>" for k in range(4)
        )
        page = (
            f"<html><head><meta charset='utf-8'><title>{company}公告第{n}号_财经测试网</title></head><body>"
            f"{BOILERPLATE_TOP}<h1>{company}公告第{n}号事项进展</h1>"
            f"<div class='info'>2025-09-02 {n % 24:02d}:{n % 60:02d} 来源：财经测试网 作者：记者{n % 13}</div>"
            f"<div class='article-content'>{body}</div>{BOILERPLATE_BOTTOM}</body></html>"
        )
        target = root / "a" / f"{n}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    listings = (articles + per_listing - 1) // per_listing
    for index in range(listings):
        links = "".join(
            f"<li><a href='/a/{n}.html'>公告{n}</a></li>"
            for n in range(index * per_listing, min(articles, (index + 1) * per_listing))
        )
        nxt = f"<a href='/list_{index + 1}.html'>下一页</a>" if index + 1 < listings else ""
        name = "index.html" if index == 0 else f"list_{index}.html"
        (root / name).write_text(
            f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul>{nxt}</body></html>",
            encoding="utf-8",
        )


def serve(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The site in its own process (as scrapy bench serves its own), on a free port of 127.0.0.1."""
    code = (
        "import sys; from pathlib import Path; from riskwatch.demo.server import SiteServer; "
        "s = SiteServer(Path(sys.argv[1])); print(s.server_address[1], flush=True); s.serve_forever()"
    )
    process = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, cwd=REPO)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def run_scrapy_bench(seconds: int) -> dict[str, float]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "bench",
            "-s",
            f"CLOSESPIDER_TIMEOUT={seconds}",
            "-s",
            "LOG_LEVEL=INFO",
        ],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        timeout=seconds + 120,
    )
    log = completed.stderr
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))  # type: ignore[union-attr]
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log).group(1))  # type: ignore[union-attr]
    return {"pages": pages, "seconds": elapsed, "pages_per_minute": pages / elapsed * 60}


def run_riskwatch(base_url: str, workdir: Path) -> dict[str, float]:
    config_dir = workdir / "cfg"
    (config_dir / "sources").mkdir(parents=True)
    source = {
        "name": "bench",
        "kind": "news",
        "start_urls": [f"{base_url}/index.html"],
        "follow": [r"/list_\d+\.html"],
        "article": [r"/a/\d+\.html"],
        "allow_private": True,
        "obey_robots": False,
    }
    (config_dir / "sources" / "bench.yaml").write_text(yaml.safe_dump(source), encoding="utf-8")
    crawl = {
        "autothrottle": False,
        "download_delay": 0,
        "concurrent_requests": 16,
        "concurrency_per_domain": 16,
        "max_pages": 1_000_000,
        "log_level": "ERROR",
    }
    main = {"sources": "sources", "state_dir": "state", "crawl": crawl}
    (config_dir / "riskwatch.yaml").write_text(yaml.safe_dump(main), encoding="utf-8")
    report_path = workdir / "report.json"
    command = [
        sys.executable, "-m", "riskwatch", "--config", str(config_dir / "riskwatch.yaml"), "crawl",
        "--no-progress", "--output", str(workdir / "out.jsonl"), "--report", str(report_path),
    ]  # fmt: skip
    subprocess.run(
        command, check=True, cwd=REPO, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))["sources"][0]
    return {
        "pages": report["pages"],
        "documents": report["stored"],
        "seconds": report["elapsed_seconds"],
        "pages_per_minute": report["pages"] / report["elapsed_seconds"] * 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--bench-seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        write_site(workdir / "site", args.articles)
        server, base_url = serve(workdir / "site")
        try:
            time.sleep(0.5)
            ours = run_riskwatch(base_url, workdir)
        finally:
            server.terminate()
            server.wait()
        bench = run_scrapy_bench(args.bench_seconds)
    ratio = ours["pages_per_minute"] / bench["pages_per_minute"]
    result = {"riskwatch": ours, "scrapy_bench": bench, "ratio": round(ratio, 3), "target": 0.5}
    print(json.dumps(result, indent=2))
    print(
        f"riskwatch {ours['pages_per_minute']:.0f} pages/min ({ours['documents']} documents) vs "
        f"scrapy bench {bench['pages_per_minute']:.0f} pages/min: ratio {ratio:.2f} "
        f"({'meets' if ratio >= 0.5 else 'misses'} the 0.5 target)"
    )


if __name__ == "__main__":
    main()
