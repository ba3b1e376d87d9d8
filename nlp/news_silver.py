"""Silver-labelled company news: lines of the unlabelled corpora whose polarity a narrow rule reads from
their wording, so that the news head learns *direction* (净利预增 against 净利预减, 目标价上调 against
目标价下调, 回购 against 终止回购) from real headlines instead of topic words. The labelled company news has no
earnings-growth type, so without these every earnings report looked like the 亏损 texts it was taught.

A rule fires only where the text is one company's own headline: it starts with the company (``X：``,
``【X：``, ``X公告``, ``X(600000)``) and the direction follows within a few characters. Run-together
headlines, sector round-ups (``26家券商``) and mixed wording (扣非, 亏损收窄, 上年同期亏损) are skipped.

Kept out, so that every held-out figure stays held out:

- the lines the hand-labelled sets refer to (``resources/cross_source/*.jsonl``), and any line that begins
  with the same 12 characters as one of them;
- any line that begins like a text of ``company_news/finqa_events.csv`` (the corpus holds FinQA's texts,
  among them the held-out 格隆汇 ones), and any line crediting a held-out site.

:func:`rule_fires` says whether a rule reads a text: the model card reports the hand-labelled company-news
figure on the items no rule reads as well (what the rules cannot flatter).
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.data import data_dir
from nlp.news_data import HELD_OUT_SOURCES, load_company_news

CORPUS_FILES = ("corpus/fincuge_news.txt", "corpus/finance_unlabelled.txt")
PREFIX = 20  # characters that make two lines "the same text" (as the shared data's own hold-out)
LABELLED_PREFIX = 12
"""A line that begins with the first 12 characters of a hand-labelled line is kept out too: the same story
retold (【中锐股份：终止回购股份事项】 and 【中锐股份：终止回购股份 已累计回购…】)."""
PER_RULE = 150  # at most this many lines per rule and polarity, drawn with a fixed seed
MIN_CHARACTERS = 10
PROFIT_WITHIN = 40  # the profit clause starts this near the company's name, or the line is not its headline

_NAME = r"[\u4e00-\u9fa5A-Za-z*]{2,10}?"
_TICKER = r"(?:[(（][^()（）]{1,30}[)）])?"
_COMPANY_FIRST = re.compile(rf"^(?:原标题：)?【?({_NAME}){_TICKER}(?:[：:]|公告|发布|业绩快报|披露)")
_ANALYST = re.compile(
    rf"将({_NAME}){_TICKER}(?:的)?(?:目标价|评级)[^。；;]{{0,16}}?(上调|下调|调升|调降|上修|下修)"
)
_CANCELLED = re.compile(
    rf"^(?:原标题：)?【?({_NAME})(?:[(（][^()（）]{{1,30}}[)）]\s*|\s*[：:]\s*|公告称?，?)(?:公司)?(?:再度|宣布|拟|决定|将)?"
    r"终止(?:实施)?"
    r"(重大资产重组|资产重组|重组|回购股份|股份回购|回购|增持计划|增持|收购|非公开发行|定增|发行股份|上市)"
)
"""A company calling off what would have been good news, or being delisted (万业企业(600641)终止重组, 【中锐股份：
终止回购股份事项】): bad news for it. Calling off a reduction in holdings (终止减持) is not read."""
_PROFIT = re.compile(r"(?:归属于(?:上市公司|母公司)(?:股东|所有者)的净利润|归母净利润?|净利润?|业绩)")
_GOOD_PROFIT = re.compile(r"^[^。；;，,]{0,24}?(预增|大增|增长|增加|上升|翻番|翻倍|扭亏|预盈|同比增)")
_BAD_PROFIT = re.compile(
    r"^[^。；;，,]{0,24}?(预减|预降|大降|下降|下滑|减少|降低|首亏|预亏|转亏|亏损|同比降|同比减)"
)
_NOT_A_COMPANY = re.compile(
    r"根据|^据|^受|财报|IPO|期货|指数|恒指|道指|标普|纳指|港股|美股|A股$|板块|股$|黄金|原油|转债|债|俄罗斯|纳入|触及"
)
_MIXED = re.compile(r"收窄|减亏|扣非|\d+家|个股|板块|行业|券商们|上市公司们")
_LEAD_END = re.compile(r"[。！？】]|上年同期|去年同期")
_TICKER_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class SilverNews:
    reference: str  # file:line
    text: str
    company: str
    negative: bool
    rule: str  # earnings, cancelled or analyst


def earnings_direction(text: str) -> bool | None:
    """True when the lead's profit clauses all say the company's profit fell (or turned to a loss), False
    when they all say it rose (or turned to a profit), None when it says neither, both, or is not one
    company's own figure."""
    lead = _LEAD_END.split(text, maxsplit=1)[0][:120]
    if _MIXED.search(lead) or len(_TICKER_CODE.findall(text[:200])) > 1:
        return None
    directions = set()
    for match in _PROFIT.finditer(lead):
        if match.start() > PROFIT_WITHIN:
            break
        rest = lead[match.end() :]
        good, bad = _GOOD_PROFIT.match(rest), _BAD_PROFIT.match(rest)
        if good and bad:
            directions.add(bad.end() < good.end())  # the nearer word says it
        elif good or bad:
            directions.add(bool(bad))
    return directions.pop() if len(directions) == 1 else None


def read_rule(text: str) -> tuple[str, str, bool] | None:
    """(rule, company, negative) for a text one rule reads, else None."""
    company_first = _COMPANY_FIRST.match(text)
    if company_first and not _NOT_A_COMPANY.search(company_first.group(1)):
        negative = earnings_direction(text)
        if negative is not None:
            return "earnings", company_first.group(1), negative
    cancelled = _CANCELLED.match(text)
    if cancelled and not _NOT_A_COMPANY.search(cancelled.group(1)):
        return "cancelled", cancelled.group(1), True
    analyst = _ANALYST.search(text[:80])
    if (
        analyst
        and len(_ANALYST.findall(text)) == 1
        and not _NOT_A_COMPANY.search(analyst.group(1))
        and ("目标价" in analyst.group(0) or re.search(r"[(（]", analyst.group(0)))
    ):
        return "analyst", analyst.group(1), analyst.group(2) in ("下调", "调降", "下修")
    return None


def rule_fires(text: str) -> bool:
    return read_rule(text) is not None


def silver_news(
    root: Path | None = None,
    exclude: Collection[tuple[str, int]] = (),
    per_rule: int = PER_RULE,
    seed: int = 0,
) -> list[SilverNews]:
    """The corpus lines a rule reads, at most ``per_rule`` per rule and polarity. ``exclude``: (corpus file,
    line) references to keep out, with every line that begins like one of them (the hand-labelled sets:
    :func:`nlp.cross_source.labelled_references`); the company-news texts and held-out sites are always kept
    out. A missing corpus file is an error naming it."""
    folder = root or data_dir()
    corpora = {}
    for relative in CORPUS_FILES:
        path = folder / relative
        if not path.is_file():
            raise FileNotFoundError(f"{path}: corpus file not found (silver company news)")
        corpora[relative] = path.read_text("utf-8").split("\n")
    kept_out = {item.text[:PREFIX] for item in load_company_news(root)}
    like_labelled = set()  # the hand-labelled lines' openings, shorter: the same story told again
    for relative, number in exclude:
        lines = corpora.get(relative, [])
        if 0 < number <= len(lines):
            kept_out.add(lines[number - 1].strip()[:PREFIX])
            like_labelled.add(lines[number - 1].strip()[:LABELLED_PREFIX])
    found: dict[tuple[str, bool], list[SilverNews]] = {}
    seen: set[str] = set()
    for relative, lines in corpora.items():
        for number, raw in enumerate(lines, 1):
            text = raw.strip()
            if (
                len(text) < MIN_CHARACTERS
                or "??" in text
                or text[:PREFIX] in kept_out
                or text[:PREFIX] in seen
                or text[:LABELLED_PREFIX] in like_labelled
                or any(site in text for site in HELD_OUT_SOURCES)
            ):
                continue
            read = read_rule(text)
            if read is None:
                continue
            seen.add(text[:PREFIX])
            rule, company, negative = read
            found.setdefault((rule, negative), []).append(
                SilverNews(f"{relative}:{number}", text, company, negative, rule)
            )
    rng = random.Random(seed)
    chosen: list[SilverNews] = []
    for key in sorted(found):
        items = found[key]
        chosen += rng.sample(items, per_rule) if len(items) > per_rule else items
    return chosen


def counts(items: Sequence[SilverNews]) -> dict[str, int]:
    """Lines per rule and polarity (``earnings.bad``: 37 …), for the model card and the fit log."""
    result: dict[str, int] = {}
    for item in items:
        key = f"{item.rule}.{'bad' if item.negative else 'good'}"
        result[key] = result.get(key, 0) + 1
    return dict(sorted(result.items()))
