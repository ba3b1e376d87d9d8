"""Golden pages crawled over real HTTP: each page's title, body, time and counts match expected.json."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES, run_crawl, write_config

PAGES = FIXTURES / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
CRAWL_TIME = "2025-09-03T12:00:00+08:00"  # the expected relative dates (3小时前, 昨天 10:20) count from here


def golden_site_files() -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {f"pages/{name}": (PAGES / name).read_bytes() for name in EXPECTED}
    links = "".join(f'<li><a href="/pages/{name}">{name}</a></li>' for name in EXPECTED)
    files["index.html"] = f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul></body></html>"
    return files


def test_golden_pages_extract_as_expected(make_site, tmp_path: Path) -> None:
    site = make_site(golden_site_files())
    forum_pages = [name for name, exp in EXPECTED.items() if exp["kind"] == "forum"]
    sources = [
        {
            "name": "golden-news",
            "kind": "news",
            "start_urls": [f"{site.base_url}/index.html"],
            "article": [rf"/pages/(?!{'|'.join(forum_pages)})\w+\.html"],
            "allow_private": True,
        },
        {
            "name": "golden-forum",
            "kind": "forum",
            "start_urls": [f"{site.base_url}/index.html"],
            "article": [rf"/pages/({'|'.join(forum_pages)})"],
            "allow_private": True,
        },
    ]
    config = write_config(tmp_path / "cfg", sources)
    run = run_crawl(config, tmp_path / "out.jsonl", "--now", CRAWL_TIME)
    assert run.returncode == 0, run.stderr
    by_page = {doc.url.rsplit("/", 1)[-1]: doc for doc in run.documents}
    assert sorted(by_page) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        doc = by_page[name]
        assert doc.kind == expected["kind"], name
        assert doc.title == expected["title"], name
        assert doc.published_at is not None and doc.published_at.isoformat() == expected["published_at"], name
        for sentence in expected["content_contains"]:
            assert sentence in doc.content, (name, sentence)
        for boilerplate in expected["content_excludes"]:
            assert boilerplate not in doc.content, (name, boilerplate)
        assert doc.author == expected["author"], name
        counts = (
            None
            if doc.engagement is None
            else {k: v for k, v in vars(doc.engagement).items() if v is not None}
        )
        assert counts == expected["engagement"], name
        assert "\ufffd" not in doc.content, name
        assert doc.source == ("golden-forum" if name in forum_pages else "golden-news")
        assert len(doc.raw_sha256) == 64 and doc.crawled_at.isoformat() == CRAWL_TIME
