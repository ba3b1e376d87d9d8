"""Character n-gram linear heads that ride beside the encoder, and the blend the tagger reads them through.

The encoder, trained from scratch on two CPU cores, loses to a logistic regression over character 1-3-grams
on forum sentiment and risk events (the model card has the figures). Rather than ship the weaker verdict,
the model folder may carry four linear heads over one TF-IDF vocabulary:

- ``sentiment``: the 3 document-sentiment classes (forum posts);
- ``events``: the 21 risk-event types and 其他 as one softmax (96 % of the texts have one type);
- ``news`` (optional): bad, neutral or good news for the company a news text is about; ``kind`` (optional):
  forum or social post, or news, for records that do not say;
- ``document_negative`` and ``entity_key``: BDCI's two steps, "is the text negative" and "is this candidate
  a key entity of a negative text", over the text around the candidate's mentions (:func:`entity_window`)
  and, in a second block of columns, the last characters of the candidate's name (:func:`name_suffix`):
  what kind of name it is (…公司 and …集团 are subjects, …网 and …新闻 are sources, …银行 often a custodian),
  not which name.

The tagger blends each with its encoder head as ``weight · n-gram + (1 − weight) · encoder``; the weights are
chosen on the dev splits by :mod:`nlp.ngram_blend` and saved with the heads. Stored without pickle: the
vocabulary as JSON, the idf and coefficients in safetensors. Pure numpy and scikit-learn, no torch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from nlp.lexicon_features import LexiconFeatures

NGRAM_WEIGHTS_FILE = "ngram_heads.safetensors"
NGRAM_META_FILE = "ngram_heads.json"
HEADS = ("sentiment", "events", "document_negative", "entity_key")
NEWS_HEADS = ("news", "kind")
"""Optional (folders before 2026-12-04 lack them): ``news``, is a news text bad, neutral or good news for the
company it is about (:data:`NEWS_LABELS`); ``kind``, is a text a forum or social post rather than news."""
NEWS_LABELS = ("negative", "neutral", "positive")
FORUM_KIND = "forum"
BLENDED = ("sentiment", "events", "entity_negative")
"""What the tagger blends: the two document heads, and entity negative (document_negative · entity_key)."""

ENTITY_MARK = "Ⓔ"
"""Stands in for the entity being judged, so that the classifier learns contexts, not names."""
NESTED_MARK, CONTAINS_MARK, ABSENT_MARK = "Ⓝ", "Ⓒ", "Ⓧ"
"""Prefixed to a window: the entity is inside a longer candidate / contains a shorter one / is not named."""
WINDOW_CHARS = 30
"""Characters each side of a mention, by default; the fitted heads keep the width cross-validation chose."""
MAX_MENTIONS = 8
NAME_SUFFIX_CHARS = 2
"""Characters at the end of a candidate's name the entity head reads: its kind, too short to be its identity."""


def nested(entity: str, candidates: Iterable[str]) -> bool:
    """Whether ``entity`` is part of another, longer candidate of the same text (宜贷网 in 宜贷网(沪))."""
    return any(entity != other and entity in other for other in candidates)


def entity_windows(
    text: str, names: Sequence[str], mentions: Sequence[Sequence[tuple[int, int]]], width: int = WINDOW_CHARS
) -> list[str]:
    """:func:`entity_window` of each of a text's entities, flagged nested / containing among ``names``."""
    return [
        entity_window(
            text,
            spans,
            nested=nested(name, names),
            contains=any(other != name and other in name for other in names),
            width=width,
        )
        for name, spans in zip(names, mentions, strict=True)
    ]


def entity_window(
    text: str,
    mentions: Sequence[tuple[int, int]],
    nested: bool = False,
    contains: bool = False,
    width: int = WINDOW_CHARS,
) -> str:
    """The ``width`` characters each side of an entity's first mentions (``[start, end)`` offsets), each
    mention replaced by :data:`ENTITY_MARK`; :data:`ABSENT_MARK` when it has none."""
    windows = []
    for start, end in sorted(mentions)[:MAX_MENTIONS]:
        left = text[max(0, start - width) : start]
        windows.append(f"{left}{ENTITY_MARK}{text[end : end + width]}")
    prefix = (NESTED_MARK if nested else "") + (CONTAINS_MARK if contains else "")
    return prefix + (" | ".join(windows) if windows else ABSENT_MARK)


def name_suffix(name: str, chars: int = NAME_SUFFIX_CHARS) -> str:
    """The end of a name with the company suffixes kept (鸿远地产集团股份有限公司 → 公司, 宜贷网 → 贷网)."""
    return name.strip()[-chars:]


@dataclass
class LinearHead:
    """A fitted logistic regression: softmax over ``classes`` when there are more than two rows of
    coefficients, else the sigmoid of the one row (the probability of ``classes[1]``)."""

    classes: list[str]
    coef: np.ndarray  # (rows, features)
    intercept: np.ndarray  # (rows,)

    def __post_init__(self) -> None:
        # Laid out (features, rows) in C order, ``coef`` a view of it: scipy multiplies a sparse matrix by a
        # C-ordered dense one in place, but copies a transposed view first (3 ms a call for the events head).
        self._by_feature = np.ascontiguousarray(self.coef.T)
        self.coef = self._by_feature.T

    def padded(self, columns: int) -> LinearHead:
        """The same head over ``columns`` more input columns, weighted 0 (inputs it was not fitted on)."""
        extra = np.zeros((self.coef.shape[0], columns), dtype=self.coef.dtype)
        return LinearHead(self.classes, np.hstack([self.coef, extra]), self.intercept)

    def probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        """(texts, classes) probabilities."""
        logits = np.asarray(features @ self._by_feature, dtype=np.float64) + self.intercept
        if logits.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


class CharNgramFeatures:
    """TF-IDF of character 1-3-grams (sublinear tf, L2-normalised rows) over a fixed vocabulary."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, ngram_range: tuple[int, int] = (1, 3)):
        self.vocabulary = list(vocabulary)
        self.idf = idf.astype(np.float32)
        self.ngram_range = ngram_range
        self.counter = CountVectorizer(
            analyzer="char",
            ngram_range=ngram_range,
            vocabulary={gram: i for i, gram in enumerate(self.vocabulary)},
            lowercase=True,
            dtype=np.float32,
        )

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts = self.counter.transform(list(texts)).tocsr()
        # sublinear tf times idf, in place (a product with a diagonal matrix built it anew on every call)
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        return normalize(counts, norm="l2", copy=False)


def entity_features(
    features: CharNgramFeatures, windows: Sequence[str], names: Sequence[str], name_weight: float
) -> sparse.csr_matrix:
    """The entity_key head's input: each window's n-grams, then (for a ``name_weight`` above 0) its name
    suffix's, scaled by ``name_weight``, in columns of their own."""
    matrix = features.transform(windows)
    if not name_weight:
        return matrix
    suffixes = features.transform([name_suffix(name) for name in names])
    return sparse.hstack([matrix, name_weight * suffixes], format="csr")


def document_features(
    features: CharNgramFeatures, lexicon: LexiconFeatures | None, texts: Sequence[str]
) -> sparse.csr_matrix:
    """The document heads' input: the texts' n-grams, then their lexicon counts when there is a lexicon."""
    matrix = features.transform(texts)
    if lexicon is None:
        return matrix
    return sparse.hstack([matrix, lexicon.transform(texts)], format="csr")


@dataclass
class NgramHeads:
    features: CharNgramFeatures
    heads: dict[str, LinearHead]
    blend: dict[str, float]  # BLENDED → weight of the n-gram probability, 0 (encoder alone) to 1
    about: dict[str, object]  # how they were fitted and chosen (C per head, cross-fitted dev figures)
    window_chars: int = WINDOW_CHARS  # the entity windows' width the entity_key head was fitted on
    name_weight: float = 0.0  # scale of the entity_key head's name-suffix columns; 0: it has none
    lexicon: LexiconFeatures | None = None  # lexicon columns after the n-grams of the document heads' input

    @property
    def document_width(self) -> int:
        """Columns of the document heads' input (all heads but entity_key)."""
        return len(self.features.vocabulary) + (self.lexicon.width if self.lexicon else 0)

    def document_features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The document heads' input: the texts' n-grams, then their lexicon counts where the heads have them
        (:mod:`nlp.lexicon_features`)."""
        return document_features(self.features, self.lexicon, texts)

    def entity_windows(
        self, text: str, names: Sequence[str], mentions: Sequence[Sequence[tuple[int, int]]]
    ) -> list[str]:
        """:func:`entity_windows` at the width the heads were fitted on."""
        return entity_windows(text, names, mentions, self.window_chars)

    def document_scores(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        types: Sequence[str],
        features: sparse.csr_matrix | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each text's sentiment (columns in the order of ``labels``), event types (in the order of
        ``types``, 其他 among them) and probability of being negative, from one feature transform
        (``features``: the texts' :meth:`document_features`, when the caller has it)."""
        if features is None:
            features = self.document_features(texts)
        return (
            _columns(self.heads["sentiment"], features, labels),
            _columns(self.heads["events"], features, types),
            self.heads["document_negative"].probabilities(features)[:, 1],
        )

    @property
    def has_news(self) -> bool:
        return all(name in self.heads for name in NEWS_HEADS)

    def news_scores(self, features: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Each text's news probabilities (columns :data:`NEWS_LABELS`) and probability of being a forum or
        social post, from its :meth:`document_features` (needs :attr:`has_news`)."""
        if not self.has_news:
            raise ValueError("these n-gram heads have no news and kind heads (fitted before 2026-12-04)")
        return (
            _columns(self.heads["news"], features, NEWS_LABELS),
            _columns(self.heads["kind"], features, [FORUM_KIND])[:, 0],
        )

    def entity_features(self, windows: Sequence[str], names: Sequence[str]) -> sparse.csr_matrix:
        """:func:`entity_features` at the name weight the entity_key head was fitted with."""
        return entity_features(self.features, windows, names, self.name_weight)

    def key_probabilities(self, windows: Sequence[str], names: Sequence[str]) -> np.ndarray:
        """P(key entity | the text is negative) for each entity (window and name), of any number of texts:
        one feature transform for them all."""
        if len(windows) != len(names):
            raise ValueError(f"{len(windows)} entity windows for {len(names)} names")
        if not windows:
            return np.zeros(0)
        return self.heads["entity_key"].probabilities(self.entity_features(windows, names))[:, 1]

    def entity_negative(
        self, document_negative: float, windows: Sequence[str], names: Sequence[str]
    ) -> np.ndarray:
        """P(the text is negative) · P(key entity | negative) for each entity (window and name) of one text."""
        return document_negative * self.key_probabilities(windows, names)

    # -- files -------------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        # C order explicitly: safetensors writes a numpy array's buffer as it lies, and scikit-learn's
        # multiclass coefficients are Fortran-ordered (they would load transposed and scrambled).
        tensors = {"idf": np.ascontiguousarray(self.features.idf)}
        for name, head in self.heads.items():
            tensors[f"{name}.coef"] = np.ascontiguousarray(head.coef, dtype=np.float16)
            tensors[f"{name}.intercept"] = np.ascontiguousarray(head.intercept, dtype=np.float32)
        save_file(tensors, str(folder / NGRAM_WEIGHTS_FILE))
        meta = {
            "ngram_range": list(self.features.ngram_range),
            "classes": {name: head.classes for name, head in self.heads.items()},
            "blend": self.blend,
            "window_chars": self.window_chars,
            "name_weight": self.name_weight,
            "about": self.about,
            "vocabulary": self.features.vocabulary,
        }
        (folder / NGRAM_META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if self.lexicon is not None:
            self.lexicon.save(folder)

    @classmethod
    def load(cls, folder: Path) -> NgramHeads | None:
        """The folder's heads, or None when it has none (models before 2026-12, tiny test models)."""
        meta_path, weights_path = folder / NGRAM_META_FILE, folder / NGRAM_WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            return None
        meta = json.loads(meta_path.read_text("utf-8"))
        tensors = load_file(str(weights_path))
        missing = [name for name in HEADS if f"{name}.coef" not in tensors or name not in meta["classes"]]
        if missing:
            raise ValueError(f"{weights_path}: no n-gram head {', '.join(missing)}")
        heads = {
            name: LinearHead(
                meta["classes"][name],
                tensors[f"{name}.coef"].astype(np.float32),
                tensors[f"{name}.intercept"].astype(np.float64),
            )
            for name in (*HEADS, *(n for n in NEWS_HEADS if f"{n}.coef" in tensors and n in meta["classes"]))
        }
        for name, weight in meta["blend"].items():
            if name not in BLENDED or not (isinstance(weight, int | float) and 0 <= weight <= 1):
                raise ValueError(
                    f"{meta_path}: blend.{name} must be one of {', '.join(BLENDED)} with a weight in [0, 1],"
                    f" got {weight!r}"
                )
        features = CharNgramFeatures(meta["vocabulary"], tensors["idf"], tuple(meta["ngram_range"]))
        window_chars = meta.get("window_chars", WINDOW_CHARS)
        name_weight = float(meta.get("name_weight", 0.0))  # folders before 2026-12-02 have no name columns
        lexicon = LexiconFeatures.load(folder)  # folders fitted before the lexicon columns have none
        expected = len(features.vocabulary) * (2 if name_weight else 1)
        document = len(features.vocabulary) + (lexicon.width if lexicon else 0)
        for name, head in heads.items():
            width = expected if name == "entity_key" else document
            if head.coef.shape[1] != width:
                raise ValueError(
                    f"{weights_path}: {name}.coef has {head.coef.shape[1]} columns, expected {width}"
                    f" ({len(features.vocabulary)} n-grams, name_weight {name_weight},"
                    f" {lexicon.width if lexicon else 0} lexicon columns)"
                )
        return cls(
            features,
            heads,
            dict(meta["blend"]),
            meta.get("about", {}),
            int(window_chars),
            name_weight,
            lexicon,
        )


def _columns(head: LinearHead, features: sparse.csr_matrix, wanted: Sequence[str]) -> np.ndarray:
    """The head's probabilities in the columns ``wanted``; a class it never saw in training is 0."""
    probabilities = head.probabilities(features)
    index = {name: i for i, name in enumerate(head.classes)}
    columns = np.zeros((probabilities.shape[0], len(wanted)))
    for column, name in enumerate(wanted):
        if name in index:
            columns[:, column] = probabilities[:, index[name]]
    return columns


def blend(
    encoder: np.ndarray | Sequence[float], ngram: np.ndarray | Sequence[float], weight: float
) -> np.ndarray:
    """``weight · ngram + (1 − weight) · encoder``, elementwise."""
    return weight * np.asarray(ngram, dtype=np.float64) + (1.0 - weight) * np.asarray(
        encoder, dtype=np.float64
    )
