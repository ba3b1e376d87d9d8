"""One test per broken key: each error names the file, the key and (where there are some) the valid choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.errors import ConfigError
from riskwatch.alerting import alerting_config
from riskwatch.config import load_config
from tests.alerts.support import write_alerting

GOOD_RULE = {"name": "vol", "type": "threshold", "window": "24h", "min_count": 3, "channels": ["out"]}
FILE = {"out": {"type": "file", "path": "outbox"}}


def rule_error(tmp_path: Path, **changes: Any) -> ConfigError:
    rule = {**GOOD_RULE, **changes}
    rule = {k: v for k, v in rule.items() if v is not None}
    with pytest.raises(ConfigError) as caught:
        write_alerting(tmp_path, [rule], FILE)
    assert caught.value.path == tmp_path / "rules" / f"{rule['name']}.yaml"
    return caught.value


def channel_error(tmp_path: Path, channel: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        write_alerting(tmp_path, [{**GOOD_RULE, "channels": ["x"]}], {"x": channel})
    assert caught.value.path == tmp_path / "riskwatch.yaml"
    return caught.value


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        (
            {"type": "treshold"},
            "type",
            "unknown rule type 'treshold' (valid: event, ratio, spike, threshold)",
        ),
        ({"type": None}, "type", "required key is missing (valid: event, ratio, spike, threshold)"),
        ({"window": None}, "window", "required key is missing"),
        ({"window": "24 hours"}, "window", "not a duration: '24 hours'"),
        ({"window": 24}, "window", "a duration is text such as 24h or 7d, got 24"),
        ({"severity": "urgent"}, "severity", "'low', 'medium', 'high' or 'critical'"),
        ({"count": "articles"}, "count", "'documents' or 'stories'"),
        ({"min_count": 0}, "min_count", "greater than or equal to 1"),
        ({"min_count": "5"}, "min_count", "valid integer"),
        ({"channels": []}, "channels", "at least 1 item"),
        ({"channels": ["risk-email"]}, "channels[0]", "unknown channel 'risk-email' (configured: out)"),
        ({"entities": ["hongyuan", "nobody"]}, "entities[1]", "unknown entity 'nobody': not a watchlist id"),
        (
            {"entities": {"tags": ["banking"]}},
            "entities.tags[0]",
            "no watchlist entity has the tag 'banking' (tags in use: consumer, real-estate, technology)",
        ),
        ({"entities": "some"}, "entities", "must be 'all', a list of watchlist ids or {tags: [...]}"),
        ({"realert": "soon"}, "realert", "not a duration"),
        ({"colour": "red"}, "colour", "unknown key (valid keys: "),
        ({"name": "bad name"}, "name", "should match pattern"),
    ],
)
def test_broken_rule_key(tmp_path: Path, changes: dict, key: str, message: str) -> None:
    error = rule_error(tmp_path, **changes)
    assert error.key == key
    assert message in error.message


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"baseline": "36h"}, None, "baseline (1 day, 12:00:00) must be a whole number of windows"),
        ({"baseline": None}, "baseline", "required key is missing"),
        ({"ratio": 1}, "ratio", "greater than 1"),
    ],
)
def test_broken_spike_key(tmp_path: Path, changes: dict, key: str | None, message: str) -> None:
    spike = {"type": "spike", "baseline": "7d", "ratio": 3, **changes}
    error = rule_error(tmp_path, **spike)
    assert error.key == key and message in error.message


def test_ratio_out_of_range(tmp_path: Path) -> None:
    error = rule_error(tmp_path, type="ratio", min_ratio=1.5, min_docs=5, min_count=None)
    assert error.key == "min_ratio" and "less than or equal to 1" in error.message


def test_unknown_event_type(tmp_path: Path) -> None:
    error = rule_error(tmp_path, type="event", event_types=["债务违约", "天降横祸"], min_count=None)
    assert error.key == "event_types" and "unknown event type(s) 天降横祸 (valid: " in error.message
    assert "立案调查" in error.message


def test_duplicate_rule_names(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(yaml.safe_dump(GOOD_RULE), "utf-8")
    with pytest.raises(ConfigError) as caught:
        write_alerting(tmp_path, [GOOD_RULE], FILE)  # writes rules/vol.yaml, the same name again
    assert caught.value.key == "name" and "duplicate rule name 'vol'" in caught.value.message


@pytest.mark.parametrize(
    ("channel", "key", "message"),
    [
        (
            {"type": "sms"},
            "channels.x.type",
            "unknown channel type 'sms' (valid: dingtalk, email, feishu, file, webhook, wecom)",
        ),
        ({"url": "http://x"}, "channels.x.type", "required key is missing (valid: "),
        ({"type": "dingtalk"}, "channels.x", "give exactly one of url or url_env"),
        (
            {"type": "dingtalk", "url": "http://a", "url_env": "B"},
            "channels.x",
            "give exactly one of url or url_env",
        ),
        ({"type": "webhook", "url": "ftp://a"}, "channels.x", "url must start with http:// or https://"),
        (
            {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=0123abcd"},
            "channels.x",
            "url carries a credential (query parameter 'access_token'): put the whole URL in an environment",
        ),
        (
            {"type": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?KEY=693a91f6"},
            "channels.x",
            "query parameter 'KEY'",
        ),
        (
            {"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/2d8e-44f1"},
            "channels.x",
            "robot token in the path",
        ),
        (
            {"type": "webhook", "url": "https://ops:hunter2@hooks.bank.example/alerts"},
            "channels.x",
            "(password)",
        ),
        ({"type": "dingtalk", "url_env": "lower-case-not-ok"}, "channels.x.url_env", "should match pattern"),
        ({"type": "dingtalk", "url_env": "A", "secret": "SEC123"}, "channels.x.secret", "unknown key"),
        (
            {"type": "email", "host": "h", "from": "a@b.c", "to": ["d@e.f"], "ssl": True, "starttls": True},
            "channels.x",
            "ssl and starttls exclude each other",
        ),
        ({"type": "email", "host": "h", "to": ["d@e.f"]}, "channels.x.from", "required key is missing"),
        (
            {"type": "email", "host": "h", "from": "a@b.c", "to": ["d@e.f"], "port": 70000},
            "channels.x.port",
            "less than or equal to 65535",
        ),
        (
            {"type": "email", "host": "h", "from": "a@b.c", "to": ["d@e.f"], "username_env": "U"},
            "channels.x",
            "give both username_env and password_env",
        ),
        (
            {"type": "wecom", "url": "http://a", "rate_limit": {"messages": 0}},
            "channels.x.rate_limit.messages",
            "greater than or equal to 1",
        ),
        ({"type": "file"}, "channels.x.path", "required key is missing"),
        ("just-a-string", "channels.x", "a channel is a mapping with a type"),
    ],
)
def test_broken_channel_key(tmp_path: Path, channel: Any, key: str, message: str) -> None:
    error = channel_error(tmp_path, channel)
    assert error.key == key and message in error.message


def write_main(tmp_path: Path, extra: dict[str, Any]) -> Path:
    (tmp_path / "sources").mkdir(parents=True, exist_ok=True)
    (tmp_path / "sources" / "news.yaml").write_text(
        yaml.safe_dump(
            {"name": "news", "kind": "news", "start_urls": ["http://127.0.0.1:9/"], "article": ["/a/"]}
        ),
        "utf-8",
    )
    path = tmp_path / "riskwatch.yaml"
    path.write_text(
        yaml.safe_dump({"sources": "sources", "state_dir": "state", **extra}, allow_unicode=True), "utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ({"alerts": {"evaluate_every": "often"}}, "alerts.evaluate_every", "not a duration"),
        (
            {"alerts": {"kibana_url": "kibana:5601"}},
            "alerts.kibana_url",
            "must start with http:// or https://",
        ),
        (
            {"alerts": {"outbox": {"max_attempts": 0}}},
            "alerts.outbox.max_attempts",
            "greater than or equal to 1",
        ),
        (
            {"schedule": {"crawl": {"every": "30m", "cron": "* * * * *"}}},
            "schedule.crawl",
            "give exactly one of every",
        ),
        (
            {"schedule": {"sources": {"news": {"cron": "every monday"}}}},
            "schedule.sources.news",
            "not a crontab expression",
        ),
        ({"channels": ["a"]}, "channels", "valid dictionary"),
    ],
)
def test_broken_main_config_key(tmp_path: Path, extra: dict, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_main(tmp_path, extra))
    assert caught.value.path == tmp_path / "riskwatch.yaml"
    assert caught.value.key == key and message in caught.value.message


def test_rules_folder_named_but_missing(tmp_path: Path) -> None:
    config = load_config(write_main(tmp_path, {"rules": "my-rules"}))
    with pytest.raises(ConfigError, match="rules folder not found"):
        alerting_config(config)


def test_rules_folder_by_default_is_optional(tmp_path: Path) -> None:
    assert alerting_config(load_config(write_main(tmp_path, {}))).rules == []


def test_the_shipped_config_loads(tmp_path: Path) -> None:
    config = alerting_config(load_config(Path(__file__).parents[2] / "configs" / "riskwatch.yaml"))
    assert {rule.type_name for rule in config.rules} == {"threshold", "spike", "ratio", "event"}
    assert all(rule.options.channels == ["local-outbox"] for rule in config.rules)
    assert config.channels["local-outbox"].type == "file"
