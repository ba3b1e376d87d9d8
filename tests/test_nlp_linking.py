"""Watchlist loading and entity linking: aliases, suffixes, widths, longest match, word boundaries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawlers.errors import ConfigError
from nlp.linking import EntityLinker
from nlp.text import alias_variants, has_cjk, normalise, strip_company_suffix
from nlp.watchlist import WatchedEntity, load_watchlist
from tests.conftest import REPO

CMB = WatchedEntity(
    id="cmb", name="招商银行股份有限公司", aliases=["招商银行", "招行", "600036", "03968.HK", "CMB"]
)
CITIC_SEC = WatchedEntity(id="citic-sec", name="中信证券股份有限公司", aliases=["中信证券"])
ANXIN = WatchedEntity(id="anxin", name="安信证券股份有限公司", aliases=["安信"])
HONGYUAN = WatchedEntity(id="hongyuan", name="鸿远地产集团股份有限公司", aliases=["鸿远地产", "鸿远置业"])


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker([CMB, CITIC_SEC, ANXIN, HONGYUAN])


def found(linker: EntityLinker, text: str) -> list[tuple[str, str]]:
    return [(entity_id, mention.text) for entity_id, mention in linker.find(text)]


def test_normalise_keeps_offsets_and_folds_width_and_case() -> None:
    text = "ＣＭＢ与招行（６０００３６）"
    assert normalise(text) == "cmb与招行(600036)"
    assert len(normalise(text)) == len(text)


def test_company_suffixes_are_stripped_into_extra_aliases() -> None:
    assert strip_company_suffix("鸿远地产集团股份有限公司") == "鸿远地产"
    assert strip_company_suffix("小蜂出行") == "小蜂出行"
    assert alias_variants(["鸿远集团"]) == {"鸿远集团"}  # 鸿远 alone would be too short to be specific
    assert "招商银行" in alias_variants(["招商银行股份有限公司"])


def test_full_name_short_name_ticker_and_english_name_all_link(linker: EntityLinker) -> None:
    text = "招商银行股份有限公司（600036）公告；招行与ＣＭＢ信用卡中心"
    assert found(linker, text) == [
        ("cmb", "招商银行股份有限公司"),
        ("cmb", "600036"),
        ("cmb", "招行"),
        ("cmb", "ＣＭＢ"),
    ]


def test_mentions_point_into_the_original_text(linker: EntityLinker) -> None:
    text = "据悉，ＣＭＢ今日发布公告"
    ((_, mention),) = linker.find(text, "title")
    assert (mention.field, mention.start, mention.end) == ("title", 3, 6)
    assert text[mention.start : mention.end] == "ＣＭＢ"


def test_alias_inside_a_longer_unrelated_word_does_not_fire(linker: EntityLinker) -> None:
    assert found(linker, "平安信托发布年报") == []  # 安信 sits across 平安|信托
    assert found(linker, "代码16000361与CMBX不是招行的") == [("cmb", "招行")]


def test_longest_match_wins(linker: EntityLinker) -> None:
    assert found(linker, "中信证券股份有限公司发布公告") == [("citic-sec", "中信证券股份有限公司")]


def test_former_names_link_to_the_same_entity(linker: EntityLinker) -> None:
    linked = linker.link("鸿远置业更名", "鸿远地产集团股份有限公司原名鸿远置业")
    assert [le.entity.id for le in linked] == ["hongyuan"]
    assert [(m.field, m.text) for m in linked[0].mentions] == [
        ("title", "鸿远置业"),
        ("content", "鸿远地产集团股份有限公司"),
        ("content", "鸿远置业"),
    ]


def test_segmenting_only_the_runs_around_candidates_agrees_with_segmenting_the_whole_text(
    linker: EntityLinker,
) -> None:
    """The linker segments only the Han/ASCII runs that hold a candidate's ends; at every candidate end it
    must find the boundaries a cut of the whole text finds (random texts of aliases, words that swallow
    them, digits, Latin, punctuation and whitespace)."""
    pieces = [
        *linker.aliases,
        "平安信托",
        "中信建投",
        "招行业务",
        "鸿远地产商",
        "公告",
        "今日",
        "ABC",
        "12",
        "，",
        "。",
        "(",
        ")",
        " ",
        "\r\n",
        "\n",
        "-",
        "%",
        "证券",
        "银行",
        "安信用",
    ]
    rng = random.Random(3)
    checked = 0
    for _ in range(300):
        text = normalise("".join(rng.choice(pieces) for _ in range(rng.randint(1, 25))))
        whole = {0}
        position = 0
        for token in linker.tokenizer.cut(text, HMM=False):
            position += len(token)
            whole.add(position)
        candidates = [c for c in linker._candidates(text) if has_cjk(c.alias)]
        near = linker._boundaries_near(text, candidates)
        for candidate in candidates:
            for end in (candidate.start, candidate.end):
                assert (end in near) == (end in whole), (text, candidate)
                checked += 1
    assert checked > 500


def test_user_dictionary_lists_chinese_aliases(linker: EntityLinker, tmp_path: Path) -> None:
    path = tmp_path / "userdict.txt"
    linker.write_user_dict(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "招行 100000 nt" in lines and "鸿远地产 100000 nt" in lines
    assert not any(line.startswith("600036") for line in lines)


def test_demo_watchlist_loads_and_links_demo_text() -> None:
    entities = load_watchlist(REPO / "configs" / "watchlist.yaml")
    linked = EntityLinker(entities).link("", "601999今日停牌；明川科技被立案；蜂鸟科技回应押金问题")
    assert [le.entity.id for le in linked] == ["hongyuan", "mingchuan", "xiaofeng"]


def test_csv_watchlist(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.csv"
    path.write_text(
        "id,name,aliases,type,parent,tags\n"
        "cmb,招商银行股份有限公司,招商银行;招行;600036|03968.HK,counterparty,,bank;listed\n"
        "cmb-card,招商银行信用卡中心,掌上生活,brand,cmb,\n",
        encoding="utf-8",
    )
    cmb, card = load_watchlist(path)
    assert cmb.aliases == ["招商银行", "招行", "600036", "03968.HK"] and cmb.tags == ["bank", "listed"]
    assert card.type == "brand" and card.parent == "cmb"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,name\ncmb,招商银行\ncmb,招行\n", "row 2: duplicate id 'cmb' (also row 1)"),
        ("id,name,type\ncmb,招商银行,bank\n", "row 1: Input should be 'counterparty' or 'brand'"),
        ("id,name\n,招商银行\n", "row 1:"),
        ("id,name,colour\ncmb,招商银行,red\n", "CSV header must use the columns"),
    ],
)
def test_bad_csv_rows_name_the_row(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "watchlist.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_watchlist(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_bad_yaml_row_names_row_and_key(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text("- {id: a, name: 甲公司}\n- {id: b, name: 乙公司, colour: red}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'colour': row 2: unknown key"):
        load_watchlist(path)
