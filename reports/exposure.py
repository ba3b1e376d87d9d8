"""Building the exposure report: the file's counterparties, weighed by exposure, against the store's news.

One ``entity_counts`` call answers every matched counterparty for the whole period and for each day (the
chart), so a 10,000-row exposure file is one aggregation, not 10,000 queries. Evidence headlines come from
``negative_documents``; alerts from the alert state when there is one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from indexer.store import EntityCounts, Store, Window
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity
from reports.exposure_file import ExposureFile, ExposureRow
from reports.exposures import MatchedExposure, match_exposures
from reports.model import CounterpartyLine, DailySeries, ExposureReport, Headline, Metadata
from reports.options import ReportOptions
from reports.scoring import risk_score

DAILY_LIMIT_DAYS = 92  # longer periods are charted by week


class AlertLike(Protocol):
    """What the report reads of an alert (``alerts.state.AlertRecord``)."""

    entity_id: str
    severity: str


@dataclass(frozen=True)
class Provenance:
    """Where the figures came from, for the metadata sheet (computed by :mod:`reports.provenance`)."""

    store: str
    model_version: str
    rule_set_hash: str
    riskwatch_version: str
    notes: tuple[str, ...] = ()


def pool_of(currency: str, options: ReportOptions) -> tuple[str, Decimal]:
    """The currency pool a row is weighed in, and the factor that converts it into the pool's currency."""
    rate = options.rate(currency)
    if rate is None:
        return currency, Decimal(1)
    return options.base_currency, Decimal(str(rate))


def _merge(matched: Sequence[MatchedExposure], options: ReportOptions) -> list[CounterpartyLine]:
    lines: dict[tuple[str, str], CounterpartyLine] = {}
    for match in matched:
        row = match.row
        pool, factor = pool_of(row.currency, options)
        line = lines.get((match.entity.id, pool))
        if line is None:
            line = lines[(match.entity.id, pool)] = CounterpartyLine(
                entity_id=match.entity.id,
                entity_name=match.entity.name,
                file_names=[],
                matched_by=[],
                rows=[],
                amount=Decimal(0),
                pool=pool,
                currencies=[],
                ratings=[],
                business_units=[],
            )
        line.amount += row.amount * factor
        line.rows.append(row.row)
        for values, value in (
            (line.file_names, row.name or row.counterparty_id),
            (line.matched_by, match.matched_by),
            (line.currencies, row.currency),
            (line.ratings, row.rating),
            (line.business_units, row.business_unit),
        ):
            if value and value not in values:
                values.append(value)
    return list(lines.values())


def pool_totals(rows: Iterable[ExposureRow], options: ReportOptions) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        pool, factor = pool_of(row.currency, options)
        totals[pool] = totals.get(pool, Decimal(0)) + row.amount * factor
    return dict(sorted(totals.items()))


def chart_windows(period: Window) -> tuple[list[Window], int]:
    """Daily windows over the period (weekly past :data:`DAILY_LIMIT_DAYS`), the last one cut at its end."""
    step = 1 if period.end - period.start <= timedelta(days=DAILY_LIMIT_DAYS) else 7
    windows: list[Window] = []
    start = period.start
    while start < period.end:
        end = min(start + timedelta(days=step), period.end)
        windows.append(Window(start, end))
        start = end
    return windows, step


def headline_of(document: TaggedDocument, entity_id: str) -> Headline:
    evidence = ""
    for entity in document.entities:
        if entity.get("watchlist_id") == entity_id and entity.get("evidence"):
            evidence = str(entity["evidence"][0])
            break
    return Headline(
        document_id=document.id,
        title=document.title,
        url=document.url,
        source=document.source,
        published_at=document.published_at or document.crawled_at,
        evidence=evidence,
    )


def _evidence(store: Store, entity_id: str, period: Window, limit: int) -> tuple[list[Headline], set[str]]:
    if limit <= 0:
        return [], set()
    documents = store.negative_documents(entity_id, period, limit * 3)
    # Latest first, ties by id: the store's own order for equal times is not part of its contract.
    documents.sort(key=lambda d: (-(d.published_at or d.crawled_at).timestamp(), d.id))
    # One headline per story: reprints of a story (same cluster_id) do not crowd out other stories.
    stories: dict[str, TaggedDocument] = {}
    for document in documents:
        stories.setdefault(document.cluster_id or document.id, document)
    documents = list(stories.values())[:limit]
    models = {f"{d.model.get('name', '?')} {d.model.get('version', '?')}" for d in documents if d.model}
    return [headline_of(d, entity_id) for d in documents], models


def _apply_counts(line: CounterpartyLine, counts: EntityCounts | None) -> None:
    if counts is None:
        return
    line.documents, line.negative, line.negative_stories = (
        counts.documents,
        counts.negative,
        counts.negative_stories,
    )
    line.events = dict(sorted(counts.events.items()))


def _rank(lines: list[CounterpartyLine]) -> list[CounterpartyLine]:
    ranked = sorted(lines, key=lambda line: (-line.score, -line.exposure_share, line.entity_id, line.pool))
    for position, line in enumerate(ranked, start=1):
        line.rank = position
    return ranked


def _series(
    ranked: Sequence[CounterpartyLine],
    counts: Sequence[dict[str, EntityCounts]],
    windows: Sequence[Window],
    step: int,
    top: int,
) -> DailySeries:
    """The top ``top`` counterparties by rank among those with negative documents in the period."""
    chosen: dict[str, str] = {}
    for line in ranked:
        if len(chosen) >= top:
            break
        if line.negative:
            chosen.setdefault(line.entity_id, line.entity_name)
    negative = {
        entity_id: [window.get(entity_id, EntityCounts()).negative for window in counts]
        for entity_id in chosen
    }
    return DailySeries(
        buckets=[window.start.date() for window in windows], bucket_days=step, negative=negative, names=chosen
    )


def build_report(
    exposure_file: ExposureFile,
    watchlist: Sequence[WatchedEntity],
    store: Store,
    period: Window,
    options: ReportOptions,
    provenance: Provenance,
    generated_at: datetime,
    alerts: Sequence[AlertLike] | None,
) -> ExposureReport:
    """The whole report. ``alerts`` are those raised in the period, or ``None`` when there is no alert
    state (then every counterparty shows 0 alerts and the metadata says why)."""
    matching = match_exposures(exposure_file.rows, watchlist)
    totals = pool_totals(exposure_file.rows, options)
    lines = _merge(matching.matched, options)
    entity_ids = sorted({line.entity_id for line in lines})
    windows, step = chart_windows(period)
    counts = (
        store.entity_counts([period, *windows], entity_ids)
        if entity_ids
        else [{} for _ in range(len(windows) + 1)]
    )
    alert_counts: Counter[tuple[str, str]] = Counter((a.entity_id, a.severity) for a in alerts or ())
    models: set[str] = set()
    evidence: dict[str, tuple[list[Headline], set[str]]] = {}
    for line in lines:
        _apply_counts(line, counts[0].get(line.entity_id))
        total = totals.get(line.pool, Decimal(0))
        line.exposure_share = float(line.amount / total) if total else 0.0
        line.alerts_by_severity = {
            severity: n for (entity, severity), n in sorted(alert_counts.items()) if entity == line.entity_id
        }
        line.alerts = sum(line.alerts_by_severity.values())
        score = risk_score(line.exposure_share, line.negative_stories, line.events, line.alerts_by_severity)
        line.signal, line.news_factor, line.score = score.signal, score.news_factor, score.score
        if line.negative:  # no negative document, no evidence to fetch: one query per entity with news
            if line.entity_id not in evidence:
                evidence[line.entity_id] = _evidence(store, line.entity_id, period, options.headlines)
            line.headlines, seen = evidence[line.entity_id]
            models |= seen
    ranked = _rank(lines)
    notes = list(provenance.notes)
    for pool in totals:
        if pool != options.base_currency:
            notes.append(
                f"no FX rate for {pool}: its exposures are weighed within the {pool} pool, not converted"
            )
    model_version = provenance.model_version
    if models:
        model_version += "; evidence documents tagged by " + ", ".join(sorted(models))
    metadata = Metadata(
        period_start=period.start,
        period_end=period.end,
        generated_at=generated_at,
        input_file=exposure_file.path.name,
        input_sha256=exposure_file.sha256,
        input_columns=dict(exposure_file.columns),
        store=provenance.store,
        model_version=model_version,
        rule_set_hash=provenance.rule_set_hash,
        base_currency=options.base_currency,
        fx_rates=dict(sorted(options.fx_rates.items())),
        riskwatch_version=provenance.riskwatch_version,
        notes=notes,
    )
    if exposure_file.default_currency:
        metadata.notes.append(
            f"the file has no currency column: every amount is taken as {exposure_file.default_currency}"
        )
    return ExposureReport(
        metadata=metadata,
        lines=ranked,
        unmatched=matching.unmatched,
        errors=list(exposure_file.errors),
        pool_totals=totals,
        series=_series(ranked, counts[1:], windows, step, options.chart_top),
    )
