"""Source declarations (``configs/sources/*.yaml``) and crawl-wide options, validated at load."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from parsel import Selector
from pydantic import AfterValidator, Field, field_validator, model_validator

from crawlers.configfile import StrictModel, load
from crawlers.errors import ConfigError

SELECTOR_FIELDS = ("title", "content", "published_at", "author", "replies", "reads", "likes")


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


HttpUrl = Annotated[str, AfterValidator(_check_url)]
Regex = Annotated[str, AfterValidator(_check_regex)]


class Selectors(StrictModel):
    """Optional per-field selectors, each written ``css:EXPR`` or ``xpath:EXPR``."""

    title: str | None = None
    content: str | None = None
    published_at: str | None = None
    author: str | None = None
    replies: str | None = None
    reads: str | None = None
    likes: str | None = None

    @field_validator("*")
    @classmethod
    def _prefixed(cls, value: str | None) -> str | None:
        if value is None:
            return value
        kind, sep, expression = value.partition(":")
        if not sep or kind not in ("css", "xpath") or not expression.strip():
            raise ValueError(f"selector must start with 'css:' or 'xpath:', got {value!r}")
        try:
            probe = Selector(text="<html></html>")
            probe.css(expression) if kind == "css" else probe.xpath(expression)
        except Exception as exc:
            raise ValueError(f"invalid {kind} selector {expression!r}: {exc}") from exc
        return value

    def as_dict(self) -> dict[str, str]:
        return {name: value for name, value in self.model_dump().items() if value}


class SourceConfig(StrictModel):
    """One site, feed set or search page to crawl. ``name`` is also the spider's source id."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    kind: Literal["news", "forum"]
    spider: str = "site"
    enabled: bool = True
    start_urls: list[HttpUrl] = []
    follow: list[Regex] = []
    article: list[Regex] = []
    feeds: list[HttpUrl] = []
    search: str | None = None
    search_encoding: str = "utf-8"
    selectors: Selectors = Selectors()
    encoding: str | None = None
    allow_private: bool = False
    allowed_domains: list[str] = []
    obey_robots: bool | None = None
    max_pages: int | None = Field(default=None, ge=1)

    @field_validator("search")
    @classmethod
    def _search_template(cls, template: str | None) -> str | None:
        if template is not None:
            if "{query}" not in template:
                raise ValueError("search template must contain {query}")
            _check_url(template.replace("{query}", "q"))
        return template

    @field_validator("encoding", "search_encoding")
    @classmethod
    def _known_codec(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                codecs.lookup(name)
            except LookupError as exc:
                raise ValueError(f"unknown encoding {name!r}") from exc
        return name

    @model_validator(mode="after")
    def _has_entry_points(self) -> SourceConfig:
        if not (self.start_urls or self.feeds or self.search):
            raise ValueError("a source needs at least one of start_urls, feeds or search")
        if (self.start_urls or self.search) and not self.article:
            raise ValueError("'article' patterns are required to pick article pages from listings")
        return self

    @property
    def hosts(self) -> list[str]:
        found = {urlsplit(u).hostname or "" for u in [*self.start_urls, *self.feeds]}
        if self.search:
            found.add(urlsplit(self.search.replace("{query}", "q")).hostname or "")
        return sorted(h for h in found | set(self.allowed_domains) if h)


class CrawlOptions(StrictModel):
    """Crawl-wide politeness and safety settings (the ``crawl:`` section of riskwatch.yaml)."""

    user_agent: str = "riskwatch/0.1 (+bank risk monitoring; contact the operator)"
    obey_robots: bool = True
    autothrottle: bool = True
    autothrottle_start_delay: float = Field(default=1.0, ge=0)
    autothrottle_max_delay: float = Field(default=30.0, ge=0)
    autothrottle_target_concurrency: float = Field(default=2.0, gt=0)
    download_delay: float = Field(default=0.5, ge=0)
    concurrent_requests: int = Field(default=16, ge=1)
    concurrency_per_domain: int = Field(default=2, ge=1)
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0)
    retry_backoff: float = Field(
        default=1.0, ge=0, description="seconds before the first retry, doubled each time"
    )
    retry_backoff_max: float = Field(default=60.0, ge=0)
    max_pages: int = Field(default=2000, ge=1, description="page budget per source per run")
    max_response_bytes: int = Field(default=5_000_000, ge=1024)
    near_duplicate_threshold: float = Field(default=0.7, gt=0, lt=1)
    reprint_window_days: int = Field(default=30, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


def load_sources(folder: Path) -> list[SourceConfig]:
    """Every ``*.yaml`` / ``*.yml`` file in ``folder``; names must be unique across files."""
    if not folder.is_dir():
        raise ConfigError(folder, "sources folder not found")
    sources: list[SourceConfig] = []
    origin: dict[str, Path] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        source = load(SourceConfig, path)
        from crawlers.spiders import get_spider

        try:
            get_spider(source.spider)
        except KeyError as exc:
            raise ConfigError(path, str(exc.args[0]), key="spider") from exc
        if source.name in origin:
            raise ConfigError(path, f"duplicate source name (also in {origin[source.name]})", key="name")
        origin[source.name] = path
        sources.append(source)
    return sources
