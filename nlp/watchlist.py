"""The watchlist: the counterparties and brands the bank watches, with their aliases.

YAML (a list of mappings) or CSV (columns id, name, aliases, type, parent, tags; lists separated by ``;``
or ``|``). A bad entry is an error naming its row (1-based, as a person counts entries) and key.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from crawlers.configfile import StrictModel, read_yaml
from crawlers.errors import ConfigError


class WatchedEntity(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    type: Literal["counterparty", "brand"] = "counterparty"
    parent: str | None = None
    tags: list[str] = []

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_as_text(cls, aliases: list[object]) -> list[str]:
        # Ticker codes such as 600036 arrive from YAML as numbers when unquoted.
        return [str(alias) for alias in aliases] if isinstance(aliases, list) else aliases

    @property
    def names(self) -> list[str]:
        """The name followed by its aliases, without repeats."""
        return list(dict.fromkeys([self.name, *self.aliases]))


CSV_COLUMNS = ("id", "name", "aliases", "type", "parent", "tags")


def _split_list(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|；]", cell or "") if part.strip()]


def _csv_rows(path: Path) -> list[dict[str, object]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown or "id" not in columns or "name" not in columns:
        raise ConfigError(
            path,
            f"CSV header must use the columns {', '.join(CSV_COLUMNS)} (id and name required); got {columns}",
        )
    rows: list[dict[str, object]] = []
    for record in reader:
        row: dict[str, object] = {k: (v or "").strip() for k, v in record.items() if k}
        row["aliases"] = _split_list(str(row.get("aliases", "")))
        row["tags"] = _split_list(str(row.get("tags", "")))
        for optional in ("type", "parent"):
            if not row.get(optional):
                row.pop(optional, None)
        rows.append(row)
    return rows


def load_watchlist(path: Path) -> list[WatchedEntity]:
    """Load and validate a YAML or CSV watchlist; ids must be unique."""
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise ConfigError(path, "file not found")
        data: object = _csv_rows(path)
    else:
        data = read_yaml(path)
    if not isinstance(data, list):
        raise ConfigError(path, "a watchlist is a list of entities")
    entities: list[WatchedEntity] = []
    seen: dict[str, int] = {}
    for row, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(path, f"row {row}: an entity is a mapping with id, name and aliases")
        try:
            entity = WatchedEntity.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            raise ConfigError(path, f"row {row}: {message}", key=key) from exc
        if entity.id in seen:
            raise ConfigError(
                path, f"row {row}: duplicate id {entity.id!r} (also row {seen[entity.id]})", key="id"
            )
        seen[entity.id] = row
        entities.append(entity)
    return entities
