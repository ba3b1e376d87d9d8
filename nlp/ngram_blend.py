"""Choosing how much the tagger trusts the n-gram heads against the encoder, and what that is worth.

For each blended head (:data:`nlp.ngram_heads.BLENDED`) the weight in :data:`GRID` (0: the encoder alone,
1: the n-gram head alone) that scores best on its dev split is saved with the heads. A figure read at a
weight tuned on the same rows flatters it, so each is also **cross-fitted**: the dev split is cut in two
halves (alternate rows), and each half is scored at the weight the other half chose. ``riskwatch fit-ngram``
writes both figures into the heads' ``about`` and prints them.

Sentiment is the exception: FinFE dev, one stock forum's split, cannot tell several weights apart, so among
those within its standard error the weight is chosen on hand-labelled posts of other crawls
(:func:`sentiment_crawl_choice`), kept in ``about`` as ``sentiment.other_crawl``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from nlp import cross_source, data, metrics
from nlp.head_scores import HeadScores, chosen_events
from nlp.labels import NO_EVENT
from nlp.model_files import CONFIG_FILE
from nlp.ngram_heads import NgramHeads, blend
from nlp.tagger import ENTITY_NEGATIVE_THRESHOLD, Tagger

logger = logging.getLogger(__name__)

GRID = tuple(round(0.1 * step, 1) for step in range(11))
P = TypeVar("P")


@dataclass(frozen=True)
class BlendChoice:
    weight: float  # chosen on the whole dev split
    tuned: float  # the figure at that weight, on the rows that chose it
    cross_fitted: float  # each half scored at the other half's weight
    encoder: float  # weight 0
    ngram: float  # weight 1


def choose_weight(
    count: int, decide: Callable[[int, float], P], figure: Callable[[dict[int, P]], float]
) -> BlendChoice:
    """``decide(row, weight)``: the prediction for one dev row; ``figure``: the metric of predictions by row.
    Ties go to the smaller weight (the encoder)."""

    def at(rows: Sequence[int], weight: float) -> float:
        return figure({row: decide(row, weight) for row in rows})

    def best(rows: Sequence[int]) -> float:
        return max(GRID, key=lambda weight: at(rows, weight))  # max keeps the first of equal figures

    everything = range(count)
    halves = (everything[0::2], everything[1::2])
    first, second = best(halves[0]), best(halves[1])
    crossed = {row: decide(row, second) for row in halves[0]} | {row: decide(row, first) for row in halves[1]}
    weight = best(everything)
    return BlendChoice(
        weight, at(everything, weight), figure(crossed), at(everything, 0.0), at(everything, 1.0)
    )


def dev_scores(
    tagger: Tagger, records: Sequence[dict[str, Any]], batch: int = 64
) -> list[tuple[HeadScores, HeadScores, list[str]]]:
    """(encoder scores, n-gram scores, entity names) of each record."""
    scored = []
    for first in range(0, len(records), batch):
        read = tagger.read(records[first : first + batch])
        ngram = tagger.ngram_scores([item for item, _ in read])
        for (item, outputs), ngram_scores in zip(read, ngram, strict=True):
            scored.append(
                (tagger.encoder_scores(item, outputs), ngram_scores, [e.name for e in item.entities])
            )
    return scored


def forum_scores(
    tagger: Tagger, dev: Sequence[data.ForumPost]
) -> list[tuple[HeadScores, HeadScores, list[str]]]:
    return dev_scores(tagger, [{"id": str(i), "title": "", "content": p.text} for i, p in enumerate(dev)])


def _stance(scored: tuple[HeadScores, HeadScores, list[str]], weight: float) -> int:
    """The forum head's label of one scored post at ``weight``."""
    encoder, ngram, _ = scored
    return int(np.argmax(blend(encoder.sentiment, ngram.sentiment, weight)))


def sentiment_choice(
    dev: Sequence[data.ForumPost], scores: Sequence[tuple[HeadScores, HeadScores, list[str]]]
) -> BlendChoice:
    """``scores``: :func:`forum_scores` of ``dev``."""

    def decide(row: int, weight: float) -> int:
        return _stance(scores[row], weight)

    def figure(predicted: dict[int, int]) -> float:
        rows = sorted(predicted)
        return metrics.macro_f1([dev[r].label for r in rows], [predicted[r] for r in rows]).macro_f1

    return choose_weight(len(dev), decide, figure)


@dataclass(frozen=True)
class CrawlChoice:
    """The sentiment weight chosen on posts of other crawls among those FinFE dev cannot tell apart."""

    weight: float
    dev_standard_error: float  # the bootstrap standard error of the best FinFE dev figure
    dev: dict[float, float]  # FinFE dev macro-F1 of each weight within that error of the best
    other_crawl: dict[float, float]  # the choice posts' macro-F1 at those weights, tagged with kind: forum


def sentiment_crawl_choice(
    tagger: Tagger,
    dev: Sequence[data.ForumPost],
    scores: Sequence[tuple[HeadScores, HeadScores, list[str]]],
    posts: Sequence[tuple[str, int]],
) -> CrawlChoice:
    """FinFE dev, one stock forum's split, cannot tell its best weight from several others, while posts of
    other crawls read very differently across them. So: of the weights whose dev macro-F1 (the forum head's
    argmax, as :func:`sentiment_choice`) is within one bootstrap standard error of the best, the one whose
    document labels score best on ``posts`` (:data:`nlp.cross_source.FORUM_CHOICE`: (text, label)), tagged as
    the crawlers send posts (``kind: forum``) so that the post rules of :mod:`nlp.sentiment` act as they
    will; ties go to the better dev figure. ``scores``: :func:`forum_scores` of ``dev``; ``tagger.ngram``
    holds the heads, and its sentiment weight is left at the choice."""
    from nlp.evaluate import post_labels

    gold = [p.label for p in dev]

    def labels_at(weight: float) -> list[int]:
        return [_stance(scored, weight) for scored in scores]

    figures = {weight: metrics.macro_f1(gold, labels_at(weight)).macro_f1 for weight in GRID}
    best = max(GRID, key=lambda weight: figures[weight])
    error = metrics.macro_f1_standard_error(gold, labels_at(best))
    close = [weight for weight in GRID if figures[weight] >= figures[best] - error]
    other: dict[float, float] = {}
    for weight in close:
        tagger.ngram.blend["sentiment"] = weight
        predicted = post_labels(tagger, [text for text, _ in posts], "forum")
        other[weight] = metrics.macro_f1([label for _, label in posts], predicted).macro_f1
    weight = max(close, key=lambda w: (other[w], figures[w]))
    tagger.ngram.blend["sentiment"] = weight
    return CrawlChoice(weight, error, {w: figures[w] for w in close}, other)


def events_choice(tagger: Tagger, dev: Sequence[data.EventText]) -> BlendChoice:
    scores = dev_scores(tagger, [{"id": t.id, "title": "", "content": t.text} for t in dev])

    def decide(row: int, weight: float) -> frozenset[str]:
        encoder, ngram, _ = scores[row]
        found = chosen_events(blend(encoder.events, ngram.events, weight), tagger.event_classes)
        return frozenset(kind for kind, _ in found) or frozenset({NO_EVENT})

    def figure(predicted: dict[int, frozenset[str]]) -> float:
        gold = {dev[r].id: dev[r].event_types for r in predicted}
        return metrics.event_type_prf(gold, {dev[r].id: kinds for r, kinds in predicted.items()}).f1

    return choose_weight(len(dev), decide, figure)


def entity_choice(tagger: Tagger, dev: Sequence[data.EntityNegativeText]) -> BlendChoice:
    records = [
        {"id": t.id, "title": "", "content": t.full_text, "targets": list(dict.fromkeys(t.candidates))}
        for t in dev
    ]
    scores = dev_scores(tagger, records)

    def decide(row: int, weight: float) -> metrics.Judgement:
        encoder, ngram, names = scores[row]
        negative = blend(encoder.entity_negative, ngram.entity_negative, weight)
        keys = [
            n
            for n, s in zip(names, negative, strict=True)
            if s >= ENTITY_NEGATIVE_THRESHOLD and n in dev[row].candidates
        ]
        return bool(keys), keys

    def figure(predicted: dict[int, metrics.Judgement]) -> float:
        gold = {dev[r].id: (dev[r].negative, dev[r].key_entities) for r in predicted}
        return metrics.bdci_negative_score(gold, {dev[r].id: j for r, j in predicted.items()}).entity.f1

    return choose_weight(len(dev), decide, figure)


def fit_blend(tagger: Tagger, heads: NgramHeads, root: Path | None = None) -> dict[str, BlendChoice]:
    """Choose ``heads.blend`` on the dev splits with ``tagger``'s encoder (the tagger takes the heads)."""
    tagger.ngram = heads
    forum_dev = data.load_forum_sentiment(root).dev
    scores = forum_scores(tagger, forum_dev)
    choices = {
        "sentiment": sentiment_choice(forum_dev, scores),
        "events": events_choice(tagger, data.load_event_texts(root).dev),
        "entity_negative": entity_choice(tagger, data.load_entity_negative(root).dev),
    }
    for name, choice in choices.items():
        heads.blend[name] = choice.weight
        heads.about[f"{name}.dev"] = {
            "weight": choice.weight,
            "figure_at_weight": round(choice.tuned, 4),
            "figure_cross_fitted": round(choice.cross_fitted, 4),
            "encoder_alone": round(choice.encoder, 4),
            "ngram_alone": round(choice.ngram, 4),
        }
        logger.info("blend %s: weight %.1f, %s", name, choice.weight, heads.about[f"{name}.dev"])
    heads.about.pop("sentiment.other_crawl", None)
    if cross_source.labelled_file(cross_source.FORUM_CHOICE).is_file():
        crawl = sentiment_crawl_choice(
            tagger, forum_dev, scores, cross_source.labelled_forum(root, cross_source.FORUM_CHOICE)
        )
        heads.blend["sentiment"] = crawl.weight
        heads.about["sentiment.other_crawl"] = {
            "weight": crawl.weight,
            "dev_standard_error": round(crawl.dev_standard_error, 4),
            "dev": {str(w): round(f, 4) for w, f in crawl.dev.items()},
            "choice_posts_kind_forum": {str(w): round(f, 4) for w, f in crawl.other_crawl.items()},
        }
        logger.info("blend sentiment on posts of other crawls: %s", heads.about["sentiment.other_crawl"])
    return choices


def restamp(folder: Path) -> str:
    """A new version stamp for the folder's model (its tags change with its heads), keeping what follows
    the stamp (``-h256l4-cont``): 2026.12.01.2042-h256l4-cont → 2026.12.02.0930-h256l4-cont."""
    path = folder / CONFIG_FILE
    config = json.loads(path.read_text("utf-8"))
    _, dash, rest = str(config.get("version", "")).partition("-")
    config["version"] = time.strftime("%Y.%m.%d.%H%M") + dash + rest
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), "utf-8")
    return config["version"]


def fit_ngram_folder(folder: Path, root: Path | None = None, blend_only: bool = False) -> NgramHeads:
    """Fit the n-gram heads (and the organisation gazetteer, :mod:`nlp.gazetteer_fit`) on the train splits,
    choose their blend with the folder's encoder on the dev splits, save them into the folder and give its
    model a new version stamp. ``blend_only``: keep the
    folder's heads (they do not depend on the encoder) and choose only the blend, for a changed encoder."""
    from nlp.gazetteer_fit import fit_gazetteer
    from nlp.ngram_fit import fit_ngram_heads

    heads = NgramHeads.load(folder) if blend_only else fit_ngram_heads(root)
    if not blend_only:  # the organisation names of the training splits, beside the heads
        fit_gazetteer(folder, root)
    if heads is None:
        raise ValueError(f"{folder}: no n-gram heads to re-blend; fit them first (without --blend-only)")
    fit_blend(Tagger.load(folder, ngram=False), heads, root)
    heads.save(folder)
    logger.info("model version %s", restamp(folder))
    return heads
