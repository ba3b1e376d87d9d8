"""``riskwatch report exposure`` and ``riskwatch report verify`` through ``main()``: files, messages naming
the file and row, and the exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from indexer.sqlite import SqliteStore
from reports.manifest import MANIFEST
from riskwatch.cli import main
from tests.reports.reportdata import EXPOSURE_CSV, REPO, fixture_documents

PERIOD_ARGS = ["--start", "2025-09-01", "--end", "2025-10-01"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cfg"
    (folder / "sources").mkdir(parents=True)
    (folder / "watchlist.yaml").write_bytes((REPO / "configs" / "watchlist.yaml").read_bytes())
    main_config = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "model": "no-model",
        "store": {"type": "sqlite", "path": "data/store.db", "spool_dir": "data/spool"},
    }
    path = folder / "riskwatch.yaml"
    path.write_text(yaml.safe_dump(main_config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    return path


@pytest.fixture
def store(config: Path) -> Path:
    path = config.parent / "data" / "store.db"
    store = SqliteStore(path)
    store.put(fixture_documents())
    store.close()
    return path


def exposures(tmp_path: Path, text: str = EXPOSURE_CSV, name: str = "exposures.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def report(config: Path, *args: str) -> int:
    return main(["--config", str(config), "report", "exposure", *args])


def test_report_with_bad_rows_writes_everything_and_exits_1(
    config: Path, store: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    code = report(config, "--exposures", str(exposures(tmp_path)), *PERIOD_ARGS, "--out", str(out))
    err = capsys.readouterr().err
    assert code == 1
    names = {p.name for p in out.iterdir()}
    assert names == {
        "exposure-20250901-20251001.xlsx",
        "exposure-20250901-20251001.pdf",
        "exposure-20250901-20251001-chart.png",
        MANIFEST,
    }
    assert "exposures.csv, row 7: amount '12abc' is not a number" in err
    assert "exposures.csv, row 8: amount '-5' is negative" in err
    assert "unmatched, row 6: 青石矿业有限公司" in err
    assert "鸿远地产集团股份有限公司 (hongyuan)" in err
    assert "no alert state at" in err  # the config's state_dir has no alerts.db


def test_clean_file_and_one_format_exit_0(config: Path, store: Path, tmp_path: Path, capsys) -> None:
    clean = exposures(tmp_path, "id,exposure,currency\nhongyuan,100,USD\nanhe,700,CNY\n", "clean.csv")
    out = tmp_path / "out"
    code = report(
        config,
        "--exposures",
        str(clean),
        *PERIOD_ARGS,
        "--out",
        str(out),
        "--format",
        "xlsx",
        "--fx",
        "USD=7",
    )
    assert code == 0, capsys.readouterr().err
    assert {p.suffix for p in out.iterdir()} == {".xlsx", ".json"}
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert [entry["file"] for entry in manifest["files"]] == ["exposure-20250901-20251001.xlsx"]
    assert main(["--config", str(config), "report", "verify", str(out)]) == 0
    (out / "exposure-20250901-20251001.xlsx").write_bytes(b"changed")
    assert main(["--config", str(config), "report", "verify", str(out)]) == 1
    assert "SHA-256 differs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--end", "2025-09-01", "--start", "2025-10-01"], "must be after --start"),
        ([*PERIOD_ARGS, "--format", "docx"], "--format: unknown docx"),
        ([*PERIOD_ARGS, "--fx", "USD=-1"], "bad option"),
    ],
)
def test_bad_arguments_exit_2(
    config: Path, store: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    code = report(config, "--exposures", str(exposures(tmp_path)), "--out", str(tmp_path / "out"), *args)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unusable_exposure_file_names_it_and_exits_2(
    config: Path, store: Path, tmp_path: Path, capsys
) -> None:
    missing = tmp_path / "nope.csv"
    assert report(config, "--exposures", str(missing), *PERIOD_ARGS, "--out", str(tmp_path / "o")) == 2
    assert f"{missing}: file not found" in capsys.readouterr().err
    headerless = exposures(tmp_path, "name,rating\n安和食品,A\n", "headerless.csv")
    assert report(config, "--exposures", str(headerless), *PERIOD_ARGS, "--out", str(tmp_path / "o")) == 2
    assert "headerless.csv: the header needs an exposure amount column" in capsys.readouterr().err


def test_no_store_exits_2_and_says_what_to_do(config: Path, tmp_path: Path, capsys) -> None:
    assert (
        report(config, "--exposures", str(exposures(tmp_path)), *PERIOD_ARGS, "--out", str(tmp_path / "o"))
        == 2
    )
    err = capsys.readouterr().err
    assert "no store at" in err and "riskwatch index" in err
    assert not (config.parent / "data" / "store.db").exists()  # not created by asking


def test_bad_date_is_a_usage_error(config: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        report(config, "--exposures", "x.csv", "--start", "September", "--end", "2025-10-01", "--out", "o")
    assert exited.value.code == 2
