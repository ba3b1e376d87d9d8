"""Real company news (its polarity, source site and company), what a document's sentiment label means for
news and for posts, and the hand-labelled held-out sources (references checked against the shared data)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from nlp import cross_source
from nlp.head_scores import HeadScores
from nlp.labels import SENTIMENT_LABELS
from nlp.news_data import (
    HELD_OUT_SOURCES,
    judged,
    news_polarity,
    news_source,
    quoted_company,
    split_company_news,
)
from nlp.news_silver import rule_fires
from nlp.sentiment import (
    adverse_event_subjects,
    document_sentiment,
    news_subject,
    reads_as_news,
    reads_good_news,
)


@pytest.mark.parametrize(
    ("types", "text", "negative"),
    [
        (["亏损"], "", True),
        (["股东减持"], "", True),
        (["被约谈"], "", True),
        (["股份回购"], "", False),
        (["中标", "企业融资"], "", False),
        (["解除质押"], "", False),
        (["亏损", "中标"], "", None),  # both: no polarity
        (["高管变动"], "", None),  # either
        ([], "", None),
        (["质押"], "控股股东解除质押4375.6万股", None),  # the file labels some releases as pledges
        (["质押"], "控股股东质押4375.6万股", True),
    ],
)
def test_news_polarity_reads_event_types_as_a_risk_officer(
    types: list[str], text: str, negative: bool | None
) -> None:
    assert news_polarity(types, text) is negative


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("原标题：新文化(3.840,-0.11,-2.78%)(300336.SZ)控股股东解除质押 来源：格隆汇", "新文化"),
        ("格隆汇9月25日丨新文化(300336.SZ)公布，公司于近日", "新文化"),
        ("每经AI快讯，和佳医疗（SZ 300273，收盘价：7.55元）6月18日晚间", "和佳医疗"),
        ("原标题：中视金桥(00623)9月8日耗资约44.61万港元回购", "中视金桥"),
        ("华阳国际公告，中标深圳项目", "华阳国际"),
        ("责编：陈荣亮 达实智能6月11日晚间公告，公司中标福州市轨道交通", "达实智能"),
        ("截至本公告日，公司累计回购", ""),  # not a name
        ("美联储宣布维持利率不变", ""),
    ],
)
def test_quoted_company_finds_the_listed_company(text: str, company: str) -> None:
    assert quoted_company(text) == company


def test_news_source_reads_the_credit() -> None:
    assert news_source("原标题：某某 来源：格隆汇 格隆汇8月20日") == "格隆汇"
    assert news_source("来源：智通财经网 智通财经APP讯") == "智通财经"
    assert news_source("没有来源的快讯") == ""


def test_company_news_split_keeps_the_held_out_site_out_of_training(shared_data: Path) -> None:
    split = split_company_news(shared_data)
    assert split.train and split.dev and split.held_out
    assert all(item.source in HELD_OUT_SOURCES for item in split.held_out)
    assert not {item.source for item in split.train + split.dev} & HELD_OUT_SOURCES
    assert not {item.text for item in split.train} & {item.text for item in split.dev}
    scored = judged(split.held_out)
    assert len(scored) >= 150 and {item.negative for item in scored} == {True, False}
    assert all(item.company in item.text for item in scored)


# -- what the label means ----------------------------------------------------------------------------------


def _scores(sentiment: list[float], news: list[float] | None, forum: float | None) -> HeadScores:
    return HeadScores(
        np.array(sentiment), np.zeros(2), np.zeros(0), None if news is None else np.array(news), forum
    )


def test_news_label_is_the_news_head_unless_the_document_is_negative_about_something() -> None:
    good_news = _scores([0.1, 0.2, 0.7], [0.1, 0.2, 0.7], 0.1)
    assert document_sentiment("news", SENTIMENT_LABELS, good_news, 0.0, 0.0) == {
        "label": "positive",
        "score": 0.7,
        "basis": "news",
    }
    # a document negative about one of its entities is bad news
    assert document_sentiment("news", SENTIMENT_LABELS, good_news, 0.8, 0.0) == {
        "label": "negative",
        "score": 0.8,
        "basis": "news",
    }
    # a risk event keeps it from being good news (the event heads cannot tell 净利大增 from 净利下滑) ...
    assert document_sentiment("news", SENTIMENT_LABELS, good_news, 0.0, 0.9) == {
        "label": "neutral",
        "score": 0.9,  # P(not bad news)
        "basis": "news",
    }
    assert document_sentiment("news", SENTIMENT_LABELS, good_news, 0.0, 0.3)["label"] == "positive"
    # ... and makes news that the news head reads as neither good nor bad, bad news
    plain = _scores([0.1, 0.8, 0.1], [0.3, 0.6, 0.1], 0.1)
    assert document_sentiment("news", SENTIMENT_LABELS, plain, 0.0, 0.0)["label"] == "neutral"
    assert document_sentiment("news", SENTIMENT_LABELS, plain, 0.0, 0.7) == {
        "label": "negative",
        "score": 0.7,
        "basis": "news",
    }


def test_bad_news_is_about_its_one_watched_entity() -> None:
    bad = {"label": "negative", "score": 0.7, "basis": "news"}
    assert news_subject([False, True, False], bad) == 1  # organisations the NER head found do not count
    assert news_subject([True, True], bad) is None  # which of the two is the news about?
    assert news_subject([False], bad) is None
    assert news_subject([True], {**bad, "score": 0.49}) is None
    assert news_subject([True], {**bad, "basis": "post"}) is None  # a post's stance is the poster's
    assert news_subject([True], {**bad, "label": "neutral"}) is None


def test_a_keyword_risk_event_flags_the_watched_entity_it_names() -> None:
    entities = [("jingjia", True), ("国家产业投资基金", False), ("星海", True)]
    events = [("股东减持", "jingjia", 0.8), ("股东减持", "jingjia", 0.85), ("立案调查", "星海", 0.95)]
    assert adverse_event_subjects(entities, events) == [(0, 0.85), (2, 0.95)]
    # routine changes of executives, events tied to no entity or to one the NER head alone found: nothing
    others = [("高管变动", "jingjia", 0.8), ("债务违约", None, 0.9), ("股东减持", "国家产业投资基金", 0.8)]
    assert adverse_event_subjects(entities, others) == []
    assert adverse_event_subjects(entities, [("股东减持", "unknown", 0.8)]) == []


def test_good_news_is_news_the_news_head_reads_as_good() -> None:
    good = _scores([0.1, 0.2, 0.7], [0.1, 0.2, 0.7], 0.1)
    assert reads_good_news("news", good) and reads_good_news(None, good)
    assert not reads_good_news("forum", good)  # a post's stance is not news
    assert not reads_good_news(None, _scores([0.1, 0.2, 0.7], [0.1, 0.2, 0.7], 0.9))  # the kind head: a post
    assert not reads_good_news("news", _scores([0.1, 0.2, 0.7], [0.5, 0.1, 0.4], 0.1))  # bad news
    assert not reads_good_news("news", _scores([0.1, 0.2, 0.7], None, None))  # a model without a news head


def test_posts_keep_the_three_class_forum_meaning() -> None:
    bullish_post = _scores([0.1, 0.2, 0.7], [0.8, 0.1, 0.1], 0.9)
    for kind in ("forum", "social", None):  # None: the kind head finds a post
        # an entity judged negative, or a risk event, alone does not overrule the poster's stance
        for entity, event in ((0.8, 0.0), (0.0, 0.9), (0.8, 0.49)):
            assert document_sentiment(kind, SENTIMENT_LABELS, bullish_post, entity, event) == {
                "label": "positive",
                "score": 0.7,
                "basis": "post",
            }
        # ... unless it names an entity the model is sure is in trouble (another crawl's complaints)
        assert document_sentiment(kind, SENTIMENT_LABELS, bullish_post, 0.9, 0.0) == {
            "label": "negative",
            "score": 0.9,
            "basis": "post",
        }
        # ... or the two agree: an entity judged negative and a risk event (the bondholders' post on a default)
        assert document_sentiment(kind, SENTIMENT_LABELS, bullish_post, 0.53, 0.5) == {
            "label": "negative",
            "score": 0.53,
            "basis": "post",
        }
    assert reads_as_news("news", bullish_post) and not reads_as_news(None, bullish_post)
    assert reads_as_news(None, _scores([1, 0, 0], [1, 0, 0], 0.2))


def test_a_model_without_news_heads_reads_news_with_the_forum_head_and_the_agreement_rule() -> None:
    old = _scores([0.2, 0.1, 0.7], None, None)
    assert reads_as_news(None, old)
    assert document_sentiment(None, SENTIMENT_LABELS, old, 0.0, 0.0)["label"] == "positive"
    assert document_sentiment(None, SENTIMENT_LABELS, old, 0.6, 0.0)["label"] == "negative"


# -- hand-labelled references --------------------------------------------------------------------------------


def _label_file(folder: Path, entries: list[dict]) -> None:
    (folder / "nlp" / "resources" / "cross_source").mkdir(parents=True)
    path = folder / "nlp" / "resources" / "cross_source" / "forum.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n", "utf-8")


def test_labelled_references_are_checked_against_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    (data / "corpus").mkdir(parents=True)
    (data / "corpus" / "posts.txt").write_text("第一行\n又跌停了，割肉\n大涨！\n", "utf-8")
    sha = hashlib.sha1("又跌停了，割肉".encode()).hexdigest()[:12]
    labels = tmp_path / "labels"
    _label_file(labels, [{"file": "corpus/posts.txt", "line": 2, "sha1": sha, "label": "negative"}])
    monkeypatch.setattr(
        cross_source, "labelled_file", lambda name: labels / "nlp" / "resources" / "cross_source" / name
    )
    assert cross_source.labelled_forum(data) == [("又跌停了，割肉", 0)]

    (data / "corpus" / "posts.txt").write_text("第一行\n大涨！\n", "utf-8")  # the data changed
    with pytest.raises(ValueError, match=r"forum.jsonl, line 1: corpus/posts.txt:2 is not the line"):
        cross_source.labelled_forum(data)


def test_shipped_label_files_match_the_shared_data(shared_data: Path) -> None:
    news = cross_source.labelled_news_items(shared_data)
    posts = cross_source.labelled_forum(shared_data)
    sentences = cross_source.labelled_org_spans(shared_data)
    assert len(news) >= 200 and {bad for _, _, bad in news} == {True, False}
    assert len(posts) >= 200 and {label for _, label in posts} == {0, 1, 2}
    assert len(sentences) >= 150 and sum(len(spans) for _, spans in sentences) >= 150
    # the posts choices are made on: three classes, and none repeats half of a reported post
    choice = cross_source.labelled_forum(shared_data, cross_source.FORUM_CHOICE)
    assert len(choice) >= 150 and {label for _, label in choice} == {0, 1, 2}
    reported = {text[i : i + 12] for text, _ in posts for i in range(len(text) - 11)}
    for text, _ in choice:
        runs = {text[i : i + 12] for i in range(len(text) - 11)}
        assert len(runs & reported) <= len(runs) / 2, text[:30]
    # the second annotator's sets: both kinds of news, organisations, and no line of the first sets again
    second_news = cross_source.labelled_news_items(shared_data, cross_source.COMPANY_NEWS_SECOND)
    second_sentences = cross_source.labelled_org_spans(shared_data, cross_source.NER_ORG_SECOND)
    assert len(second_news) >= 200 and {bad for _, _, bad in second_news} == {True, False}
    assert len(second_sentences) >= 200 and sum(len(spans) for _, spans in second_sentences) >= 300
    first = {text.strip()[:12] for text, *_ in (*news, *posts, *choice, *sentences)}
    for text, *_ in (*second_news, *second_sentences):
        assert text.strip()[:12] not in first, text[:30]
    # the third company-news set: random lines of both kinds, none a rule reads, none retelling a line of the
    # other sets (12 characters in a row), each company named in its line, and read under its written guide
    third = cross_source.read_labelled(cross_source.COMPANY_NEWS_THIRD, shared_data)
    assert len(third) >= 1500 and {item.labels["sentiment"] for item in third} == {
        "negative",
        "neutral",
        "positive",
    }
    assert all(item.labels["company"] in item.text for item in third)
    assert all(item.labels["negative"] == (item.labels["sentiment"] == "negative") for item in third)
    assert not any(rule_fires(item.text) for item in third)
    others = [text for text, *_ in (*news, *posts, *choice, *sentences, *second_news, *second_sentences)]
    runs = {text[i : i + 12] for text in others for i in range(len(text) - 11)}
    assert not [
        item.reference
        for item in third
        if any(item.text[i : i + 12] in runs for i in range(len(item.text) - 11))
    ]
    assert cross_source.labelled_file("company_news_third.GUIDE.md").is_file()


def test_unseen_texts_share_no_run_of_twelve_characters_with_training() -> None:
    training = ["据报道，小资钱包平台已经逾期七个月，出借人维权无门。", "另一条毫不相干的训练文本"]
    texts = [
        "转发：小资钱包平台已经逾期七个月，求关注",  # 12 characters in a row repeat a training text
        "小资钱包平台逾期，出借人维权",  # the same story in other words
        "短文本",
    ]
    assert cross_source.unseen(texts, training) == [False, True, True]
    assert cross_source.unseen(texts, training, run=5) == [False, False, True]
