"""Tagged documents as Elasticsearch sources, the monthly index names, and the index template.

A source is the document's own JSON (so it reads back unchanged) plus derived fields the queries use:
``time`` (published_at, else crawled_at), ``story`` (cluster_id, else the id), the jieba-segmented
``title_seg``/``content_seg``, and ``entity_rows``: the rows of :mod:`indexer.records` that both backends
count from (one per watched entity, merged by id; one per other entity, by name), each with the event types
that concern it and, when negative, its story. The SQLite backend counts the same rows, so the two agree.
Flat keyword copies (``negative_entities``, ``event_types``, ...) serve Kibana, which cannot chart nested
fields.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from indexer.records import as_tagged, cluster_of, document_time, entity_rows, event_rows
from indexer.segment import Segmenter
from nlp.types import TaggedDocument

MAPPINGS_DIR = Path(__file__).parent / "mappings"
KIBANA_FIELDS = ("entity_ids", "entity_names", "negative_entity_ids", "negative_entities", "event_types")
DERIVED_FIELDS = ("time", "story", "title_seg", "content_seg", "entity_rows", *KIBANA_FIELDS)
INDEX_MONTH_FORMAT = "%Y.%m"


@cache
def _mapping_file(name: str) -> dict[str, Any]:
    return json.loads((MAPPINGS_DIR / name).read_text(encoding="utf-8"))


def _substitute(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return value.replace("{prefix}", prefix)
    if isinstance(value, dict):
        return {_substitute(k, prefix): _substitute(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(item, prefix) for item in value]
    return value


def index_template(prefix: str, shards: int | None = None, replicas: int | None = None) -> dict[str, Any]:
    """The composable template for ``<prefix>-*`` (settings and mappings inlined, ``{prefix}`` filled in);
    ``shards`` and ``replicas`` override settings.json's (``None``: the file's, or the cluster's default)."""
    template = {k: v for k, v in _mapping_file("index_template.json").items() if not k.startswith("_comment")}
    body = _substitute(template, prefix)
    settings = _mapping_file("settings.json")
    if shards is not None:
        settings["number_of_shards"] = shards
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    body["template"]["settings"] = settings
    body["template"]["mappings"] = _mapping_file("mappings.json")
    return body


def mapping_version() -> int:
    return int(_mapping_file("mappings.json")["_meta"]["riskwatch_mapping_version"])


def month_index(prefix: str, moment: datetime) -> str:
    """``<prefix>-YYYY.MM`` of the month (UTC, as Elasticsearch's date math) the moment falls in."""
    return f"{prefix}-{moment.astimezone(UTC).strftime(INDEX_MONTH_FORMAT)}"


def _entity_rows(document: TaggedDocument) -> list[dict[str, Any]]:
    story = cluster_of(document)
    events_by_entity: dict[str, set[str]] = {}
    for event in event_rows(document):
        if event.entity_id:
            events_by_entity.setdefault(event.entity_id, set()).add(event.type)
    rows = []
    for row in entity_rows(document):
        rows.append(
            {
                "watchlist_id": row.entity_id,
                "name": row.name,
                "negative": row.negative,
                "negative_story": story if row.negative else None,
                "event_types": sorted(events_by_entity.get(row.entity_id, ())) if row.entity_id else [],
            }
        )
    return rows


def _flat(rows: list[dict[str, Any]], document: TaggedDocument) -> dict[str, list[str]]:
    """Keyword arrays for Kibana's charts: it cannot aggregate nested fields."""
    negative = [row for row in rows if row["negative"]]
    return {
        "entity_ids": [row["watchlist_id"] for row in rows if row["watchlist_id"]],
        "entity_names": [row["name"] for row in rows],
        "negative_entity_ids": [row["watchlist_id"] for row in negative if row["watchlist_id"]],
        "negative_entities": [row["name"] for row in negative],
        "event_types": sorted({row.type for row in event_rows(document)}),
    }


def to_source(document: TaggedDocument, segmenter: Segmenter) -> dict[str, Any]:
    """The document's JSON plus the derived fields (see the module docstring)."""
    document = as_tagged(document)
    rows = _entity_rows(document)
    source = document.to_dict()
    source.update(
        time=document_time(document).isoformat(),
        story=cluster_of(document),
        title_seg=segmenter.index_text(document.title),
        content_seg=segmenter.index_text(document.content),
        entity_rows=rows,
        **_flat(rows, document),
    )
    return source


def from_source(source: dict[str, Any]) -> TaggedDocument:
    """The tagged document a source was made from (derived fields dropped)."""
    return TaggedDocument.from_dict({k: v for k, v in source.items() if k not in DERIVED_FIELDS})
