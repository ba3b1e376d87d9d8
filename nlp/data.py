"""Typed loaders for the shared training data (see ``<data>/README.md``), each split into train and dev.

The data is read at run time from the shared folder and never copied into the repository (licence: most
sources are research releases without a licence file). The folder is ``$RISKWATCH_DATA`` if set, else
``<repo>/../shared/data``. Splits the data does not ship are made here deterministically by hashing the
text with a fixed seed (:func:`hash_split`), so they are the same on every run and machine and identical
texts always land on the same side.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

import yaml

from nlp.labels import NO_EVENT, SENTIMENT_LABELS

DATA_ENV = "RISKWATCH_DATA"
SPLIT_SEED = "riskwatch-2025"
"""Salt of every hash split below; changing it reshuffles all derived dev sets."""

T = TypeVar("T")


class Split(NamedTuple, Generic[T]):
    """Train and dev lists of one dataset; unpacks as ``train, dev = load_...()``."""

    train: list[T]
    dev: list[T]


def data_dir() -> Path:
    """The shared data folder: ``$RISKWATCH_DATA``, else ``shared/data`` beside the repository root."""
    configured = os.environ.get(DATA_ENV)
    folder = (
        Path(configured) if configured else Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    )
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder not found: {folder} (set {DATA_ENV} to the shared data folder)")
    return folder


def data_file(relative: str, root: Path | None = None) -> Path:
    """One file of the data folder; a missing file is an error naming its full path."""
    path = (root or data_dir()) / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"data file not found: {path} (data folder from {DATA_ENV} or ../shared/data)"
        )
    return path


def hash_split(items: Sequence[T], key: Callable[[T], str], dev_fraction: float) -> Split[T]:
    """Put ``round(dev_fraction * distinct keys)`` keys in dev: those with the smallest salted SHA-1.

    Items sharing a key (duplicate texts) stay together, so dev never repeats a training text. Input order
    is kept within each side.
    """

    def rank(text: str) -> str:
        return hashlib.sha1(f"{SPLIT_SEED}\x00{text}".encode()).hexdigest()

    keys = sorted({key(item) for item in items}, key=rank)
    dev_keys = set(keys[: round(dev_fraction * len(keys))])
    return Split(
        [item for item in items if key(item) not in dev_keys],
        [item for item in items if key(item) in dev_keys],
    )


def _read_csv(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with its line number; a missing column is an error naming the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row


def _by_split_column(path: Path, rows: Iterable[tuple[int, dict[str, str], T]]) -> Split[T]:
    split: Split[T] = Split([], [])
    for line, row, item in rows:
        if row["split"] not in ("train", "dev"):
            raise ValueError(f"{path}, line {line}: split must be train or dev, got {row['split']!r}")
        (split.train if row["split"] == "train" else split.dev).append(item)
    return split


def _semicolon_list(value: str) -> tuple[str, ...]:
    """``'a; b;;a'`` → ``('a', 'b')``: stripped, empties removed, first occurrence kept."""
    return tuple(dict.fromkeys(part.strip() for part in value.split(";") if part.strip()))


# --- entity-level negative (CCF BDCI 2019) -------------------------------------------------------------


@dataclass(frozen=True)
class EntityNegativeText:
    """One news text: is it negative, and which of its candidate entities is it negative about."""

    id: str
    title: str
    text: str
    candidates: tuple[str, ...]
    negative: bool
    key_entities: tuple[str, ...]

    @property
    def full_text(self) -> str:
        """Title and text joined; the title is left out where the text already starts with it (or is it)."""
        if not self.title or self.text.startswith(self.title):
            return self.text
        return f"{self.title}。{self.text}"


def load_entity_negative(root: Path | None = None) -> Split[EntityNegativeText]:
    """``entity_negative/train.csv`` split by its ``split`` column."""
    path = data_file("entity_negative/train.csv", root)
    columns = ("id", "title", "text", "entity", "negative", "key_entity", "split")
    rows = (
        (
            line,
            row,
            EntityNegativeText(
                id=row["id"],
                title=row["title"].strip(),
                text=row["text"].strip(),
                candidates=_semicolon_list(row["entity"]),
                negative=row["negative"].strip() == "1",
                key_entities=_semicolon_list(row["key_entity"]),
            ),
        )
        for line, row in _read_csv(path, columns)
    )
    return _by_split_column(path, rows)


# --- forum sentiment (BBT-FinCUGE FinFE) ---------------------------------------------------------------


@dataclass(frozen=True)
class ForumPost:
    """A stock-forum post and its sentiment: 0 negative, 1 neutral, 2 positive."""

    text: str
    label: int


def load_forum_sentiment(root: Path | None = None, dev_fraction: float = 0.1) -> Split[ForumPost]:
    """``forum_sentiment/train.csv`` split 90/10, stratified: :func:`hash_split` within each label.

    Both lists keep the file's order.
    """
    path = data_file("forum_sentiment/train.csv", root)
    posts: list[ForumPost] = []
    for line, row in _read_csv(path, ("text", "label")):
        if row["label"].strip() not in ("0", "1", "2"):
            raise ValueError(f"{path}, line {line}: label must be 0, 1 or 2, got {row['label']!r}")
        posts.append(ForumPost(row["text"].strip(), int(row["label"])))
    dev_texts: set[str] = set()
    for label in range(len(SENTIMENT_LABELS)):
        labelled = [post for post in posts if post.label == label]
        dev_texts.update(post.text for post in hash_split(labelled, lambda post: post.text, dev_fraction).dev)
    return Split(
        [post for post in posts if post.text not in dev_texts],
        [post for post in posts if post.text in dev_texts],
    )


# --- risk events (CCKS 2019) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One row of the events data: one event (type and subject company) found in a text."""

    id: str
    text: str
    event_type: str
    subject: str


@dataclass(frozen=True)
class EventText:
    """All events of one text (grouped view); ``id`` is the first row's id, since ids are per row."""

    id: str
    text: str
    events: frozenset[tuple[str, str]]

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(event_type for event_type, _ in self.events)


def load_events(root: Path | None = None) -> Split[EventRow]:
    """``events/train.csv`` split by its ``split`` column; the subject of a 其他 row is always ''."""
    path = data_file("events/train.csv", root)
    rows = (
        (
            line,
            row,
            EventRow(
                id=row["id"].strip(),
                text=row["text"].strip(),
                event_type=row["event_type"].strip(),
                # One 其他 row carries the subject 'NAN' (a pandas export artefact).
                subject="" if row["event_type"].strip() == NO_EVENT else row["subject"].strip(),
            ),
        )
        for line, row in _read_csv(path, ("id", "text", "event_type", "subject", "split"))
    )
    return _by_split_column(path, rows)


def group_events(rows: Iterable[EventRow]) -> list[EventText]:
    """One :class:`EventText` per distinct text, in first-seen order.

    Rows are grouped by text, not id: the dataset gives every (text, event) row its own id, so the several
    events of one text arrive under several ids.
    """
    groups: dict[str, list[EventRow]] = {}
    for row in rows:
        groups.setdefault(row.text, []).append(row)
    return [
        EventText(group[0].id, text, frozenset((row.event_type, row.subject) for row in group))
        for text, group in groups.items()
    ]


def load_event_texts(root: Path | None = None) -> Split[EventText]:
    """The grouped view of :func:`load_events`, with no text on both sides.

    The given split is per row, and ~170 texts have rows on both sides; each such text goes to train with
    all its events, so dev holds only texts no training row shows.
    """
    train, dev = load_events(root)
    train_texts = {row.text for row in train}
    leaked = [row for row in dev if row.text in train_texts]
    return Split(group_events([*train, *leaked]), group_events([r for r in dev if r.text not in train_texts]))


# --- lexicons ------------------------------------------------------------------------------------------

LEXICON_POLARITY: dict[str, dict[str, str]] = {
    "FinanceSenti.yaml": {"pos": "positive", "neg": "negative"},
    "FinacialFormalUnformal.yaml": {
        "正式-肯定情绪": "positive",
        "非正式-肯定情绪": "positive",
        "正式-否定情绪": "negative",
        "非正式-否定情绪": "negative",
    },
    "LoughranMcDonald.yaml": {"positive": "positive", "negative": "negative"},
    # deny / ish / more / very are negators and degree adverbs, not sentiment words.
    "HowNet.yaml": {"pos": "positive", "neg": "negative"},
    "NTUSD.yaml": {"positive": "positive", "negative": "negative"},
    # DUTIR's seven emotions: 乐 joy and 好 praise are positive; 怒 anger, 哀 sorrow, 惧 fear and
    # 恶 disgust negative; 惊 surprise has no polarity and is skipped.
    "DUTIR.yaml": {
        "乐": "positive",
        "好": "positive",
        "怒": "negative",
        "哀": "negative",
        "惧": "negative",
        "恶": "negative",
    },
}
"""How each lexicon file's categories map to polarity; categories not listed are skipped."""
FINANCE_LEXICONS = ("FinanceSenti.yaml", "FinacialFormalUnformal.yaml", "LoughranMcDonald.yaml")
"""The finance-domain dictionaries; HowNet, NTUSD and DUTIR are general-purpose."""


@dataclass(frozen=True)
class Lexicon:
    """Positive and negative sentiment words merged from several dictionaries.

    A word listed as positive by one source and negative by another is dropped from both (``ambiguous``):
    counting it on either side would be a coin toss.
    """

    positive: frozenset[str]
    negative: frozenset[str]
    counts: dict[str, dict[str, int]]
    """Per source file: ``{"positive": n, "negative": m}`` distinct words before merging."""
    ambiguous: frozenset[str] = frozenset()


def load_lexicons(root: Path | None = None, sources: Iterable[str] | None = None) -> Lexicon:
    """Merge the sentiment lexicons in ``lexicons/`` (all of :data:`LEXICON_POLARITY` unless ``sources``)."""
    words: dict[str, set[str]] = {"positive": set(), "negative": set()}
    counts: dict[str, dict[str, int]] = {}
    for name in sources or LEXICON_POLARITY:
        path = data_file(f"lexicons/{name}", root)
        # The C loader when PyYAML has it: the pure-Python one takes seconds on these 100k-word files.
        parsed = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
        dictionary = (parsed or {}).get("Dictionary")
        if not isinstance(dictionary, dict):
            raise ValueError(f"{path}: expected a 'Dictionary' mapping of category to word list")
        found: dict[str, set[str]] = {"positive": set(), "negative": set()}
        for category, polarity in LEXICON_POLARITY[name].items():
            if category not in dictionary:
                raise ValueError(f"{path}: category {category!r} not found (has {', '.join(dictionary)})")
            found[polarity].update(
                str(word).strip() for word in dictionary[category] or [] if str(word).strip()
            )
        counts[name] = {polarity: len(found_words) for polarity, found_words in found.items()}
        for polarity, found_words in found.items():
            words[polarity] |= found_words
    ambiguous = words["positive"] & words["negative"]
    return Lexicon(
        frozenset(words["positive"] - ambiguous),
        frozenset(words["negative"] - ambiguous),
        counts,
        frozenset(ambiguous),
    )


# --- unlabelled corpus ---------------------------------------------------------------------------------


def load_corpus_lines(limit: int | None = None, root: Path | None = None) -> list[str]:
    """The first ``limit`` (all if None) non-empty lines of ``corpus/finance_unlabelled.txt``, stripped."""
    lines: list[str] = []
    with data_file("corpus/finance_unlabelled.txt", root).open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(lines) >= limit:
                break
            if line.strip():
                lines.append(line.strip())
    return lines
