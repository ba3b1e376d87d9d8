"""The search page: ``riskwatch search``'s filters, highlighted snippets, entity and event facets, paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from crawlers.errors import ConfigError
from crawlers.items import SHANGHAI
from indexer.snippets import snippet
from indexer.store import SearchQuery
from nlp.labels import EVENT_TYPES, SENTIMENT_LABELS
from nlp.types import TaggedDocument
from riskwatch.web.render import MARK_CLOSE, MARK_OPEN, page
from riskwatch.web.security import guarded

FILTERS = ("q", "entity", "sentiment", "event", "source", "since", "until")
BOUND = 10_000  # matches counted, ranked and faceted exactly; beyond it the page says "10,000+"


@dataclass
class ShownHit:
    """A hit as the page shows it: masked text, matches marked, watched entities linked."""

    document: TaggedDocument
    title: str
    snippet: str
    entities: list[dict[str, Any]]
    events: list[str]
    sentiment: str


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    """Midnight Shanghai time of ``day``."""
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


def search_query(params: dict[str, str], page_size: int, page_number: int) -> tuple[SearchQuery, list[str]]:
    """The store query of the form's filters, and what was ignored (bad values) and why."""
    ignored: list[str] = []
    sentiment = params.get("sentiment") or None
    if sentiment not in (None, *SENTIMENT_LABELS):
        ignored.append(f"sentiment={sentiment}（可选 {', '.join(SENTIMENT_LABELS)}）")
        sentiment = None
    since, until = parse_day(params.get("since")), parse_day(params.get("until"))
    for key, parsed in (("since", since), ("until", until)):
        if params.get(key) and parsed is None:
            ignored.append(f"{key}={params[key]}（日期格式 YYYY-MM-DD）")
    query = SearchQuery(
        text=params.get("q", ""),
        entity=params.get("entity") or None,
        sentiment=sentiment,
        event=params.get("event") or None,
        source=params.get("source") or None,
        since=day_start(since) if since else None,
        until=day_start(until + timedelta(days=1)) if until else None,  # the until day is included
        limit=page_size,
        offset=(page_number - 1) * page_size,
        bound=BOUND,
    )
    return query, ignored


def shown_hit(web: Any, document: TaggedDocument, terms: list[str], tokens: list[list[str]]) -> ShownHit:
    """Mask first, then cut the snippet from the masked text, so no page ever shows an unmasked number."""
    title, content = web.masker.mask_text(document.title or ""), web.masker.mask_text(document.content or "")
    entities = [
        {
            "name": web.masker.mask_text(str(e.get("name") or "")),
            "id": e.get("watchlist_id"),
            "negative": bool(e.get("negative")),
        }
        for e in document.entities or []
    ]
    sentiment = (document.sentiment or {}).get("label") or "—"
    events = sorted({str(e.get("type")) for e in document.events or [] if e.get("type")})
    text = snippet(title, content, terms, tokens, marks=(MARK_OPEN, MARK_CLOSE))
    return ShownHit(document, title, text, entities, events, sentiment)


def source_names(config: Any) -> list[str]:
    """The configured crawl sources' names, as suggestions; none when the config has no sources folder
    (a console over a store filled elsewhere needs none)."""
    try:
        return [source.name for source in config.sources]
    except ConfigError:
        return []


def page_number(text: str | None, last: int) -> int:
    try:
        number = int(text or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), last)


@guarded("read")
def search_page(request: Request) -> Response:
    web = request.app.state.web
    params = {key: request.query_params.get(key, "").strip() for key in FILTERS}
    size = web.options.page_size
    number = page_number(request.query_params.get("page"), BOUND // size)
    query, ignored = search_query(params, size, number)
    result = web.store.search(query)
    terms = query.text.split()
    tokens = [web.segmenter.query_tokens(term) for term in terms]
    kept = [(term, toks) for term, toks in zip(terms, tokens, strict=True) if toks]
    hits = [shown_hit(web, hit.document, [t for t, _ in kept], [k for _, k in kept]) for hit in result.hits]
    pages = max(1, min(-(-result.total // size), BOUND // size))
    names = {entity.name: entity.id for entity in web.config.watchlist}
    names.update({alias: entity.id for entity in web.config.watchlist for alias in entity.aliases})
    return page(
        request,
        "search.html",
        params=params,
        result=result,
        hits=hits,
        ignored=ignored,
        page_number=number,
        pages=pages,
        first=query.offset + 1,
        watchlist=web.config.watchlist,
        watched_names=names,
        sentiments=SENTIMENT_LABELS,
        event_types=EVENT_TYPES,
        sources=source_names(web.config),
    )
