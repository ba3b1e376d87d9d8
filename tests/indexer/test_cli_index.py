"""``riskwatch index`` and ``riskwatch search`` end to end through ``main()``, on a real SQLite store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawlers.items import SHANGHAI
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from riskwatch.cli import main
from riskwatch.cli_index import since_time
from tests.indexer.docs import NAMES, WATCHLIST, corpus

HONGYUAN = NAMES["hongyuan"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cfg"
    (folder / "sources").mkdir(parents=True)
    (folder / "watchlist.yaml").write_text(
        yaml.safe_dump([e.model_dump() for e in WATCHLIST], allow_unicode=True), encoding="utf-8"
    )
    main_config = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "model": "no-model",  # no model installed: documents are stored untagged
        "store": {"type": "sqlite", "path": "data/store.db", "spool_dir": "data/spool"},
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main_config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    return path


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def indexed(config: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "docs.jsonl", [doc.to_json() for doc in corpus()])
    assert main(["--config", str(config), "index", str(source)]) == 0


def test_index_stores_good_lines_and_reports_bad_ones(config: Path, tmp_path: Path, capsys) -> None:
    documents = corpus()
    raw = json.loads(documents[4].to_json())
    raw["content"] = "联系人手机13812345678"
    lines = [
        documents[0].to_json(),
        "{not json",
        documents[1].to_json(),
        json.dumps({"id": "x", "title": "no url"}),
        "[1, 2]",
        json.dumps(raw, ensure_ascii=False),
    ]
    assert main(["--config", str(config), "index", str(write_jsonl(tmp_path / "in.jsonl", lines))]) == 1
    err = capsys.readouterr().err
    for number in (2, 4, 5):
        assert f"line {number}:" in err
    assert "line 1:" not in err and "line 3:" not in err and "line 6:" not in err
    assert "3 document(s) stored" in err
    assert "masked before storing: 1 mobile in 1 document(s)" in err
    assert "no trained model" in err
    store = SqliteStore(tmp_path / "cfg" / "data" / "store.db")
    assert store.count() == 3
    assert "13812345678" not in store.get("d5").content  # type: ignore[union-attr]
    store.close()
    assert main(["--config", str(config), "index", str(tmp_path / "in.jsonl")]) == 1  # again: no duplicates
    store = SqliteStore(tmp_path / "cfg" / "data" / "store.db")
    assert store.count() == 3
    store.close()


def test_index_reads_standard_input(config: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(d.to_json() for d in corpus()) + "\n"))
    assert main(["--config", str(config), "index", "-"]) == 0
    assert "7 document(s) stored" in capsys.readouterr().err


def test_search_json_lines(config: Path, tmp_path: Path, capsys) -> None:
    indexed(config, tmp_path)
    capsys.readouterr()
    assert main(["--config", str(config), "search", "违约", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {hit["id"] for hit in hits} == {"d1", "d2"}
    for hit in hits:
        assert set(hit) >= {"id", "title", "url", "source", "published_at", "score", "entities", "sentiment"}
        assert "【违约】" in hit["snippet"]
        assert hit["entities"][0]["watchlist_id"] == "hongyuan"
        assert hit["sentiment"]["label"] == "negative"
        assert datetime.fromisoformat(hit["published_at"]).tzinfo is not None


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--entity", "hongyuan", "--sentiment", "negative"], ["d3", "d2", "d1"]),
        (["--entity", HONGYUAN, "--since", "2026-11-21"], ["d3"]),
        (["--event", "评级调整", "--source", "finance"], ["d2"]),
        (["--until", "2026-11-20T02:00:00+08:00"], ["d1"]),
        (["鸿远地产", "--limit", "2"], None),
    ],
)
def test_search_filters(config: Path, tmp_path: Path, capsys, arguments: list[str], expected) -> None:
    indexed(config, tmp_path)
    capsys.readouterr()
    assert main(["--config", str(config), "search", *arguments, "--json"]) == 0
    found = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    if expected is None:
        assert len(found) == 2
    else:
        assert found == expected


def test_search_table_shows_snippets_and_facets(config: Path, tmp_path: Path, capsys) -> None:
    indexed(config, tmp_path)
    capsys.readouterr()
    assert main(["--config", str(config), "search", "违约"]) == 0
    out = capsys.readouterr().out
    assert "2 matching document(s), 2 shown" in out and "latest first" not in out  # ranked by score
    assert "【违约】" in out
    assert f"entities in the matches: {HONGYUAN} (2)" in out
    header = next(line for line in out.splitlines() if "sentiment" in line)
    assert "score" in header


def test_a_search_without_words_shows_no_score_column(config: Path, tmp_path: Path, capsys) -> None:
    """Filters alone rank nothing (every score is 0): the table says the order and drops the column."""
    indexed(config, tmp_path)
    capsys.readouterr()
    assert main(["--config", str(config), "search", "--entity", "hongyuan", "--negative"]) == 0
    out = capsys.readouterr().out
    assert "matching document(s)" in out and "shown, latest first" in out
    header = next(line for line in out.splitlines() if "sentiment" in line)
    assert "score" not in header and "time" in header and "0.00" not in out


def test_since_accepts_relative_and_absolute_times() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI)
    assert since_time("7d", now) == now - timedelta(days=7)
    assert since_time("24h", now) == now - timedelta(hours=24)
    assert since_time("2026-11-20") == datetime(2026, 11, 20, tzinfo=SHANGHAI)


def test_bad_store_config_names_the_key(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "bad"
    (folder / "sources").mkdir(parents=True)
    (folder / "riskwatch.yaml").write_text("store: {type: solr, path: x.db}\n", encoding="utf-8")
    assert main(["--config", str(folder / "riskwatch.yaml"), "search", "x"]) == 2
    err = capsys.readouterr().err
    assert "store" in err and "sqlite" in err and "elasticsearch" in err


def test_segmenter_keeps_watched_names_whole() -> None:
    segmenter = watchlist_segmenter(WATCHLIST)
    assert "鸿远地产集团股份有限公司" in segmenter.query_tokens("鸿远地产集团股份有限公司发布公告")
    tokens = segmenter.index_tokens("鸿远地产集团股份有限公司发布公告")
    assert {"鸿远地产集团股份有限公司", "鸿远地产"} <= set(tokens)  # the alias inside the name is indexed too
