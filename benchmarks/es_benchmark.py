"""Indexing throughput through bulk into the Elasticsearch backend, against baselines in the same run.

    .venv/bin/python benchmarks/es_benchmark.py                                  # osmem-server, 20,000 documents
    RISKWATCH_TEST_ES_URL=http://127.0.0.1:9200 .venv/bin/python benchmarks/es_benchmark.py   # a real cluster
    .venv/bin/python benchmarks/es_benchmark.py --documents 1000 --entities 200     # a quick check

Figures, documents per second over the same generated documents (~500 characters, two watched entities
each, from ``index_benchmark.py``):

1. ``ElasticStore.put`` in batches: jieba segmentation, the id lookup that keeps ids unique across monthly
   indices, bulk with retries; the clock stops when ``count()`` (after a refresh) sees every document;
2. baseline: the same documents' plain JSON bulk-indexed by the client's ``helpers.bulk`` into one index
   with default mappings (no segmentation, no lookup, no nested rows): what the server takes at most;
3. baseline: ``SqliteStore.put`` (the embedded default, segmentation included);
4. segmentation alone;
and the time of one ``entity_counts`` call over a 30-day window (composite aggregations, every entity).
osmem-server is an in-memory test server: its figures compare the two paths, not a production cluster.
Run it alone on the machine; the SQLite file goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from elasticsearch import helpers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from index_benchmark import DAYS, END, make_documents, watchlist  # the sibling benchmark's data

from indexer.elastic import ElasticStore
from indexer.es_client import Connection, build_client
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from indexer.store import Window

URL_ENV = "RISKWATCH_TEST_ES_URL"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def es_put(store: ElasticStore, docs: list, batch: int) -> None:
    for first in range(0, len(docs), batch):
        store.put(docs[first : first + batch])
    assert store.count() == len(docs), "not every document arrived"


def raw_index(store: ElasticStore) -> str:
    return f"rwbench-raw-{os.getpid()}"  # outside the template's <prefix>-* pattern: default mappings


def raw_bulk(store: ElasticStore, docs: list, batch: int) -> None:
    index = raw_index(store)
    actions = ({"_index": index, "_id": d.id, "_source": d.to_dict()} for d in docs)
    helpers.bulk(store.client, actions, chunk_size=batch)
    store.client.indices.refresh(index=index)
    assert store.client.count(index=index)["count"] == len(docs)


def sqlite_put(store: SqliteStore, docs: list, batch: int) -> None:
    for first in range(0, len(docs), batch):
        store.put(docs[first : first + batch])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--text-chars", type=int, default=500)
    parser.add_argument("--batch", type=int, default=1000, help="documents per put() / bulk chunk")
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument(
        "--url", default=os.environ.get(URL_ENV), help=f"cluster (default ${URL_ENV}, else osmem)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    server = None
    if not args.url:
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
        args.url = server.url
    entities = watchlist(args.entities)
    segmenter = watchlist_segmenter(entities)
    docs = make_documents(args.documents, entities, seed=1, text_chars=args.text_chars)
    prefix = f"rwbench-{os.getpid()}"
    store = ElasticStore(build_client(Connection(args.url, request_timeout=120)), prefix, segmenter)
    figures: dict[str, object] = {"server": "osmem-server" if server else "cluster", "documents": len(docs)}
    try:
        store.put(docs[:1])  # template, first index: set-up is not throughput
        figures["es_put_docs_per_s"] = round(len(docs) / timed(lambda: es_put(store, docs, args.batch)))
        figures["es_raw_bulk_docs_per_s"] = round(
            len(docs) / timed(lambda: raw_bulk(store, docs, args.batch))
        )
        with tempfile.TemporaryDirectory(prefix="riskwatch-es-bench-") as folder:
            sqlite = SqliteStore(Path(folder) / "bench.db", segmenter=segmenter)
            figures["sqlite_put_docs_per_s"] = round(
                len(docs) / timed(lambda: sqlite_put(sqlite, docs, args.batch))
            )
            sqlite.close()
        segment = lambda: [segmenter.index_text(d.title) + segmenter.index_text(d.content) for d in docs]  # noqa: E731
        figures["segmentation_only_docs_per_s"] = round(len(docs) / timed(segment))
        figures["es_put_vs_raw_bulk"] = round(
            figures["es_put_docs_per_s"] / figures["es_raw_bulk_docs_per_s"], 3
        )  # type: ignore[operator]
        window = [Window(END - timedelta(days=DAYS), END)]
        keys: list[int] = []
        figures["es_entity_counts_30d_s"] = round(
            timed(lambda: keys.append(len(store.entity_counts(window)[0]))), 3
        )
        figures["es_entity_counts_30d_keys"] = keys[0]
    finally:
        client = store.client.options(ignore_status=404)
        client.indices.delete(index=f"{prefix}-*")
        client.indices.delete(index=raw_index(store))
        client.indices.delete_index_template(name=prefix)
        store.close()
        if server:
            server.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
