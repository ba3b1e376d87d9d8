"""Broken config files: each mistake is a ConfigError that names the file and the key at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.errors import ConfigError
from riskwatch.cli import main
from riskwatch.config import CONFIG_ENV, load_config
from tests.conftest import write_config

GOOD_SOURCE: dict[str, Any] = {
    "name": "news-a",
    "kind": "news",
    "start_urls": ["https://news.example.com/"],
    "article": [r"/a/\d+\.html"],
}


def source(**changes: Any) -> dict[str, Any]:
    """The good source with some keys changed (a value of ``None`` removes the key)."""
    merged = {**GOOD_SOURCE, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def config_error(path: Path) -> ConfigError:
    """Load ``path`` and return the ConfigError it must raise."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def assert_names(error: ConfigError, file: Path, key: str | None) -> str:
    """The error's path, key and message name the file and the key; returns the message."""
    message = str(error)
    assert error.path is not None and error.path.resolve() == file.resolve(), message
    assert str(file.resolve()) in message or str(file) in message, message
    if key is not None:
        assert error.key == key, message
        assert f"key '{key}'" in message, message
    return message


def write_source_file(folder: Path, filename: str, data: dict[str, Any]) -> Path:
    path = folder / "sources" / filename
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_good_config_loads(tmp_path: Path) -> None:
    """The baseline every broken case starts from is itself valid."""
    config = load_config(write_config(tmp_path, [GOOD_SOURCE]))
    assert [s.name for s in config.sources] == ["news-a"]


def test_missing_main_file(tmp_path: Path) -> None:
    """A config path that does not exist names that path."""
    missing = tmp_path / "nowhere" / "riskwatch.yaml"
    message = assert_names(config_error(missing), missing, None)
    assert "file not found" in message


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    """Unparsable YAML names the file and the line of the problem."""
    path = write_config(tmp_path, [GOOD_SOURCE])
    path.write_text("sources: sources\ncrawl:\n  retries: [1\n  timeout: 3\n", encoding="utf-8")
    message = assert_names(config_error(path), path, None)
    assert "invalid YAML" in message
    assert "line 4" in message


def test_unknown_key_in_main_file(tmp_path: Path) -> None:
    """A misspelt top-level key is named and the valid keys are listed."""
    path = write_config(tmp_path, [GOOD_SOURCE])
    path.write_text("sources: sources\nsourcez: other\n", encoding="utf-8")
    message = assert_names(config_error(path), path, "sourcez")
    assert "unknown key" in message
    listed = set(message.split("valid keys: ")[1].rstrip(")").split(", "))
    assert {"crawl", "model", "sources", "state_dir", "store", "watchlist"} <= listed  # later stages add more


def test_unknown_key_in_crawl_section(tmp_path: Path) -> None:
    """A misspelt crawl option is named with its section."""
    path = write_config(tmp_path, [GOOD_SOURCE], crawl={"retrys": 3})
    message = assert_names(config_error(path), path, "crawl.retrys")
    assert "unknown key" in message


def test_wrong_type_in_crawl_section(tmp_path: Path) -> None:
    """``retries: many`` is refused as not an integer."""
    path = write_config(tmp_path, [GOOD_SOURCE], crawl={"retries": "many"})
    message = assert_names(config_error(path), path, "crawl.retries")
    assert "integer" in message


def test_boolean_for_integer_option_is_refused(tmp_path: Path) -> None:
    """``retries: true`` is a type mistake, not 1 retry (StrictModel: values are not coerced)."""
    path = write_config(tmp_path, [GOOD_SOURCE], crawl={"retries": True})
    assert_names(config_error(path), path, "crawl.retries")


def test_out_of_range_value(tmp_path: Path) -> None:
    """A negative retry count is refused with the bound in the message."""
    path = write_config(tmp_path, [GOOD_SOURCE], crawl={"retries": -1})
    message = assert_names(config_error(path), path, "crawl.retries")
    assert "greater than or equal to 0" in message


def test_missing_sources_folder(tmp_path: Path) -> None:
    """A sources folder that does not exist is named (resolved next to the config file)."""
    path = write_config(tmp_path, [GOOD_SOURCE])
    path.write_text("sources: nowhere\n", encoding="utf-8")
    error = config_error(path)
    assert error.path == tmp_path.resolve() / "nowhere"
    assert "sources folder not found" in str(error)
    assert str(tmp_path.resolve() / "nowhere") in str(error)


def test_source_with_unknown_key(tmp_path: Path) -> None:
    """An unknown key in a source file names the source file and the key."""
    path = write_config(tmp_path, [source(colour="red")])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "colour")
    assert "unknown key" in message and "start_urls" in message


def test_source_missing_name(tmp_path: Path) -> None:
    """A source without ``name`` says the required key is missing."""
    path = write_config(tmp_path, [])
    bad = write_source_file(tmp_path, "unnamed.yaml", source(name=None))
    message = assert_names(config_error(path), bad, "name")
    assert "required key is missing" in message


def test_source_bad_kind_lists_choices(tmp_path: Path) -> None:
    """``kind: blog`` is refused and the valid kinds are listed."""
    path = write_config(tmp_path, [source(kind="blog")])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "kind")
    assert "'news'" in message and "'forum'" in message


def test_source_bad_regex_names_list_index(tmp_path: Path) -> None:
    """A broken second article pattern is reported as key ``article[1]`` with the pattern."""
    path = write_config(tmp_path, [source(article=[r"/a/\d+", r"/b/(\d+"])])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "article[1]")
    assert "invalid regular expression" in message
    assert "/b/(" in message


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("h1.title", "must start with 'css:' or 'xpath:'"),
        ("jquery:h1", "must start with 'css:' or 'xpath:'"),
        ("css:", "must start with 'css:' or 'xpath:'"),
        ("css:h1[[", "invalid css selector"),
        ("xpath://div[", "invalid xpath selector"),
    ],
)
def test_source_bad_selector(tmp_path: Path, selector: str, expected: str) -> None:
    """A selector without a css:/xpath: prefix, or one that does not compile, names its field."""
    path = write_config(tmp_path, [source(selectors={"title": selector})])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "selectors.title")
    assert expected in message


def test_source_ftp_start_url(tmp_path: Path) -> None:
    """Only http(s) start URLs are accepted; the index of the bad one is named."""
    path = write_config(
        tmp_path, [source(start_urls=["https://news.example.com/", "ftp://news.example.com/pub/"])]
    )
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "start_urls[1]")
    assert "not an http(s) URL" in message and "ftp://news.example.com/pub/" in message


def test_source_search_without_query_placeholder(tmp_path: Path) -> None:
    """A search template must contain {query}."""
    path = write_config(tmp_path, [source(start_urls=None, search="https://s.example.com/?q=bank")])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "search")
    assert "{query}" in message


def test_source_unknown_encoding(tmp_path: Path) -> None:
    """An encoding Python does not know is refused by name."""
    path = write_config(tmp_path, [source(encoding="gbkk")])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "encoding")
    assert "unknown encoding 'gbkk'" in message


def test_source_without_entry_points(tmp_path: Path) -> None:
    """A source with no start URL, feed or search says so."""
    path = write_config(tmp_path, [source(start_urls=None)])
    error = config_error(path)
    assert_names(error, tmp_path / "sources" / "news-a.yaml", None)
    assert "start_urls, feeds or search" in str(error)


def test_duplicate_source_names_across_files(tmp_path: Path) -> None:
    """Two files declaring one name: the second file is named, and the first is mentioned."""
    path = write_config(tmp_path, [GOOD_SOURCE])
    second = write_source_file(tmp_path, "zz-copy.yaml", GOOD_SOURCE)
    message = assert_names(config_error(path), second, "name")
    assert "duplicate source name" in message
    assert str(tmp_path.resolve() / "sources" / "news-a.yaml") in message


def test_unknown_spider(tmp_path: Path) -> None:
    """An unknown spider is named and the available ones listed."""
    path = write_config(tmp_path, [source(spider="nope")])
    message = assert_names(config_error(path), tmp_path / "sources" / "news-a.yaml", "spider")
    assert "'nope'" in message and "site" in message


def test_watchlist_row_missing_name(tmp_path: Path) -> None:
    """An entity without ``name`` in row 2 names the watchlist file, the row and the key."""
    path = write_config(
        tmp_path,
        [GOOD_SOURCE],
        watchlist=[{"id": "jia", "name": "甲公司"}, {"id": "yi", "aliases": ["乙"]}],
    )
    message = assert_names(config_error(path), tmp_path / "watchlist.yaml", "name")
    assert "row 2" in message


def test_watchlist_duplicate_id(tmp_path: Path) -> None:
    """A repeated entity id is an error naming its row."""
    path = write_config(
        tmp_path, [GOOD_SOURCE], watchlist=[{"id": "jia", "name": "甲公司"}, {"id": "jia", "name": "乙"}]
    )
    message = assert_names(config_error(path), tmp_path / "watchlist.yaml", "id")
    assert "row 2" in message and "duplicate id 'jia'" in message


def test_relative_paths_resolve_against_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sources, watchlist and state_dir are read next to the config file, whatever the cwd."""
    folder = tmp_path / "deploy" / "configs"
    path = write_config(folder, [GOOD_SOURCE], watchlist=[{"id": "jia", "name": "甲公司", "aliases": ["甲"]}])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(Path("..") / "deploy" / "configs" / "riskwatch.yaml")
    assert config.path == path.resolve()
    assert config.main.sources == folder.resolve() / "sources"
    assert config.main.watchlist == folder.resolve() / "watchlist.yaml"
    assert config.state_dir == folder.resolve() / "state"
    assert [s.name for s in config.sources] == ["news-a"]
    assert config.search_queries() == ["甲公司", "甲"]


def test_environment_variable_selects_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit path, RISKWATCH_CONFIG picks the file."""
    path = write_config(tmp_path / "cfg", [GOOD_SOURCE])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config().path == path.resolve()


def test_explicit_path_beats_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit path wins over RISKWATCH_CONFIG (here pointing at a missing file)."""
    path = write_config(tmp_path / "cfg", [GOOD_SOURCE])
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.yaml"))
    assert load_config(path).path == path.resolve()
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        load_config()


def squeeze(text: str) -> str:
    """Text without whitespace, so console line-wrapping cannot split what a test looks for."""
    return "".join(text.split())


def test_cli_reports_config_error_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`riskwatch --config BAD sources` exits 2 and prints the bad file and key on stderr."""
    monkeypatch.setenv("COLUMNS", "400")
    bad = write_config(tmp_path, [source(kind="blog")])
    assert main(["--config", str(bad), "sources"]) == 2
    err = capsys.readouterr().err
    assert "config error" in err
    assert squeeze(str(tmp_path.resolve() / "sources" / "news-a.yaml")) in squeeze(err)
    assert "key 'kind'" in err


def test_cli_uses_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`riskwatch sources` with RISKWATCH_CONFIG set loads that file and lists its sources."""
    monkeypatch.setenv("COLUMNS", "400")
    path = write_config(tmp_path / "cfg", [GOOD_SOURCE])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert main(["sources"]) == 0
    err = capsys.readouterr().err
    assert "news-a" in err
    assert "https://news.example.com/" in err
