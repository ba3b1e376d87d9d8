"""Print what the demo crawl produced, as a risk officer would first look at it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawlers.items import Document
from nlp.types import TaggedDocument


def show_documents(console: Console, path: Path, limit: int = 12) -> None:
    if not path.exists():
        console.print("no documents were written")
        return
    documents = [
        TaggedDocument.from_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line
    ]
    table = Table(title=f"{len(documents)} documents in {path} (latest first)", title_justify="left")
    for column in ("published", "source", "kind", "title", "sentiment", "negative about", "events"):
        table.add_column(column, overflow="fold")
    documents.sort(key=lambda d: d.published_at or d.crawled_at, reverse=True)
    for doc in documents[:limit]:
        published = doc.published_at.strftime("%Y-%m-%d %H:%M") if doc.published_at else "?"
        table.add_row(
            published, doc.source, doc.kind, doc.title[:40], str(len(doc.content)), doc.encoding or ""
        )
    console.print(table)
    clusters: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        clusters[doc.cluster_id or doc.id].append(doc)
    for members in clusters.values():
        if len(members) > 1:
            console.print(
                f"reprinted story ({len(members)} sites): "
                + " | ".join(f"{d.source}: {d.title}" for d in members)
            )
