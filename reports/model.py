"""The exposure report as plain data: what the XLSX and PDF renderers read, and nothing else.

Figures here depend only on the exposure file, the store's contents, the alert state and the options; the
wall clock appears only in ``Metadata.generated_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from reports.exposure_file import RowError
from reports.exposures import UnmatchedExposure


@dataclass(frozen=True)
class Headline:
    document_id: str
    title: str
    url: str
    source: str
    published_at: datetime | None
    evidence: str  # the sentence that made the document negative about the counterparty ("" if none)


@dataclass
class CounterpartyLine:
    """One watched counterparty in one currency pool (rows of the file for it are summed)."""

    entity_id: str
    entity_name: str  # the watchlist name
    file_names: list[str]  # the names the exposure file gives it
    matched_by: list[str]  # id | name | alias, per distinct way its rows matched
    rows: list[int]  # rows of the exposure file
    amount: Decimal  # in the pool's currency
    pool: str  # currency pool: the base currency, or the rows' own currency when it has no FX rate
    currencies: list[str]  # the rows' original currencies
    ratings: list[str]
    business_units: list[str]
    exposure_share: float = 0.0
    documents: int = 0
    negative: int = 0
    negative_stories: int = 0
    events: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    alerts_by_severity: dict[str, int] = field(default_factory=dict)
    headlines: list[Headline] = field(default_factory=list)
    signal: float = 0.0
    news_factor: float = 0.0
    score: float = 0.0
    rank: int = 0

    @property
    def negative_share(self) -> float | None:
        """Negative documents ÷ documents; ``None`` when there were no documents at all."""
        return self.negative / self.documents if self.documents else None


@dataclass(frozen=True)
class DailySeries:
    """Negative documents per day (or per week for long periods) for the top counterparties."""

    buckets: list[date]  # the first day of each bucket
    bucket_days: int  # 1 (daily) or 7 (weekly)
    negative: dict[str, list[int]]  # entity id -> one count per bucket, in the ranking's order
    names: dict[str, str]  # entity id -> watchlist name


@dataclass
class Metadata:
    period_start: datetime
    period_end: datetime  # exclusive
    generated_at: datetime
    input_file: str
    input_sha256: str
    input_columns: dict[str, str]  # field -> the header it was read from
    store: str
    model_version: str
    rule_set_hash: str
    base_currency: str
    fx_rates: dict[str, float]
    riskwatch_version: str
    notes: list[str] = field(default_factory=list)


@dataclass
class ExposureReport:
    metadata: Metadata
    lines: list[CounterpartyLine]  # ranked
    unmatched: list[UnmatchedExposure]
    errors: list[RowError]
    pool_totals: dict[str, Decimal]  # currency pool -> total exposure of every parsed row
    series: DailySeries

    def line(self, entity_id: str) -> CounterpartyLine:
        return next(line for line in self.lines if line.entity_id == entity_id)
