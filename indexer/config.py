"""The ``store:`` section of the main config: which backend holds the documents, masking and the spool.

``{type: sqlite, path: data/riskwatch.db}`` is the default; ``{type: elasticsearch, url: ..., ...}``
selects the cluster. Relative paths are resolved against the config file's folder. Secrets never appear
here: the Elasticsearch section names the environment variables that hold them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, field_validator

from crawlers.configfile import ConfigPath, StrictModel


class MaskingConfig(StrictModel):
    """Personal information masked before storing; each kind can be switched off."""

    enabled: bool = True
    mobile: bool = True  # mainland mobile numbers 1[3-9]xxxxxxxxx
    id_card: bool = True  # 18-digit resident ID numbers with a valid check digit
    bank_card: bool = True  # 16–19 digit card numbers passing the Luhn check


class _StoreBase(StrictModel):
    masking: MaskingConfig = MaskingConfig()
    spool_dir: ConfigPath = Path("data/spool")  # documents wait here while the store is unreachable

    def resolved(self, base: Path) -> _StoreBase:
        """A copy with relative paths made absolute against ``base`` (the config file's folder)."""
        return self.model_copy(update=self._paths(base))

    def _paths(self, base: Path) -> dict[str, Any]:
        return {"spool_dir": (base / self.spool_dir).resolve()}


class SqliteStoreConfig(_StoreBase):
    type: Literal["sqlite"] = "sqlite"
    path: ConfigPath = Path("data/riskwatch.db")
    # normal: a commit survives a crash of the process; full: an fsync per batch, survives power loss too
    synchronous: Literal["normal", "full"] = "normal"

    def _paths(self, base: Path) -> dict[str, Any]:
        return {**super()._paths(base), "path": (base / self.path).resolve()}


class ElasticsearchStoreConfig(_StoreBase):
    type: Literal["elasticsearch"]
    url: str = Field(pattern=r"^https?://")
    index_prefix: str = Field(default="riskwatch", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    username_env: str | None = None  # names of environment variables, never the secrets themselves
    password_env: str | None = None
    api_key_env: str | None = None
    ca_certs: ConfigPath | None = None
    verify_certs: bool = True
    # A cluster (README "Running at scale"): written into the index template, so they apply to each new
    # monthly index; existing indices keep theirs (replicas can be changed live with _settings).
    shards: int = Field(default=1, ge=1, le=64)  # primary shards per monthly index
    replicas: int = Field(default=1, ge=0, le=8)  # copies of each shard on other nodes (0 on one node)
    bulk_chunk: int = Field(default=500, ge=1, le=10_000)  # documents per bulk request
    bulk_retries: int = Field(default=3, ge=0, le=10)  # retries of items refused with 429/5xx
    max_retries: int = Field(default=3, ge=0, le=10)  # the client's retries of a whole request
    request_timeout: float = Field(default=30.0, gt=0)  # seconds

    @field_validator("url")
    @classmethod
    def _no_credentials_in_url(cls, value: str) -> str:
        if urlsplit(value).username is not None:
            raise ValueError(
                "must not carry credentials (user:password@): name the environment variables that hold "
                "them in username_env and password_env (or api_key_env)"
            )
        return value

    def _paths(self, base: Path) -> dict[str, Any]:
        paths = super()._paths(base)
        if self.ca_certs is not None:
            paths["ca_certs"] = (base / self.ca_certs).resolve()
        return paths


def _default_type(value: Any) -> Any:
    # `store: {path: x.db}` means the default backend, as the section's documentation promises.
    if isinstance(value, dict) and "type" not in value:
        return {"type": "sqlite", **value}
    return value


StoreConfig = Annotated[
    SqliteStoreConfig | ElasticsearchStoreConfig,
    Field(discriminator="type"),
    BeforeValidator(_default_type),
]
