"""``riskwatch alerts check --at`` / ``list`` / ``ack`` / ``resolve`` against a real store and config."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from riskwatch.cli import main
from tests.alerts.support import AT, WATCHLIST, doc, hours
from tests.conftest import crawl_env, riskwatch_command


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "news.yaml").write_text(
        yaml.safe_dump(
            {"name": "news", "kind": "news", "start_urls": ["http://127.0.0.1:9/"], "article": ["/a/"]}
        ),
        "utf-8",
    )
    (tmp_path / "watchlist.yaml").write_text(
        yaml.safe_dump([e.model_dump() for e in WATCHLIST], allow_unicode=True), "utf-8"
    )
    (tmp_path / "rules").mkdir()
    rule = {"name": "vol", "type": "threshold", "window": "24h", "min_count": 2, "channels": ["out"]}
    (tmp_path / "rules" / "vol.yaml").write_text(yaml.safe_dump(rule), "utf-8")
    main_config = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "store": {"type": "sqlite", "path": "store.db", "spool_dir": "spool"},
        "rules": "rules",
        "channels": {"out": {"type": "file", "path": "outbox"}},
    }
    path = tmp_path / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main_config), "utf-8")
    store = SqliteStore(tmp_path / "store.db", segmenter=watchlist_segmenter(WATCHLIST))
    store.put(
        [doc("hongyuan", AT - hours(1)), doc("hongyuan", AT - hours(2)), doc("mingchuan", AT - hours(1))]
    )
    store.close()
    return path


def outbox(config: Path) -> list[dict]:
    path = config.parent / "outbox" / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def listed(config: Path, capsys: pytest.CaptureFixture, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "alerts", "list", "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_check_at_an_instant_from_the_command_line(config: Path) -> None:
    done = subprocess.run(
        riskwatch_command(config, "alerts", "check", "--at", AT.isoformat()),
        capture_output=True,
        text=True,
        timeout=120,
        env=crawl_env(),
        cwd=config.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "1 opened" in done.stderr and "delivered 1 message(s)" in done.stderr
    (message,) = outbox(config)
    assert message["notices"][0]["entity_id"] == "hongyuan"
    assert message["subject"] == "【风险预警·中】鸿远地产集团股份有限公司（hongyuan）：负面数量阈值（vol）"
    assert (config.parent / "state" / "alerts.db").exists()  # under state_dir by default


def test_list_ack_resolve(config: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--config", str(config), "alerts", "check", "--at", "2026-11-24T12:00:00"]) == 0
    (alert,) = listed(config, capsys)
    assert (alert["entity_id"], alert["state"], alert["figure"], alert["threshold"]) == (
        "hongyuan",
        "open",
        2,
        2,
    )
    assert alert["deliveries"][0]["channel"] == "out" and alert["deliveries"][0]["status"] == "sent"
    assert main(["--config", str(config), "alerts", "ack", str(alert["id"])]) == 0
    assert listed(config, capsys, "--state", "open") == []
    assert [a["state"] for a in listed(config, capsys, "--state", "acknowledged")] == ["acknowledged"]
    assert main(["--config", str(config), "alerts", "resolve", str(alert["id"])]) == 0
    (resolved,) = listed(config, capsys)
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "manual")
    assert (
        main(["--config", str(config), "alerts", "ack", str(alert["id"])]) == 2
    )  # resolved: not acknowledgeable
    assert main(["--config", str(config), "alerts", "resolve", "999"]) == 2
    assert "no alert with id 999" in capsys.readouterr().err
    assert main(["--config", str(config), "alerts", "list"]) == 0  # the table renders


def test_check_reports_a_failed_delivery_with_exit_1(config: Path, capsys: pytest.CaptureFixture) -> None:
    text = (
        config.read_text("utf-8")
        .replace("type: file", "type: webhook")
        .replace("path: outbox", "url: http://127.0.0.1:9/x")
    )
    config.write_text(text, "utf-8")
    assert main(["--config", str(config), "alerts", "check", "--at", AT.isoformat()]) == 1
    assert "channel out: delivery 1 failed" in capsys.readouterr().err


def test_a_config_error_exits_2_naming_the_key(config: Path, capsys: pytest.CaptureFixture) -> None:
    rule = config.parent / "rules" / "vol.yaml"
    rule.write_text(rule.read_text("utf-8").replace("threshold", "treshold"), "utf-8")
    assert main(["--config", str(config), "alerts", "check"]) == 2
    assert "vol.yaml: key 'type': unknown rule type 'treshold'" in capsys.readouterr().err
