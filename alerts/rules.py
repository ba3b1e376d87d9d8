"""Alert rules: a registry of rule types, each a class declaring its options model, and the built-ins.

A rule file (``configs/rules/*.yaml``) names its ``type``; :data:`RULE_TYPES` maps that to a class whose
``options_model`` declares the keys it needs (checked at load, errors naming file and key). A rule asks for
the time windows it needs (:meth:`Rule.windows`) and judges each entity from the counts the store returns
for all of them in one call (:meth:`Rule.measure`), so evaluating 10,000 entities is still one store query.

Built-ins: ``threshold`` (negative volume ≥ min_count), ``spike`` (volume ≥ ratio × its own recent
average), ``ratio`` (negative share of all documents) and ``event`` (a risk event of chosen types).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from alerts.durations import Duration, chinese_duration
from crawlers.configfile import StrictModel
from indexer.store import EntityCounts, Window

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
SEVERITY_NAMES = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
CountsByWindow = Mapping[Window, Mapping[str, EntityCounts]]
Lookups = Sequence[Mapping[str, EntityCounts]]  # counts per window, in the order of Rule.windows()
NO_COUNTS = EntityCounts()


class RuleOptions(StrictModel):
    """Keys every rule has; each rule type adds its own."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    type: str
    description: str = ""
    enabled: bool = True
    entities: Any = "all"  # all | [ids] | {tags: [...]}; resolved against the watchlist by alerts.config
    window: Duration
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    realert: Duration = timedelta(hours=6)  # after an alert, no new one for the same entity for this long
    recovery: bool = True  # send a recovery notice to the same channels when the condition clears
    channels: list[str] = Field(min_length=1)

    @field_validator("entities")
    @classmethod
    def _entity_selector(cls, value: Any) -> Any:
        if value == "all":
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return value
        if (
            isinstance(value, dict)
            and set(value) == {"tags"}
            and isinstance(value["tags"], list)
            and value["tags"]
            and all(isinstance(tag, str) for tag in value["tags"])
        ):
            return value
        raise ValueError(f"must be 'all', a list of watchlist ids or {{tags: [...]}}, got {value!r}")


@dataclass(frozen=True)
class Measure:
    """One entity judged by one rule at one instant."""

    entity_id: str
    met: bool
    figure: float
    threshold: float
    summary: str  # the figure against its line, in Chinese, for alert text
    baseline: float | None = None  # spike: the average per window over the baseline
    events: dict[str, int] = field(default_factory=dict)  # event types counted for the entity


class Rule:
    """Base of every rule type. Subclasses set ``type_name`` and ``options_model`` and implement
    :meth:`measure`; they may add windows (see :class:`SpikeRule`)."""

    type_name: ClassVar[str]
    type_label: ClassVar[str]  # the type in Chinese, for alert text
    options_model: ClassVar[type[RuleOptions]]

    def __init__(self, options: RuleOptions, entity_ids: frozenset[str]) -> None:
        self.options = options
        self.entity_ids = entity_ids  # the watchlist ids this rule watches

    @property
    def name(self) -> str:
        return self.options.name

    @property
    def window(self) -> timedelta:
        return self.options.window

    def current_window(self, at: datetime) -> Window:
        return Window(at - self.window, at)

    def windows(self, at: datetime) -> list[Window]:
        """Every window whose counts :meth:`measure` reads, the current window first."""
        return [self.current_window(at)]

    def lookups(self, counts: CountsByWindow, at: datetime) -> Lookups:
        """The counts of :meth:`windows`, in that order (looked up once per evaluation, not per entity)."""
        return [counts.get(window, {}) for window in self.windows(at)]

    def measure(self, entity_id: str, lookups: Lookups) -> Measure:
        """Judge one entity from :meth:`lookups`."""
        raise NotImplementedError

    def evaluate(self, counts: CountsByWindow, at: datetime) -> dict[str, Measure]:
        """Entities whose condition holds at ``at``. Only entities with a document in the current window can
        meet any built-in condition, so only those are measured."""
        lookups = self.lookups(counts, at)
        found = {}
        for entity_id in lookups[0].keys() & self.entity_ids:
            measure = self.measure(entity_id, lookups)
            if measure.met:
                found[entity_id] = measure
        return found


def _negative(counts: EntityCounts, count: str) -> int:
    return counts.negative_stories if count == "stories" else counts.negative


def _unit(count: str) -> str:
    return "负面报道（按事件去重）" if count == "stories" else "负面报道"


class CountingOptions(RuleOptions):
    count: Literal["documents", "stories"] = "documents"  # stories: distinct cluster_id (reprints once)


class ThresholdOptions(CountingOptions):
    type: Literal["threshold"]
    min_count: int = Field(ge=1)


class ThresholdRule(Rule):
    """Negative documents (or distinct stories) about the entity in the window ≥ ``min_count``."""

    type_name = "threshold"
    type_label = "负面数量阈值"
    options_model = ThresholdOptions
    options: ThresholdOptions

    def measure(self, entity_id: str, lookups: Lookups) -> Measure:
        figure = _negative(lookups[0].get(entity_id, NO_COUNTS), self.options.count)
        line = self.options.min_count
        summary = (
            f"{chinese_duration(self.window)}内{_unit(self.options.count)} {figure} 篇，阈值 ≥ {line} 篇"
        )
        return Measure(entity_id, figure >= line, figure, line, summary)


class SpikeOptions(CountingOptions):
    type: Literal["spike"]
    baseline: Duration
    ratio: float = Field(gt=1)
    min_count: int = Field(ge=1)

    @model_validator(mode="after")
    def _baseline_in_windows(self) -> SpikeOptions:
        windows, rest = divmod(self.baseline, self.window)
        if windows < 1 or rest:
            raise ValueError(
                f"baseline ({self.baseline}) must be a whole number of windows ({self.window}), e.g. 7d for 24h"
            )
        return self


class SpikeRule(Rule):
    """Volume in the window ≥ ``ratio`` × its average over the preceding ``baseline`` split into windows,
    and ≥ ``min_count`` (so 1 → 3 is not a spike)."""

    type_name = "spike"
    type_label = "负面数量突增"
    options_model = SpikeOptions
    options: SpikeOptions

    def baseline_windows(self, at: datetime) -> list[Window]:
        periods = self.options.baseline // self.window
        return [Window(at - (k + 1) * self.window, at - k * self.window) for k in range(1, periods + 1)]

    def windows(self, at: datetime) -> list[Window]:
        return [self.current_window(at), *self.baseline_windows(at)]

    def measure(self, entity_id: str, lookups: Lookups) -> Measure:
        count = self.options.count
        figure = _negative(lookups[0].get(entity_id, NO_COUNTS), count)
        past = [_negative(window.get(entity_id, NO_COUNTS), count) for window in lookups[1:]]
        average = sum(past) / len(past)
        line = max(self.options.ratio * average, self.options.min_count)
        summary = (
            f"{chinese_duration(self.window)}内{_unit(count)} {figure} 篇，"
            f"此前{chinese_duration(self.options.baseline)}平均每{chinese_duration(self.window)} {average:.1f} 篇；"
            f"阈值 ≥ {self.options.ratio:g} 倍均值且 ≥ {self.options.min_count} 篇"
        )
        return Measure(entity_id, figure >= line, figure, round(line, 4), summary, baseline=round(average, 4))


class RatioOptions(RuleOptions):
    type: Literal["ratio"]
    min_ratio: float = Field(gt=0, le=1)
    min_docs: int = Field(ge=1)


class RatioRule(Rule):
    """Negative share of all the entity's documents in the window ≥ ``min_ratio``, with ≥ ``min_docs``."""

    type_name = "ratio"
    type_label = "负面占比"
    options_model = RatioOptions
    options: RatioOptions

    def measure(self, entity_id: str, lookups: Lookups) -> Measure:
        current = lookups[0].get(entity_id, NO_COUNTS)
        share = current.negative / current.documents if current.documents else 0.0
        met = current.documents >= self.options.min_docs and share >= self.options.min_ratio
        summary = (
            f"{chinese_duration(self.window)}内负面占比 {share:.0%}（{current.negative}/{current.documents} 篇），"
            f"阈值 ≥ {self.options.min_ratio:.0%}（至少 {self.options.min_docs} 篇）"
        )
        return Measure(entity_id, met, round(share, 4), self.options.min_ratio, summary)


class EventOptions(RuleOptions):
    type: Literal["event"]
    event_types: list[str] = Field(min_length=1)
    min_count: int = Field(default=1, ge=1)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        known = known_event_types()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"unknown event type(s) {', '.join(unknown)} (valid: {', '.join(sorted(known))})"
            )
        return value


def known_event_types() -> set[str]:
    """The model's event types and the keyword rules' types: what the tagger can report."""
    from nlp.event_rules import load_rules
    from nlp.labels import EVENT_TYPES

    return {*EVENT_TYPES, *(rule.type for rule in load_rules())}


class EventRule(Rule):
    """Any document tagged with one of ``event_types`` for the entity in the window (``min_count``)."""

    type_name = "event"
    type_label = "风险事件"
    options_model = EventOptions
    options: EventOptions

    def measure(self, entity_id: str, lookups: Lookups) -> Measure:
        events = lookups[0].get(entity_id, NO_COUNTS).events
        found = {name: events[name] for name in self.options.event_types if events.get(name)}
        figure = sum(found.values())
        listed = "、".join(f"{name} {n} 篇" for name, n in found.items()) or "无"
        summary = f"{chinese_duration(self.window)}内风险事件：{listed}（阈值 ≥ {self.options.min_count} 篇）"
        return Measure(
            entity_id, figure >= self.options.min_count, figure, self.options.min_count, summary, events=found
        )


RULE_TYPES: dict[str, type[Rule]] = {}


def register_rule(rule_class: type[Rule]) -> type[Rule]:
    """Make a rule type available to rule files by its ``type_name`` (built-ins register the same way)."""
    RULE_TYPES[rule_class.type_name] = rule_class
    return rule_class


for _builtin in (ThresholdRule, SpikeRule, RatioRule, EventRule):
    register_rule(_builtin)


def plan_windows(rules: Iterable[Rule], at: datetime) -> list[Window]:
    """Every distinct window the rules need at ``at``, for one ``Store.entity_counts`` call."""
    return list(dict.fromkeys(window for rule in rules for window in rule.windows(at)))
