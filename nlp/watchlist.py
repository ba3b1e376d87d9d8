"""The watchlist: the counterparties and brands the bank watches, with their aliases.

A YAML file holds a list of entries; a bad entry is an error naming its row (1-based) and key.
"""

from __future__ import annotations

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


def load_watchlist(path: Path) -> list[WatchedEntity]:
    data = read_yaml(path)
    if not isinstance(data, list):
        raise ConfigError(path, "a watchlist is a list of entities")
    entities: list[WatchedEntity] = []
    seen: set[str] = set()
    for row, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(path, f"row {row}: an entity is a mapping with id, name and aliases")
        try:
            entity = WatchedEntity.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            raise ConfigError(path, f"row {row}: {error['msg']}", key=key) from exc
        if entity.id in seen:
            raise ConfigError(path, f"row {row}: duplicate id {entity.id!r}", key="id")
        seen.add(entity.id)
        entities.append(entity)
    return entities
