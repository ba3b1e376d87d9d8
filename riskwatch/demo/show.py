"""Print what the demo crawl produced, as a risk officer would first look at it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.items import Document
from nlp.types import TaggedDocument


def negative_about(document: TaggedDocument) -> str:
    """The watched entities the model judged this document negative about (what the alerts count), by
    watchlist id, and how many other organisations it judged so."""
    negative = [e for e in document.entities or [] if e.get("negative")]
    watched = list(dict.fromkeys(str(e["watchlist_id"]) for e in negative if e.get("watchlist_id")))
    others = len({str(e.get("name")) for e in negative if not e.get("watchlist_id")})
    shown = [*watched, *([f"+{others} other(s)"] if others else [])]
    return ", ".join(shown) or "-"


def event_types(document: TaggedDocument) -> str:
    return ", ".join(dict.fromkeys(str(e["type"]) for e in document.events or [] if e.get("type"))) or "-"


def sentiment_label(document: TaggedDocument) -> str:
    """The document's label, or why there is none (the demo runs untagged when no model is installed)."""
    if document.model is None and document.sentiment is None:
        return "untagged"
    return str((document.sentiment or {}).get("label") or "-")


def show_documents(console: Console, path: Path, limit: int = 12) -> None:
    """The latest documents with the model's labels: document sentiment, the entities it is negative
    about (what the alerts count) and the risk events."""
    if not path.exists():
        console.print("no documents were written")
        return
    documents = [
        TaggedDocument.from_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line
    ]
    table = Table(title=f"{len(documents)} documents in {path} (latest first)", title_justify="left")
    table.add_column("published", no_wrap=True)  # the source on its second line
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("sentiment", no_wrap=True)
    table.add_column("negative about", ratio=1, overflow="fold")
    table.add_column("events", ratio=1, overflow="fold")
    documents.sort(key=lambda d: d.published_at or d.crawled_at, reverse=True)
    for doc in documents[:limit]:
        published = doc.published_at.strftime("%m-%d %H:%M") if doc.published_at else "?"
        label = sentiment_label(doc)
        table.add_row(
            f"{published}\n[dim]{escape(doc.source)}[/]",
            escape(doc.title),
            f"[red]{label}[/]" if label == "negative" else label,
            escape(negative_about(doc)),
            escape(event_types(doc)),
        )
    console.print(table, soft_wrap=False)  # a table on a soft-wrapping console overflows by CJK cells
    clusters: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        clusters[doc.cluster_id or doc.id].append(doc)
    for members in clusters.values():
        if len(members) > 1:
            console.print(
                f"reprinted story ({len(members)} sites): "
                + " | ".join(f"{d.source}: {d.title}" for d in members)
            )
