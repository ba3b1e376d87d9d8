"""Constrained BIO decoding of the NER head's scores (nlp.ner_decode)."""

from __future__ import annotations

import itertools

import pytest
import torch

from nlp.ner_decode import constrained_tags, transition_mask

TAGS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def _valid(sequence: list[str]) -> bool:
    previous = "O"
    for tag in sequence:
        if tag.startswith("I-") and previous not in (f"B-{tag[2:]}", tag):
            return False
        previous = tag
    return True


def _logits(rows: list[list[dict[str, float]]]) -> torch.Tensor:
    """Scores from per-position {tag: logit} dicts; unnamed tags get -5."""
    length = max(len(row) for row in rows)
    scores = torch.full((len(rows), length, len(TAGS)), -5.0)
    for r, row in enumerate(rows):
        for p, named in enumerate(row):
            for tag, value in named.items():
                scores[r, p, TAGS.index(tag)] = value
    return scores


def test_transition_mask_allows_inside_tags_only_after_their_own_type() -> None:
    allowed, first = transition_mask(TAGS)
    i_org, i_loc = TAGS.index("I-ORG"), TAGS.index("I-LOC")
    assert allowed[:, i_org].tolist() == [False, True, True, False, False]
    assert allowed[:, i_loc].tolist() == [False, False, False, True, True]
    assert allowed[:, TAGS.index("B-LOC")].all() and allowed[:, 0].all()
    assert first.tolist() == [True, True, False, True, False]


def test_an_organisation_split_by_a_stray_inside_tag_is_read_whole() -> None:
    """Argmax gives B-ORG I-LOC I-ORG (three spans for the span reader); the decoder gives one ORG."""
    cls_sep = {"O": 5.0}
    row = [cls_sep, {"B-ORG": 3.0}, {"I-LOC": 2.0, "I-ORG": 1.8}, {"I-ORG": 3.0}, {"O": 3.0}, cls_sep]
    scores = _logits([row])
    assert [TAGS[i] for i in scores[0].argmax(-1).tolist()][1:4] == ["B-ORG", "I-LOC", "I-ORG"]
    assert constrained_tags(scores, [6], TAGS) == [["O", "B-ORG", "I-ORG", "I-ORG", "O", "O"]]


def test_a_sequence_never_starts_inside_and_markers_are_outside() -> None:
    """The first content token cannot be I-; [CLS] and [SEP] are O whatever their scores say."""
    row = [{"I-ORG": 9.0}, {"I-ORG": 3.0, "B-ORG": 2.5}, {"I-ORG": 3.0}, {"B-LOC": 9.0}]
    assert constrained_tags(_logits([row]), [4], TAGS) == [["O", "B-ORG", "I-ORG", "O"]]


@pytest.mark.parametrize("seed", range(5))
def test_the_decoded_sequence_is_the_most_probable_valid_one(seed: int) -> None:
    """Against exhaustive search over every valid sequence of 5 content tokens (5^5 candidates)."""
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(1, 7, len(TAGS), generator=generator) * 3
    log_probs = scores.log_softmax(-1)[0]
    best, best_score = None, float("-inf")
    for candidate in itertools.product(range(len(TAGS)), repeat=5):
        tags = [TAGS[i] for i in candidate]
        if not _valid(tags):
            continue
        total = sum(float(log_probs[position + 1, index]) for position, index in enumerate(candidate))
        if total > best_score:
            best, best_score = tags, total
    decoded = constrained_tags(scores, [7], TAGS)[0]
    assert decoded[1:6] == best and decoded[0] == decoded[6] == "O"


def test_rows_of_a_padded_batch_decode_as_they_would_alone() -> None:
    """Each row is decoded over its own length: padding and the other rows change nothing."""
    generator = torch.Generator().manual_seed(7)
    lengths = [9, 4, 2, 6]
    scores = torch.randn(len(lengths), 9, len(TAGS), generator=generator) * 3
    together = constrained_tags(scores, lengths, TAGS)
    alone = [constrained_tags(scores[r : r + 1, :n], [n], TAGS)[0] for r, n in enumerate(lengths)]
    assert together == alone
    assert [len(row) for row in together] == lengths
    assert together[2] == ["O", "O"]  # a window with no content token
    assert all(_valid(row) for row in together)
