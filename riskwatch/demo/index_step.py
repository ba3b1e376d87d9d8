"""The demo's index step: the crawled documents into a SQLite store under the demo folder, then a few
example searches, as a risk officer would run them with ``riskwatch search``."""

from __future__ import annotations

from rich.console import Console

from indexer.config import SqliteStoreConfig
from indexer.errors import IndexerError
from indexer.factory import watchlist_segmenter
from indexer.masking import Masker
from indexer.pipeline import StoreSink
from indexer.sqlite import SqliteStore
from indexer.store import SearchQuery
from nlp.types import TaggedDocument
from riskwatch.cli_index import print_results
from riskwatch.demo.stages import DemoContext

STORE_FILE = "riskwatch.db"


def example_searches(context: DemoContext, store: SqliteStore) -> list[tuple[str, SearchQuery]]:
    """The news the model judged negative about the most-mentioned watched entity (the entity-level
    judgement the alerts count) when documents are tagged; a text search for its name otherwise
    (untagged documents have no entities to filter on). Then the word 违约."""
    entities = context.config.watchlist
    mentions = {e.id: store.search(SearchQuery(entity=e.id, limit=0)).total for e in entities}
    examples: list[tuple[str, SearchQuery]] = [("违约", SearchQuery(text="违约", limit=5))]
    if entities and any(mentions.values()):
        top = max(entities, key=lambda e: mentions[e.id])
        examples.insert(
            0,
            (f"--entity {top.id} --negative", SearchQuery(entity=top.id, negative=True, limit=5)),
        )
    elif entities:
        name = entities[0].aliases[0] if entities[0].aliases else entities[0].name
        examples.insert(0, (name, SearchQuery(text=name, limit=5)))
    return examples


def index_step(context: DemoContext) -> bool:
    console: Console = context.console
    path = context.workdir / STORE_FILE
    if not context.documents.exists():
        console.print("[red]index: no documents to index[/]")
        return False
    store = SqliteStore(path, segmenter=watchlist_segmenter(context.config.watchlist))
    try:
        sink = StoreSink(
            store,
            Masker(context.config.main.store.masking),
            close_store=False,
            max_content_chars=context.config.main.max_content_chars,
        )
        with context.documents.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    sink.write(TaggedDocument.from_json(line))
        sink.close()
        context.shared["store_path"] = path
        context.shared["store_config"] = SqliteStoreConfig(path=path, spool_dir=context.workdir / "spool")
        report = sink.report
        console.print(
            f"indexed {report.stored} document(s) into {path}"
            + (f" ({report.untagged} untagged: no model installed)" if report.untagged else "")
        )
        for label, query in example_searches(context, store):
            console.print(f"[bold]example search:[/] riskwatch search {label}")
            print_results(console, store.search(query), ranked=bool(query.text.strip()))
    except IndexerError as exc:
        console.print(f"[red]index: {exc}[/]")
        return False
    finally:
        store.close()
    return True
