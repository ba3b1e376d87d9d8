"""SQL for :meth:`indexer.sqlite.SqliteStore.search`: a full-text MATCH (when there is text) plus filters.

Each whitespace-separated query term becomes one FTS5 group: a single token as a quoted string, several
tokens (a term jieba cut into words) as ``NEAR(...)`` so they must stand close together; groups are ANDed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.records import epoch_us
from indexer.store import SearchQuery

TITLE_WEIGHT = 3.0  # bm25 weight of a title match against 1.0 for the content
NEAR_SLACK = 2  # tokens allowed between the words of one query term (search-mode sub-words sit between)


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(terms: list[list[str]]) -> str:
    """The FTS5 query for terms already cut into tokens."""
    groups = []
    for tokens in terms:
        if len(tokens) == 1:
            groups.append(_quoted(tokens[0]))
        else:
            groups.append(f"NEAR({' '.join(_quoted(t) for t in tokens)}, {NEAR_SLACK + len(tokens)})")
    return " AND ".join(groups)


@dataclass
class SearchPlan:
    count_sql: str
    hits_sql: str  # takes params + [limit, offset]
    facets_sql: str
    event_facets_sql: str
    params: list[Any]


def _filters(query: SearchQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    negative = " AND negative = 1" if query.negative else ""  # entity-level: what alerts count
    if query.entity:
        where.append(
            f"d.rowid IN (SELECT doc_rowid FROM doc_entities WHERE entity_id = ?{negative} UNION"
            f" SELECT doc_rowid FROM doc_entities WHERE name = ?{negative})"
        )
        params += [query.entity, query.entity]
    elif query.negative:  # negative about any entity
        where.append("d.rowid IN (SELECT doc_rowid FROM doc_entities WHERE negative = 1)")
    if query.sentiment:
        where.append("d.sentiment = ?")
        params.append(query.sentiment)
    if query.event:
        where.append("d.rowid IN (SELECT doc_rowid FROM doc_events WHERE type = ?)")
        params.append(query.event)
    if query.source:
        where.append("d.source = ?")
        params.append(query.source)
    if query.since:
        where.append("d.time >= ?")
        params.append(epoch_us(query.since))
    if query.until:
        where.append("d.time < ?")
        params.append(epoch_us(query.until))
    return where, params


def build_search(query: SearchQuery, terms: list[list[str]]) -> SearchPlan:
    where, params = _filters(query)
    if terms:
        source = "documents_fts f JOIN documents d ON d.rowid = f.rowid"
        where.insert(0, "documents_fts MATCH ?")
        params.insert(0, match_expression(terms))
        rank = f"bm25(documents_fts, {TITLE_WEIGHT}, 1.0)"
        score, order = f"-{rank}", f"{rank}, d.time DESC, d.id"
    else:
        source = "documents d"
        score, order = "0.0", "d.time DESC, d.id"
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    matching = f"SELECT d.rowid FROM {source}{clause}"
    return SearchPlan(
        count_sql=f"SELECT count(*) FROM {source}{clause}",
        hits_sql=f"SELECT d.body, {score} FROM {source}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
        facets_sql=(
            "SELECT name, count(DISTINCT doc_rowid) AS n FROM doc_entities"
            f" WHERE doc_rowid IN ({matching}) GROUP BY name ORDER BY n DESC, name"
        ),
        event_facets_sql=(
            "SELECT type, count(DISTINCT doc_rowid) AS n FROM doc_events"
            f" WHERE doc_rowid IN ({matching}) GROUP BY type ORDER BY n DESC, type"
        ),
        params=params,
    )
