"""Chinese word segmentation for the full-text index and for queries.

jieba's dictionary and algorithm through ``rjieba`` (jieba-rs): the pure-Python jieba segments ~0.4 M
characters/s, too slow to index 5,000 documents/s; jieba-rs does ~8 M. Watched names and aliases are added
as user words so an entity name stays one token. Documents are cut in search mode (each long word plus the
dictionary words inside it, and the aliases inside a watched name), queries in precise mode, the classic
jieba search set-up: a query for 公司债 or 鸿远地产 finds 公司债券 and 鸿远地产集团股份有限公司.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import ahocorasick
import rjieba

from nlp.text import alias_variants, has_cjk

USER_WORD_FREQ = 100_000  # as nlp.linking: high enough that jieba keeps a watched name as one word
# Full-width letters and digits (Ｆ → F, ８ → 8), folded one character for one, so offsets hold. Full-width
# punctuation is left: it is no part of any token.
_FOLD = {
    code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_NON_WORD = re.compile(r"[\W_]+")  # runs of punctuation, symbols and spaces (and _, as FTS5 sees it)


def fold(text: str) -> str:
    """Full-width letters and digits → ASCII, then lower case, one character for one (offsets stay valid)."""
    if _FULL_WIDTH.search(text):
        text = text.translate(_FOLD)
    folded = text.lower()
    return folded if len(folded) == len(text) else text


def _inner_words(words: list[str]) -> dict[str, list[str]]:
    """For each word, the other words inside it (鸿远地产集团… → 鸿远地产): one Aho-Corasick pass per word,
    so 10,000 watched names take milliseconds, not a quadratic scan."""
    if not words:
        return {}
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    inner: dict[str, list[str]] = {}
    for word in words:
        found = sorted({other for _, other in automaton.iter(word) if other != word})
        if found:
            inner[word] = found
    return inner


class Segmenter:
    """Cuts text into words with a jieba dictionary extended by the watchlist's names."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.words = sorted({fold(v) for v in alias_variants(list(names)) if has_cjk(v) and " " not in v})
        self._jieba = rjieba.Jieba()
        for word in self.words:
            self._jieba.add_word(word, USER_WORD_FREQ, "nt")
        self._inner = _inner_words(self.words)

    def index_text(self, text: str, keep_punctuation: bool = False) -> str:
        """Search-mode tokens joined by spaces, each watched name followed by the watched names inside it;
        punctuation blanked (``12.5`` → ``12 5``, as FTS5 would split it anyway). What the SQLite FTS5
        table and the Elasticsearch whitespace field hold. Runs 5,000 times a second, so it is C-level
        string work only, no Python loop over the ~300 tokens of a document. ``keep_punctuation`` skips
        the blanking (a third of the time) for an index whose tokenizer drops punctuation itself."""
        tokens = self._jieba.cut_for_search(fold(text), True)
        joined = " ".join(tokens)
        # isdisjoint walks the ~300 tokens (2 µs); ``keys() & set(tokens)`` would copy all ~16,000 inner
        # words of a 10,000-name watchlist into a set for every document (15 µs, 7% of a put).
        if not self._inner.keys().isdisjoint(tokens):
            joined = f" {joined} "
            for word in {token for token in tokens if token in self._inner}:
                joined = joined.replace(f" {word} ", f" {word} {' '.join(self._inner[word])} ")
            joined = joined[1:-1]
        return joined if keep_punctuation else _NON_WORD.sub(" ", joined)

    def index_tokens(self, text: str) -> list[str]:
        return self.index_text(text).split()

    def query_tokens(self, text: str) -> list[str]:
        """Precise-mode cut of one query term, punctuation dropped as in :meth:`index_text`."""
        return _NON_WORD.sub(" ", " ".join(self._jieba.cut(fold(text), True))).split()

    def query_terms(self, query: str) -> list[list[str]]:
        """The query's whitespace-separated terms, each cut into its tokens; empty terms dropped."""
        terms = [self.query_tokens(term) for term in query.split()]
        return [term for term in terms if term]


@lru_cache(maxsize=8)
def _cached(names: tuple[str, ...]) -> Segmenter:
    return Segmenter(names)


def segmenter_for(names: Iterable[str] = ()) -> Segmenter:
    """A shared segmenter per set of names (building one loads the dictionary, ~0.2 s)."""
    return _cached(tuple(sorted(set(names))))
