"""Sentiment-lexicon counts beside the character n-grams: how many words of each lexicon category a text
holds (log-scaled), for the document heads.

Why: the n-gram heads learn the words of their training source. The forum head, taught on 股吧 posts, read
posts of another crawl (P2P investors' Weibo posts) at 0.30 macro-F1 on its own; with these columns beside the
n-grams it read them at 0.57, with the same FinFE dev figure (0.706 against 0.706). A lexicon says 血本无归
is bad in any forum; a source's n-grams say only what that source's posts said.

The categories are those of the shared data's lexicons (``lexicons/*.yaml``, from the MIT-licensed cntext
package) with at least :data:`MIN_WORDS` words of two characters or more: the finance lexicons (姚加权 et al.'s
formal and informal words, FinanceSenti) and the general ones (DUTIR's seven emotions, NTUSD, HowNet). They
are saved in the model folder as ``lexicon.json`` (:data:`LEXICON_FILE`), so the tagger needs no shared data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import ahocorasick
import numpy as np
import yaml
from scipy import sparse

from nlp.data import data_file

LEXICON_FILE = "lexicon.json"
LEXICON_SOURCES = (
    "FinacialFormalUnformal.yaml",
    "FinanceSenti.yaml",
    "DUTIR.yaml",
    "NTUSD.yaml",
    "HowNet.yaml",
)
MIN_WORDS = 20
MIN_WORD_LENGTH = 2


class LexiconFeatures:
    """``log(1 + count)`` of each category's words in a text, one column per category, matched in one pass
    (pyahocorasick; overlapping words all count)."""

    def __init__(self, categories: Mapping[str, Sequence[str]]) -> None:
        self.categories = {name: sorted(set(words)) for name, words in categories.items()}
        self.names = list(self.categories)
        if not self.names:
            raise ValueError("a lexicon needs at least one category")
        by_word: dict[str, list[int]] = {}
        for column, name in enumerate(self.names):
            for word in self.categories[name]:
                by_word.setdefault(word, []).append(column)
        self._automaton = ahocorasick.Automaton()
        for word, columns in by_word.items():
            self._automaton.add_word(word, tuple(columns))
        self._automaton.make_automaton()

    @property
    def width(self) -> int:
        return len(self.names)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts = np.zeros((len(texts), self.width), dtype=np.float32)
        for row, text in enumerate(texts):
            for _, columns in self._automaton.iter(text):
                counts[row, list(columns)] += 1.0
        return sparse.csr_matrix(np.log1p(counts))

    def save(self, folder: Path) -> None:
        about = {
            "source": "the shared data's lexicons/*.yaml (cntext package, MIT licence); see the model card",
            "categories": self.categories,
        }
        (folder / LEXICON_FILE).write_text(json.dumps(about, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexiconFeatures | None:
        path = folder / LEXICON_FILE
        if not path.is_file():
            return None
        raw = json.loads(path.read_text("utf-8"))
        categories = raw.get("categories") if isinstance(raw, dict) else None
        if not isinstance(categories, dict) or not all(
            isinstance(words, list) and all(isinstance(w, str) for w in words)
            for words in categories.values()
        ):
            raise ValueError(f"{path}: 'categories' must map each category to a list of words")
        return cls(categories)


def read_lexicons(root: Path | None = None, sources: Sequence[str] = LEXICON_SOURCES) -> dict[str, list[str]]:
    """The categories of the shared lexicons (``file:category`` → words) that have :data:`MIN_WORDS` words of
    :data:`MIN_WORD_LENGTH` characters or more; a file without a ``Dictionary`` is an error naming it."""
    categories: dict[str, list[str]] = {}
    for name in sources:
        path = data_file(f"lexicons/{name}", root)
        parsed = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        dictionary = parsed.get("Dictionary") if isinstance(parsed, dict) else None
        if not isinstance(dictionary, dict):
            raise ValueError(f"{path}: no 'Dictionary' of categories")
        for category, words in dictionary.items():
            usable = sorted(
                {w.strip() for w in words or [] if isinstance(w, str) and len(w.strip()) >= MIN_WORD_LENGTH}
            )
            if len(usable) >= MIN_WORDS:
                categories[f"{Path(name).stem}:{category}"] = usable
    return categories
