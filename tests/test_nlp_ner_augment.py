"""Mention replacement for NER training (nlp/ner_augment.py)."""

from __future__ import annotations

import random

from nlp.ner_augment import swapped, with_swapped_copies
from nlp.ner_data import NerSentence, Span


def _mentions(sentence: NerSentence) -> list[tuple[str, str]]:
    return [(sentence.text[span.start : span.end], span.label) for span in sentence.spans]


def test_organisations_are_renamed_and_every_span_moves_with_the_text() -> None:
    sentence = NerSentence(
        "新华社北京电，国务院与新华社签约，张三出席",
        (Span(0, 3, "ORG"), Span(3, 5, "LOC"), Span(7, 10, "ORG"), Span(11, 14, "ORG"), Span(17, 19, "PER")),
        "msra",
    )
    copy = swapped(sentence, ["顺丰", "Waymo公司"], random.Random(3))
    assert copy is not None and copy.corpus == "msra"
    mentions = _mentions(copy)
    assert [label for _, label in mentions] == ["ORG", "LOC", "ORG", "ORG", "PER"]
    assert mentions[1] == ("北京", "LOC") and mentions[4] == ("张三", "PER")
    assert {name for name, label in mentions if label == "ORG"} <= {"顺丰", "Waymo公司"}
    assert mentions[0] == mentions[3]  # the same name is renamed the same way in its sentence
    assert copy.text.endswith("签约，张三出席") and "新华社" not in copy.text and "国务院" not in copy.text


def test_sentences_without_organisations_or_with_overlapping_spans_are_not_copied() -> None:
    rng = random.Random(0)
    assert (
        swapped(NerSentence("张三在北京", (Span(0, 2, "PER"), Span(3, 5, "LOC")), "msra"), ["顺丰"], rng)
        is None
    )
    nested = NerSentence("北京银行北京分行", (Span(0, 4, "ORG"), Span(0, 2, "LOC")), "cluener")
    assert swapped(nested, ["顺丰"], rng) is None
    assert swapped(NerSentence("国务院", (Span(0, 3, "ORG"),), "msra"), [], rng) is None


def test_copies_are_added_at_the_share_asked_and_the_originals_kept() -> None:
    sentences = [
        NerSentence(f"第{i}号公司国务院", (Span(len(str(i)) + 4, len(str(i)) + 7, "ORG"),), "msra")
        for i in range(400)
    ]
    assert with_swapped_copies(sentences, ["顺丰"], 0.0) == sentences
    grown = with_swapped_copies(sentences, ["顺丰"], 0.5, seed=1)
    assert grown[:400] == sentences
    assert 150 < len(grown) - 400 < 250  # about half were copied
    assert all(_mentions(copy) == [("顺丰", "ORG")] for copy in grown[400:])
    assert with_swapped_copies(sentences, ["顺丰"], 0.5, seed=1) == grown  # the same seed, the same copies
