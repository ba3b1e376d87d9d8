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

import numpy as np
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
    log_probs = scores.float().log_softmax(-1).numpy()
    allowed, first = (mask.numpy() for mask in transition_mask(tags))
    forbidden = np.where(allowed, 0.0, -np.inf).astype(np.float32)
    opening = np.zeros(len(tags), dtype=np.float32)
    closing = np.zeros(len(tags), dtype=np.float32)
    if crf is not None:
        start, transitions, end = (part.detach().float().numpy() for part in crf)
        forbidden, opening, closing = forbidden + transitions, start, end
    last = np.array([length - 2 for length in lengths], dtype=np.int64)  # each row's last content position
    result = [["O"] * length for length in lengths]
    if rows == 0 or int(last.max()) < 1:
        return result
    # numpy, not torch: ~130 steps of 7×7 operations per batch, where torch's per-call overhead dominated
    score = np.where(first, log_probs[:, 1] + opening, -np.inf)
    final = score.copy()
    pointers: list[np.ndarray] = []  # pointers[t - 2][row, tag]: best previous tag for ``tag`` at t
    for position in range(2, int(last.max()) + 1):
        candidates = score[:, :, None] + forbidden[None]
        previous = candidates.argmax(1)
        score = np.take_along_axis(candidates, previous[:, None, :], 1)[:, 0] + log_probs[:, position]
        pointers.append(previous)
        final = np.where((last == position)[:, None], score, final)
    best_last = (final + closing).argmax(1)
    state = best_last
    path = np.zeros((rows, int(last.max()) + 1), dtype=np.int64)
    every_row = np.arange(rows)
    for position in range(int(last.max()), 0, -1):
        state = np.where(last == position, best_last, state)
        path[:, position] = state
        if position > 1:
            back = pointers[position - 2][every_row, state]
            state = np.where(position <= last, back, state)
    for row, (length, decoded) in enumerate(zip(lengths, path.tolist(), strict=True)):
        result[row][1 : length - 1] = [tags[index] for index in decoded[1 : length - 1]]
    return result
