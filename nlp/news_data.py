"""Real company news (``company_news/finqa_events.csv``, BBT-FinCUGE FinQA, a DuEE-fin-style event set): its
source site, whether it is bad news for the company it is about, and which company that is.

The file says what happened (its event types), not whether it is bad news. :data:`NEWS_POLARITY` reads the
types as a risk officer would: a loss, a pledge, a reduction in holdings, a bankruptcy or a regulator's
interview is bad news for the listed company; a repurchase, a won bid, a release of a pledge, financing, an
acquisition, a listing or an increase in holdings is not. 高管变动 (an executive change) can be either, so a
text whose types say both or only that has no polarity and teaches no polarity.

The company a text is about is the listed company its headline quotes with a ticker or a price
(``新文化(300336.SZ)``, ``和佳医疗(7.550,-0.21,-2.71%)``, ``和佳医疗（SZ 300273``): the file's ``subjects`` name
it for only one text in five, and often name a shareholder instead.

The split is by **source site** (the ``来源：`` credit): texts from :data:`HELD_OUT_SOURCES` are never
trained on, so the model is judged on a site whose wording it has not seen; the rest are split by hash into
train and a same-source dev set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from nlp.data import _read_csv, _semicolon_list, data_file, hash_split
from nlp.org_names import announcer_spans, ticker_spans

COMPANY_NEWS_FILE = "company_news/finqa_events.csv"
HELD_OUT_SOURCES = frozenset({"格隆汇"})
"""Source sites kept out of training (the cross-source check): Gelonghui, about a fifth of the texts."""
DEV_FRACTION = 0.15

NEGATIVE_NEWS = frozenset({"质押", "股东减持", "亏损", "企业破产", "被约谈"})
GOOD_OR_NEUTRAL_NEWS = frozenset(
    {"股份回购", "中标", "解除质押", "企业融资", "企业收购", "公司上市", "股东增持"}
)
AMBIGUOUS_NEWS = frozenset({"高管变动"})

_SOURCE = re.compile(r"来源[：:]\s*([^\s　]{2,12})")
_SOURCE_ALIASES = {"智通财经网": "智通财经", "新浪财经": "新浪", "证券时报·e公司": "证券时报"}


class CompanyNews(NamedTuple):
    """One real news text: its event types, the listed company it quotes (or ``""``), and its source site."""

    id: str
    text: str
    event_types: tuple[str, ...]
    subjects: tuple[str, ...]  # the file's ``event:role:name`` entries, as given
    company: str
    source: str

    @property
    def negative(self) -> bool | None:
        """Bad news for its company (True), not (False), or no polarity (None): see :func:`news_polarity`."""
        return news_polarity(self.event_types, self.text)


def news_polarity(event_types: Iterable[str], text: str = "") -> bool | None:
    """True when the types are bad news, False when they are good or neutral news, None when they say both,
    only an executive change, or nothing. A 质押 text whose headline releases a pledge (解除质押) is None:
    the file labels some releases as pledges."""
    types = set(event_types) - {""}
    bad, good = bool(types & NEGATIVE_NEWS), bool(types & GOOD_OR_NEUTRAL_NEWS)
    if bad == good or (types - NEGATIVE_NEWS - GOOD_OR_NEUTRAL_NEWS - AMBIGUOUS_NEWS):
        return None
    if bad and types & {"质押"} and "解除质押" in text and not types & (NEGATIVE_NEWS - {"质押"}):
        return None
    return bad


def news_source(text: str) -> str:
    """The source site a text credits (``来源：格隆汇`` → 格隆汇), or ``""``."""
    match = _SOURCE.search(text)
    if not match:
        return ""
    name = match.group(1)
    for alias, canonical in _SOURCE_ALIASES.items():
        if name.startswith(alias):
            return canonical
    return name


def quoted_company(text: str) -> str:
    """The first company the text quotes with a ticker or price, else the first that announces something
    (…公告), or ``""``."""
    for spans in (ticker_spans(text), announcer_spans(text)):
        if spans:
            start, end = spans[0]
            return text[start:end]
    return ""


def load_company_news(root: Path | None = None) -> list[CompanyNews]:
    path = data_file(COMPANY_NEWS_FILE, root)
    items = []
    for line, row in _read_csv(path, ("id", "text", "event_types", "subjects")):
        text = row["text"].strip()
        if not text:
            raise ValueError(f"{path}, line {line}: empty text")
        items.append(
            CompanyNews(
                row["id"],
                text,
                _semicolon_list(row["event_types"]),
                _semicolon_list(row["subjects"]),
                quoted_company(text),
                news_source(text),
            )
        )
    return items


@dataclass(frozen=True)
class NewsSplit:
    train: list[CompanyNews]
    dev: list[CompanyNews]  # same sources as train
    held_out: list[CompanyNews]  # sources never trained on


def split_company_news(root: Path | None = None) -> NewsSplit:
    items = load_company_news(root)
    seen = [item for item in items if item.source not in HELD_OUT_SOURCES]
    train, dev = hash_split(seen, lambda item: item.text, DEV_FRACTION)
    return NewsSplit(train, dev, [item for item in items if item.source in HELD_OUT_SOURCES])


def judged(items: Iterable[CompanyNews]) -> list[CompanyNews]:
    """The items with a polarity and a company named in their text: what entity-level figures read."""
    return [
        item for item in items if item.negative is not None and item.company and item.company in item.text
    ]
