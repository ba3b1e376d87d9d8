"""The ``store:`` section: defaults, paths resolved against the config's folder, errors that name the key;
and the demo's index step, tagged or not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rich.console import Console

from crawlers.errors import ConfigError
from indexer.config import ElasticsearchStoreConfig, SqliteStoreConfig
from indexer.factory import open_store
from indexer.sqlite import SqliteStore
from riskwatch.config import load_config
from riskwatch.demo.index_step import index_step
from riskwatch.demo.stages import DemoContext
from tests.indexer.docs import WATCHLIST, corpus, make_doc


def config_file(folder: Path, store: object | None) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "watchlist.yaml").write_text(
        yaml.safe_dump([e.model_dump() for e in WATCHLIST], allow_unicode=True), encoding="utf-8"
    )
    settings: dict[str, object] = {"sources": "sources", "watchlist": "watchlist.yaml"}
    if store is not None:
        settings["store"] = store
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def test_default_is_sqlite_next_to_the_config(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path / "cfg", None))
    store = config.main.store
    assert isinstance(store, SqliteStoreConfig)
    assert store.path == (tmp_path / "cfg" / "data" / "riskwatch.db").resolve()
    assert store.spool_dir == (tmp_path / "cfg" / "data" / "spool").resolve()
    assert store.masking.enabled and store.synchronous == "normal"


def test_type_may_be_left_out_and_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path / "cfg", {"path": "../db/x.db", "masking": {"mobile": False}}))
    assert config.main.store.path == (tmp_path / "db" / "x.db").resolve()  # type: ignore[union-attr]
    assert config.main.store.masking.mobile is False
    opened = open_store(config.main.store, config.watchlist)
    assert isinstance(opened, SqliteStore) and (tmp_path / "db" / "x.db").exists()
    opened.close()


def test_elasticsearch_section(tmp_path: Path) -> None:
    section = {
        "type": "elasticsearch",
        "url": "https://es.bank.internal:9200",
        "username_env": "RISKWATCH_ES_USER",
        "password_env": "RISKWATCH_ES_PASSWORD",
        "ca_certs": "certs/ca.pem",
    }
    store = load_config(config_file(tmp_path / "cfg", section)).main.store
    assert isinstance(store, ElasticsearchStoreConfig)
    assert store.index_prefix == "riskwatch" and store.verify_certs is True
    assert store.ca_certs == (tmp_path / "cfg" / "certs" / "ca.pem").resolve()


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ({"type": "solr"}, "store", ["sqlite", "elasticsearch"]),
        ({"type": "sqlite", "bogus": 1}, "bogus", ["unknown key"]),
        ({"type": "elasticsearch"}, "url", ["required"]),
        ({"type": "elasticsearch", "url": "es:9200"}, "url", ["http"]),
        ({"type": "elasticsearch", "url": "http://x", "password": "secret"}, "password", ["unknown key"]),
        ({"type": "elasticsearch", "url": "https://elastic:s3cret@es:9200"}, "url", ["username_env"]),
        ({"masking": {"mobile": "yes"}}, "masking.mobile", ["bool"]),
        ({"synchronous": "off"}, "synchronous", ["normal", "full"]),
    ],
)
def test_bad_store_sections_name_the_key(tmp_path: Path, section: dict, key: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(config_file(tmp_path / "cfg", section))
    message = str(error.value)
    assert key in message and "riskwatch.yaml" in message
    assert all(word in message for word in words), message


@pytest.mark.parametrize("tagged", [True, False])
def test_demo_index_step(tmp_path: Path, tagged: bool) -> None:
    documents = (
        corpus() if tagged else [make_doc(d.id, d.title, d.content, at=d.published_at) for d in corpus()]
    )
    path = tmp_path / "documents.jsonl"
    path.write_text("".join(doc.to_json() + "\n" for doc in documents), encoding="utf-8")
    config = load_config(config_file(tmp_path / "cfg", None))
    console = Console(record=True, width=200)
    context = DemoContext(config=config, console=console, workdir=tmp_path / "demo", documents=path)
    assert index_step(context)
    store = SqliteStore(context.shared["store_path"])
    assert store.count() == 7
    store.close()
    out = console.export_text()
    assert "indexed 7 document(s)" in out
    assert ("--entity hongyuan --negative" in out) is tagged
    assert "【违约】" in out
