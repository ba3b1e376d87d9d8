"""Building the organisation gazetteer (:class:`nlp.org_names.OrgGazetteer`) from the training splits: the
ORG spans of the NER corpora, the CCKS event subjects, the BDCI candidate entities and the companies of the
real company news. Dev splits and held-out sources stay out, so the figures on them are not read off it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import jieba

from nlp import data, ner_data
from nlp.news_data import split_company_news
from nlp.org_names import OrgGazetteer

NAME_TAGS = frozenset({"nt", "nz", "j", "nr", "nrt", "nrfg"})
"""jieba's part-of-speech tags a known name may carry (organisation, other proper noun, abbreviation, the
names jieba mistakes for people's); a name jieba lists as a common noun, a place or a verb (子公司, 俄罗斯,
停牌) is left out: the corpora label some of those ORG in context (俄罗斯队), and alone they are not names."""


def training_org_names(root: Path | None = None) -> list[str]:
    """The organisation names of the training splits, without those the NER corpora label as another type
    at least as often, and without common words (:data:`NAME_TAGS`)."""
    counts: Counter[tuple[str, bool]] = Counter()
    for sentence in ner_data.load_ner(root).train:
        for span in sentence.spans:
            counts[sentence.text[span.start : span.end], span.label == "ORG"] += 1
    names = [name for (name, org), n in counts.items() if org and n > counts[name, False]]
    names += [subject for text in data.load_event_texts(root).train for _, subject in text.events if subject]
    names += [name for text in data.load_entity_negative(root).train for name in text.candidates]
    names += [item.company for item in split_company_news(root).train if item.company]
    tags = jieba_tags()
    return [name for name in dict.fromkeys(names) if tags.get(name, "nt") in NAME_TAGS]


def jieba_tags() -> dict[str, str]:
    """jieba's dictionary: word → part-of-speech tag."""
    path = Path(jieba.__file__).parent / "dict.txt"
    return {word: tag for word, _, tag in (line.split() for line in path.read_text("utf-8").splitlines())}


def fit_gazetteer(folder: Path, root: Path | None = None) -> OrgGazetteer:
    """The gazetteer of the training splits, saved into the model folder."""
    gazetteer = OrgGazetteer(training_org_names(root))
    gazetteer.save(folder)
    return gazetteer
