"""Text normalisation for matching and segmentation.

:func:`normalise` maps each character to exactly one character (full width → half width, upper → lower
case), so offsets found in the normalised text are offsets in the original: mentions can point back into
the document. Company suffixes (股份有限公司, 集团, …) are stripped from names to make extra aliases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Longest first: the first suffix that ends a name is the one removed.
COMPANY_SUFFIXES: tuple[str, ...] = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "控股有限公司",
    "(集团)",
    "股份公司",
    "有限公司",
    "集团",
    "公司",
)
MIN_STRIPPED_CHARS = 3  # a stripped name shorter than this (鸿远 from 鸿远集团) is too ambiguous to match
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


FOLD_TABLE_SIZE = 65536


@lru_cache(maxsize=FOLD_TABLE_SIZE)
def normalise_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char.lower() if len(char.lower()) == 1 else char


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each code point (a C-speed loop over the text),
    bounded as the character cache is."""

    def __missing__(self, code: int) -> str:
        folded = normalise_char(chr(code))
        if len(self) < FOLD_TABLE_SIZE:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


def normalise(text: str) -> str:
    """Full/half width and case folded, one character for one character (offsets are preserved)."""
    return text.translate(_FOLD)


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def strip_company_suffix(name: str) -> str:
    """'鸿远地产集团股份有限公司' → '鸿远地产'; names without a known suffix come back unchanged."""
    normalised = normalise(name).strip()
    for suffix in COMPANY_SUFFIXES:
        if normalised.endswith(suffix) and len(normalised) > len(suffix):
            return normalised[: -len(suffix)].strip()
    return normalised


def alias_variants(names: list[str]) -> set[str]:
    """Normalised forms under which a watched entity is matched: each name and alias, and each stripped of
    its company suffix when what remains is long enough to be specific."""
    variants: set[str] = set()
    for name in names:
        normalised = normalise(name).strip()
        if not normalised:
            continue
        variants.add(normalised)
        stripped = strip_company_suffix(normalised)
        if stripped != normalised and len(stripped) >= MIN_STRIPPED_CHARS:
            variants.add(stripped)
    return variants


_SENTENCE_END = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text`` (ends at 。！？；, their ASCII forms, or a newline),
    whitespace-only pieces skipped; offsets are into ``text`` itself."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE_END.finditer(text):
        start, end = match.span()
        if end > start and text[start:end].strip():
            spans.append((start, end))
    return spans


def outermost_mentions(mentions: Sequence[Sequence[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Each name's mentions ``(start, end)`` without those that overlap a longer mention of any name (宜贷网
    inside 宜贷网(沪) is the longer name's); longest first, then leftmost. Sorted, in the input's order."""
    ranked = sorted(
        ((start, end, owner) for owner, spans in enumerate(mentions) for start, end in set(spans)),
        key=lambda m: (-(m[1] - m[0]), m[0]),
    )
    kept: list[tuple[int, int, int]] = []
    for mention in ranked:
        if all(mention[1] <= k[0] or mention[0] >= k[1] for k in kept):
            kept.append(mention)
    result: list[list[tuple[int, int]]] = [[] for _ in mentions]
    for start, end, owner in sorted(kept):
        result[owner].append((start, end))
    return result
