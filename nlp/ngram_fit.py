"""Fitting the character n-gram heads of :mod:`nlp.ngram_heads` on the train splits of the shared data.

One TF-IDF vocabulary (character 1-3-grams seen in at least two training texts, the most frequent
:data:`MAX_FEATURES`) serves every head; each head's regularisation C is chosen by 3-fold cross-validation
on its own training rows (scikit-learn's ``GridSearchCV``), never on a dev split, and so are the width of the
entity head's windows (:data:`WINDOW_WIDTHS`) and the weight of its name-suffix columns (:data:`NAME_WEIGHTS`).
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold

from nlp import data
from nlp.company_news import (
    GOOD_NEWS_PAIRS,
    company_actions,
    company_names,
    company_news_examples,
    lexicon_words,
)
from nlp.cross_source import labelled_references
from nlp.data import EventText
from nlp.examples import EntityTarget, find_mentions, from_entity_negative, from_event_text
from nlp.labels import SENTIMENT_LABELS
from nlp.lexicon_features import LexiconFeatures, read_lexicons
from nlp.news_data import NEGATIVE_NEWS, CompanyNews, split_company_news
from nlp.news_silver import SilverNews, silver_news
from nlp.news_silver import counts as silver_counts
from nlp.ngram_heads import (
    BLENDED,
    FORUM_KIND,
    CharNgramFeatures,
    LinearHead,
    NgramHeads,
    document_features,
    entity_features,
    entity_windows,
)

logger = logging.getLogger(__name__)

MAX_FEATURES = 150_000
CS = (1.0, 4.0, 16.0, 64.0)
"""The regularisation strengths cross-validation chooses from (scikit-learn's default is 1)."""
CV_FOLDS = 3
EVENT_SOURCES = 1000
COMPANY_NEWS_SOURCES = 3000
WINDOW_WIDTHS = (5, 10, 30)
"""Characters each side of a mention that the entity head may see (cross-validated: narrow ones won)."""
NAME_WEIGHTS = (0.0, 0.6, 1.0)
"""Scales of the entity head's name-suffix columns beside its window columns; 0 leaves them out."""
LEXICON_HEADS = ("sentiment", "kind")
"""The document heads that read the lexicon counts (:mod:`nlp.lexicon_features`): the forum head, whose
cross-crawl figure they lift (0.30 → 0.57 alone, same FinFE dev), and the post-or-news head. The others keep
n-grams alone: with the counts' larger scale saga took over twice as long on the events head, for no
figure measured."""


@dataclass
class Rows:
    """One head's training rows: texts, labels, and the group (source text) of each row for the folds."""

    texts: list[str]
    labels: list[str]
    groups: list[int]
    names: list[str] = field(default_factory=list)  # entity rows: the candidate each window is about


@dataclass
class EntitySource:
    """A text that teaches the entity-negative heads: is it negative, and about which of its entities; and
    the news head: is it bad, neutral or good news (``news``, one of :data:`~nlp.ngram_heads.NEWS_LABELS`)."""

    text: str
    negative: bool
    entities: list[EntityTarget]
    news: str = ""

    def __post_init__(self) -> None:
        if not self.news:
            self.news = "negative" if self.negative else "neutral"


def entity_sources(
    event_train: Sequence[EventText],
    news_train: Sequence[CompanyNews],
    root: Path | None = None,
    seed: int = 0,
    silver: Sequence[SilverNews] = (),
) -> list[EntitySource]:
    """BDCI texts as they are; then, as the encoder learns them, company news: CCKS risk-event headlines
    (a negative text about each named subject) and the company news of :mod:`nlp.company_news` (lexicon
    words and corporate actions of either polarity in the same frames, and good news about two companies
    at :data:`~nlp.company_news.GOOD_NEWS_PAIRS`), :data:`EVENT_SOURCES` and :data:`COMPANY_NEWS_SOURCES`
    of them, so that the P2P posts of BDCI stay half of what the heads see. ``silver``: rule-labelled company
    news (:mod:`nlp.news_silver`), bad or good news about the company it names, after the real company news."""
    sources = [
        EntitySource(t.full_text, t.negative, from_entity_negative(t).entities)
        for t in data.load_entity_negative(root).train
    ]
    sources += real_news_sources(news_train)
    sources += silver_sources(silver)
    rng = random.Random(seed)
    headlines = [example for example in map(from_event_text, event_train) if example.entities]
    for example in rng.sample(headlines, min(EVENT_SOURCES, len(headlines))):
        sources.append(EntitySource(example.text, True, example.entities))
    companies = company_names(event_train)
    if len(companies) > 1:
        news = company_news_examples(
            companies,
            *lexicon_words(root=root),
            COMPANY_NEWS_SOURCES,
            seed,
            actions=company_actions(),
            good_news_pairs=GOOD_NEWS_PAIRS,
        )
        for e in news:
            negative = any(t.negative for t in e.entities)
            sources.append(EntitySource(e.text, negative, e.entities, "negative" if negative else "positive"))
    return sources


def real_news_sources(items: Sequence[CompanyNews]) -> list[EntitySource]:
    """Real company news (:mod:`nlp.news_data`) with a polarity: bad news is negative about the company the
    headline quotes, good news (a repurchase, a won bid …) is good news for it and negative about nobody. A
    text with no polarity (an executive change, or types that say both) teaches the news head "neutral" only
    when its types say nothing bad."""
    sources = []
    for item in items:
        negative = item.negative
        if negative is None:
            if not set(item.event_types) & NEGATIVE_NEWS:
                sources.append(EntitySource(item.text, False, [], "neutral"))
            continue
        entities = []
        if item.company and item.company in item.text:
            mentions = find_mentions(item.text, [item.company]).get(item.company, [])
            entities.append(EntityTarget(item.company, mentions, negative=negative))
        sources.append(EntitySource(item.text, negative, entities, "negative" if negative else "positive"))
    return sources


def silver_sources(items: Sequence[SilverNews]) -> list[EntitySource]:
    sources = []
    for item in items:
        mentions = find_mentions(item.text, [item.company]).get(item.company, [])
        target = EntityTarget(item.company, mentions, negative=item.negative)
        sources.append(
            EntitySource(item.text, item.negative, [target], "negative" if item.negative else "positive")
        )
    return sources


WEIBO_MARKS = re.compile(
    r"//@|\[超话\]|转发微博|网页链接|(?<![A-Za-z0-9._%+-])@[\u4e00-\u9fffA-Za-z0-9_-]{2,30}"
)
"""What only a Weibo post carries: a repost chain (//@), a mention (@name, not an e-mail address), a super-topic
tag, Weibo's own 转发微博 and 网页链接. (Hashtags are left out: news sites quote them.)"""


def weibo_posts(root: Path | None = None) -> list[str]:
    """BDCI's training texts that carry :data:`WEIBO_MARKS`: posts for the ``kind`` head. Without them it had
    seen no social post and read most Weibo posts as news (and so labelled them as news)."""
    texts = (t.full_text for t in data.load_entity_negative(root).train)
    return list(dict.fromkeys(text for text in texts if WEIBO_MARKS.search(text)))


def training_rows(
    root: Path | None = None, seed: int = 0, silver: Sequence[SilverNews] = ()
) -> tuple[dict[str, Rows], list[EntitySource]]:
    forum_train, _ = data.load_forum_sentiment(root)
    event_train, _ = data.load_event_texts(root)
    sentiment = Rows(
        [post.text for post in forum_train],
        [SENTIMENT_LABELS[post.label] for post in forum_train],
        list(range(len(forum_train))),
    )
    events = Rows([], [], [])
    for index, text in enumerate(event_train):
        for event_type in sorted(text.event_types):  # a text of two types is a row of each
            events.texts.append(text.text)
            events.labels.append(event_type)
            events.groups.append(index)
    news_train = split_company_news(root).train
    sources = entity_sources(event_train, news_train, root, seed, silver)
    document = Rows([s.text for s in sources], [str(s.negative) for s in sources], list(range(len(sources))))
    news = Rows([s.text for s in sources], [s.news for s in sources], list(range(len(sources))))
    # forum and social posts against news: the stock-forum posts and BDCI's Weibo posts (the texts that carry
    # Weibo's marks; BDCI mixes them with news) against the CCKS headlines and the real company news (not the
    # built company news, whose frames are one line long)
    news_texts = [
        *dict.fromkeys(t.text for t in event_train),
        *(t.text for t in news_train),
        *(item.text for item in silver),
    ]
    post_texts = [*sentiment.texts, *weibo_posts(root)]
    kind = Rows(
        [*post_texts, *news_texts],
        [FORUM_KIND] * len(post_texts) + ["news"] * len(news_texts),
        list(range(len(post_texts) + len(news_texts))),
    )
    heads = {
        "sentiment": sentiment,
        "events": events,
        "document_negative": document,
        "news": news,
        "kind": kind,
    }
    return heads, sources


def entity_rows(sources: Sequence[EntitySource], width: int) -> Rows:
    """The entities of the negative texts only: the head is asked only once a text is judged negative."""
    rows = Rows([], [], [])
    for index, source in enumerate(sources):
        if not source.negative:
            continue
        names = [e.name for e in source.entities]
        windows = entity_windows(source.text, names, [e.mentions for e in source.entities], width)
        for entity, window in zip(source.entities, windows, strict=True):
            rows.texts.append(window)
            rows.names.append(entity.name)
            rows.labels.append(str(bool(entity.negative)))
            rows.groups.append(index)
    return rows


SETTINGS = {
    # head: (solver, class_weight, CV scoring). Forum classes are balanced, since its figure is macro-F1.
    # The binary heads, whose probabilities are multiplied, are chosen by log-loss.
    "sentiment": ("saga", "balanced", "f1_macro"),
    "events": ("saga", None, "f1_micro"),
    "document_negative": ("liblinear", None, "neg_log_loss"),
    "entity_key": ("liblinear", None, "neg_log_loss"),
    "news": ("saga", "balanced", "f1_macro"),
    "kind": ("liblinear", "balanced", "neg_log_loss"),
}


def fit_ngram_heads(root: Path | None = None, seed: int = 0) -> NgramHeads:
    """All the heads with blend weights 0 (:mod:`nlp.ngram_blend` chooses them). The :data:`LEXICON_HEADS`
    read the lexicon counts beside the n-grams (:mod:`nlp.lexicon_features`); the document, news, kind and
    entity heads learn from the rule-labelled company news too (:mod:`nlp.news_silver`)."""
    silver = silver_news(root, labelled_references(), seed=seed)
    rows, sources = training_rows(root, seed, silver)
    by_width = {width: entity_rows(sources, width) for width in WINDOW_WIDTHS}
    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        sublinear_tf=True,
        min_df=2,
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    every_text = [text for head in [*rows.values(), *by_width.values()] for text in head.texts]
    vectorizer.fit(list(dict.fromkeys(every_text)))
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    features = CharNgramFeatures(vocabulary, vectorizer.idf_)
    lexicon = LexiconFeatures(read_lexicons(root))
    heads: dict[str, LinearHead] = {}
    about: dict[str, object] = {
        "max_features": MAX_FEATURES,
        "cs": list(CS),
        "folds": CV_FOLDS,
        "lexicon_columns": lexicon.width,
        "silver_news": silver_counts(silver),
    }
    for name, head_rows in rows.items():
        started = time.perf_counter()
        if name in LEXICON_HEADS:
            matrix = document_features(features, lexicon, head_rows.texts)
            heads[name], about[f"{name}.C"], _ = _fit_head(matrix, head_rows, *SETTINGS[name], seed=seed)
        else:  # n-grams only; the lexicon columns get coefficients of 0, so every document head reads one input
            matrix = features.transform(head_rows.texts)
            head, about[f"{name}.C"], _ = _fit_head(matrix, head_rows, *SETTINGS[name], seed=seed)
            heads[name] = head.padded(lexicon.width)
        about[f"{name}.rows"] = len(head_rows.texts)
        logger.info(
            "n-gram head %s: %d rows, %.0f s", name, len(head_rows.texts), time.perf_counter() - started
        )
    fitted = {}
    for width, weight in itertools.product(WINDOW_WIDTHS, NAME_WEIGHTS):
        entity = by_width[width]
        matrix = entity_features(features, entity.texts, entity.names, weight)
        fitted[width, weight] = _fit_head(matrix, entity, *SETTINGS["entity_key"], seed=seed)
    width, name_weight = max(fitted, key=lambda key: fitted[key][2])  # the best cross-validated score
    heads["entity_key"], about["entity_key.C"], _ = fitted[width, name_weight]
    about["entity_key.rows"] = len(by_width[width].texts)
    about["entity_key.cv"] = {f"width {w}, names {n}": round(fitted[w, n][2], 4) for w, n in fitted}
    logger.info(
        "n-gram head entity_key: %d-character windows, name weight %s (CV %s)",
        width,
        name_weight,
        about["entity_key.cv"],
    )
    return NgramHeads(features, heads, dict.fromkeys(BLENDED, 0.0), about, width, name_weight, lexicon)


def _fit_head(
    matrix: sparse.csr_matrix, rows: Rows, solver: str, class_weight: str | None, scoring: str, seed: int
) -> tuple[LinearHead, float, float]:
    """The head on ``rows`` (their features: ``matrix``) refitted on all of them at the C that
    cross-validated best, that C, and its CV score."""
    folds = list(GroupKFold(n_splits=CV_FOLDS).split(matrix, rows.labels, rows.groups))
    logistic = LogisticRegression(solver=solver, class_weight=class_weight, max_iter=2000, random_state=seed)
    search = GridSearchCV(logistic, {"C": list(CS)}, scoring=scoring, cv=folds, refit=True)
    search.fit(matrix, rows.labels)
    model = search.best_estimator_
    classes = [str(c) for c in model.classes_]
    head = LinearHead(classes, model.coef_.astype(np.float32), model.intercept_.astype(np.float64))
    return head, float(search.best_params_["C"]), float(search.best_score_)
