"""``riskwatch index`` and ``riskwatch search`` with ``store: {type: elasticsearch}`` in the config, against
osmem-server: the whole path config → factory → spool → ElasticStore → CLI output, including an outage."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import yaml

from riskwatch.cli import main
from tests.indexer.es_docs import entity, random_corpus, tagged
from tests.indexer.es_support import OsmemProcess, drop_prefix, fresh_prefix


def _config(folder: Path, url: str, prefix: str) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    store = {"type": "elasticsearch", "url": url, "index_prefix": prefix, "spool_dir": "spool"}
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump({"sources": "sources", "store": store}), encoding="utf-8")
    return path


def _write(path: Path, documents) -> Path:
    path.write_text("".join(doc.to_json() + "\n" for doc in documents), encoding="utf-8")
    return path


def _search(config: Path, capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "search", *args, "--json", "--limit", "100"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_index_then_search_through_the_config(osmem_process: OsmemProcess, tmp_path: Path, capsys) -> None:
    prefix = fresh_prefix()
    config = _config(tmp_path, osmem_process.url, prefix)
    special = tagged("cli-1", entities=[entity("E1", "鸿远地产", True)], cluster_id="story-9")
    documents = _write(tmp_path / "docs.jsonl", [special, *random_corpus(30, entities=4)])
    try:
        assert main(["--config", str(config), "index", str(documents)]) == 0
        assert (
            f"31 document(s) stored in Elasticsearch {osmem_process.url} ({prefix}-*)"
            in capsys.readouterr().err
        )
        hits = _search(config, capsys, "兑付", "--entity", "E1", "--sentiment", "negative")
        assert "cli-1" in {hit["id"] for hit in hits}
        first = next(hit for hit in hits if hit["id"] == "cli-1")
        assert first["entities"][0]["watchlist_id"] == "E1" and first["sentiment"]["label"] == "negative"
        assert all("【兑付】" in hit.get("snippet", "【兑付】") for hit in hits)
    finally:
        drop_prefix({"url": osmem_process.url}, prefix)


def test_outage_spools_then_the_next_run_replays(tmp_path: Path, capsys) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = OsmemProcess()
    server.port = port
    prefix = fresh_prefix()
    config = _config(tmp_path, server.url, prefix)
    documents = _write(tmp_path / "docs.jsonl", random_corpus(40, entities=4))
    try:
        assert main(["--config", str(config), "index", str(documents)]) == 0  # nothing listens: spooled
        assert "40 document(s) went to the spool" in capsys.readouterr().err
        server.start()
        assert main(["--config", str(config), "index", str(_write(tmp_path / "none.jsonl", []))]) == 0
        assert len(_search(config, capsys)) == 40  # replayed when the store opened
        assert main(["--config", str(config), "index", str(documents)]) == 0  # again: replaced, not added
        assert len(_search(config, capsys)) == 40
    finally:
        server.stop()
