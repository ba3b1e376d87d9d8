"""SQL for :meth:`indexer.sqlite.SqliteStore.search`: a full-text MATCH (when there is text) plus filters.

Each whitespace-separated query term becomes one FTS5 group: a single token as a quoted string, several
tokens (a term jieba cut into words) as ``NEAR(...)`` so they must stand close together; groups are ANDed.

Hits are ordered on (rowid, score) alone and the bodies read for the page only, so a filter matching
60,000 documents does not sort 60,000 bodies. With ``SearchQuery.bound`` one walk of the match finds the
newest ``bound`` + 1 matches (highest rowid: the latest stored) with their score, time and id
(:attr:`SearchPlan.bound_sql`); the page is ranked from those, and the facets are counted over their
rowids, so a word in half a million documents costs what 10,000 do.
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


ENTITY_ROWS = "SELECT doc_rowid FROM doc_entities WHERE entity_id = ?{negative} UNION SELECT doc_rowid FROM doc_entities WHERE name = ?{negative}"


def entity_rows(query: SearchQuery) -> str:
    """The rows of ``query.entity`` (watchlist id or name); with ``query.negative`` only those the model
    judged negative about it: the entity-level judgement alerts count."""
    return ENTITY_ROWS.format(negative=" AND negative = 1" if query.negative else "")


# Facets of matches already found (the bound's rowids, as a JSON list): no second walk of the match.
ENTITY_FACETS_OF_ROWIDS = (
    "SELECT name, count(DISTINCT doc_rowid) AS n FROM doc_entities WHERE doc_rowid IN"
    " (SELECT value FROM json_each(?)) GROUP BY name ORDER BY n DESC, name"
)
BODIES_OF_ROWIDS = "SELECT rowid, body FROM documents WHERE rowid IN (SELECT value FROM json_each(?))"
EVENT_FACETS_OF_ROWIDS = (
    "SELECT type, count(DISTINCT doc_rowid) AS n FROM doc_events WHERE doc_rowid IN"
    " (SELECT value FROM json_each(?)) GROUP BY type ORDER BY n DESC, type"
)


@dataclass
class SearchPlan:
    bound_sql: str  # takes params + [bound + 1]: (rowid, score, time, id) of the newest bound + 1 matches
    count_sql: str
    hits_sql: str  # takes params + [limit, offset]
    facets_sql: str
    event_facets_sql: str
    params: list[Any]


def _filters(query: SearchQuery, member: str = "d.rowid") -> list[tuple[str, list[Any]]]:
    """Each filter of ``query`` as (SQL condition, its parameters); the entity filter first. ``member``:
    what the row lists are probed with (``+f.rowid`` under a full-text match: the match is walked once
    and each row looked up in the list, instead of one full-text query per listed row)."""
    where: list[tuple[str, list[Any]]] = []
    if query.entity:
        where.append((f"{member} IN ({entity_rows(query)})", [query.entity, query.entity]))
    elif query.negative:  # negative about any entity
        where.append((f"{member} IN (SELECT doc_rowid FROM doc_entities WHERE negative = 1)", []))
    if query.sentiment:
        where.append(("d.sentiment = ?", [query.sentiment]))
    if query.event:
        where.append((f"{member} IN (SELECT doc_rowid FROM doc_events WHERE type = ?)", [query.event]))
    if query.source:
        where.append(("d.source = ?", [query.source]))
    if query.since:
        where.append(("d.time >= ?", [epoch_us(query.since)]))
    if query.until:
        where.append(("d.time < ?", [epoch_us(query.until)]))
    return where


def build_search(query: SearchQuery, terms: list[list[str]]) -> SearchPlan:
    where = _filters(query, "+f.rowid" if terms else "d.rowid")
    source, rowid = "documents d", "d.rowid"
    score, order = "0.0", "d.time DESC, d.id"
    if terms:
        source, rowid = "documents_fts f JOIN documents d ON d.rowid = f.rowid", "f.rowid"
        where.insert(0, ("documents_fts MATCH ?", [match_expression(terms)]))
        rank = f"bm25(documents_fts, {TITLE_WEIGHT}, 1.0)"
        score, order = f"-{rank}", f"{rank}, d.time DESC, d.id"
    clause = (" WHERE " + " AND ".join(sql for sql, _ in where)) if where else ""
    params = [value for _, values in where for value in values]
    matching = f"SELECT d.rowid FROM {source}{clause}"
    return SearchPlan(
        bound_sql=f"SELECT {rowid}, {score}, d.time, d.id FROM {source}{clause} ORDER BY {rowid} DESC LIMIT ?",
        count_sql=f"SELECT count(*) FROM {source}{clause}",
        hits_sql=(
            f"SELECT d.body, h.score FROM (SELECT d.rowid AS r, {score} AS score FROM {source}{clause}"
            f" ORDER BY {order} LIMIT ? OFFSET ?) h CROSS JOIN documents d ON d.rowid = h.r"
            " ORDER BY h.score DESC, d.time DESC, d.id"
        ),
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
