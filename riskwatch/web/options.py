"""The ``web:`` section of the main config: where the console listens, who may log in, what it may do.

Users carry a password *hash* (``riskwatch web --hash-password`` makes one; scrypt, see
:mod:`riskwatch.web.passwords`), never a password. The session-signing key is read from the environment
variable named by ``secret_env``. Kept free of heavy imports: the main config imports it for every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crawlers.configfile import ConfigPath, StrictModel

Role = Literal["viewer", "officer", "admin"]
# What each role may do; a role has every permission of the roles before it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read", "download"}),
    "officer": frozenset({"read", "download", "act", "report"}),
    "admin": frozenset({"read", "download", "act", "report", "audit"}),
}
HASH_PREFIX = "scrypt$"


class WebUser(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    role: Role = "viewer"
    password_hash: str  # scrypt$N$r$p$salt$hash, from `riskwatch web --hash-password`

    @field_validator("password_hash")
    @classmethod
    def _hashed(cls, value: str) -> str:
        if not value.startswith(HASH_PREFIX) or value.count("$") != 5:
            raise ValueError(
                "must be a scrypt hash from `riskwatch web --hash-password` (scrypt$N$r$p$salt$hash);"
                " passwords are never written in the config"
            )
        return value


class WebOptions(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    users: list[WebUser] = []
    secret_env: str = "RISKWATCH_WEB_SECRET"  # session-signing key; unset: a random one per start
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    secure_cookies: bool = False  # true behind HTTPS: the session cookie is then sent over HTTPS only
    page_size: int = Field(default=20, ge=5, le=100)  # search hits per page
    exposures: ConfigPath | None = None  # the exposure file the reports page reads (CSV or XLSX)
    reports_dir: ConfigPath = Path("../data/web-reports")  # reports generated from the console
    audit_path: ConfigPath | None = None  # the audit log (SQLite); default <state_dir>/web-audit.db

    @model_validator(mode="after")
    def _unique_names(self) -> WebOptions:
        names = [user.name for user in self.users]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"users: {', '.join(twice)} listed more than once")
        return self

    def resolved(self, base: Path) -> WebOptions:
        """Paths relative to the config file's folder made absolute."""
        return self.model_copy(
            update={
                "exposures": (base / self.exposures).resolve() if self.exposures else None,
                "reports_dir": (base / self.reports_dir).resolve(),
                "audit_path": (base / self.audit_path).resolve() if self.audit_path else None,
            }
        )
