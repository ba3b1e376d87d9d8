"""The thresholds of the document label (:mod:`nlp.sentiment`) as the rules in their docstrings choose them
on dev, for a model folder: re-check them after refitting the heads (``riskwatch evaluate --dev-rules``).

- :data:`nlp.sentiment.POST_THRESHOLD`: the largest of :data:`POST_THRESHOLD_GRID` at which the ``kind``
  head keeps at least :data:`POSTS_KEPT` of the FinFE dev posts posts.
- :data:`nlp.sentiment.POST_ENTITY_THRESHOLD`: the lowest of :data:`POST_ENTITY_GRID` at which FinFE dev
  macro-F1 (posts with ``kind: forum``) stays within one bootstrap standard error of the forum head alone
  and at or above its target.
- :data:`nlp.sentiment.POST_EVENT_THRESHOLD`: kept when FinFE dev macro-F1 with the event-backed rule (beside
  the entity rule at its shipped threshold) stays within that standard error, and the hand-labelled posts of
  other crawls kept for choosing (:data:`nlp.cross_source.FORUM_CHOICE`) score no lower with it than
  without (without them: FinFE dev at or above the target too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp import metrics
from nlp.data import ForumPost
from nlp.sentiment import document_sentiment
from nlp.tagger import Tagger

POST_THRESHOLD_GRID = (0.5, 0.6, 0.7, 0.8, 0.9)
POSTS_KEPT = 0.99
POST_ENTITY_GRID = (0.95, 0.9, 0.85, 0.8, 0.75, 0.7)
FORUM_TARGET = 0.70
RESAMPLES = 300


def post_threshold(
    post_probabilities: Sequence[float], grid: Sequence[float] = POST_THRESHOLD_GRID, kept: float = POSTS_KEPT
) -> float:
    """The largest threshold of ``grid`` at which ``kept`` of the dev posts (their ``kind`` head
    probabilities) still read as posts; the smallest of the grid when none does."""
    count = len(post_probabilities)
    keeping = [t for t in grid if sum(p >= t for p in post_probabilities) >= kept * count]
    return max(keeping) if keeping else min(grid)


def with_entity_rule(stance: Sequence[int], entity_negative: Sequence[float], threshold: float) -> list[int]:
    """The labels once a post naming an entity judged negative at ``threshold`` or more reads bearish (0)."""
    return [0 if score >= threshold else label for label, score in zip(stance, entity_negative, strict=True)]


@dataclass(frozen=True)
class EntityRuleChoice:
    threshold: float | None  # None: no threshold of the grid keeps the dev figure
    alone: float  # dev macro-F1 of the forum head alone
    standard_error: float  # its bootstrap standard error
    figures: dict[float, float]  # dev macro-F1 with the rule at each threshold


def post_entity_threshold(
    gold: Sequence[int],
    stance: Sequence[int],
    entity_negative: Sequence[float],
    target: float = FORUM_TARGET,
    grid: Sequence[float] = POST_ENTITY_GRID,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> EntityRuleChoice:
    """``stance``: the forum head's label of each dev post (0 negative); ``entity_negative``: the highest
    score of an entity judged negative in it (0 when none is)."""
    alone = metrics.macro_f1(list(gold), list(stance)).macro_f1
    error = metrics.macro_f1_standard_error(gold, stance, resamples, seed)
    figures = {
        t: metrics.macro_f1(list(gold), with_entity_rule(stance, entity_negative, t)).macro_f1 for t in grid
    }
    fine = [t for t in grid if figures[t] >= alone - error and figures[t] >= target]
    return EntityRuleChoice(min(fine) if fine else None, alone, error, figures)


@dataclass(frozen=True)
class PostReads:
    """Posts as the rules read them (:func:`read_dev_posts`), with their hand labels."""

    gold: Sequence[int]
    stance: Sequence[int]  # the forum head's label alone
    entity_negative: Sequence[float]  # the highest score of an entity judged negative (0 when none is)
    risk_event: Sequence[float]  # the likeliest risk event's score (0 when none)


@dataclass(frozen=True)
class EventRuleChoice:
    keep: bool
    without: float  # dev macro-F1 with the entity rule alone
    figure: float  # ... and with the event-backed rule beside it
    changed: int  # dev posts whose label the event-backed rule changes
    other_without: float | None = None  # the same two figures on the choice posts of other crawls
    other_figure: float | None = None


def event_backed(
    labels: Sequence[int], entity_negative: Sequence[float], risk_event: Sequence[float], threshold: float
) -> list[int]:
    """The labels once a post naming an entity judged negative and reporting a risk event at ``threshold``
    or more reads bearish (0)."""
    return [
        0 if score > 0 and event >= threshold else label
        for label, score, event in zip(labels, entity_negative, risk_event, strict=True)
    ]


def _event_rule_figures(
    posts: PostReads, entity_threshold: float, event_threshold: float
) -> tuple[float, float, int]:
    """Macro-F1 of ``posts`` with the entity rule alone and with the event-backed rule beside it, and how many
    labels the event-backed rule changes."""
    by_entity = with_entity_rule(posts.stance, posts.entity_negative, entity_threshold)
    backed = event_backed(by_entity, posts.entity_negative, posts.risk_event, event_threshold)
    changed = sum(a != b for a, b in zip(by_entity, backed, strict=True))
    gold = list(posts.gold)
    return metrics.macro_f1(gold, by_entity).macro_f1, metrics.macro_f1(gold, backed).macro_f1, changed


def post_event_rule(
    gold: Sequence[int],
    stance: Sequence[int],
    entity_negative: Sequence[float],
    risk_event: Sequence[float],
    entity_choice: EntityRuleChoice,
    entity_threshold: float,
    event_threshold: float,
    target: float = FORUM_TARGET,
    other: PostReads | None = None,
) -> EventRuleChoice:
    """Whether a post naming an entity judged negative and reporting a risk event at ``event_threshold`` may
    read bearish. FinFE dev macro-F1 must stay within ``entity_choice``'s standard error of the forum head
    alone; and, where the rule is meant to act, the posts of other crawls (``other``: the choice posts,
    :data:`nlp.cross_source.FORUM_CHOICE`) must score no lower with it than without. Without them, FinFE dev
    must also stay at or above ``target``. ``risk_event``: each post's likeliest risk event score (0 when
    none)."""
    without, figure, changed = _event_rule_figures(
        PostReads(gold, stance, entity_negative, risk_event), entity_threshold, event_threshold
    )
    keep = figure >= entity_choice.alone - entity_choice.standard_error
    if other is None:
        return EventRuleChoice(keep and figure >= target, without, figure, changed)
    other_without, other_figure, _ = _event_rule_figures(other, entity_threshold, event_threshold)
    keep = keep and other_figure >= other_without
    return EventRuleChoice(keep, without, figure, changed, other_without, other_figure)


def read_dev_posts(
    tagger: Tagger, posts: Sequence[ForumPost], batch: int = 64
) -> tuple[list[float], list[int], list[float], list[float]]:
    """For each dev post: the ``kind`` head's P(post), the forum head's stance alone, the highest score of an
    entity judged negative in it and its likeliest risk event's score."""
    labels = tagger.model.config.sentiment_labels
    post_probabilities: list[float] = []
    stance: list[int] = []
    entity_negative: list[float] = []
    risk_event: list[float] = []
    for first in range(0, len(posts), batch):
        records = [
            {"id": str(i), "title": "", "content": p.text, "kind": "forum"}
            for i, p in enumerate(posts[first : first + batch])
        ]
        read = tagger.read(records)
        for (item, _), scores in zip(read, tagger.scores(read), strict=True):
            tagged = tagger.postprocess(item, scores)
            post_probabilities.append(1.0 if scores.forum is None else scores.forum)
            stance.append(labels.index(document_sentiment("forum", labels, scores, 0.0, 0.0)["label"]))
            entity_negative.append(
                max((e["negative_score"] for e in tagged["entities"] if e["negative"]), default=0.0)
            )
            risk_event.append(max((e["score"] for e in tagged["events"]), default=0.0))
    return post_probabilities, stance, entity_negative, risk_event
