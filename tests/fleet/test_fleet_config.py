"""The fleet's config (errors name file and key; the environment's URL wins), the embedded default without
Redis, and the fleet-wide per-host delay on a real Redis."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from scrapy import Request
from scrapy.http import Response

from crawlers.errors import ConfigError
from crawlers.fleet_config import REDIS_URL_ENV, FleetOptions
from crawlers.fleet_politeness import LEASE_KEY, FleetPolitenessMiddleware
from riskwatch.config import load_config
from tests.conftest import crawl_env, riskwatch_command, write_config
from tests.fleet.conftest import RedisServer


def config_with(folder: Path, fleet: object) -> Path:
    path = write_config(folder, [])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["fleet"] = fleet
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fleet", "message"),
    [
        ({"redis_url": "redis://:secret@10.0.0.5:6379/0"}, "must not carry a password"),
        ({"redis_url": "http://10.0.0.5:6379"}, "not a Redis URL"),
        ({"claim_idle": 0}, "greater than 0"),
        ({"tag_batch": 0}, "greater than or equal to 1"),
        ({"leader_lease": "15s"}, "number"),
        ({"key_prefix": "a b"}, "pattern"),
    ],
)
def test_a_bad_fleet_setting_names_its_key(tmp_path: Path, fleet: dict, message: str) -> None:
    path = config_with(tmp_path, fleet)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.path == path and error.value.key == f"fleet.{next(iter(fleet))}"
    assert message in error.value.message


def test_the_environment_url_wins_and_may_hold_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    options = FleetOptions(redis_url="redis://10.0.0.5:6379/0")
    monkeypatch.delenv(REDIS_URL_ENV, raising=False)
    assert options.url() == "redis://10.0.0.5:6379/0"
    monkeypatch.setenv(REDIS_URL_ENV, "rediss://:secret@10.0.0.6:6380/1")
    assert options.url() == "rediss://:secret@10.0.0.6:6380/1"
    assert FleetOptions().key("crawl", "seen") == "riskwatch:crawl:seen"


def test_a_worker_without_redis_is_a_config_error(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, [{"name": "s", "kind": "news", "start_urls": ["http://127.0.0.1:9/"], "article": ["x"]}]
    )
    env = {key: value for key, value in crawl_env().items() if key != REDIS_URL_ENV}
    done = subprocess.run(
        riskwatch_command(path, "crawl", "--worker", "--no-progress"), capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and REDIS_URL_ENV in done.stderr


def test_requests_to_one_host_are_spaced_across_workers(redis_server: RedisServer) -> None:
    options = FleetOptions()
    workers = [FleetPolitenessMiddleware(redis_server.client(), options, delay=0.5) for _ in range(2)]
    waits = [workers[n % 2].wait_for_slot("news.example.com") for n in range(6)]
    # Six requests from two workers: each waits one more delay than the one before, whichever worker asks.
    for number, wait in enumerate(waits):
        assert number * 0.5 - 0.05 <= wait <= number * 0.5 + 0.05, waits
    assert workers[0].wait_for_slot("other.example.com") < 0.05  # another host has its own slot


def test_a_host_serves_at_most_its_concurrency_across_workers(redis_server: RedisServer) -> None:
    options = FleetOptions()
    workers = [
        FleetPolitenessMiddleware(redis_server.client(), options, 0, concurrency=2, timeout=0.5)
        for _ in range(2)
    ]
    assert workers[0].take_place("news.example.com", "a1") and workers[1].take_place("news.example.com", "b1")
    assert not workers[0].take_place("news.example.com", "a2")  # two at once, whichever worker asks
    assert workers[1].take_place("other.example.com", "b2")  # another host has its own places
    request = Request("https://news.example.com/1.html", meta={LEASE_KEY: "b1"})
    workers[1].give_back(request)  # a response came back: its place is free again
    assert workers[0].take_place("news.example.com", "a2")
    assert not workers[0].take_place("news.example.com", "a3")
    time.sleep(0.6)  # a killed worker never gives its lease back: it runs out
    assert workers[0].take_place("news.example.com", "a3")


def test_a_request_waits_for_a_free_place(redis_server: RedisServer) -> None:
    middleware = FleetPolitenessMiddleware(redis_server.client(), FleetOptions(), 0, concurrency=1, timeout=5)
    first, second = Request("https://a.example.com/1"), Request("https://a.example.com/2")

    async def crawl() -> float:
        await middleware.process_request(first)
        waiting = asyncio.ensure_future(middleware.process_request(second))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the host's one place is taken
        started = time.monotonic()
        middleware.process_response(first, Response(first.url))
        await waiting
        return time.monotonic() - started

    assert asyncio.run(crawl()) < 0.3  # it went as soon as the first gave its place back
    assert LEASE_KEY in second.meta and LEASE_KEY not in first.meta
