"""Lexicon-built company news for the entity head: is the text negative about *this* company?

The entity head learns companies from the CCKS event headlines, where every named subject is the subject
of a risk event, so it learns "a company in a headline is a company in trouble" and calls 中标 or 回购 news
negative. These examples put real company names (the event subjects of the training split) into short
news frames with a word from the formal finance lexicon or, for half the words where they are given, a
corporate action (``resources/company_actions.yaml``: 中标, 回购 …; 减持, 问询函 …): a positive word makes
the company not negative, a negative word negative, in the *same* frames, so only the word can tell them
apart. One example in
three names two companies, one with each kind of word, so the judgement must follow the company.

The written probe (``resources/company_news_probe.yaml``) stays out of this: it is how the effect is
measured. Its cue words (中标, 增持, 减持 …) can be lexicon words or actions, so the probe measures whether the head
learnt the polarity of such words for the company named, not wording it has never seen.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import yaml

from nlp.data import EventText, data_file
from nlp.examples import EntityTarget, Example, find_mentions
from nlp.labels import NO_EVENT
from nlp.text import has_cjk

FRAMES = (
    "{company}{word}",
    "{company}公告称，公司{word}。",
    "据报道，{company}近期{word}。",
    "{company}：{word}",
    "{company}表示，{word}。",
    "【{company}】{word}",
)
PAIR_FRAMES = (
    "{first}{first_word}，{second}{second_word}",
    "{first}{first_word}；同日，{second}公告{second_word}。",
    "{first}：{first_word} {second}：{second_word}",
)


COMPANY_ACTIONS = Path(__file__).parent / "resources" / "company_actions.yaml"
ACTION_SHARE = 0.5
"""With corporate actions given, the share of drawn words that are actions rather than lexicon words."""
GOOD_NEWS_PAIRS = 0.5
"""The share of two-company examples in which both companies get a positive word, as the n-gram heads and
the encoder draw them: without such examples every two-company text is negative news, and with the CCKS
risk-event headlines beside them the document-negative head learnt that company news is mostly bad news
(it scored 增持 and 回购 news about 0.6)."""

FORMAL_LEXICON = "lexicons/FinacialFormalUnformal.yaml"
FORMAL_CATEGORIES = ("正式-肯定情绪", "正式-否定情绪")
"""The formal (written finance) positive and negative words of 姚加权 et al.; the informal ones are forum slang,
and the other finance lexicons hold many words no company news would use (分娩, 回顾)."""


def lexicon_words(
    min_length: int = 2, max_length: int = 4, root: Path | None = None
) -> tuple[list[str], list[str]]:
    """(positive, negative) formal finance words, Chinese only, in neither list twice, sorted."""
    path = data_file(FORMAL_LEXICON, root)
    parsed = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    dictionary = parsed.get("Dictionary") or {}
    missing = [c for c in FORMAL_CATEGORIES if c not in dictionary]
    if missing:
        raise ValueError(f"{path}: categories {missing} not found")
    positive, negative = (
        {str(w).strip() for w in dictionary[category] or []} for category in FORMAL_CATEGORIES
    )

    def usable(words: set[str]) -> list[str]:
        return sorted(w for w in words if min_length <= len(w) <= max_length and has_cjk(w) and w.isalpha())

    return usable(positive - negative), usable(negative - positive)


def company_actions(path: Path = COMPANY_ACTIONS) -> tuple[list[str], list[str]]:
    """(positive, negative) corporate actions (``resources/company_actions.yaml``: 中标, 回购 …; 减持, 问询函 …);
    a missing or empty list, or a phrase in both, is an error naming the file and key."""
    parsed = yaml.safe_load(path.read_text("utf-8")) or {}
    lists = []
    for key in ("positive", "negative"):
        phrases = parsed.get(key) if isinstance(parsed, dict) else None
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p for p in phrases):
            raise ValueError(f"{path}: '{key}' must be a non-empty list of phrases")
        lists.append(list(dict.fromkeys(phrases)))
    both = sorted(set(lists[0]) & set(lists[1]))
    if both:
        raise ValueError(f"{path}: {both} listed as both positive and negative")
    return lists[0], lists[1]


def company_names(texts: Sequence[EventText]) -> list[str]:
    """The distinct subjects of the risk events in ``texts`` (real company names), sorted."""
    return sorted({s for t in texts for kind, s in t.events if kind != NO_EVENT and len(s) >= 2})


def company_news_examples(
    companies: Sequence[str],
    positive: Sequence[str],
    negative: Sequence[str],
    count: int,
    seed: int = 13,
    actions: tuple[Sequence[str], Sequence[str]] | None = None,
    good_news_pairs: float = 0.0,
) -> list[Example]:
    """``count`` examples, balanced between positive and negative words; a third name two companies (one
    company where the two drawn contain one another, as 华岳 and 华岳股份). ``actions``: (positive,
    negative) corporate actions (:func:`company_actions`), drawn instead of a lexicon word at
    :data:`ACTION_SHARE` (without them, the examples are those of before they existed).
    ``good_news_pairs``: the share of two-company examples where both get a positive word (the rest get one
    of each; 0, the default, draws the examples of before it existed)."""
    if not 0.0 <= good_news_pairs <= 1.0:
        raise ValueError(f"good_news_pairs must be between 0 and 1, got {good_news_pairs}")
    if not companies or not positive or not negative:
        raise ValueError("company news needs company names and both positive and negative words")
    rng = random.Random(seed)

    def word(is_negative: bool) -> str:
        if actions is not None and rng.random() < ACTION_SHARE:
            return rng.choice(actions[1] if is_negative else actions[0])
        return rng.choice(negative if is_negative else positive)

    examples: list[Example] = []
    for index in range(count):
        pair = rng.sample(list(companies), 2) if index % 3 == 2 and len(companies) > 1 else None
        if pair and pair[0] not in pair[1] and pair[1] not in pair[0]:  # nested names: one company instead
            first, second = pair
            first_negative = rng.random() < 0.5  # drawn for every pair: the default's draws stay as before
            if good_news_pairs and rng.random() < good_news_pairs:
                words, labels = [word(False), word(False)], {first: False, second: False}
            else:
                words = [word(True), word(False)]
                if not first_negative:
                    words.reverse()
                labels = {first: first_negative, second: not first_negative}
            text = rng.choice(PAIR_FRAMES).format(
                first=first, first_word=words[0], second=second, second_word=words[1]
            )
        else:
            company = rng.choice(companies)
            is_negative = index % 3 == 0 if index % 3 != 2 else rng.random() < 0.5
            text = rng.choice(FRAMES).format(company=company, word=word(is_negative))
            labels = {company: is_negative}
        mentions = find_mentions(text, labels)
        entities = [EntityTarget(name, mentions.get(name, []), negative=labels[name]) for name in labels]
        examples.append(Example(text, "company_news", entities=entities))
    return examples
