"""Text → model inputs: normalise, tokenise with the Chinese BERT vocabulary, and map character spans to
token spans. Offsets survive because :func:`nlp.text.normalise` maps one character to one character."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from transformers import BertTokenizer

from nlp.text import normalise


def load_vocab(path: Path) -> dict[str, int]:
    with path.open(encoding="utf-8") as handle:
        return {line.rstrip("\n"): index for index, line in enumerate(handle)}


def build_tokenizer(vocab_path: Path) -> BertTokenizer:
    """A WordPiece tokenizer over ``vocab.txt`` (one token a line, the line number is the id)."""
    return BertTokenizer(vocab=load_vocab(vocab_path), do_lower_case=True, tokenize_chinese_chars=True)


@dataclass
class Encoded:
    """One window of a text: token ids and each token's ``(start, end)`` characters in the text."""

    input_ids: list[int]
    offsets: list[tuple[int, int]]  # (0, 0) for [CLS] and [SEP]
    char_start: int  # where this window starts in the text
    char_end: int

    @cached_property
    def _bounds(self) -> tuple[list[int], list[int]]:
        """Where each token between [CLS] and [SEP] starts and ends, for :meth:`token_span`."""
        return [s for s, _ in self.offsets[1:-1]], [e for _, e in self.offsets[1:-1]]

    def token_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Tokens ``[first, last)`` covering characters ``[start, end)`` of the text; ``None`` if the span
        is not inside this window."""
        if start < self.char_start or end > self.char_end or end <= start:
            return None
        starts, ends = self._bounds
        first = bisect_right(ends, start)  # first token ending after the span starts
        last = bisect_left(starts, end)  # first token starting at or after the span ends
        if first >= last:
            return None
        return first + 1, last + 1  # +1 for [CLS]


def encode_windows(tokenizer: BertTokenizer, text: str, max_length: int, stride: int) -> list[Encoded]:
    """Split a text of any length into overlapping windows of at most ``max_length`` tokens.

    Long documents are read whole, window by window (``stride`` tokens of overlap), never truncated.
    """
    encoding = tokenizer(
        normalise(text),
        return_offsets_mapping=True,
        add_special_tokens=False,
        truncation=False,
    )
    ids: list[int] = encoding["input_ids"]
    offsets: list[tuple[int, int]] = [tuple(o) for o in encoding["offset_mapping"]]
    body = max_length - 2
    windows: list[Encoded] = []
    start = 0
    while True:
        piece = slice(start, start + body)
        piece_offsets = offsets[piece]
        char_start = piece_offsets[0][0] if piece_offsets else 0
        char_end = piece_offsets[-1][1] if piece_offsets else 0
        windows.append(
            Encoded(
                input_ids=[tokenizer.cls_token_id, *ids[piece], tokenizer.sep_token_id],
                offsets=[(0, 0), *piece_offsets, (0, 0)],
                char_start=char_start,
                char_end=char_end,
            )
        )
        if start + body >= len(ids):
            return windows
        start += body - stride
