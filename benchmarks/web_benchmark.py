"""Web console speed: search and entity pages over a stored corpus, against the bare store in the same run.

    .venv/bin/python benchmarks/web_benchmark.py --workdir data/web-bench             # 1,000,000 documents
    .venv/bin/python benchmarks/web_benchmark.py --workdir /tmp/wb --documents 20000  # a quick look

The corpus (``--documents`` tagged documents of ``--text-chars`` characters about ``--entities`` watched
companies over 30 days, 30% negative with an evidence sentence and a risk event) is built once into
``<workdir>/store.db`` and reused by later runs. The console (``riskwatch web``'s app under uvicorn on
127.0.0.1) is then asked for search pages (a common word, an alias, an entity, entity + negative sentiment,
an event type, no filter, page 5, a common word with an entity or an event type) and entity pages, logged in, over real HTTP; each page is timed from request to
the last byte, best and median of ``--repeats``. Beside each figure: the store calls that page makes,
timed alone in the same process (the baseline), and the ratio page / store.

Target (issue 20): a search or entity page answers in under 300 ms over 1,000,000 stored documents.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import httpx
import yaml
from index_benchmark import END, EVENT_TYPES, make_documents, watchlist

from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from indexer.store import Store, Window
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity
from riskwatch.config import AppConfig, load_config
from riskwatch.web.app import build_app
from riskwatch.web.context import open_context
from riskwatch.web.pages_entity import STORY_DOCUMENTS
from riskwatch.web.pages_search import day_start, search_query
from riskwatch.web.passwords import hash_password
from riskwatch.web.server import BackgroundServer

CHUNK = 50_000  # documents generated at a time (bounds memory)
PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def with_evidence(document: TaggedDocument) -> TaggedDocument:
    """The generated document with its first sentence as the evidence of a negative first entity."""
    first, *others = document.entities
    if first.get("negative"):
        sentence = document.content.split("。")[0] + "。"
        first = {**first, "evidence": [sentence]}
    return replace(document, entities=[first, *others])


def build_corpus(store: SqliteStore, entities: list[WatchedEntity], count: int, text_chars: int) -> float:
    """Fill ``store`` up to ``count`` documents; seconds taken."""
    started = time.perf_counter()
    have = store.count()
    for seed, first in enumerate(range(have, count, CHUNK), start=1000 + have // CHUNK):
        docs = make_documents(min(CHUNK, count - first), entities, seed, text_chars)
        docs = [with_evidence(doc) for doc in docs]
        for start in range(0, len(docs), 1000):
            store.put(docs[start : start + 1000])
        print(f"stored {store.count():,} documents ({time.perf_counter() - started:.0f} s)", flush=True)
    return time.perf_counter() - started


def console_config(workdir: Path, entities: list[WatchedEntity]) -> AppConfig:
    """A config over the corpus with one viewer (the benchmark's own password)."""
    folder = workdir / "config"
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    watchlist = [{"id": e.id, "name": e.name, "aliases": e.aliases} for e in entities]
    (folder / "watchlist.yaml").write_text(yaml.safe_dump(watchlist, allow_unicode=True), encoding="utf-8")
    main = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "store": {"type": "sqlite", "path": str(workdir / "store.db")},
        "web": {"users": [{"name": "bench", "role": "viewer", "password_hash": hash_password(PASSWORD)}]},
    }
    (folder / "riskwatch.yaml").write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return load_config(folder / "riskwatch.yaml")


def timed(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best and median seconds of ``repeats`` calls (after one warm-up call)."""
    call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds)


def entity_store_calls(store: Store, entity_id: str, end: date) -> None:
    """The store calls an entity page makes (30 daily windows and the period, the latest negatives)."""
    first = end - timedelta(days=29)
    windows = [
        Window(day_start(first + timedelta(days=n)), day_start(first + timedelta(days=n + 1)))
        for n in range(30)
    ]
    period = Window(windows[0].start, windows[-1].end)
    store.entity_counts([*windows, period], [entity_id])
    store.negative_documents(entity_id, period, STORY_DOCUMENTS)


def time_pages(workdir: Path, entities: list[WatchedEntity], repeats: int) -> dict[str, object]:
    config = console_config(workdir, entities)
    context = open_context(config)
    server = BackgroundServer(build_app(context)).start()
    client = httpx.Client(base_url=server.url, timeout=120)
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"csrf_token": token, "username": "bench", "password": PASSWORD})
    entity = entities[7]
    end = (END - timedelta(days=1)).date()
    searches = {
        "search: common word (in ~half the documents)": {"q": "兑付"},
        "search: entity alias as text": {"q": entity.aliases[0]},
        "search: entity filter": {"entity": entity.id},
        "search: entity + negative sentiment": {"entity": entity.id, "sentiment": "negative"},
        "search: event type filter": {"event": EVENT_TYPES[0]},
        "search: nothing (every document)": {},
        "search: common word, page 5": {"q": "兑付", "page": "5"},
        "search: common word + entity": {"q": "兑付", "entity": entity.id},
        "search: common word + event type": {"q": "兑付", "event": EVENT_TYPES[0]},
    }
    figures: dict[str, object] = {}
    try:
        for label, params in searches.items():
            response = client.get("/search", params=params)
            assert response.status_code == 200 and 'id="total"' in response.text, label
            page_best, page_median = timed(
                lambda params=params: client.get("/search", params=params), repeats
            )
            query, _ = search_query(
                {k: v for k, v in params.items() if k != "page"}, 20, int(params.get("page", 1))
            )
            store_best, _ = timed(lambda query=query: context.store.search(query), repeats)
            figures[label] = report(page_best, page_median, store_best)
        period = {"end": end.isoformat(), "days": "30"}
        for label, entity_id in (
            ("entity page", entity.id),
            ("entity page (busiest entity)", busiest(context, end)),
        ):
            assert client.get(f"/entity/{entity_id}", params=period).status_code == 200
            page_best, page_median = timed(
                lambda e=entity_id: client.get(f"/entity/{e}", params=period), repeats
            )
            store_best, _ = timed(lambda e=entity_id: entity_store_calls(context.store, e, end), repeats)
            figures[label] = report(page_best, page_median, store_best)
    finally:
        client.close()
        server.stop()
        context.close()
    return figures


def busiest(context, end: date) -> str:
    window = Window(day_start(end - timedelta(days=29)), day_start(end + timedelta(days=1)))
    counts = context.store.entity_counts([window])[0]
    return max(counts, key=lambda entity_id: counts[entity_id].documents)


def report(page_best: float, page_median: float, store_best: float) -> dict[str, float]:
    figures = {
        "page_best_ms": round(page_best * 1000, 1),
        "page_median_ms": round(page_median * 1000, 1),
        "store_best_ms": round(store_best * 1000, 1),
        "page_over_store": round(page_best / store_best, 2),
    }
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return figures


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--text-chars", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--build-only", action="store_true", help="build the corpus and stop")
    parser.add_argument("--workdir", type=Path, help="keep the corpus here (reused by later runs)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="riskwatch-web-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    entities = watchlist(args.entities)
    store = SqliteStore(workdir / "store.db", segmenter=watchlist_segmenter(entities))
    figures: dict[str, object] = {"load_before": load_average()}
    if store.count() < args.documents:
        figures["build_s"] = round(build_corpus(store, entities, args.documents, args.text_chars), 1)
    figures["documents"] = store.count()
    store.close()
    if args.build_only:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    figures |= time_pages(workdir, entities, args.repeats)
    figures["load_after"] = load_average()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
