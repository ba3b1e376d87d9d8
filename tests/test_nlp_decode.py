"""Decoding helpers: BIO runs to character spans, evidence sentences, field offsets."""

from __future__ import annotations

from nlp.decode import bio_spans, evidence_sentences, field_offsets
from nlp.encoding import Encoded


def test_bio_runs_become_character_spans() -> None:
    window = Encoded(
        input_ids=[0] * 8,
        offsets=[(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (0, 0)],
        char_start=0,
        char_end=7,
    )
    tags = ["O", "B-ORG", "I-ORG", "O", "I-LOC", "B-PER", "I-PER", "O"]
    assert bio_spans(tags, window) == [(0, 2, "ORG"), (3, 4, "LOC"), (5, 7, "PER")]


def test_evidence_prefers_sentences_with_a_cue_and_never_repeats() -> None:
    text = "鸿远地产发布公告。鸿远地产未能兑付利息。鸿远地产发布公告。"
    mentions = [(0, 4), (9, 13), (20, 24)]
    cues = [(13, 17)]
    assert evidence_sentences(text, mentions, cues) == ["鸿远地产未能兑付利息。", "鸿远地产发布公告。"]


def test_evidence_for_an_entity_the_text_never_names_comes_from_cue_sentences() -> None:
    text = "行情平稳。该平台已逾期兑付，出借人无法提现。"
    assert evidence_sentences(text, [], [(8, 10)]) == ["该平台已逾期兑付，出借人无法提现。"]
    assert evidence_sentences(text, [], []) == []


def test_field_offsets() -> None:
    assert field_offsets(3, title_length=5) == ("title", 3)
    assert field_offsets(6, title_length=5) == ("content", 0)
