"""The two baselines every shipped NLP model must beat on the dev splits: lexicon rules and char n-grams.

Each baseline has ``fit(train)`` and ``predict(...)``; :func:`evaluate_baselines` fits all of them and
returns their dev figures (``python -m nlp.baselines`` prints them). NER has no baseline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import ahocorasick
import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from nlp import data, metrics
from nlp.data import EntityNegativeText, EventText, ForumPost, Lexicon
from nlp.labels import NO_EVENT
from nlp.ngram_heads import ABSENT_MARK, CONTAINS_MARK, ENTITY_MARK, NESTED_MARK, nested

WINDOW_CHARS = 30  # the baseline's entity windows: characters each side of the first MAX_MENTIONS mentions
MAX_MENTIONS = 5

NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
EntityJudgements = dict[str, tuple[bool, frozenset[str]]]
"""Text id → (is negative, key entities), as :func:`nlp.metrics.bdci_negative_score` takes them."""

# --- lexicon baseline ------------------------------------------------------------------------------------


class LexiconMatcher:
    """Counts positive and negative lexicon words in a text.

    Multi-character words are found as substrings (every occurrence, via Aho-Corasick); single characters
    only where jieba segments them as a word of their own, so that 跌 counts in "又跌了" but not in 跌幅.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.single = {
            word: polarity for polarity, words in _polarities(lexicon) for word in words if len(word) == 1
        }
        self.automaton = ahocorasick.Automaton()
        for polarity, words in _polarities(lexicon):
            for word in words:
                if len(word) > 1:
                    self.automaton.add_word(word, polarity)
        self.automaton.make_automaton()

    def counts(self, text: str) -> tuple[int, int]:
        """(positive, negative) word occurrences in ``text``."""
        found = [polarity for _, polarity in self.automaton.iter(text)]
        found += [self.single[token] for token in jieba.lcut(text) if token in self.single]
        return found.count(POSITIVE), found.count(NEGATIVE)

    def polarity(self, text: str) -> int:
        """NEGATIVE if negative words outnumber positive ones, POSITIVE if the reverse, else NEUTRAL."""
        positive, negative = self.counts(text)
        return NEGATIVE if negative > positive else POSITIVE if positive > negative else NEUTRAL


def _polarities(lexicon: Lexicon) -> list[tuple[int, frozenset[str]]]:
    return [(POSITIVE, lexicon.positive), (NEGATIVE, lexicon.negative)]


class LexiconSentiment:
    """3-class forum sentiment from lexicon word counts; nothing is learnt (``fit`` keeps the interface)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.matcher = LexiconMatcher(lexicon)

    def fit(self, train: Sequence[ForumPost]) -> LexiconSentiment:
        return self

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [self.matcher.polarity(text) for text in texts]


class LexiconEntityNegative:
    """A text is negative if its negative words outnumber its positive ones; then every candidate is a key
    entity except one contained in a longer candidate (the data's README: the longer one is the key one)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.matcher = LexiconMatcher(lexicon)

    def fit(self, train: Sequence[EntityNegativeText]) -> LexiconEntityNegative:
        return self

    def predict(self, texts: Sequence[EntityNegativeText]) -> EntityJudgements:
        judgements: EntityJudgements = {}
        for text in texts:
            is_negative = self.matcher.polarity(text.full_text) == NEGATIVE
            keys = frozenset(entity for entity in text.candidates if not nested(entity, text.candidates))
            judgements[text.id] = (is_negative, keys if is_negative else frozenset())
        return judgements


EVENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "信批违规": ("信批违规", "信披违规", "信息披露违规", "违规披露", "未披露", "披露不实", "虚假陈述"),
    "实控人股东变更": ("实控人变更", "实际控制人变更", "控股股东变更", "股东变更", "易主", "控制权变更"),
    "交易违规": ("交易违规", "违规交易", "内幕交易", "操纵股价", "操纵市场", "违规减持", "短线交易"),
    "不能履职": ("不能履职", "无法履职", "辞职", "离职", "被留置", "协助调查", "被带走"),
    "涉嫌非法集资": ("非法集资", "非法吸收公众存款", "集资诈骗"),
    "重组失败": ("重组失败", "终止重组", "重组终止", "终止重大资产重组", "重组告吹"),
    "评级调整": ("评级调整", "下调评级", "评级下调", "上调评级", "评级上调", "调整评级", "列入观察名单"),
    "业绩下滑": ("业绩下滑", "业绩下降", "净利润下降", "净利下滑", "亏损", "预亏", "预减", "同比下降"),
    "财务造假": ("财务造假", "造假", "虚增", "虚构", "会计差错", "财务舞弊"),
    "涉嫌违法": ("涉嫌违法", "违法", "立案调查", "被立案", "违规"),
    "涉嫌传销": ("传销",),
    "资金账户风险": ("资金账户风险", "账户冻结", "资金冻结", "挪用", "盗刷", "资金被盗"),
    "涉嫌欺诈": ("欺诈", "诈骗", "骗局", "骗取"),
    "高管负面": ("高管负面", "高管被查", "董事长被", "总经理被", "高管违规", "被处分"),
    "资产负面": ("资产负面", "资产减值", "资产被查封", "查封", "冻结资产", "不良资产"),
    "投诉维权": ("投诉", "维权"),
    "产品违规": ("产品违规", "违规产品", "不合格", "召回"),
    "提现困难": ("提现困难", "无法提现", "提现难", "不能提现", "兑付困难", "逾期兑付"),
    "失联跑路": ("失联", "跑路"),
    "歇业停业": ("歇业", "停业", "停止营业", "关门"),
    "公司股市异常": ("股价异常", "异常波动", "股市异常", "退市"),
}
"""Keywords per event type: the type name itself and obvious synonyms, written from the names alone."""


class KeywordEvents:
    """Every event type with a keyword in the text; 其他 where none has. Nothing is learnt."""

    def __init__(self, keywords: dict[str, tuple[str, ...]] | None = None) -> None:
        self.keywords = keywords or EVENT_KEYWORDS

    def fit(self, train: Sequence[EventText]) -> KeywordEvents:
        return self

    def predict(self, texts: Sequence[str]) -> list[frozenset[str]]:
        predictions = []
        for text in texts:
            found = frozenset(
                kind for kind, words in self.keywords.items() if any(word in text for word in words)
            )
            predictions.append(found or frozenset({NO_EVENT}))
        return predictions


# --- char n-gram linear baseline ------------------------------------------------------------------------


def char_ngram_vectorizer() -> TfidfVectorizer:
    """TF-IDF of char 1-3-grams, sublinear tf, the 200k most frequent."""
    return TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=200_000, dtype=np.float32
    )


def logistic(class_weight: str | None = None, solver: str = "liblinear") -> LogisticRegression:
    return LogisticRegression(class_weight=class_weight, solver=solver, max_iter=1000, random_state=0)


def char_ngram_classifier(class_weight: str | None = None, solver: str = "liblinear") -> Pipeline:
    """:func:`char_ngram_vectorizer` feeding a logistic regression."""
    return make_pipeline(char_ngram_vectorizer(), logistic(class_weight, solver))


class CharNgramSentiment:
    """3-class forum sentiment; classes balanced, since the figure is macro-F1 and positive is half the data."""

    def __init__(self) -> None:
        self.model = char_ngram_classifier(class_weight="balanced", solver="saga")

    def fit(self, train: Sequence[ForumPost]) -> CharNgramSentiment:
        self.model.fit([post.text for post in train], [post.label for post in train])
        return self

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [int(label) for label in self.model.predict(list(texts))]


def entity_window(entity: str, text: EntityNegativeText) -> str:
    """The text around the first mentions of ``entity``, the entity replaced by :data:`ENTITY_MARK`."""
    marked = text.full_text.replace(entity, ENTITY_MARK)
    windows = [
        marked[max(0, match.start() - WINDOW_CHARS) : match.end() + WINDOW_CHARS]
        for match in list(re.finditer(ENTITY_MARK, marked))[:MAX_MENTIONS]
    ]
    prefix = NESTED_MARK if nested(entity, text.candidates) else ""
    prefix += CONTAINS_MARK if any(other != entity and other in entity for other in text.candidates) else ""
    return prefix + (" | ".join(windows) if windows else ABSENT_MARK)


class CharNgramEntityNegative:
    """A document classifier for the negative flag, then a (text, entity) classifier over entity windows.

    The entity classifier is trained on the candidates of negative training texts only, as it is only asked
    about texts judged negative; a negative text keeps at least its most likely candidate.
    """

    def __init__(self) -> None:
        self.document = char_ngram_classifier()
        self.entity = char_ngram_classifier()

    def fit(self, train: Sequence[EntityNegativeText]) -> CharNgramEntityNegative:
        self.document.fit([text.full_text for text in train], [text.negative for text in train])
        pairs = [(text, entity) for text in train if text.negative for entity in text.candidates]
        self.entity.fit(
            [entity_window(entity, text) for text, entity in pairs],
            [entity in text.key_entities for text, entity in pairs],
        )
        return self

    def predict(self, texts: Sequence[EntityNegativeText]) -> EntityJudgements:
        negative = self.document.predict([text.full_text for text in texts])
        judgements: EntityJudgements = {text.id: (False, frozenset()) for text in texts}
        for text, is_negative in zip(texts, negative, strict=True):
            if not is_negative or not text.candidates:
                judgements[text.id] = (bool(is_negative), frozenset())
                continue
            scores = self.entity.predict_proba([entity_window(entity, text) for entity in text.candidates])[
                :, 1
            ]
            keys = {entity for entity, score in zip(text.candidates, scores, strict=True) if score >= 0.5}
            judgements[text.id] = (True, frozenset(keys or {text.candidates[int(np.argmax(scores))]}))
        return judgements


class CharNgramEvents:
    """Multi-label event types: one-vs-rest logistic regressions, every type with probability ≥ ``threshold``
    (the most likely one when none reaches it, since every text has at least one type)."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.labels = MultiLabelBinarizer()
        self.model = make_pipeline(char_ngram_vectorizer(), OneVsRestClassifier(logistic()))

    def fit(self, train: Sequence[EventText]) -> CharNgramEvents:
        targets = self.labels.fit_transform([sorted(text.event_types) for text in train])
        self.model.fit([text.text for text in train], targets)
        return self

    def predict(self, texts: Sequence[str]) -> list[frozenset[str]]:
        probabilities = self.model.predict_proba(list(texts))
        classes = self.labels.classes_
        return [
            frozenset(classes[row >= self.threshold]) or frozenset({classes[int(np.argmax(row))]})
            for row in probabilities
        ]


# --- evaluation ------------------------------------------------------------------------------------------


def evaluate_baselines(root: Path | None = None) -> dict[str, dict[str, float]]:
    """Fit both baselines on the train splits and score them on the dev splits.

    Keys per baseline: entity_negative.{negative_f1, entity_f1, score} (BDCI 2019), forum.macro_f1,
    events.micro_f1 (over (text, type) pairs, 其他 included) and events.micro_f1_without_other.
    """
    entity_train, entity_dev = data.load_entity_negative(root)
    forum_train, forum_dev = data.load_forum_sentiment(root)
    event_train, event_dev = data.load_event_texts(root)
    # The finance dictionaries alone: adding the general ones (HowNet, NTUSD, DUTIR) scored lower on every
    # dev figure, and a baseline should be the stronger of the two.
    lexicon = data.load_lexicons(root, data.FINANCE_LEXICONS)
    baselines = {
        "lexicon": (LexiconEntityNegative(lexicon), LexiconSentiment(lexicon), KeywordEvents()),
        "char_ngram": (CharNgramEntityNegative(), CharNgramSentiment(), CharNgramEvents()),
    }
    gold_entities = {text.id: (text.negative, text.key_entities) for text in entity_dev}
    gold_events = {text.id: text.event_types for text in event_dev}
    results: dict[str, dict[str, float]] = {}
    for name, (entity_model, forum_model, event_model) in baselines.items():
        bdci = metrics.bdci_negative_score(gold_entities, entity_model.fit(entity_train).predict(entity_dev))
        forum = metrics.macro_f1(
            [post.label for post in forum_dev],
            forum_model.fit(forum_train).predict([p.text for p in forum_dev]),
        )
        predicted = event_model.fit(event_train).predict([text.text for text in event_dev])
        predicted_events = {text.id: kinds for text, kinds in zip(event_dev, predicted, strict=True)}
        results[name] = {
            "entity_negative.negative_f1": bdci.negative.f1,
            "entity_negative.entity_f1": bdci.entity.f1,
            "entity_negative.score": bdci.score,
            "forum.macro_f1": forum.macro_f1,
            "events.micro_f1": metrics.event_type_prf(gold_events, predicted_events).f1,
            "events.micro_f1_without_other": metrics.event_type_prf(
                gold_events, predicted_events, ignore={NO_EVENT}
            ).f1,
        }
    return results


if __name__ == "__main__":
    print(json.dumps(evaluate_baselines(), indent=2))
