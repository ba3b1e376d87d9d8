"""Commands run from a folder outside the repository, with no config file there: ``tag`` needs only the
model (the shipped one, said on stderr); the others say where a config is looked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.labels import SENTIMENT_LABELS
from riskwatch.cli import main
from riskwatch.config import CONFIG_ENV


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_tag_without_a_config_uses_the_shipped_model(elsewhere: Path, capsys) -> None:
    source = elsewhere / "in.jsonl"
    record = {
        "id": "1",
        "title": "鸿远地产债券未能按期付息",
        "content": "鸿远地产集团公告称公司债券未能按期付息。",
    }
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    output = elsewhere / "out.jsonl"
    code = main(["tag", "--input", str(source), "--output", str(output), "--inference", "torch"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "no config file" in err and "the shipped model" in err and "riskwatch-zh-mini" in err
    tagged = json.loads(output.read_text(encoding="utf-8"))
    assert tagged["sentiment"]["label"] in SENTIMENT_LABELS and tagged["model"]["name"] == "riskwatch-zh-mini"


def test_a_store_command_without_a_config_says_where_one_is_looked_for(elsewhere: Path, capsys) -> None:
    assert main(["search", "违约"]) == 2
    err = capsys.readouterr().err
    assert "configs/riskwatch.yaml: file not found" in err
    assert "--config" in err and CONFIG_ENV in err


def test_a_named_config_that_is_missing_is_still_an_error_for_tag(elsewhere: Path, capsys) -> None:
    code = main(["--config", "nowhere.yaml", "tag", "--input", "-", "--output", "-"])
    assert code == 2 and "nowhere.yaml: file not found" in capsys.readouterr().err
