"""The optional full stack: ``docker-compose.yml`` and the README's Elasticsearch set-up agree with each
other and with the store config. No Docker here, so the stack itself is not started (see the real-cluster
contract run, gated on ``RISKWATCH_TEST_ES_URL``); these checks catch the drift a user would hit first."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from indexer.config import ElasticsearchStoreConfig
from riskwatch.config import load_config
from tests.indexer.test_store_config import config_file

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Elasticsearch and Kibana (optional)", 1)[1].split("\n## ", 1)[0]


def test_every_published_port_is_bound_to_loopback() -> None:
    published = [
        (name, port) for name, service in COMPOSE["services"].items() for port in service.get("ports", [])
    ]
    assert {name for name, _ in published} == {
        "elasticsearch",
        "kibana",
        "redis",
        "es01",
    }  # es01: profile scale
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_no_secret_is_written_into_the_compose_file() -> None:
    for name, service in COMPOSE["services"].items():
        for entry in service.get("environment", []):
            key, _, value = entry.partition("=")
            if "PASSWORD" in key:
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", value), (
                    f"{name}: {key} is not a required ${{VAR}}"
                )


def test_elasticsearch_and_kibana_run_the_same_version() -> None:
    images = {
        name: service["image"]
        for name, service in COMPOSE["services"].items()
        if "elastic" in service["image"]
    }
    tags = {image.split(":", 1)[1] for image in images.values()}
    assert len(tags) == 1, images
    default = re.fullmatch(r"\$\{ES_VERSION:-(\d+)\.\d+\.\d+\}", tags.pop())
    assert default and int(default.group(1)) in (8, 9)  # the versions the README promises


def test_the_readme_store_section_loads_and_points_at_the_compose_ports(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(store:\n.*?)```", SECTION, re.S)
    assert block, "the README's Elasticsearch section lost its store: example"
    store = yaml.safe_load(block.group(1))["store"]
    config = load_config(config_file(tmp_path, store)).main.store
    assert isinstance(config, ElasticsearchStoreConfig)
    # "127.0.0.1:9200:9200" → the address on this machine, 127.0.0.1:9200
    es_address, kibana_address = (
        COMPOSE["services"][name]["ports"][0].rsplit(":", 1)[0] for name in ("elasticsearch", "kibana")
    )
    assert config.url.rstrip("/") == f"http://{es_address}"
    assert f"kibana import --url http://{kibana_address}" in SECTION
    # the variables the README exports are the ones that config names
    for variable in (config.username_env, config.password_env):
        assert f"export {variable}=" in SECTION or f" {variable}=" in SECTION, variable
