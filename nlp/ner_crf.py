"""A linear-chain CRF on the NER head's tag scores: learned start, transition and end scores on top of the
BIO constraints of :mod:`nlp.ner_decode`, trained by the gold sequence's negative log-likelihood.

The per-token softmax the BiLSTM was first trained with scores each tag alone; the CRF scores whole tag
sequences, so it can learn that ``B-ORG`` is followed by ``I-ORG`` far more often than by ``O``, or that an
organisation rarely starts right after a person. The constraints stay (as large negative scores, which
the gold sequences never pay), so decoding reads only valid BIO, as before. At zero transitions the CRF
decodes exactly what the constrained Viterbi decoded, so it can be added to a trained head and tuned.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nlp.labels import IGNORE
from nlp.ner_decode import transition_mask

FORBIDDEN = -1e4
"""The score of a transition BIO forbids: finite, so that the forward algorithm stays free of NaN."""


class ChainCrf(nn.Module):
    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__()
        count = len(tags)
        self.start = nn.Parameter(torch.zeros(count))
        self.transitions = nn.Parameter(torch.zeros(count, count))  # [previous, next]
        self.end = nn.Parameter(torch.zeros(count))
        allowed, first = transition_mask(tags)
        self.register_buffer("forbidden", torch.zeros(count, count).masked_fill(~allowed, FORBIDDEN), False)
        self.register_buffer("forbidden_first", torch.zeros(count).masked_fill(~first, FORBIDDEN), False)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start, transitions, end) with the BIO constraints applied."""
        return self.start + self.forbidden_first, self.transitions + self.forbidden, self.end

    def negative_log_likelihood(self, logits: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Mean over the rows of ``-log p(gold tags)``. ``tags`` (batch, positions) hold a tag at a window's
        content positions (1 … length − 2, contiguous) and :data:`IGNORE` elsewhere ([CLS], [SEP], padding)."""
        mask = tags != IGNORE
        rows = mask.any(dim=1)
        logits, tags, mask = logits[rows], tags[rows], mask[rows]
        if not len(tags):
            return logits.sum() * 0.0
        emissions = logits.float().log_softmax(-1)  # per-position constants cancel in the CRF
        start, transitions, end = self.scores()
        gold = tags.clamp(min=0)
        first = mask.float().argmax(dim=1)  # the first content position (1 in every window)
        last = first + mask.sum(dim=1) - 1
        batch = torch.arange(len(tags), device=tags.device)
        path = (emissions.gather(2, gold.unsqueeze(2)).squeeze(2) * mask).sum(dim=1)
        steps = mask[:, 1:] & mask[:, :-1]
        path = path + (transitions[gold[:, :-1], gold[:, 1:]] * steps).sum(dim=1)
        path = path + start[gold[batch, first]] + end[gold[batch, last]]
        alpha = torch.full_like(emissions[:, 0], FORBIDDEN)
        for position in range(emissions.shape[1]):
            opening = (first == position).unsqueeze(1)
            inside = (mask[:, position] & (first < position)).unsqueeze(1)
            step = torch.logsumexp(alpha.unsqueeze(2) + transitions.unsqueeze(0), dim=1)
            alpha = torch.where(opening, start + emissions[:, position], alpha)
            alpha = torch.where(inside, step + emissions[:, position], alpha)
        partition = torch.logsumexp(alpha + end, dim=1)
        return (partition - path).mean()
