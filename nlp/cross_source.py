"""Held-out *sources*: how the model does on texts from places it was never trained on.

A dev split cut from the training source over-states quality; a risk officer reads news from other sites.
Two kinds of held-out data are read here:

- **Real company news from a held-out site** (:data:`nlp.news_data.HELD_OUT_SOURCES`, Gelonghui): its event
  types give the polarity (:func:`nlp.news_data.news_polarity`), its headline the company.
- **Hand-labelled references** (``resources/cross_source/*.jsonl``) into the unlabelled corpora of the shared
  data, which no head is trained on (the silver-labelled company news of :mod:`nlp.news_silver` is drawn
  from the same corpora, with these lines and every line sharing their first 12 characters left out):
  company news items (one named company, bad news or not), forum and social posts from other crawls
  (3 classes), and sentences with their organisation spans.
- **Posts for choosing** (``forum_choice.jsonl``): more hand-labelled posts of the same crawl, from the same
  corpus lines; none is a reported post, begins like one or shares half its 12-character runs with one. The sentiment blend weight
  (:mod:`nlp.ngram_blend`) and the event-backed post rule (:mod:`nlp.dev_rules`) are chosen on them beside
  FinFE dev, so that the reported posts (``forum.jsonl``) judge those choices instead of making them. The files hold
  file, line and a SHA-1 prefix of each line, not the texts (the data's licence forbids copying its rows); a
  changed line is an error naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from nlp import data, metrics
from nlp.data import data_dir
from nlp.labels import SENTIMENT_LABELS
from nlp.ner_data import load_ner
from nlp.news_data import CompanyNews, judged, split_company_news

LABELLED = "resources/cross_source"


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled line: its text (read from the shared data) and its labels as written."""

    reference: str  # file:line
    text: str
    labels: dict[str, Any]


def labelled_file(name: str) -> Path:
    return Path(str(resources.files("nlp").joinpath(f"{LABELLED}/{name}")))


def read_labelled(name: str, root: Path | None = None) -> list[Labelled]:
    """The lines a label file refers to, checked against their SHA-1 prefix."""
    path = labelled_file(name)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: label file not found")
    folder = root or data_dir()
    items = []
    for number, entry in _entries(path):
        relative, line = entry.get("file"), entry.get("line")
        if not isinstance(relative, str) or not isinstance(line, int) or "sha1" not in entry:
            raise ValueError(f"{path}, line {number}: needs file, line and sha1")
        source = folder / relative
        if not source.is_file():
            raise FileNotFoundError(f"{path}, line {number}: data file not found: {source}")
        stat = source.stat()
        texts = _lines(source, stat.st_mtime_ns, stat.st_size)
        text = texts[line - 1] if 0 < line <= len(texts) else None
        if text is None or hashlib.sha1(text.encode()).hexdigest()[: len(entry["sha1"])] != entry["sha1"]:
            raise ValueError(f"{path}, line {number}: {relative}:{line} is not the line that was labelled")
        labels = {k: v for k, v in entry.items() if k not in ("file", "line", "sha1")}
        items.append(Labelled(f"{relative}:{line}", text, labels))
    return items


FORUM = "forum.jsonl"  # the reported posts of other crawls
FORUM_CHOICE = "forum_choice.jsonl"  # the posts choices are made on
COMPANY_NEWS = "company_news.jsonl"
COMPANY_NEWS_SECOND = "company_news_second.jsonl"  # a second annotator's company news, drawn later
COMPANY_NEWS_THIRD = "company_news_third.jsonl"
"""1,533 company-news lines drawn at random (not half bad news: 551 bad, 506 good, 476 neutral), labelled by
ten more readers under ``company_news_third.GUIDE.md``; its flag is judged by balanced accuracy."""
NER_ORG = "ner_org.jsonl"
NER_ORG_SECOND = "ner_org_second.jsonl"  # a second annotator's sentences, drawn later
LABEL_FILES = (
    COMPANY_NEWS,
    FORUM,
    FORUM_CHOICE,
    NER_ORG,
    COMPANY_NEWS_SECOND,
    NER_ORG_SECOND,
    COMPANY_NEWS_THIRD,
)


def labelled_references() -> set[tuple[str, int]]:
    """(data file, line) of every hand-labelled line, read from the label files without opening the data: what
    training keeps out (:mod:`nlp.news_silver`)."""
    references = set()
    for name in LABEL_FILES:
        path = labelled_file(name)
        if not path.is_file():
            continue
        for number, entry in _entries(path):
            if not isinstance(entry.get("file"), str) or not isinstance(entry.get("line"), int):
                raise ValueError(f"{path}, line {number}: needs file, line and sha1")
            references.add((entry["file"], entry["line"]))
    return references


@lru_cache(maxsize=4)
def _lines(source: Path, modified: int, size: int) -> tuple[str, ...]:
    """A data file's lines, read once for every label file and evaluation that refers to it (keyed by its
    modification time and size too, so a changed file is read again)."""
    return tuple(source.read_text("utf-8").split("\n"))


def _entries(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if raw.strip():
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not JSON ({error.msg})") from None


# -- figures ------------------------------------------------------------------------------------------------


SHARED_RUN = 12
"""Characters in a row that make a held-out text one training has seen (a retold story, a reposted post)."""


def unseen(texts: Sequence[str], training: Iterable[str], run: int = SHARED_RUN) -> list[bool]:
    """For each text, whether it shares no run of ``run`` characters with any training text. A held-out
    *source* can still repeat training text: half the posts of the other crawl repeat BDCI's Weibo posts."""
    owners: dict[str, set[int]] = {}
    for index, text in enumerate(texts):
        for start in range(len(text) - run + 1):
            owners.setdefault(text[start : start + run], set()).add(index)
    seen: set[int] = set()
    for text in training:
        for start in range(len(text) - run + 1):
            found = owners.get(text[start : start + run])
            if found:
                seen |= found
    return [index not in seen for index in range(len(texts))]


@lru_cache(maxsize=1)
def training_texts(root: Path | None = None) -> tuple[str, ...]:
    """The texts of every labelled training split the heads learn from (not the dev splits, nor the
    unlabelled corpora the encoder was pretrained on)."""
    event_train, _ = data.load_event_texts(root)
    return (
        *(t.full_text for t in data.load_entity_negative(root).train),
        *(t.text for t in event_train),
        *(p.text for p in data.load_forum_sentiment(root).train),
        *(n.text for n in split_company_news(root).train),
        *(s.text for s in load_ner(root).train),
    )


def company_flag_figures(
    prefix: str, items: Sequence[tuple[str, str, bool]], tagged: Sequence[dict[str, Any]]
) -> dict[str, float]:
    """``items``: (text, company, bad news?) and their tagged records (the company given as the target).
    Accuracy of the company's negative flag, the same with bad and other news weighing half each (what the
    accuracy would be on a set of half bad news, as the issue's), and of the document label: bad news read
    ``negative``, good or neutral news read anything else."""
    flags, bad_flags, good_flags, bad_read, good_read = [], [], [], [], []
    for (_, company, bad), record in zip(items, tagged, strict=True):
        entity = next(e for e in record["entities"] if e["name"] == company)
        flags.append(entity["negative"] == bad)
        (bad_flags if bad else good_flags).append(entity["negative"] == bad)
        (bad_read if bad else good_read).append((record["sentiment"]["label"] == "negative") == bad)
    figures = {f"{prefix}.entity_accuracy": _share(flags), f"{prefix}.items": float(len(items))}
    figures[f"{prefix}.entity_balanced_accuracy"] = (_share(bad_flags) + _share(good_flags)) / 2
    figures[f"{prefix}.bad_news_negative"] = _share(bad_read)
    figures[f"{prefix}.good_news_not_negative"] = _share(good_read)
    return figures


def _share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def news_items(news: Sequence[CompanyNews]) -> list[tuple[str, str, bool]]:
    return [(item.text, item.company, bool(item.negative)) for item in judged(news)]


def labelled_news_items(root: Path | None = None, name: str = COMPANY_NEWS) -> list[tuple[str, str, bool]]:
    """(text, company, bad news?) of each hand-labelled item of ``name`` (:data:`COMPANY_NEWS` or
    :data:`COMPANY_NEWS_SECOND` or :data:`COMPANY_NEWS_THIRD`) whose company its text names."""
    return [
        (item.text, item.labels["company"], bool(item.labels["negative"]))
        for item in read_labelled(name, root)
        if item.labels.get("company") and item.labels["company"] in item.text
    ]


def labelled_forum(root: Path | None = None, name: str = FORUM) -> list[tuple[str, int]]:
    """(text, label) of each hand-labelled post of ``name`` (:data:`FORUM` or :data:`FORUM_CHOICE`)."""
    return [(item.text, SENTIMENT_LABELS.index(item.labels["label"])) for item in read_labelled(name, root)]


def labelled_org_spans(
    root: Path | None = None, name: str = NER_ORG
) -> list[tuple[str, set[tuple[int, int, str]]]]:
    """(text, ORG spans) of each hand-labelled sentence of ``name`` (:data:`NER_ORG` or :data:`NER_ORG_SECOND`)."""
    out = []
    for item in read_labelled(name, root):
        spans = set()
        for start, end, span in item.labels.get("orgs", []):
            if item.text[start:end] != span:
                raise ValueError(f"{labelled_file(name)}: {item.reference}: span {span!r} not at {start}")
            spans.add((start, end, "ORG"))
        out.append((item.text, spans))
    return out


def forum_macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> float:
    return metrics.macro_f1(list(gold), list(predicted)).macro_f1
