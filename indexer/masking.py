"""Personal information masked before a document is stored, as PIPL expects of a bank.

Three kinds, each switchable in ``store.masking``: mainland mobile numbers (``1[3-9]`` + 9 digits, not
inside a longer run of digits; a ``+86`` prefix allowed), 18-digit resident ID numbers whose ISO 7064
MOD 11-2 check digit is right, and bank card numbers of 16–19 digits (groups of four may be separated by a
space or hyphen) that pass the Luhn check. A number that fails its checksum is left alone: it is more
likely an order number than a person's. Masking keeps the first three and last four digits and the
length (138****5678), so tagged offsets into the text stay valid.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from indexer.config import MaskingConfig
from nlp.types import TaggedDocument

KINDS = ("id_card", "bank_card", "mobile")  # the order they are looked for: longest numbers first
KEEP_START, KEEP_END = 3, 4

MOBILE = re.compile(
    r"(?:(?<!\d)|(?<=\+86)|(?<=(?<!\d)86)|(?<=(?<!\d)0086))1[3-9]\d{9}(?!\d)"
)  # +86, 86 or 0086 prefix
ID_CARD = re.compile(r"(?<!\d)[1-9]\d{16}[\dXx](?![\dXx])")
BANK_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]){3}\d{4,7}(?!\d)|(?<!\d)\d{16,19}(?!\d)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_digits(text: str) -> str:
    """Every digit but the first three and last four becomes ``*``; separators stay."""
    positions = [i for i, char in enumerate(text) if char.isdigit() or char in "Xx"]
    hidden = set(positions[KEEP_START : len(positions) - KEEP_END])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


def _bank_card(match: str) -> bool:
    digits = re.sub(r"[ -]", "", match)
    return 16 <= len(digits) <= 19 and luhn_valid(digits)


_CHECKS = {
    "mobile": (MOBILE, lambda _: True),
    "id_card": (ID_CARD, id_card_valid),
    "bank_card": (BANK_CARD, _bank_card),
}


@dataclass
class MaskReport:
    """Numbers masked, by kind, over every document seen."""

    counts: Counter[str] = field(default_factory=Counter)
    documents: int = 0  # documents with at least one number masked

    def to_dict(self) -> dict[str, int]:
        return {kind: self.counts[kind] for kind in KINDS} | {"documents": self.documents}


class Masker:
    """Masks a document's title, content and entity evidence; counts what it masked in title and content."""

    def __init__(self, config: MaskingConfig | None = None) -> None:
        config = config or MaskingConfig()
        self.kinds = [k for k in KINDS if config.enabled and getattr(config, k)]
        self.report = MaskReport()

    def mask_text(self, text: str, counts: Counter[str] | None = None) -> str:
        for kind in self.kinds:
            pattern, valid = _CHECKS[kind]

            def substitute(match: re.Match[str], kind: str = kind, valid: Any = valid) -> str:
                if not valid(match.group()):
                    return match.group()
                if counts is not None:
                    counts[kind] += 1
                return mask_digits(match.group())

            text = pattern.sub(substitute, text)
        return text

    def mask(self, document: TaggedDocument) -> TaggedDocument:
        """A masked copy (the input is left as it was); ``extra["masked"]`` counts by kind when any."""
        if not self.kinds:
            return document
        counts: Counter[str] = Counter()
        title = self.mask_text(document.title or "", counts)
        content = self.mask_text(document.content or "", counts)
        entities = [
            {**entity, "evidence": [self._evidence(e) for e in entity["evidence"]]}
            if entity.get("evidence")
            else entity
            for entity in document.entities or []
        ]
        extra = document.extra
        if counts:
            extra = {**extra, "masked": {kind: counts[kind] for kind in KINDS if counts[kind]}}
            self.report.counts.update(counts)
            self.report.documents += 1
        return replace(document, title=title, content=content, entities=entities, extra=extra)

    def _evidence(self, evidence: Any) -> Any:
        if isinstance(evidence, str):
            return self.mask_text(evidence)
        if isinstance(evidence, dict) and isinstance(evidence.get("text"), str):
            return {**evidence, "text": self.mask_text(evidence["text"])}
        return evidence
