"""Keyword rules for risk events the training data lacks (破产清算, 股权冻结, 失信被执行, 评级下调, 立案调查,
行政处罚, …), each tied to the watched entity it concerns: the mention nearest before the keyword in the
same sentence, else the nearest after it, else none. Rules live in ``resources/event_rules.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from nlp.text import normalise, split_sentences


@dataclass(frozen=True)
class EventRule:
    type: str
    score: float
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class RuleEvent:
    type: str
    entity_id: str | None
    score: float
    start: int  # the keyword's offsets in the text
    end: int
    sentence: tuple[int, int]


@lru_cache(maxsize=1)
def load_rules() -> tuple[EventRule, ...]:
    raw = yaml.safe_load(resources.files("nlp").joinpath("resources/event_rules.yaml").read_text("utf-8"))
    return tuple(
        EventRule(
            type=name,
            score=float(spec["score"]),
            patterns=tuple(re.compile(p) for p in spec["patterns"]),
            unless=tuple(re.compile(p) for p in spec.get("unless", [])),
        )
        for name, spec in raw.items()
    )


def _entity_for(start: int, sentence: tuple[int, int], mentions: list[tuple[str, int, int]]) -> str | None:
    inside = [m for m in mentions if m[1] >= sentence[0] and m[2] <= sentence[1]]
    before = [m for m in inside if m[2] <= start]
    if before:
        return max(before, key=lambda m: m[2])[0]
    after = [m for m in inside if m[1] >= start]
    return min(after, key=lambda m: m[1])[0] if after else None


def find_rule_events(text: str, mentions: list[tuple[str, int, int]]) -> list[RuleEvent]:
    """Rule events in ``text``; ``mentions`` are ``(entity_id, start, end)`` of linked entities in it.

    One event per (type, entity): the first keyword that names it wins.
    """
    normalised = normalise(text)
    events: dict[tuple[str, str | None], RuleEvent] = {}
    # A keyword that matches in a sentence matches in the whole text (the patterns use no anchors or
    # look-arounds, tested), so only rules with a match somewhere need reading sentence by sentence.
    present = [rule for rule in load_rules() if any(p.search(normalised) for p in rule.patterns)]
    if not present:
        return []
    for sentence in split_sentences(normalised):
        piece = normalised[sentence[0] : sentence[1]]
        for rule in present:
            if any(u.search(piece) for u in rule.unless):
                continue
            for pattern in rule.patterns:
                match = pattern.search(piece)
                if match is None:
                    continue
                start, end = sentence[0] + match.start(), sentence[0] + match.end()
                entity_id = _entity_for(start, sentence, mentions)
                events.setdefault(
                    (rule.type, entity_id), RuleEvent(rule.type, entity_id, rule.score, start, end, sentence)
                )
                break
    return list(events.values())
