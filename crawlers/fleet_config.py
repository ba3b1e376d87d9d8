"""The ``fleet:`` section of the main config: the Redis server that a crawl fleet, its tagging workers and
the services' leader lease share (README "Running at scale").

Without a Redis URL (``RISKWATCH_REDIS_URL`` or ``fleet.redis_url``) nothing here is used and riskwatch runs
embedded, as one process. The URL in the config may not carry a password: a password comes only through the
environment variable, which wins over the config.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from crawlers.configfile import StrictModel

REDIS_URL_ENV = "RISKWATCH_REDIS_URL"
SCHEMES = ("redis", "rediss", "unix")


def check_redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"not a Redis URL (schemes: {', '.join(SCHEMES)}): {url!r}")
    return url


class FleetOptions(StrictModel):
    """Keys, timeouts and batch sizes of the fleet; seconds as numbers."""

    # e.g. redis://10.0.0.5:6379/0; RISKWATCH_REDIS_URL wins (and may hold a password)
    redis_url: str | None = None
    key_prefix: str = Field(default="riskwatch", pattern=r"^[A-Za-z0-9_.-]+$")
    # A crawl worker silent this long is dead: its in-flight pages go back to the queue.
    worker_timeout: float = Field(default=10.0, gt=0)
    # 0: the document stream is never trimmed (tag workers delete what they stored).
    stream_max_len: int = Field(default=0, ge=0)
    tag_batch: int = Field(default=64, ge=1)  # documents a tag worker tags and stores at a time
    # A document pending this long is taken over by another tag worker ...
    claim_idle: float = Field(default=60.0, gt=0)
    # ... and one taken over more often than this goes to the dead letters (it stops every worker).
    max_deliveries: int = Field(default=5, ge=1)
    leader_lease: float = Field(default=15.0, gt=0)  # the service leader's lease, renewed every third of it

    @field_validator("redis_url")
    @classmethod
    def _no_password(cls, value: str | None) -> str | None:
        if value is None:
            return value
        check_redis_url(value)
        if urlsplit(value).password is not None:
            raise ValueError(f"must not carry a password: put the whole URL in {REDIS_URL_ENV} instead")
        return value

    def url(self) -> str | None:
        """The Redis URL in force: the environment's, else the config's, else ``None`` (embedded mode)."""
        from_env = os.environ.get(REDIS_URL_ENV, "").strip()
        if from_env:
            return check_redis_url(from_env)
        return self.redis_url

    def key(self, *parts: str) -> str:
        """A Redis key under the prefix: ``key("crawl", "seen")`` → ``riskwatch:crawl:seen``."""
        return ":".join((self.key_prefix, *parts))


def connect(url: str, **options: Any) -> Any:
    """A ``redis.Redis`` client for ``url`` (imported here: the embedded mode never loads the client)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30, **options)
