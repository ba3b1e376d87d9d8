"""Matching the exposure file's counterparties to the watchlist: by id first, then by name or alias.

Names are compared normalised (full/half width and case folded) and also without their company suffix
(鸿远地产集团股份有限公司 ~ 鸿远地产), with :mod:`nlp.text` — the same rules the tagger links mentions
with. A row that matches no entity, or more than one, is listed as unmatched with the reason; never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nlp.text import alias_variants, normalise
from nlp.watchlist import WatchedEntity
from reports.exposure_file import ExposureRow

MatchedBy = Literal["id", "name", "alias"]


@dataclass(frozen=True)
class MatchedExposure:
    row: ExposureRow
    entity: WatchedEntity
    matched_by: MatchedBy


@dataclass(frozen=True)
class UnmatchedExposure:
    row: ExposureRow
    reason: str


@dataclass
class Matching:
    matched: list[MatchedExposure]
    unmatched: list[UnmatchedExposure]


class WatchlistIndex:
    """Watchlist entities by id and by every normalised name variant."""

    def __init__(self, watchlist: Sequence[WatchedEntity]) -> None:
        self.by_id = {normalise(entity.id).strip(): entity for entity in watchlist}
        self.by_name: dict[str, set[str]] = defaultdict(set)
        self.entities = {entity.id: entity for entity in watchlist}
        for entity in watchlist:
            for variant in alias_variants(entity.names):
                self.by_name[variant].add(entity.id)

    def lookup_names(self, names: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for variant in alias_variants([name for name in names if name]):
            found |= self.by_name.get(variant, set())
        return found


def match_row(index: WatchlistIndex, row: ExposureRow) -> MatchedExposure | UnmatchedExposure:
    if row.counterparty_id:
        entity = index.by_id.get(normalise(row.counterparty_id).strip())
        if entity is not None:
            return MatchedExposure(row, entity, "id")
    by_name = index.lookup_names([row.name])
    matched_by: MatchedBy = "name"
    if not by_name:
        by_name, matched_by = index.lookup_names(list(row.aliases)), "alias"
    if len(by_name) == 1:
        return MatchedExposure(row, index.entities[next(iter(by_name))], matched_by)
    if len(by_name) > 1:
        return UnmatchedExposure(row, f"ambiguous: the name matches {', '.join(sorted(by_name))}")
    return UnmatchedExposure(row, "not on the watchlist (no id, name or alias matches)")


def match_exposures(rows: Sequence[ExposureRow], watchlist: Sequence[WatchedEntity]) -> Matching:
    """Every row, matched or listed as unmatched, in file order."""
    index = WatchlistIndex(watchlist)
    matching = Matching(matched=[], unmatched=[])
    for row in rows:
        result = match_row(index, row)
        if isinstance(result, MatchedExposure):
            matching.matched.append(result)
        else:
            matching.unmatched.append(result)
    return matching
