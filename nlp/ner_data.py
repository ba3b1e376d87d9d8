"""Loaders for the named-entity corpora (CLUENER2020, Resume, MSRA), mapped to ORG, PER and LOC.

Same conventions as :mod:`nlp.data`: read from the shared folder at run time, deterministic dev splits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from nlp.data import Split, data_file, hash_split


class Span(NamedTuple):
    """An entity mention: ``text[start:end]`` (end exclusive) of type ORG, PER or LOC."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class NerSentence:
    """One sentence with its entity spans; ``corpus`` is cluener, resume or msra."""

    text: str
    spans: tuple[Span, ...]
    corpus: str


CLUENER_TYPES = {
    "company": "ORG",
    "organization": "ORG",
    "government": "ORG",
    "name": "PER",
    "address": "LOC",
}
RESUME_TYPES = {"ORG": "ORG", "NAME": "PER", "LOC": "LOC"}
MSRA_TYPES = {"ORG": "ORG", "PER": "PER", "LOC": "LOC"}
"""Source entity type → riskwatch type, per corpus; other types (position, TITLE, game...) are dropped."""


def tags_to_spans(tags: Sequence[str], types: dict[str, str]) -> list[Span]:
    """Decode per-character BMES (B/M/E/S) or IOB2 (B/I) tags into spans of the mapped ``types``.

    Ill-formed runs are repaired as conlleval does: an M/I/E whose type differs from the open span starts
    a new one, and a span left open ends where its tags end.
    """
    spans: list[Span] = []
    start, current = -1, ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        continues = prefix in ("I", "M", "E") and kind == current
        if current and not continues:
            spans.append(Span(start, index, current))
            current = ""
        if prefix in ("B", "S") or (prefix in ("I", "M", "E") and not continues):
            start, current = index, kind
        if prefix in ("E", "S") and current:
            spans.append(Span(start, index + 1, current))
            current = ""
    return [Span(span.start, span.end, types[span.label]) for span in spans if span.label in types]


def read_char_tagged(path: Path, types: dict[str, str], corpus: str) -> list[NerSentence]:
    """A ``char TAG`` per line file (blank line between sentences) as sentences with mapped spans."""
    sentences: list[NerSentence] = []
    chars: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(chain(handle, [""]), start=1):  # "" ends the last sentence
            parts = line.split()
            if parts and len(parts) != 2:
                raise ValueError(f"{path}, line {number}: expected 'char TAG', got {line.rstrip()!r}")
            if parts:
                chars.append(parts[0])
                tags.append(parts[1])
            elif chars:
                sentences.append(NerSentence("".join(chars), tuple(tags_to_spans(tags, types)), corpus))
                chars, tags = [], []
    return sentences


def read_cluener(path: Path) -> list[NerSentence]:
    """CLUENER2020 jsonl (``{type: {mention: [[start, end_inclusive], ...]}}``) with mapped spans."""
    sentences: list[NerSentence] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            spans = set()
            for kind, mentions in (record.get("label") or {}).items():
                for mention, positions in mentions.items():
                    for start, end_inclusive in positions:
                        if record["text"][start : end_inclusive + 1] != mention:
                            raise ValueError(
                                f"{path}, line {number}: span {start}-{end_inclusive} is not {mention!r}"
                            )
                        if kind in CLUENER_TYPES:
                            spans.add(Span(start, end_inclusive + 1, CLUENER_TYPES[kind]))
            sentences.append(NerSentence(record["text"], tuple(sorted(spans)), "cluener"))
    return sentences


NER_CORPORA = ("cluener", "resume", "msra")
CLUENER_DEV_FRACTION = 0.10
MSRA_DEV_FRACTION = 0.05


def load_ner(root: Path | None = None, corpora: Iterable[str] = NER_CORPORA) -> Split[NerSentence]:
    """NER sentences of the chosen corpora: Resume's own train/dev files, hash splits of CLUENER and MSRA."""
    split: Split[NerSentence] = Split([], [])
    for corpus in corpora:
        if corpus == "cluener":
            part = hash_split(
                read_cluener(data_file("ner/cluener_train.jsonl", root)), _text, CLUENER_DEV_FRACTION
            )
        elif corpus == "msra":
            sentences = read_char_tagged(data_file("ner/msra_style_train.iob2", root), MSRA_TYPES, "msra")
            part = hash_split(sentences, _text, MSRA_DEV_FRACTION)
        elif corpus == "resume":
            part = Split(
                read_char_tagged(data_file("ner/resume_train.char.bmes", root), RESUME_TYPES, "resume"),
                read_char_tagged(data_file("ner/resume_dev.char.bmes", root), RESUME_TYPES, "resume"),
            )
        else:
            raise ValueError(f"unknown NER corpus {corpus!r} (choose from {', '.join(NER_CORPORA)})")
        split.train.extend(part.train)
        split.dev.extend(part.dev)
    return split


def _text(item: NerSentence) -> str:
    return item.text
