"""Training examples for the model's heads, built from the shared datasets. Pure Python, no torch.

Every example is one text with the targets it has: a sentiment label, NER spans, event types, and entities
(with their mention spans and, where known, whether the text is negative about them and which risk events
concern them). Heads without a target for an example are simply not trained on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nlp.data import EntityNegativeText, EventText, ForumPost
from nlp.labels import NO_EVENT, SENTIMENT_LABELS
from nlp.ner_data import NerSentence
from nlp.text import outermost_mentions

NEGATIVE, NEUTRAL = SENTIMENT_LABELS.index("negative"), SENTIMENT_LABELS.index("neutral")


@dataclass
class EntityTarget:
    name: str
    mentions: list[tuple[int, int]]
    negative: bool | None = None
    event_types: frozenset[str] | None = None


@dataclass
class Example:
    text: str
    source: str
    sentiment: int | None = None
    ner_spans: tuple[tuple[int, int, str], ...] | None = None
    event_types: frozenset[str] | None = None
    entities: list[EntityTarget] = field(default_factory=list)


def find_mentions(text: str, names: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """Every occurrence of each name; an occurrence inside a longer name's occurrence is not a mention."""
    occurrences: dict[str, list[tuple[int, int]]] = {}
    for name in {n for n in names if n}:
        start = text.find(name)
        while start >= 0:
            occurrences.setdefault(name, []).append((start, start + len(name)))
            start = text.find(name, start + 1)
    kept = outermost_mentions(list(occurrences.values()))
    found = [(name, spans) for name, spans in zip(occurrences, kept, strict=True) if spans]
    return dict(sorted(found, key=lambda item: item[1][0]))  # in the order the text names them


def from_entity_negative(item: EntityNegativeText) -> Example:
    text = item.full_text
    mentions = find_mentions(text, item.candidates)
    keys = set(item.key_entities)
    # Candidates missing from the text (characters lost as ???? in the source) stay, with no mentions: the
    # tagger must still judge every target it is given, from the document alone.
    entities = [
        EntityTarget(name, mentions.get(name, []), negative=item.negative and name in keys)
        for name in dict.fromkeys(item.candidates)
    ]
    sentiment = (
        NEGATIVE if item.negative else NEUTRAL
    )  # the data marks negative or not; not-negative → neutral
    return Example(text, "entity_negative", sentiment=sentiment, entities=entities)


def from_event_text(item: EventText) -> Example:
    types = frozenset(t for t in item.event_types if t != NO_EVENT)
    by_subject: dict[str, set[str]] = {}
    for event_type, subject in item.events:
        if event_type != NO_EVENT and subject:
            by_subject.setdefault(subject, set()).add(event_type)
    mentions = find_mentions(item.text, by_subject)
    entities = [
        # A company that is the subject of a risk event is a company the text is negative about.
        EntityTarget(name, spans, negative=True, event_types=frozenset(by_subject[name]))
        for name, spans in mentions.items()
    ]
    return Example(item.text, "events", event_types=types, entities=entities)


def from_forum(post: ForumPost) -> Example:
    return Example(post.text, "forum", sentiment=post.label)


def from_ner(sentence: NerSentence) -> Example:
    spans = tuple((span.start, span.end, span.label) for span in sentence.spans)
    return Example(sentence.text, f"ner-{sentence.corpus}", ner_spans=spans)
