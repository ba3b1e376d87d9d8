"""One evaluation: every rule, every watched entity, from one ``Store.entity_counts`` call.

1. The windows all rules need at the instant are collected and counted in one store call (no per-entity
   queries, no top-N cap). 2. Each rule judges the entities from those counts. 3. For entities that newly
   cross a line (no active alert, not suppressed by ``realert``) the evidence headlines are fetched. 4. In
   one transaction, alerts are opened, updated or resolved and their notices queued in the outbox, after
   re-reading the active alerts so that two evaluations running at once cannot open the same alert twice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alerts.config import AlertingConfig
from alerts.content import build_notice, kibana_link
from alerts.delivery import DeliveryReport, NotifierFactory, build_notifier, deliver_due
from alerts.outbox import Outbox
from alerts.rules import Measure, Rule, plan_windows
from alerts.state import AlertState, NewAlert
from indexer.store import EntityCounts, Store, Window
from nlp.types import TaggedDocument

ID_LIST_LIMIT = 1000  # above this many ids, asking for every entity is cheaper than an IN list


@dataclass
class EvaluationReport:
    at: datetime
    rules: int = 0
    windows: int = 0
    entities: int = 0  # entities with a document in some evaluated window
    opened: list[int] = field(default_factory=list)  # alert ids
    recovered: list[int] = field(default_factory=list)
    still_active: int = 0
    suppressed: int = 0
    count_seconds: float = 0.0  # the store call
    seconds: float = 0.0  # the whole evaluation


@dataclass
class _Plan:
    rule: Rule
    firing: dict[str, Measure]
    new: list[str]  # entities to open an alert for
    evidence: dict[str, list[TaggedDocument]] = field(default_factory=dict)


def _entity_filter(config: AlertingConfig) -> list[str] | None:
    wanted: set[str] = set()
    for rule in config.active_rules:
        wanted |= rule.entity_ids
    if len(wanted) > ID_LIST_LIMIT or wanted >= set(config.watchlist):
        return None
    return sorted(wanted)


class Evaluator:
    def __init__(self, store: Store, config: AlertingConfig, state: AlertState) -> None:
        self.store = store
        self.config = config
        self.state = state
        self.outbox = Outbox(state.connection, config.options.outbox)

    def evaluate(self, at: datetime) -> EvaluationReport:
        started = time.perf_counter()
        rules = self.config.active_rules
        report = EvaluationReport(at=at, rules=len(rules))
        windows = plan_windows(rules, at)
        report.windows = len(windows)
        counts: dict[Window, Mapping[str, EntityCounts]] = {}
        if windows:
            begun = time.perf_counter()
            answers = self.store.entity_counts(windows, _entity_filter(self.config))
            report.count_seconds = time.perf_counter() - begun
            counts = dict(zip(windows, answers, strict=True))
            report.entities = len({entity for answer in answers for entity in answer})
        plans = [self._plan(rule, counts, at) for rule in rules]
        for plan in plans:
            self._fetch_evidence(plan, at)
        with self.state.transaction():
            for plan in plans:
                self._apply(plan, counts, at, report)
        report.seconds = time.perf_counter() - started
        return report

    def _plan(self, rule: Rule, counts: Mapping[Window, Mapping[str, EntityCounts]], at: datetime) -> _Plan:
        firing = rule.evaluate(counts, at)
        active = self.state.active(rule.name)
        candidates = [entity for entity in firing if entity not in active]
        last = self.state.last_opened(rule.name) if candidates else {}
        new = [e for e in sorted(candidates) if e not in last or at - last[e][1] >= rule.options.realert]
        return _Plan(rule, firing, new)

    def _fetch_evidence(self, plan: _Plan, at: datetime) -> None:
        limit = self.config.options.headlines
        if not limit:
            return
        window = plan.rule.current_window(at)
        for entity_id in plan.new:
            # Reprints of one story are one headline: ask for more, keep the latest of each story.
            stories: dict[str, TaggedDocument] = {}
            for document in self.store.negative_documents(entity_id, window, limit * 3):
                stories.setdefault(document.cluster_id or document.id, document)
            plan.evidence[entity_id] = list(stories.values())[:limit]

    def _notice(
        self,
        kind: str,
        alert_id: int,
        rule: Rule,
        entity_id: str,
        measure: Measure,
        counts: Mapping[Window, Mapping[str, EntityCounts]],
        at: datetime,
        documents: list[TaggedDocument],
    ) -> dict:
        window = rule.current_window(at)
        options = self.config.options
        kibana = (
            kibana_link(
                options.kibana_url,
                options.kibana_data_view,
                options.kibana_query,
                entity_id,
                window.start,
                window.end,
            )
            if options.kibana_url
            else None
        )
        events = counts.get(window, {}).get(entity_id, EntityCounts()).events
        return build_notice(
            kind,
            alert_id=alert_id,
            rule=rule,
            entity_id=entity_id,
            entity_name=self.config.entity_name(entity_id),
            window_start=window.start,
            window_end=window.end,
            measure=measure,
            events=events,
            documents=documents,
            kibana=kibana,
            at=at,
        )

    def _apply(
        self,
        plan: _Plan,
        counts: Mapping[Window, Mapping[str, EntityCounts]],
        at: datetime,
        report: EvaluationReport,
    ) -> None:
        rule, state = plan.rule, self.state
        active = state.active(rule.name)  # re-read under the write lock
        state.touch([(m.figure, at, active[e].id) for e, m in plan.firing.items() if e in active])
        report.still_active += sum(1 for e in plan.firing if e in active)
        new = [e for e in plan.new if e not in active]
        quiet = [e for e in plan.firing if e not in active and e not in new]
        if quiet:
            last = state.last_opened(rule.name)
            state.suppress([last[e][0] for e in quiet if e in last])
            report.suppressed += len(quiet)
        window = rule.current_window(at)
        for entity_id in new:
            measure = plan.firing[entity_id]
            alert = NewAlert(
                rule=rule.name,
                rule_type=rule.type_name,
                entity_id=entity_id,
                entity_name=self.config.entity_name(entity_id),
                severity=rule.options.severity,
                window_start=window.start,
                window_end=window.end,
                figure=measure.figure,
                threshold=measure.threshold,
                baseline=measure.baseline,
                summary=measure.summary,
                channels=list(rule.options.channels),
            )
            alert_id = state.insert(alert, at)
            if alert_id is None:
                continue  # this instant was evaluated before
            documents = plan.evidence.get(entity_id, [])
            notice = self._notice("alert", alert_id, rule, entity_id, measure, counts, at, documents)
            self.outbox.enqueue(alert_id, "alert", notice, alert.channels, at)
            report.opened.append(alert_id)
        for entity_id, alert_record in active.items():
            if entity_id in plan.firing:
                continue
            measure = rule.measure(entity_id, rule.lookups(counts, at))
            state.recover(alert_record.id, measure.figure, at)
            report.recovered.append(alert_record.id)
            if rule.options.recovery:
                notice = self._notice("recovery", alert_record.id, rule, entity_id, measure, counts, at, [])
                self.outbox.enqueue(alert_record.id, "recovery", notice, alert_record.channels, at)


def evaluation_instant(at: datetime | None = None) -> datetime:
    """``at``, or the clock, in whole seconds (so windows and alert keys are stable and readable)."""
    return (at or datetime.now(UTC)).replace(microsecond=0)


def check(
    store: Store,
    config: AlertingConfig,
    at: datetime | None = None,
    now: datetime | None = None,
    factory: NotifierFactory = build_notifier,
) -> tuple[EvaluationReport, DeliveryReport]:
    """Evaluate every rule at ``at`` (default: now), then deliver everything due at ``now`` (default: the
    clock): new alerts go out in the same run, and so do earlier ones whose retry is due."""
    with AlertState(config.state_path) as state:
        evaluation = Evaluator(store, config, state).evaluate(evaluation_instant(at))
        delivery = deliver_due(Outbox(state.connection, config.options.outbox), config.channels, now, factory)
    return evaluation, delivery
