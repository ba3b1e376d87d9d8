"""Keyword rules for risk events, tied to the watched entity in the same sentence."""

from __future__ import annotations

import re

import pytest

from nlp.event_rules import find_rule_events, load_rules
from nlp.linking import EntityLinker
from nlp.text import split_sentences
from nlp.watchlist import WatchedEntity

ENTITIES = [
    WatchedEntity(id="hongyuan", name="鸿远地产集团股份有限公司", aliases=["鸿远地产"]),
    WatchedEntity(id="mingchuan", name="明川科技股份有限公司", aliases=["明川科技"]),
    WatchedEntity(id="xinghai", name="星海新能源股份有限公司", aliases=["星海新能源"]),
    WatchedEntity(id="anhe", name="安和食品股份有限公司", aliases=["安和食品"]),
]
LINKER = EntityLinker(ENTITIES)


def events(text: str) -> set[tuple[str, str | None]]:
    mentions = [(entity_id, m.start, m.end) for entity_id, m in LINKER.find(text)]
    return {(event.type, event.entity_id) for event in find_rule_events(text, mentions)}


def test_split_sentences_keeps_offsets() -> None:
    text = "第一句。第二句！\n第三句；最后没有句号"
    spans = split_sentences(text)
    assert [text[s:e].strip() for s, e in spans] == ["第一句。", "第二句！", "第三句；", "最后没有句号"]
    assert spans[0] == (0, 4) and spans[-1][1] == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("鸿远地产公告称，公司未能按期兑付债券利息，拟整体展期一年。", {("债务违约", "hongyuan")}),
        ("明川科技收到中国证监会立案告知书。", {("立案调查", "mingchuan")}),
        ("评级机构将鸿远地产主体信用等级下调至A，展望负面。", {("评级下调", "hongyuan")}),
        ("法院裁定受理鸿远地产破产清算申请。", {("破产清算", "hongyuan")}),
        ("鸿远地产被列为失信被执行人。", {("失信被执行", "hongyuan")}),
        ("明川科技因信息披露违规被处以罚款60万元。", {("行政处罚", "mingchuan")}),
        ("星海新能源持股5%以上股东拟减持不超过2%股份。", {("股东减持", "xinghai")}),
        ("明川科技董事长因个人原因辞职。", {("高管变动", "mingchuan")}),
        ("安和食品部分批次速冻水饺检出致病菌，公司宣布召回。", {("安全事故", "anhe")}),
        ("鸿远地产控股股东所持股份被司法冻结。", {("股权冻结", "hongyuan")}),
        ("明川科技收到深交所问询函。", {("监管问询", "mingchuan")}),
    ],
)
def test_negative_company_news_raises_its_event(text: str, expected: set[tuple[str, str | None]]) -> None:
    assert events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "星海新能源中标12.4亿元储能项目。",
        "安和食品前三季度净利润同比增长35%。",
        "星海新能源控股股东增持公司股份，并承诺六个月内不减持。",
        "鸿远地产控股股东解除质押2000万股。",
        "明川科技实施股份回购。",
        "部分机构投资者被动减持星海新能源相关债券。",  # selling bonds is no shareholder's reduction
    ],
)
def test_good_news_raises_no_event(text: str) -> None:
    assert events(text) == set()


def test_a_share_reduction_before_bond_words_is_still_found() -> None:
    """Only 减持 with bonds as its object (no 股 between them) is a bond sale."""
    assert events("星海新能源实际控制人减持450万股，债券到期兑付承压") == {("股东减持", "xinghai")}


def test_event_without_a_watched_entity_in_its_sentence_has_none() -> None:
    assert events("某公司被立案调查。鸿远地产今日正常开盘。") == {("立案调查", None)}


def test_every_rule_type_has_patterns() -> None:
    rules = load_rules()
    assert {"破产清算", "股权冻结", "股权质押", "失信被执行", "评级下调", "立案调查", "行政处罚"} <= {
        r.type for r in rules
    }
    assert all(rule.patterns and 0 < rule.score <= 1 for rule in rules)


def test_rule_patterns_use_no_anchors_or_lookarounds() -> None:
    """find_rule_events skips rules whose keywords match nowhere in the whole text before reading it sentence
    by sentence; that is exact only while no pattern can match in a sentence and not in the text."""
    forbidden = re.compile(r"\^|\$|\\[bBAZ]|\(\?[=!<]")
    for rule in load_rules():
        for pattern in (*rule.patterns, *rule.unless):
            # a negated class [^…] is not an anchor
            assert not forbidden.search(pattern.pattern.replace("[^", "[")), (rule.type, pattern.pattern)
