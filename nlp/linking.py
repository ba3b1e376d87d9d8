"""Entity linking: every mention of a watched entity in a document's title and content.

An Aho-Corasick automaton (pyahocorasick) over the normalised aliases finds candidates in one pass;
overlapping candidates resolve to the longest; a Chinese alias counts only where jieba (given a user
dictionary of the watchlist) puts word boundaries at both ends, so 中信 does not fire inside 中信建投, and
a Latin or digit alias (600036, CMB) only where its neighbours are not letters or digits.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import jieba

from nlp.text import alias_variants, has_cjk, normalise
from nlp.watchlist import WatchedEntity

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

USER_DICT_FREQ = 100_000  # high enough that jieba keeps a watched name as one word


@dataclass(frozen=True)
class Mention:
    field: str  # "title" or "content"
    start: int
    end: int  # exclusive
    text: str  # the characters as they stand in the document


@dataclass
class LinkedEntity:
    entity: WatchedEntity
    mentions: list[Mention] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    entity_ids: tuple[str, ...]
    alias: str


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class EntityLinker:
    """Finds watched entities in text. Build once per watchlist; :meth:`link` is thread-compatible."""

    def __init__(self, entities: Iterable[WatchedEntity]) -> None:
        self.entities = {entity.id: entity for entity in entities}
        owners: dict[str, list[str]] = defaultdict(list)
        for entity in self.entities.values():
            for variant in alias_variants(entity.names):
                owners[variant].append(entity.id)
        for alias, ids in owners.items():
            if len(ids) > 1:
                logger.warning(
                    "alias %r belongs to several watched entities (%s): it links to all", alias, ids
                )
        self.aliases = {alias: tuple(ids) for alias, ids in owners.items()}
        self._automaton = ahocorasick.Automaton()
        for alias, ids in self.aliases.items():
            self._automaton.add_word(alias, (alias, ids))
        if self.aliases:
            self._automaton.make_automaton()
        self.tokenizer = jieba.Tokenizer()
        for alias in self.aliases:
            if has_cjk(alias):
                self.tokenizer.add_word(alias, freq=USER_DICT_FREQ, tag="nt")

    def write_user_dict(self, path: Path) -> None:
        """The watchlist as a jieba user dictionary (``word freq tag`` lines), for search-time segmentation."""
        lines = [
            f"{alias} {USER_DICT_FREQ} nt"
            for alias in sorted(self.aliases)
            if has_cjk(alias) and " " not in alias
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _candidates(self, normalised: str) -> list[_Candidate]:
        if not self.aliases:
            return []
        found = [
            _Candidate(end + 1 - len(alias), end + 1, ids, alias)
            for end, (alias, ids) in self._automaton.iter(normalised)
        ]
        # Longest first, then leftmost; keep a candidate only if it overlaps none already kept.
        found.sort(key=lambda c: (-(c.end - c.start), c.start))
        kept: list[_Candidate] = []
        for candidate in found:
            if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
                kept.append(candidate)
        return sorted(kept, key=lambda c: c.start)

    def _boundaries_near(self, normalised: str, candidates: list[_Candidate]) -> set[int]:
        """Where jieba's segmentation of the whole text puts word boundaries, at least at every position a
        Chinese candidate starts or ends. jieba cuts each run of Han characters and ASCII letters or digits
        (its ``re_han_default`` blocks) on its own and makes every other character a word, so segmenting only
        the runs that hold a candidate's ends gives the same boundaries as segmenting the whole text, at a
        fraction of the cost (a document is mostly text between its mentions)."""
        runs = [match.span() for match in jieba.re_han_default.finditer(normalised)]
        starts = [start for start, _ in runs]
        needed: set[int] = set()
        boundaries: set[int] = set()
        for candidate in candidates:
            if not has_cjk(candidate.alias):
                continue
            for position in (candidate.start, candidate.end):
                run = bisect_right(starts, position) - 1
                if run >= 0 and runs[run][0] < position < runs[run][1]:
                    needed.add(run)
                else:  # outside every run, or at a run's edge: always a boundary
                    boundaries.add(position)
        for run in needed:
            position, end = runs[run]
            for token in self.tokenizer.cut(normalised[position:end], HMM=False):
                position += len(token)
                boundaries.add(position)
        return boundaries

    def _on_boundaries(self, candidate: _Candidate, normalised: str, boundaries: set[int]) -> bool:
        if has_cjk(candidate.alias):
            return candidate.start in boundaries and candidate.end in boundaries
        before = normalised[candidate.start - 1] if candidate.start > 0 else ""
        after = normalised[candidate.end] if candidate.end < len(normalised) else ""
        return not (_is_word_char(before) or _is_word_char(after))

    def find(self, text: str, field_name: str = "content") -> list[tuple[str, Mention]]:
        """``(entity id, mention)`` for every accepted mention in ``text``, in reading order."""
        normalised = normalise(text)
        candidates = self._candidates(normalised)
        if not candidates:
            return []
        boundaries = self._boundaries_near(normalised, candidates)
        mentions: list[tuple[str, Mention]] = []
        for candidate in candidates:
            if not self._on_boundaries(candidate, normalised, boundaries):
                continue
            mention = Mention(
                field_name, candidate.start, candidate.end, text[candidate.start : candidate.end]
            )
            mentions.extend((entity_id, mention) for entity_id in candidate.entity_ids)
        return mentions

    def link(self, title: str, content: str) -> list[LinkedEntity]:
        """Watched entities mentioned in a document, in order of first mention (title first)."""
        linked: dict[str, LinkedEntity] = {}
        for field_name, text in (("title", title or ""), ("content", content or "")):
            for entity_id, mention in self.find(text, field_name):
                linked.setdefault(entity_id, LinkedEntity(self.entities[entity_id])).mentions.append(mention)
        return list(linked.values())
