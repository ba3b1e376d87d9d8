"""``riskwatch evaluate``: the model's dev figures beside the baselines'.

Every figure is computed with :mod:`nlp.metrics` on the dev splits of :mod:`nlp.data` (never on training
rows): entity-level negative (BDCI 2019 scoring), forum sentiment (macro-F1), ORG/PER/LOC NER (exact span
F1), risk-event types (micro-F1 over (text, type) pairs), and two checks that the entity head learnt
company news: recall of the subjects of held-out CCKS risk events, and accuracy on a written probe of
ordinary listed-company news (``resources/company_news_probe.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

import yaml

from nlp import cross_source, data, metrics, ner_data, news_data
from nlp.decode import bio_spans
from nlp.labels import EVENT_TYPES, NO_EVENT
from nlp.news_silver import rule_fires
from nlp.tagger import Tagger

TARGETS = {
    "entity_negative.entity_f1": 0.90,
    "forum.macro_f1": 0.70,
    "ner.org_f1": 0.80,
    "events.micro_f1": 0.90,
    # issue 17: on sources never trained on
    "news_held_out.entity_accuracy": 0.85,
    "cross_source.company_news.entity_accuracy": 0.85,
    "cross_source.company_news.bad_news_negative": 0.80,
    "cross_source.company_news.good_news_not_negative": 0.80,
    "cross_source.forum.macro_f1": 0.70,
    "cross_source.forum.macro_f1_kind_forum": 0.70,
    "cross_source.ner.org_f1": 0.75,
    # the same targets on sets a second annotator labelled later (company news, ORG spans)
    "cross_source.company_news_second.entity_accuracy": 0.85,
    "cross_source.company_news_second.bad_news_negative": 0.80,
    "cross_source.company_news_second.good_news_not_negative": 0.80,
    "cross_source.ner_second.org_f1": 0.75,
    # 1,533 lines drawn at random (a third bad news), labelled by ten more readers: the flag with bad and other
    # news weighing half each, as on the half-bad set
    "cross_source.company_news_third.entity_balanced_accuracy": 0.85,
    "cross_source.company_news_third.bad_news_negative": 0.80,
    "cross_source.company_news_third.good_news_not_negative": 0.80,
}


def _tag(tagger: Tagger, records: Sequence[dict[str, Any]], batch: int = 64) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for first in range(0, len(records), batch):
        out.extend(tagger.tag(records[first : first + batch]))
    return out


def post_labels(tagger: Tagger, texts: Sequence[str], kind: str | None = None) -> list[int]:
    """The document label (as an index of the model's sentiment labels) of each text, tagged as a record
    with ``kind`` (none: as ``riskwatch tag`` reads a file that does not say)."""
    labels = tagger.model.config.sentiment_labels
    extra = {"kind": kind} if kind else {}
    records = [{"id": str(i), "title": "", "content": text, **extra} for i, text in enumerate(texts)]
    return [labels.index(t["sentiment"]["label"]) for t in _tag(tagger, records)]


def entity_negative_figures(tagger: Tagger, dev: Sequence[data.EntityNegativeText]) -> dict[str, float]:
    records = [
        {"id": t.id, "title": "", "content": t.full_text, "targets": list(dict.fromkeys(t.candidates))}
        for t in dev
    ]
    predicted: dict[str, metrics.Judgement] = {}
    for text, tagged in zip(dev, _tag(tagger, records), strict=True):
        keys = [e["name"] for e in tagged["entities"] if e["negative"] and e["name"] in text.candidates]
        predicted[text.id] = (bool(keys), keys)
    gold = {t.id: (t.negative, t.key_entities) for t in dev}
    score = metrics.bdci_negative_score(gold, predicted)
    return {
        "entity_negative.negative_f1": score.negative.f1,
        "entity_negative.entity_f1": score.entity.f1,
        "entity_negative.score": score.score,
    }


def forum_figures(tagger: Tagger, dev: Sequence[data.ForumPost]) -> dict[str, float]:
    predicted = post_labels(tagger, [p.text for p in dev])
    return {"forum.macro_f1": metrics.macro_f1([p.label for p in dev], predicted).macro_f1}


def event_figures(tagger: Tagger, dev: Sequence[data.EventText]) -> dict[str, float]:
    tagged = _tag(tagger, [{"id": t.id, "title": "", "content": t.text} for t in dev])
    predicted: dict[str, frozenset[str]] = {}
    for text, result in zip(dev, tagged, strict=True):
        types = frozenset(e["type"] for e in result["events"] if e["type"] in EVENT_TYPES)
        predicted[text.id] = types or frozenset({NO_EVENT})
    gold = {t.id: t.event_types for t in dev}
    return {
        "events.micro_f1": metrics.event_type_prf(gold, predicted).f1,
        "events.micro_f1_without_other": metrics.event_type_prf(gold, predicted, ignore=(NO_EVENT,)).f1,
    }


def company_news_figures(tagger: Tagger, dev: Sequence[data.EventText]) -> dict[str, float]:
    """Recall of held-out risk-event subjects judged negative, and accuracy on the written probe."""
    pairs = [
        (t, s) for t in dev for event_type, s in t.events if event_type != NO_EVENT and s and s in t.text
    ]
    records = [{"id": t.id, "title": "", "content": t.text, "targets": [s]} for t, s in pairs]
    tagged = _tag(tagger, records)
    recall = sum(
        next(e for e in r["entities"] if e["name"] == s)["negative"]
        for (_, s), r in zip(pairs, tagged, strict=True)
    )
    probe = yaml.safe_load(
        resources.files("nlp").joinpath("resources/company_news_probe.yaml").read_text("utf-8")
    )
    probed = _tag(
        tagger,
        [
            {"id": str(i), "title": "", "content": p["text"], "targets": [p["subject"]]}
            for i, p in enumerate(probe)
        ],
    )
    correct = sum(
        next(e for e in r["entities"] if e["name"] == p["subject"])["negative"] == p["negative"]
        for p, r in zip(probe, probed, strict=True)
    )
    return {
        "company_news.event_subject_recall": recall / len(pairs) if pairs else 0.0,
        "company_news.probe_accuracy": correct / len(probe),
    }


def ner_figures(tagger: Tagger, dev: Sequence[ner_data.NerSentence]) -> dict[str, float]:
    """The NER head's spans (``ner.*``), and the organisations the tagger reports (``ner.tagger_org_f1``: the
    head's ORG spans merged with marked and known names, :func:`nlp.org_names.merged_spans`)."""
    texts = [sentence.text for sentence in dev]
    read = _read_windows(tagger, texts)
    gold = [{(s.start, s.end, s.label) for s in sentence.spans} for sentence in dev]
    head = [
        {span for window, output in windows for span in bio_spans(output.ner_tags, window)}
        for windows in read
    ]
    score = metrics.span_prf(gold, head)
    orgs = organisation_spans(tagger, texts, read)
    organisations = metrics.span_prf([{span for span in spans if span[2] == "ORG"} for spans in gold], orgs)
    return {
        "ner.f1": score.overall.f1,
        "ner.org_f1": score.per_type["ORG"].f1,
        "ner.tagger_org_f1": organisations.overall.f1,
    }


def _read_windows(tagger: Tagger, texts: Sequence[str]) -> list[list[tuple[Any, Any]]]:
    """Each text's windows with the encoder's outputs for them."""
    windows = [tagger.windows(text) for text in texts]
    outputs, _ = tagger._forward([w for ws in windows for w in ws])
    read, position = [], 0
    for ws in windows:
        read.append(list(zip(ws, outputs[position : position + len(ws)], strict=True)))
        position += len(ws)
    return read


def organisation_spans(
    tagger: Tagger, texts: Sequence[str], read: Sequence[list[tuple[Any, Any]]] | None = None
) -> list[set[tuple[int, int, str]]]:
    """The organisations the tagger reports in each text: the head's ORG spans with marked and known names
    (``read``: the texts' windows with the encoder's outputs, where already computed)."""
    return [
        {
            (s, e, "ORG")
            for s, e in tagger.organisation_spans(text, [w for w, _ in pairs], [o for _, o in pairs])
        }
        for text, pairs in zip(texts, read if read is not None else _read_windows(tagger, texts), strict=True)
    ]


def company_news_source_figures(tagger: Tagger, limit: int | None = None) -> dict[str, float]:
    """Real company news: the same sites as training (``news_dev``) and a site never trained on
    (``news_held_out``); records carry no ``kind``, as ``riskwatch tag`` input need not. The hand-labelled
    items are also scored without those a silver rule reads (``rule_free``) and without those that repeat
    training text (``unseen``, :func:`nlp.cross_source.unseen`)."""
    split = news_data.split_company_news()
    figures: dict[str, float] = {}
    sets = [
        ("news_dev", cross_source.news_items(split.dev)),
        ("news_held_out", cross_source.news_items(split.held_out)),
    ]
    for prefix, name in (
        ("cross_source.company_news", cross_source.COMPANY_NEWS),
        ("cross_source.company_news_second", cross_source.COMPANY_NEWS_SECOND),
        ("cross_source.company_news_third", cross_source.COMPANY_NEWS_THIRD),
    ):
        if cross_source.labelled_file(name).is_file():
            sets.append((prefix, cross_source.labelled_news_items(name=name)))
    for prefix, items in sets:
        items = items[:limit] if limit else items
        records = [
            {"id": str(i), "title": "", "content": text, "targets": [company]}
            for i, (text, company, _) in enumerate(items)
        ]
        tagged = _tag(tagger, records)
        figures |= cross_source.company_flag_figures(prefix, items, tagged)
        if not prefix.startswith("cross_source."):
            continue
        texts = [text for text, _, _ in items]
        subsets = {
            "rule_free": [not rule_fires(text) for text in texts],
            "unseen": cross_source.unseen(texts, cross_source.training_texts()),
        }
        for name, kept in subsets.items():
            rows = [row for row, keep in enumerate(kept) if keep]
            subset = cross_source.company_flag_figures(
                f"{prefix}.{name}", [items[row] for row in rows], [tagged[row] for row in rows]
            )
            figures |= {k: v for k, v in subset.items() if k.endswith((".entity_accuracy", ".items"))}
    return figures


def forum_figures_of(
    tagger: Tagger, prefix: str, posts: Sequence[tuple[str, int]], training: Sequence[str]
) -> dict[str, float]:
    """3-class macro-F1 of hand-labelled posts, as records without a kind and with ``kind: forum`` (crawled
    records carry one or not), on all of them and on those that repeat no training text (``unseen``)."""
    texts = [text for text, _ in posts]
    unseen = cross_source.unseen(texts, training)
    figures: dict[str, float] = {}
    for suffix, kind in (("", None), ("_kind_forum", "forum")):
        pairs = list(zip([label for _, label in posts], post_labels(tagger, texts, kind), strict=True))
        for name, kept in ((prefix, None), (f"{prefix}.unseen", unseen)):
            chosen = [pair for row, pair in enumerate(pairs) if kept is None or kept[row]]
            figures[f"{name}.macro_f1{suffix}"] = cross_source.forum_macro_f1(
                [gold for gold, _ in chosen], [predicted for _, predicted in chosen]
            )
    figures[f"{prefix}.unseen.items"] = float(sum(unseen))
    return figures


def cross_source_figures(tagger: Tagger, limit: int | None = None) -> dict[str, float]:
    """Forum posts from other crawls (:func:`forum_figures_of`: the reported set, and the set the sentiment
    blend and the event-backed post rule were chosen on) and ORG spans in other texts, hand-labelled; each
    also on the items that repeat no training text (``unseen``)."""
    names = (cross_source.FORUM, cross_source.FORUM_CHOICE, cross_source.NER_ORG, cross_source.NER_ORG_SECOND)
    if not all(cross_source.labelled_file(name).is_file() for name in names):
        return {}
    training = cross_source.training_texts()
    figures: dict[str, float] = {}
    for prefix, name in (
        ("cross_source.forum", cross_source.FORUM),
        ("cross_source.forum_choice", cross_source.FORUM_CHOICE),
    ):
        posts = cross_source.labelled_forum(name=name)
        figures |= forum_figures_of(tagger, prefix, posts[:limit] if limit else posts, training)
    for prefix, name in (
        ("cross_source.ner", cross_source.NER_ORG),
        ("cross_source.ner_second", cross_source.NER_ORG_SECOND),
    ):
        sentences = cross_source.labelled_org_spans(name=name)
        sentences = sentences[:limit] if limit else sentences
        unseen_sentences = cross_source.unseen([text for text, _ in sentences], training)
        orgs = organisation_spans(tagger, [text for text, _ in sentences])
        figures[f"{prefix}.org_f1"] = metrics.span_prf([gold for _, gold in sentences], orgs).overall.f1
        rows = [row for row, keep in enumerate(unseen_sentences) if keep]
        figures[f"{prefix}.unseen.org_f1"] = metrics.span_prf(
            [sentences[row][1] for row in rows], [orgs[row] for row in rows]
        ).overall.f1
        figures[f"{prefix}.unseen.items"] = float(len(rows))
    return figures


def evaluate_model(tagger: Tagger, limit: int | None = None) -> dict[str, float]:
    """All dev figures of one model; ``limit`` caps each dev set (for the CI floor check)."""

    def cap(items: list) -> list:
        return items[:limit] if limit else items

    _, entity_dev = data.load_entity_negative()
    _, forum_dev = data.load_forum_sentiment()
    _, event_dev = data.load_event_texts()
    _, ner_dev = ner_data.load_ner()
    figures: dict[str, float] = {}
    figures |= entity_negative_figures(tagger, cap(entity_dev))
    figures |= forum_figures(tagger, cap(forum_dev))
    figures |= ner_figures(tagger, cap(ner_dev))
    figures |= event_figures(tagger, cap(event_dev))
    figures |= company_news_figures(tagger, cap(event_dev))
    figures |= company_news_source_figures(tagger, limit)
    figures |= cross_source_figures(tagger, limit)
    return figures
