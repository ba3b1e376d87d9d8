"""One bad input: every field of the document contract is checked where documents come in, so no reader
(search, alerts, reports) meets a field of the wrong type; and commands that do not crawl need no sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp.types import TaggedDocument
from riskwatch.cli import main
from tests.reports.reportdata import EXPOSURE_CSV, REPO, fixture_documents

PERIOD_ARGS = ["--start", "2025-09-01", "--end", "2025-10-01"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config that names only a watchlist and a store: no sources folder, no rules, no model."""
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "watchlist.yaml").write_bytes((REPO / "configs" / "watchlist.yaml").read_bytes())
    main_config = {
        "watchlist": "watchlist.yaml",
        "store": {"type": "sqlite", "path": "data/store.db", "spool_dir": "data/spool"},
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main_config), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    return path


def documents_file(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def good_records() -> list[dict[str, Any]]:
    return [json.loads(doc.to_json()) for doc in fixture_documents()]


def test_store_commands_need_no_crawl_sources(config: Path, tmp_path: Path, capsys) -> None:
    """index, search, alerts and report with a config naming only watchlist and store."""
    source = documents_file(tmp_path, good_records())
    assert main(["--config", str(config), "index", "--no-tag", str(source)]) == 0
    assert main(["--config", str(config), "search", "--entity", "hongyuan", "--negative"]) == 0
    assert main(["--config", str(config), "alerts", "list"]) == 0
    exposures = tmp_path / "exposures.csv"
    exposures.write_text(EXPOSURE_CSV, encoding="utf-8")
    out = tmp_path / "out"
    report = ["report", "exposure", "--exposures", str(exposures), *PERIOD_ARGS, "--out", str(out)]
    code = main(["--config", str(config), *report])
    err = capsys.readouterr().err
    assert code == 1, err  # 1: the exposure file's bad rows, there on purpose
    assert "sources" not in err and (out / "manifest.json").exists()


def test_crawl_still_names_the_missing_sources_folder(config: Path, capsys) -> None:
    assert main(["--config", str(config), "crawl", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "config error:" in err and "sources folder not found" in err


def test_index_rejects_a_model_string_with_its_line_and_the_report_reads_the_store(
    config: Path, tmp_path: Path, capsys
) -> None:
    records = good_records()
    records[1]["model"] = "my-tagger 1"
    source = documents_file(tmp_path, records)
    assert main(["--config", str(config), "index", "--no-tag", str(source)]) == 1
    err = capsys.readouterr().err
    assert "line 2:" in err and "field 'model'" in err
    exposures = tmp_path / "exposures.csv"
    exposures.write_text("id,exposure,currency\nhongyuan,100,CNY\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["report", "exposure", "--exposures", str(exposures), *PERIOD_ARGS, "--out", str(out)]
    assert main(["--config", str(config), *args]) == 0, capsys.readouterr().err


BAD_FIELDS = [
    ("id", 7),
    ("url", None),
    ("source", ["news"]),
    ("title", None),
    ("content", {"text": "x"}),
    ("crawled_at", 1764800000),
    ("crawled_at", "yesterday"),
    ("raw_sha256", 0),
    ("author", 3),
    ("published_at", "soon"),
    ("engagement", {"replies": "3"}),
    ("engagement", {"shares": 1}),
    ("cluster_id", 1),
    ("encoding", False),
    ("extra", []),
    ("sentiment", "negative"),
    ("sentiment", {"score": 0.9}),
    ("entities", {"name": "鸿远地产"}),
    ("entities", [{"name": "鸿远地产", "negative": "yes"}]),
    ("entities", [{"name": "鸿远地产", "watchlist_id": 5}]),
    ("entities", [{"name": "鸿远地产", "mentions": [{"field": "body", "start": 0, "end": 2}]}]),
    ("entities", [{"name": "鸿远地产", "evidence": "一句话"}]),
    ("entities", [{"watchlist_id": "hongyuan"}]),
    ("events", [{"entity": "鸿远地产"}]),
    ("events", [{"type": "债务违约", "score": "high"}]),
    ("model", "my-tagger 1"),
    ("model", {"name": "m", "version": 1}),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS, ids=[f"{f}={v!r}"[:40] for f, v in BAD_FIELDS])
def test_every_field_of_the_contract_is_checked_and_named(field: str, value: Any) -> None:
    record = good_records()[0]
    record[field] = value
    with pytest.raises(ValueError, match=f"field '{field}"):
        TaggedDocument.from_dict(record)


def test_the_tagging_contract_allows_what_readers_ignore() -> None:
    """Keys a later model may add inside sentiment, entities and events are kept, not refused."""
    record = good_records()[0]
    record["sentiment"] = {"label": "negative", "score": 0.9, "scores": {"negative": 0.9}}
    record["entities"] = [
        {"name": "鸿远地产", "watchlist_id": "hongyuan", "negative": True, "role": "subject"}
    ]
    record["events"] = [{"type": "债务违约", "entity": None, "score": 1, "rule": "逾期"}]
    document = TaggedDocument.from_dict(record)
    assert document.entities[0]["role"] == "subject" and document.sentiment["scores"]["negative"] == 0.9
