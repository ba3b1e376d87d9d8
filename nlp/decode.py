"""Turning per-token and per-window model outputs into spans, scores and evidence. Pure Python."""

from __future__ import annotations

from collections.abc import Sequence

from nlp.encoding import Encoded
from nlp.text import split_sentences


def bio_spans(tags: Sequence[str], window: Encoded) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, type)`` of the B-/I- runs in a window's predicted tags."""
    spans: list[tuple[int, int, str]] = []
    current: list[int] | None = None  # [first token, last token, type index in the list below]
    kind = ""
    last = len(window.offsets) - 1
    for index, tag in enumerate(tags):
        if index == 0 or index == last:
            continue
        if tag == "O":  # most tokens: the else branch below, without its tests
            if current is not None:
                spans.append((window.offsets[current[0]][0], window.offsets[current[1]][1], kind))
                current = None
            continue
        if tag.startswith("B-") or (tag.startswith("I-") and (current is None or tag[2:] != kind)):
            if current is not None:
                spans.append((window.offsets[current[0]][0], window.offsets[current[1]][1], kind))
            current, kind = [index, index], tag[2:]
        elif tag.startswith("I-") and current is not None:
            current[1] = index
        else:
            if current is not None:
                spans.append((window.offsets[current[0]][0], window.offsets[current[1]][1], kind))
            current = None
    if current is not None:
        spans.append((window.offsets[current[0]][0], window.offsets[current[1]][1], kind))
    return spans


def evidence_sentences(
    text: str, mentions: Sequence[tuple[int, int]], cues: Sequence[tuple[int, int]], limit: int = 2
) -> list[str]:
    """Sentences that mention the entity, those holding a negative cue (an event keyword) first; for an entity
    the text never names, the sentences holding a cue."""
    chosen: list[tuple[int, int, int]] = []
    for start, end in split_sentences(text):
        named = any(start <= m_start < end for m_start, _ in mentions)
        if mentions and not named:
            continue
        if not mentions and not any(start <= c_start < end for c_start, _ in cues):
            continue
        has_cue = any(start <= c_start < end for c_start, _ in cues)
        chosen.append((0 if has_cue else 1, start, end))
    chosen.sort()
    sentences = dict.fromkeys(text[start:end].strip() for _, start, end in chosen)  # repeated sentences once
    return list(sentences)[:limit]


def field_offsets(position: int, title_length: int) -> tuple[str, int]:
    """Map an offset in ``title + "\\n" + content`` to ``(field, offset in that field)``."""
    if position < title_length:
        return "title", position
    return "content", position - title_length - 1
