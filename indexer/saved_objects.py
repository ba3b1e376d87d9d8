"""Kibana saved objects for the Elasticsearch backend, kept as NDJSON in ``indexer/kibana/``.

The files are written for the default index prefix ``riskwatch`` (data view ``riskwatch-*`` with time field
``time``), so they import as they are. For another prefix, :func:`load_objects` rewrites the data view's
pattern, every object id and reference that starts with ``riskwatch-`` and the ``riskwatch:`` in titles, so
dashboards for two prefixes can live in one Kibana space. The objects use the 7.17 saved-object format,
which Kibana 7.17 and every 8.x import (Kibana migrates them on import).

Charts aggregate the flat keyword copies (``negative_entities``, ``event_types``) because Kibana cannot
aggregate nested fields; saved searches can still use nested KQL such as
``entities:{ watchlist_id: "ID" and negative: true }``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KIBANA_DIR = Path(__file__).parent / "kibana"
DEFAULT_PREFIX = "riskwatch"
EXPORT_NAME = "riskwatch-saved-objects.ndjson"


def _rename(value: str, prefix: str) -> str:
    if value.startswith(f"{DEFAULT_PREFIX}-"):
        return prefix + value[len(DEFAULT_PREFIX) :]
    return value


def with_prefix(saved: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A copy of one saved object for the indices ``<prefix>-*``."""
    if prefix == DEFAULT_PREFIX:
        return saved
    copy = json.loads(json.dumps(saved))
    copy["id"] = _rename(copy["id"], prefix)
    for reference in copy.get("references", []):
        reference["id"] = _rename(reference["id"], prefix)
    attributes = copy["attributes"]
    if copy["type"] == "index-pattern":
        attributes["title"] = f"{prefix}-*"
    elif attributes.get("title", "").startswith(f"{DEFAULT_PREFIX}:"):
        attributes["title"] = prefix + attributes["title"][len(DEFAULT_PREFIX) :]
    return copy


def load_objects(prefix: str = DEFAULT_PREFIX, folder: Path = KIBANA_DIR) -> list[dict[str, Any]]:
    """Every saved object, data view first and dashboard last (the files' name order)."""
    objects = []
    for path in sorted(folder.glob("*.ndjson")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                objects.append(with_prefix(json.loads(line), prefix))
            except (json.JSONDecodeError, KeyError) as exc:
                raise ValueError(f"{path}, line {number}: not a saved object: {exc}") from exc
    return objects


def dangling_references(objects: list[dict[str, Any]]) -> list[str]:
    """References to objects that are not in ``objects`` ("type/id from type/id"); empty when complete."""
    present = {(saved["type"], saved["id"]) for saved in objects}
    return [
        f"{ref['type']}/{ref['id']} from {saved['type']}/{saved['id']}"
        for saved in objects
        for ref in saved.get("references", [])
        if (ref["type"], ref["id"]) not in present
    ]


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(saved, ensure_ascii=False, separators=(",", ":")) + "\n" for saved in objects)


def export_objects(folder: Path, prefix: str = DEFAULT_PREFIX) -> tuple[Path, int]:
    """Write every object for ``prefix`` into ``folder/riskwatch-saved-objects.ndjson``; (path, count)."""
    objects = load_objects(prefix)
    missing = dangling_references(objects)
    if missing:
        raise ValueError(f"saved objects reference objects not in {KIBANA_DIR}: {', '.join(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / EXPORT_NAME
    path.write_text(to_ndjson(objects), encoding="utf-8")
    return path, len(objects)
