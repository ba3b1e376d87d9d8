"""Snippets: a piece of a document's text around the matched terms, each marked 【like this】.

Computed on the original text (not the segmented copy the index holds), so a Chinese snippet reads as
written. Both backends use it, so a query shows the same snippet whichever store answers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from indexer.segment import fold

SNIPPET_CHARS = 80
OPEN, CLOSE = "【", "】"


def _spans(folded: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if needle:
            spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(needle), folded))
    spans.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def match_spans(text: str, terms: list[str], tokens: list[list[str]]) -> list[tuple[int, int]]:
    """Where the query's terms occur in ``text``: whole terms first; a term not found whole is looked
    for token by token."""
    folded = fold(text)
    needles: list[str] = []
    for term, term_tokens in zip(terms, tokens, strict=True):
        whole = fold(term)
        needles.extend([whole] if whole in folded else term_tokens)
    return _spans(folded, needles)


def mark(text: str, spans: list[tuple[int, int]], marks: tuple[str, str] = (OPEN, CLOSE)) -> str:
    out: list[str] = []
    position = 0
    for start, end in spans:
        out += [text[position:start], marks[0], text[start:end], marks[1]]
        position = end
    out.append(text[position:])
    return "".join(out)


def snippet(
    title: str,
    content: str,
    terms: list[str],
    tokens: list[list[str]],
    length: int = SNIPPET_CHARS,
    marks: tuple[str, str] = (OPEN, CLOSE),
) -> str:
    """Up to ``length`` characters of the content around the first match (the content's start when only
    the title matched), with every match in it marked; ``…`` where the text was cut. ``marks``: what
    opens and closes a match (the web console uses characters no text holds, to turn into HTML)."""
    content = " ".join(content.split())
    spans = match_spans(content, terms, tokens) if terms else []
    if not spans:
        title_spans = match_spans(title, terms, tokens) if terms else []
        piece = content[:length]
        lead = mark(title, title_spans, marks) + " — " if title_spans else ""
        return lead + piece + ("…" if len(content) > length else "")
    first = spans[0][0]
    start = max(0, min(first - length // 4, len(content) - length))
    end = min(len(content), start + length)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    text = mark(content[start:end], inside, marks)
    return ("…" if start > 0 else "") + text + ("…" if end < len(content) else "")
