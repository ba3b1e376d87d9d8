"""Evaluation metrics of the NLP stage, as pure functions with exact definitions.

Every precision, recall and F1 here follows one convention (scikit-learn's ``zero_division=0``): a ratio
whose denominator is 0 is 0, so no predictions give precision 0, no gold gives recall 0, and F1 is
``2PR / (P + R)``, or 0 when P + R is 0.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

BDCI_NEGATIVE_WEIGHT = 0.4
BDCI_ENTITY_WEIGHT = 0.6


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts they come from."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    gold: int


def prf(true_positives: int, predicted: int, gold: int) -> PRF:
    """P = TP / predicted, R = TP / gold, F1 = 2PR / (P + R); each 0 where its denominator is 0."""
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, true_positives, predicted, gold)


def set_prf(gold: Iterable[Hashable], predicted: Iterable[Hashable]) -> PRF:
    """Micro P/R/F1 of two sets of items (duplicates count once): TP = |gold ∩ predicted|."""
    gold_set, predicted_set = set(gold), set(predicted)
    return prf(len(gold_set & predicted_set), len(predicted_set), len(gold_set))


# --- CCF BDCI 2019 entity-level negative judgement -----------------------------------------------------

Judgement = tuple[bool, Collection[str]]
"""One text's (is negative, key entities) judgement."""


@dataclass(frozen=True)
class BdciScore:
    """The BDCI 2019 "金融信息负面及主体判定" score and its two parts."""

    negative: PRF
    entity: PRF
    score: float


def bdci_negative_score(gold: Mapping[str, Judgement], predicted: Mapping[str, Judgement]) -> BdciScore:
    """Score predictions keyed by text id the way the CCF BDCI 2019 competition did.

    - negative F1: document-level binary F1 of the class "negative" over all gold texts;
    - key-entity F1: micro P/R/F1 over (text id, entity) pairs, where a text's predicted key entities count
      only if it is predicted negative (a non-negative text has no key entities, as in the gold data);
    - score = 0.4 · negative F1 + 0.6 · key-entity F1.

    A gold text missing from ``predicted`` counts as predicted non-negative; a predicted id that is not in
    ``gold`` is an error, since it means the two were built from different data.
    """
    unknown = set(predicted) - set(gold)
    if unknown:
        raise ValueError(
            f"predictions for {len(unknown)} text id(s) not in gold, e.g. {sorted(unknown)[0]!r}"
        )
    no_judgement: Judgement = (False, ())
    negative = set_prf(
        (text_id for text_id, (is_negative, _) in gold.items() if is_negative),
        (text_id for text_id, (is_negative, _) in predicted.items() if is_negative),
    )
    entity = set_prf(
        _key_pairs(gold),
        _key_pairs({text_id: predicted.get(text_id, no_judgement) for text_id in gold}),
    )
    score = BDCI_NEGATIVE_WEIGHT * negative.f1 + BDCI_ENTITY_WEIGHT * entity.f1
    return BdciScore(negative, entity, score)


def _key_pairs(judgements: Mapping[str, Judgement]) -> set[tuple[str, str]]:
    return {
        (text_id, entity)
        for text_id, (is_negative, entities) in judgements.items()
        if is_negative
        for entity in entities
    }


# --- document classification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MacroF1:
    """Macro-averaged F1 (unweighted mean over ``labels``) and each label's one-vs-rest P/R/F1."""

    macro_f1: float
    per_label: dict[int, PRF]


def macro_f1(gold: Sequence[int], predicted: Sequence[int], labels: Sequence[int] = (0, 1, 2)) -> MacroF1:
    """Macro-F1 over ``labels`` (default: the 3 sentiment classes), each label's F1 one-vs-rest.

    A label absent from both gold and predictions has F1 0 and still counts in the mean, so the figure is
    always an average over the same classes.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    per_label = {
        label: set_prf(
            (index for index, value in enumerate(gold) if value == label),
            (index for index, value in enumerate(predicted) if value == label),
        )
        for label in labels
    }
    mean = sum(result.f1 for result in per_label.values()) / len(labels) if labels else 0.0
    return MacroF1(mean, per_label)


def macro_f1_standard_error(
    gold: Sequence[int], predicted: Sequence[int], resamples: int = 300, seed: int = 0
) -> float:
    """The bootstrap standard error of :func:`macro_f1`: its spread over ``resamples`` draws of the rows with
    replacement (seeded, so a choice made with it is repeatable)."""
    rng = random.Random(seed)
    rows = range(len(gold))
    figures = []
    for _ in range(resamples):
        drawn = [rng.choice(rows) for _ in rows]
        figures.append(macro_f1([gold[r] for r in drawn], [predicted[r] for r in drawn]).macro_f1)
    return statistics.pstdev(figures)


def event_type_prf(
    gold: Mapping[str, Collection[str]],
    predicted: Mapping[str, Collection[str]],
    ignore: Collection[str] = (),
) -> PRF:
    """Micro P/R/F1 of event types over (text id, event type) pairs, types in ``ignore`` left out.

    A gold text missing from ``predicted`` has no predicted types; predicted ids not in gold are errors.
    """
    unknown = set(predicted) - set(gold)
    if unknown:
        raise ValueError(
            f"predictions for {len(unknown)} text id(s) not in gold, e.g. {sorted(unknown)[0]!r}"
        )

    def pairs(types_by_id: Mapping[str, Collection[str]]) -> set[tuple[str, str]]:
        return {
            (text_id, kind) for text_id, kinds in types_by_id.items() for kind in kinds if kind not in ignore
        }

    return set_prf(pairs(gold), pairs(predicted))


# --- named entities --------------------------------------------------------------------------------------

SpanTuple = tuple[int, int, str]
"""(start, end exclusive, type); :class:`nlp.ner_data.Span` is one."""


@dataclass(frozen=True)
class SpanScore:
    """Micro P/R/F1 over all span types, and per type (e.g. ``per_type["ORG"]``)."""

    overall: PRF
    per_type: dict[str, PRF]


def span_prf(
    gold: Sequence[Collection[SpanTuple]],
    predicted: Sequence[Collection[SpanTuple]],
    types: Sequence[str] = ("ORG", "PER", "LOC"),
) -> SpanScore:
    """Exact-match span P/R/F1: a predicted span is correct only if its start, end and type all match.

    ``gold[i]`` and ``predicted[i]`` are the spans of sentence ``i``. ``overall`` is micro-averaged over
    every type present (also types outside ``types``); ``per_type`` covers ``types``.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted ones")
    gold_items = {(index, *span) for index, spans in enumerate(gold) for span in spans}
    predicted_items = {(index, *span) for index, spans in enumerate(predicted) for span in spans}
    per_type = {
        kind: set_prf(
            (item for item in gold_items if item[3] == kind),
            (item for item in predicted_items if item[3] == kind),
        )
        for kind in types
    }
    return SpanScore(set_prf(gold_items, predicted_items), per_type)
