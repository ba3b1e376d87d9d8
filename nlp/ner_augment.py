"""Mention replacement for NER training: a sentence's organisations swapped for other organisation names.

The NER corpora name few organisations many times (新华社, 国务院 …), so a head can learn the names rather
than what marks a name in context: it then misses the short and foreign names of finance news (顺丰, Waymo).
A copy of a sentence with each organisation replaced by a random name of the training splits' gazetteer
(:func:`nlp.gazetteer_fit.training_org_names`) keeps the context and changes the name (Dai and Adel, "An
Analysis of Simple Data Augmentation for Named Entity Recognition", COLING 2020). The same name is replaced
the same way throughout its sentence; other entity types keep their spans, moved with the text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from nlp.ner_data import NerSentence, Span


def swapped(sentence: NerSentence, names: Sequence[str], rng: random.Random) -> NerSentence | None:
    """``sentence`` with its ORG mentions replaced by names drawn from ``names``; None without one."""
    organisations = [span for span in sentence.spans if span.label == "ORG"]
    if not organisations or not names:
        return None
    replacement: dict[str, str] = {}
    text, spans, moved, cursor = [], [], 0, 0
    for span in sorted(sentence.spans):
        if span.start < cursor:  # nested or overlapping spans: keep the sentence as it is
            return None
        text.append(sentence.text[cursor : span.start])
        mention = sentence.text[span.start : span.end]
        if span.label == "ORG":
            mention = replacement.setdefault(mention, rng.choice(names))
        start = span.start + moved
        text.append(mention)
        spans.append(Span(start, start + len(mention), span.label))
        moved += len(mention) - (span.end - span.start)
        cursor = span.end
    text.append(sentence.text[cursor:])
    return NerSentence("".join(text), tuple(spans), sentence.corpus)


def with_swapped_copies(
    sentences: Sequence[NerSentence], names: Sequence[str], share: float, seed: int = 13
) -> list[NerSentence]:
    """The sentences, plus a swapped copy of each one that names an organisation, drawn with chance ``share``."""
    rng = random.Random(seed)
    copies = []
    for sentence in sentences:
        if share > 0 and rng.random() < share and (copy := swapped(sentence, names, rng)) is not None:
            copies.append(copy)
    return [*sentences, *copies]
