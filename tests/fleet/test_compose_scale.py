"""docker-compose.yml's `scale` profile (no Docker here, so the structure is checked): Redis and a
three-node Elasticsearch cluster whose nodes find each other, talk TLS, keep their own data, publish only
on 127.0.0.1, and take their secrets from the environment."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from crawlers.fleet_config import REDIS_URL_ENV
from indexer.config import ElasticsearchStoreConfig

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
SCALE = {name: service for name, service in SERVICES.items() if "scale" in service.get("profiles", [])}
NODES = ["es01", "es02", "es03"]


def environment(service: dict) -> dict[str, str]:
    return dict(entry.partition("=")[::2] for entry in service.get("environment", []))


def test_the_scale_profile_holds_redis_and_three_nodes_only() -> None:
    assert set(SCALE) == {"redis", "es-certs", *NODES}
    unprofiled = {name for name, service in SERVICES.items() if not service.get("profiles")}
    assert unprofiled == {"elasticsearch", "kibana-password", "kibana"}  # `docker compose up` as before


def test_the_nodes_form_one_cluster() -> None:
    for name in NODES:
        env = environment(SCALE[name])
        assert env["node.name"] == name and env["cluster.name"] == "riskwatch"
        assert env["cluster.initial_master_nodes"].split(",") == NODES
        assert sorted(env["discovery.seed_hosts"].split(",")) == [n for n in NODES if n != name]
        assert "discovery.type" not in env  # not single-node
        assert SCALE[name]["image"] == SERVICES["elasticsearch"]["image"]  # one version everywhere
        assert SCALE[name]["depends_on"]["es-certs"]["condition"] == "service_completed_successfully"


def test_nodes_talk_tls_with_their_own_certificate_and_keep_their_own_data() -> None:
    data_volumes = []
    for name in NODES:
        env = environment(SCALE[name])
        assert env["xpack.security.enabled"] == "true"
        assert env["xpack.security.transport.ssl.enabled"] == "true"
        assert env["xpack.security.transport.ssl.certificate"] == f"certs/{name}/{name}.crt"
        assert env["xpack.security.transport.ssl.key"] == f"certs/{name}/{name}.key"
        assert f"name: {name}" in SCALE["es-certs"]["command"]  # es-certs makes that certificate
        volumes = SCALE[name]["volumes"]
        assert "escerts:/usr/share/elasticsearch/config/certs" in volumes
        data_volumes += [v.split(":")[0] for v in volumes if v.endswith("/usr/share/elasticsearch/data")]
    assert sorted(data_volumes) == ["es01data", "es02data", "es03data"]
    assert set(data_volumes) <= set(COMPOSE["volumes"])


def test_ports_are_loopback_and_secrets_come_from_the_environment() -> None:
    published = {name: service.get("ports", []) for name, service in SCALE.items()}
    assert published["redis"] == ["127.0.0.1:6379:6379"] and published["es01"] == ["127.0.0.1:9201:9200"]
    assert not any(published[name] for name in ("es02", "es03", "es-certs"))
    for name in NODES:
        assert re.fullmatch(r"\$\{ELASTIC_PASSWORD:\?[^}]+\}", environment(SCALE[name])["ELASTIC_PASSWORD"])
    command = SCALE["redis"]["command"]
    assert command[command.index("--requirepass") + 1] == "${REDIS_PASSWORD:?set REDIS_PASSWORD}"
    assert "--appendonly" in command  # streams and leases survive a restart


def test_the_header_commands_match_the_services_and_the_store_config() -> None:
    header = (ROOT / "docker-compose.yml").read_text(encoding="utf-8").split("\nname:", 1)[0]
    assert "docker compose --profile scale up -d redis es01 es02 es03" in header
    assert f"{REDIS_URL_ENV}=redis://:$REDIS_PASSWORD@127.0.0.1:6379/0" in header
    url = re.search(r"store\.url: (\S+),", header).group(1)  # type: ignore[union-attr]
    store = ElasticsearchStoreConfig(type="elasticsearch", url=url, replicas=1)
    assert store.url.endswith(published_port("es01"))


def published_port(service: str) -> str:
    return SERVICES[service]["ports"][0].rsplit(":", 1)[0].split(":", 1)[1]
