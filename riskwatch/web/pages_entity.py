"""The entity pages: every watched counterparty with its recent negative volume, and one entity's page
(negative documents per day, the latest negative stories with reprints folded and their evidence, risk
events by type, its alerts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from crawlers.items import SHANGHAI
from indexer.records import cluster_of
from indexer.store import Window
from nlp.types import TaggedDocument
from riskwatch.web.charts import daily_bars
from riskwatch.web.pages_search import day_start, parse_day
from riskwatch.web.render import page
from riskwatch.web.security import guarded

PERIODS = (7, 30, 90)
STORIES = 10  # negative stories listed
STORY_DOCUMENTS = 100  # latest negative documents read to fold into those stories


@dataclass
class Story:
    """Negative documents of one cluster (a story and its reprints), latest first."""

    lead: TaggedDocument
    title: str
    evidence: list[str]
    reprints: list[TaggedDocument] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({self.lead.source, *(doc.source for doc in self.reprints)})


def evidence_of(document: TaggedDocument, entity_id: str, mask: Any) -> list[str]:
    """The sentences the tagger gave as evidence of negativity about ``entity_id`` (masked)."""
    found: list[str] = []
    for entity in document.entities or []:
        if entity.get("watchlist_id") == entity_id:
            for item in entity.get("evidence") or []:
                text = item.get("text") if isinstance(item, dict) else item
                if isinstance(text, str) and text and mask(text) not in found:
                    found.append(mask(text))
    return found


def fold_stories(documents: list[TaggedDocument], entity_id: str, mask: Any) -> list[Story]:
    """Latest first, one story per cluster; a reprint adds its evidence when the lead had none."""
    stories: dict[str, Story] = {}
    for doc in documents:
        story = stories.get(cluster_of(doc))
        if story is None:
            stories[cluster_of(doc)] = Story(doc, mask(doc.title or ""), evidence_of(doc, entity_id, mask))
        else:
            story.reprints.append(doc)
            if not story.evidence:
                story.evidence = evidence_of(doc, entity_id, mask)
    return list(stories.values())


def period_of(request: Request) -> tuple[int, date]:
    """Days shown and the last day (inclusive; default today in Shanghai)."""
    try:
        days = int(request.query_params.get("days", 30))
    except ValueError:
        days = 30
    end = parse_day(request.query_params.get("end")) or datetime.now(SHANGHAI).date()
    return (days if days in PERIODS else 30), end


@guarded("read")
def entities_page(request: Request) -> Response:
    web = request.app.state.web
    end = datetime.now(SHANGHAI)
    week = web.store.entity_counts([Window(end - timedelta(days=7), end)], list(web.entities))[0]
    rows = sorted(web.config.watchlist, key=lambda e: (-(week[e.id].negative if e.id in week else 0), e.id))
    return page(request, "entities.html", nav="entity", entities=rows, week=week)


@guarded("read")
def entity_page(request: Request) -> Response:
    web = request.app.state.web
    entity = web.entities.get(request.path_params["entity_id"])
    if entity is None:
        raise HTTPException(404)
    days, end = period_of(request)
    first = end - timedelta(days=days - 1)
    day_list = [first + timedelta(days=n) for n in range(days)]
    windows = [Window(day_start(day), day_start(day + timedelta(days=1))) for day in day_list]
    period = Window(windows[0].start, windows[-1].end)
    daily = web.store.entity_counts([*windows, period], [entity.id])
    whole = daily.pop().get(entity.id)
    negatives = [counts[entity.id].negative if entity.id in counts else 0 for counts in daily]
    documents = web.store.negative_documents(entity.id, period, STORY_DOCUMENTS)
    stories = fold_stories(documents, entity.id, web.masker.mask_text)[:STORIES]
    state = web.alert_state()
    alerts = []
    if state is not None:
        with state:
            alerts = state.list(limit=50, entity_id=entity.id)
    return page(
        request,
        "entity.html",
        nav="entity",
        entity=entity,
        days=days,
        end=end,
        first=first,
        periods=PERIODS,
        whole=whole,
        chart=daily_bars(day_list, negatives, f"{entity.name} 每日负面报道"),
        stories=stories,
        events=sorted((whole.events if whole else {}).items(), key=lambda item: (-item[1], item[0])),
        alerts=alerts,
    )
