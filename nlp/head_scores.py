"""One document's head probabilities, from the encoder or the n-gram heads, their blend, and the event
decision both are read through. Pure numpy, no torch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.labels import NO_EVENT
from nlp.ngram_heads import blend

EVENT_THRESHOLD = 0.5


@dataclass
class HeadScores:
    sentiment: np.ndarray  # per sentiment label
    events: np.ndarray  # per event type of the model, then 其他 (no risk event)
    entity_negative: np.ndarray  # per entity of the document, in its order
    news: np.ndarray | None = None  # bad, neutral, good news (nlp.ngram_heads.NEWS_LABELS); n-gram heads only
    forum: float | None = None  # probability that the text is a forum or social post; n-gram heads only


def encoder_scores(
    window_sentiment: Sequence[Sequence[float]],
    window_lengths: Sequence[int],
    window_events: Sequence[Sequence[float]],
    entity_negative: Sequence[float],
) -> HeadScores:
    """Sentiment averaged over the windows by their length; each event type's most likely window, and for
    其他 the chance that no type is there (1 − the likeliest type), so that 其他 wins exactly when no type
    reaches one half, as the encoder's sigmoid heads were trained to be read."""
    lengths = np.asarray(window_lengths, dtype=np.float64)
    sentiment = (np.asarray(window_sentiment, dtype=np.float64) * lengths[:, None]).sum(0) / lengths.sum()
    types = np.asarray(window_events, dtype=np.float64).max(0)
    return HeadScores(
        sentiment, np.append(types, 1.0 - types.max()), np.asarray(entity_negative, dtype=float)
    )


def blended(encoder: HeadScores, ngram: HeadScores, weights: Mapping[str, float]) -> HeadScores:
    """Each head as ``weight · n-gram + (1 − weight) · encoder`` (weights keyed as
    :data:`nlp.ngram_heads.BLENDED`)."""
    return HeadScores(
        blend(encoder.sentiment, ngram.sentiment, weights.get("sentiment", 0.0)),
        blend(encoder.events, ngram.events, weights.get("events", 0.0)),
        blend(encoder.entity_negative, ngram.entity_negative, weights.get("entity_negative", 0.0)),
        ngram.news,
        ngram.forum,
    )


def chosen_events(
    events: np.ndarray, classes: Sequence[str], threshold: float = EVENT_THRESHOLD
) -> list[tuple[str, float]]:
    """The most likely class and every class at ``threshold`` or above, 其他 left out (it means none):
    ``(type, probability)``, likeliest first."""
    picked = {int(np.argmax(events)), *np.flatnonzero(events >= threshold).tolist()}
    found = [(classes[k], float(events[k])) for k in picked if classes[k] != NO_EVENT]
    return sorted(found, key=lambda item: -item[1])
