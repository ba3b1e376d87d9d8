"""NER tags from the head's per-token scores: the best tag sequence that is valid BIO, not each token's argmax.

An argmax per token can tag ``O B-ORG I-LOC I-ORG``: one organisation read as three spans, or an ``I-``
with no ``B-`` before it. Viterbi over the log-probabilities with the invalid transitions forbidden (an
``I-X`` only after ``B-X`` or ``I-X``, never first) gives the most probable sequence the span reader can
take whole. Without a CRF no transitions are learned: the scores are the model's own, so any model gains
it without training; with one (:mod:`nlp.ner_crf`) its learned start, transition and end scores are added.
The whole batch is decoded at once, one step per token position.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def transition_mask(tags: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(allowed[previous, next], allowed_first[next])`` for a BIO tag list such as ``O B-ORG I-ORG``."""
    allowed = torch.ones(len(tags), len(tags), dtype=torch.bool)
    first = torch.ones(len(tags), dtype=torch.bool)
    for index, tag in enumerate(tags):
        if tag.startswith("I-"):
            kind = tag[2:]
            first[index] = False
            allowed[:, index] = torch.tensor([t in (f"B-{kind}", f"I-{kind}") for t in tags])
    return allowed, first


def constrained_tags(
    scores: torch.Tensor,
    lengths: Sequence[int],
    tags: Sequence[str],
    crf: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
) -> list[list[str]]:
    """Valid BIO tags for each row of ``scores`` (batch, positions, tags: logits), over its first
    ``lengths[row]`` positions. Position 0 and the row's last position are the [CLS] and [SEP] markers of
    a window: they are tagged ``O`` and the sequence is decoded between them. ``crf``: learned (start,
    transitions, end) scores, added to the constraints."""
    rows = scores.shape[0]
    log_probs = scores.float().log_softmax(-1)
    allowed, first = transition_mask(tags)
    forbidden = torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))
    opening = torch.zeros(len(tags))
    closing = torch.zeros(len(tags))
    if crf is not None:
        start, transitions, end = (part.detach().float() for part in crf)
        forbidden, opening, closing = forbidden + transitions, start, end
    last = torch.tensor([length - 2 for length in lengths])  # the last content position of each row
    result = [["O"] * length for length in lengths]
    if rows == 0 or int(last.max()) < 1:
        return result
    score = (log_probs[:, 1] + opening).masked_fill(~first, float("-inf"))
    final = score.clone()
    pointers: list[torch.Tensor] = []  # pointers[t - 2][row, tag]: best previous tag for ``tag`` at t
    for position in range(2, int(last.max()) + 1):
        best, previous = (score.unsqueeze(2) + forbidden).max(1)
        score = best + log_probs[:, position]
        pointers.append(previous)
        final = torch.where((last == position).unsqueeze(1), score, final)
    final = final + closing
    state = final.argmax(1)
    path = torch.zeros(rows, int(last.max()) + 1, dtype=torch.long)
    for position in range(int(last.max()), 0, -1):
        state = torch.where(last == position, final.argmax(1), state)
        path[:, position] = state
        if position > 1:
            back = pointers[position - 2].gather(1, state.unsqueeze(1)).squeeze(1)
            state = torch.where(position <= last, back, state)
    for row, (length, decoded) in enumerate(zip(lengths, path.tolist(), strict=True)):
        result[row][1 : length - 1] = [tags[index] for index in decoded[1 : length - 1]]
    return result
