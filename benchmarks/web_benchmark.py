"""Web console speed: search and entity pages over a stored corpus, against the bare store in the same run.

    .venv/bin/python benchmarks/web_benchmark.py --workdir data/web-bench             # 1,000,000 documents
    .venv/bin/python benchmarks/web_benchmark.py --workdir /tmp/wb --documents 20000  # a quick look

The corpus (``--documents`` tagged documents of ``--text-chars`` characters about ``--entities`` watched
companies over 30 days, 30% negative with an evidence sentence and a risk event) is built once into
``<workdir>/store.db`` and reused by later runs. The console (``riskwatch web``'s app under uvicorn on
127.0.0.1) is then asked for search pages (text, text + entity, entity + negative sentiment, event type,
an empty query, page 5) and entity pages, logged in, over real HTTP; each page is timed from request to
the last byte, best and median of ``--repeats``. Beside each figure: the store calls that page makes,
timed alone in the same process (the baseline), and the ratio page / store.

Target (issue 20): a search or entity page answers in under 300 ms over 1,000,000 stored documents.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from index_benchmark import make_documents, watchlist

from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity

CHUNK = 50_000  # documents generated at a time (bounds memory)


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
    sys.exit("timing part not written yet")


if __name__ == "__main__":
    main()
