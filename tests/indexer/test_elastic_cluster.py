"""The store's cluster settings (README "Running at scale"): shards and replicas in the index template,
bulk size and retries from the config, checked on a real server; bad values are config errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.errors import ConfigError
from indexer.config import ElasticsearchStoreConfig
from indexer.elastic import ElasticStore
from riskwatch.config import load_config
from tests.indexer.es_docs import BASE, tagged
from tests.indexer.es_support import drop_prefix, fresh_prefix
from tests.indexer.test_store_config import config_file


def _flat(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"index": {"number_of_shards": "3"}}`` and ``{"number_of_shards": 3}`` alike → ``{"number_of_shards": "3"}``."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict) and key == "index":
            flat |= _flat(value)
        else:
            flat[key.removeprefix("index.")] = str(value)
    return flat


def test_shards_replicas_and_bulk_size_come_from_the_config(es_settings: dict[str, Any]) -> None:
    config = ElasticsearchStoreConfig(
        type="elasticsearch", url=es_settings["url"], index_prefix=fresh_prefix(),
        shards=3, replicas=2, bulk_chunk=7, bulk_retries=1, max_retries=0, request_timeout=10,
    )  # fmt: skip
    store = ElasticStore.from_config(config, **{k: v for k, v in es_settings.items() if k != "url"})
    try:
        assert (store.shards, store.replicas, store.bulk_chunk, store.bulk_retries) == (3, 2, 7, 1)
        documents = [tagged(f"doc{n}", when=BASE + timedelta(hours=n)) for n in range(20)]
        assert store.put(documents) == 20  # three bulk requests of at most seven documents
        assert store.count() == 20
        template = store.client.indices.get_index_template(name=config.index_prefix)["index_templates"][0]
        settings = _flat(template["index_template"]["template"]["settings"])
        assert settings["number_of_shards"] == "3" and settings["number_of_replicas"] == "2"
    finally:
        store.close()
        drop_prefix(es_settings, config.index_prefix)


def test_defaults_keep_one_shard_and_one_replica(tmp_path: Path) -> None:
    store = load_config(
        config_file(tmp_path, {"type": "elasticsearch", "url": "http://127.0.0.1:9200"})
    ).main.store
    assert isinstance(store, ElasticsearchStoreConfig)
    assert (store.shards, store.replicas, store.bulk_chunk, store.bulk_retries) == (1, 1, 500, 3)


@pytest.mark.parametrize(
    ("key", "value"), [("shards", 0), ("replicas", -1), ("bulk_chunk", 0), ("request_timeout", 0)]
)
def test_a_bad_cluster_setting_names_its_key(tmp_path: Path, key: str, value: int) -> None:
    path = config_file(tmp_path, {"type": "elasticsearch", "url": "http://127.0.0.1:9200", key: value})
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.key == f"store.elasticsearch.{key}" and error.value.path == path
