"""One huge document cannot stall or exhaust a run: crawl, tag and index cut a text longer than
``max_content_chars`` and record the cut (original length) in the document, never dropping it silently."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from crawlers.items import Document
from crawlers.limits import MAX_TITLE_CHARS, bound_document, bound_record
from indexer.sqlite import SqliteStore
from riskwatch.cli import main
from tests.conftest import FaultySite, read_documents, run_crawl, write_config
from tests.reports.reportdata import fixture_documents
from tests.test_crawl_faults import STORY, article, listing, source

LIMIT = 1_000
LONG = STORY * 200  # about 30,000 characters


def with_limit(config: Path, limit: int = LIMIT, **more: object) -> Path:
    main_config = yaml.safe_load(config.read_text("utf-8"))
    main_config.update(max_content_chars=limit, **more)
    config.write_text(yaml.safe_dump(main_config, allow_unicode=True), encoding="utf-8")
    return config


def test_bound_record_cuts_and_records_the_original_length() -> None:
    record = {"id": "1", "title": "标" * (MAX_TITLE_CHARS + 5), "content": "字" * 5_000}
    cuts = bound_record(record, 2_000)
    assert len(record["content"]) == 2_000 and len(record["title"]) == MAX_TITLE_CHARS
    assert (
        record["extra"]["truncated"]
        == cuts
        == {
            "title": {"original_chars": MAX_TITLE_CHARS + 5, "kept_chars": MAX_TITLE_CHARS},
            "content": {"original_chars": 5_000, "kept_chars": 2_000},
        }
    )
    bound_record(record, 1_500)  # cut again with a smaller bound: the first original length stays
    assert record["extra"]["truncated"]["content"] == {"original_chars": 5_000, "kept_chars": 1_500}
    short = {"id": "2", "title": "t", "content": "c"}
    assert bound_record(short, 2_000) == {} and "extra" not in short


def test_bound_document_keeps_other_extra_keys() -> None:
    document: Document = fixture_documents()[0]
    document.content, document.extra = "字" * 3_000, {"masked": {"mobile": 1}}
    assert bound_document(document, LIMIT)
    assert len(document.content) == LIMIT and document.extra["masked"] == {"mobile": 1}
    assert document.extra["truncated"]["content"]["original_chars"] == 3_000


def test_a_max_content_chars_below_the_floor_is_a_config_error(tmp_path: Path, capsys) -> None:
    config = tmp_path / "riskwatch.yaml"
    config.write_text("max_content_chars: 10\n", encoding="utf-8")
    assert main(["--config", str(config), "search", "x"]) == 2
    err = capsys.readouterr().err
    assert "max_content_chars" in err and "riskwatch.yaml" in err


def test_index_cuts_and_says_so(tmp_path: Path, capsys) -> None:
    (tmp_path / "riskwatch.yaml").write_text("{}", encoding="utf-8")
    store = {"type": "sqlite", "path": "store.db", "spool_dir": "spool"}
    config = with_limit(tmp_path / "riskwatch.yaml", store=store)
    records = [json.loads(doc.to_json()) for doc in fixture_documents()[:2]]
    records[0]["content"] = LONG
    source_file = tmp_path / "docs.jsonl"
    source_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    assert main(["--config", str(config), "index", "--no-tag", str(source_file)]) == 0
    assert "1 document(s) longer than max_content_chars (1,000) were cut" in capsys.readouterr().err
    opened = SqliteStore(tmp_path / "store.db")
    stored = opened.get(records[0]["id"])
    opened.close()
    assert stored is not None and len(stored.content) == LIMIT
    assert stored.extra["truncated"]["content"] == {"original_chars": len(LONG), "kept_chars": LIMIT}


def test_tag_cuts_before_the_model_reads(tmp_path: Path, capsys) -> None:
    (tmp_path / "riskwatch.yaml").write_text("{}", encoding="utf-8")
    config = with_limit(tmp_path / "riskwatch.yaml")
    source_file = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "title": "鸿远地产公告", "content": LONG},
        {"id": "b", "title": "短", "content": STORY},
    ]
    source_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    output = tmp_path / "out.jsonl"
    args = ["tag", "--input", str(source_file), "--output", str(output), "--inference", "torch"]
    assert main(["--config", str(config), *args]) == 0
    err = capsys.readouterr().err
    assert f"line 1: content cut from {len(LONG):,} to 1,000 characters" in err
    first, second = (json.loads(line) for line in output.read_text("utf-8").splitlines())
    assert len(first["content"]) == LIMIT and first["sentiment"]["label"]
    assert first["extra"]["truncated"]["content"]["original_chars"] == len(LONG)
    assert "extra" not in second and second["content"] == STORY


def test_crawl_cuts_a_huge_page_and_counts_it(make_site: Callable[..., FaultySite], tmp_path: Path) -> None:
    site = make_site(
        {
            "index.html": listing("/a/huge.html", "/a/small.html"),
            "a/huge.html": article("鸿远地产公告全文", LONG),
            "a/small.html": article("鸿远地产简讯", STORY),
        }
    )
    config = with_limit(write_config(tmp_path / "cfg", [source(site.base_url)]))
    run = run_crawl(config, tmp_path / "out.jsonl", "--no-tag")
    assert run.returncode == 0, run.stderr
    documents = {doc.title: doc for doc in read_documents(tmp_path / "out.jsonl")}
    huge, small = documents["鸿远地产公告全文"], documents["鸿远地产简讯"]
    assert len(huge.content) == LIMIT and huge.extra["truncated"]["content"]["original_chars"] > 20_000
    assert "truncated" not in small.extra
    assert run.source("test-news")["truncated"] == 1
    assert "1 document(s) longer than max_content_chars were cut" in run.stderr


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
