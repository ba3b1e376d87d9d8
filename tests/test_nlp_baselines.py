"""The lexicon and char n-gram baselines: their rules on toy input, and their dev scores on the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import baselines, data
from nlp.baselines import ENTITY_MARK, NEGATIVE, NEUTRAL, POSITIVE
from nlp.data import EntityNegativeText, Lexicon
from nlp.labels import NO_EVENT
from nlp.metrics import macro_f1

TOY_LEXICON = Lexicon(
    positive=frozenset({"上涨", "利好"}), negative=frozenset({"下跌", "跌", "违约"}), counts={}
)


def toy_text(text: str, candidates: tuple[str, ...]) -> EntityNegativeText:
    return EntityNegativeText("t1", "", text, candidates, negative=False, key_entities=())


def test_lexicon_matcher_counts_substrings_and_single_char_words() -> None:
    matcher = baselines.LexiconMatcher(TOY_LEXICON)
    assert matcher.counts("股价下跌，又跌了") == (0, 2)  # 下跌 as a substring, 跌 as a jieba word
    assert matcher.counts("跌幅收窄，利好") == (1, 0)  # 跌 inside the word 跌幅 does not count
    assert matcher.polarity("利好，上涨") == POSITIVE
    assert matcher.polarity("利好，但违约") == NEUTRAL
    assert baselines.LexiconSentiment(TOY_LEXICON).fit([]).predict(["债券违约", "今天开会"]) == [
        NEGATIVE,
        NEUTRAL,
    ]


def test_lexicon_entity_rule_skips_nested_candidates() -> None:
    model = baselines.LexiconEntityNegative(TOY_LEXICON)
    text = toy_text("宜贷网(沪)违约，甲公司下跌", ("宜贷网", "宜贷网(沪)", "甲公司"))
    assert model.predict([text]) == {"t1": (True, frozenset({"宜贷网(沪)", "甲公司"}))}
    assert model.predict([toy_text("甲公司上涨", ("甲公司",))]) == {"t1": (False, frozenset())}


def test_keyword_events() -> None:
    model = baselines.KeywordEvents().fit([])
    found, nothing = model.predict(["某平台涉嫌传销，老板跑路", "公司召开年度股东大会"])
    assert found == {"涉嫌传销", "失联跑路"}
    assert nothing == {NO_EVENT}


def test_entity_window_masks_the_entity() -> None:
    text = toy_text("A" * 40 + "甲公司违约" + "B" * 40, ("甲公司", "甲"))
    window = baselines.entity_window("甲公司", text)
    assert window.startswith(baselines.CONTAINS_MARK)
    assert ENTITY_MARK + "违约" in window and "甲公司" not in window
    assert window.count("A") == baselines.WINDOW_CHARS
    assert baselines.entity_window("甲", text).startswith(baselines.NESTED_MARK)
    assert baselines.entity_window("乙", toy_text("无关", ("乙",))) == baselines.ABSENT_MARK


@pytest.fixture(scope="module")
def root(shared_data: Path) -> Path:
    return shared_data


# Measured: 0.654 macro-F1 on the full forum dev split when fitted on every third training post (3,262
# posts, under a second). The floor leaves a 0.10 margin for library versions; chance is about 0.33.
FORUM_SUBSET_FLOOR = 0.55


def test_char_ngram_forum_baseline_on_a_subset(root: Path) -> None:
    train, dev = data.load_forum_sentiment(root)
    model = baselines.CharNgramSentiment().fit(train[::3])
    score = macro_f1([post.label for post in dev], model.predict([post.text for post in dev]))
    assert score.macro_f1 > FORUM_SUBSET_FLOOR


# Measured dev figures (lexicon / char n-gram): entity-negative score 0.711 / 0.892, forum macro-F1
# 0.529 / 0.702, event micro-F1 0.422 / 0.836. Floors sit about 0.05 below each.
FLOORS = {
    "lexicon": {"entity_negative.score": 0.66, "forum.macro_f1": 0.48, "events.micro_f1": 0.37},
    "char_ngram": {"entity_negative.score": 0.84, "forum.macro_f1": 0.65, "events.micro_f1": 0.78},
}


@pytest.mark.slow
def test_evaluate_baselines(root: Path) -> None:
    results = baselines.evaluate_baselines(root)
    for name, floors in FLOORS.items():
        assert all(0.0 <= value <= 1.0 for value in results[name].values())
        for key, floor in floors.items():
            assert results[name][key] > floor, f"{name} {key} = {results[name][key]:.3f}"
    for key in results["lexicon"]:
        assert results["char_ngram"][key] > results["lexicon"][key], key
