"""Spider registry: a source's ``spider:`` key names one of these (``site`` by default).

A new spider kind registers itself with :func:`register_spider`; the built-in ones use the same decorator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawlers.spiders.base import SourceSpider

SPIDERS: dict[str, type[SourceSpider]] = {}


def register_spider(name: str) -> Callable[[type[SourceSpider]], type[SourceSpider]]:
    """Class decorator: make a spider available to sources as ``spider: NAME``."""

    def decorate(cls: type[SourceSpider]) -> type[SourceSpider]:
        SPIDERS[name] = cls
        return cls

    return decorate


def get_spider(name: str) -> type[SourceSpider]:
    if not SPIDERS:
        import crawlers.spiders.site  # noqa: F401 - registers the built-in spiders
    if name not in SPIDERS:
        raise KeyError(f"unknown spider {name!r} (available: {', '.join(sorted(SPIDERS))})")
    return SPIDERS[name]
