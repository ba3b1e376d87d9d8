"""Indexing throughput into SQLite and the per-entity window counts, against baselines in the same run.

    .venv/bin/python benchmarks/index_benchmark.py                      # full size (issue 4 targets)
    .venv/bin/python benchmarks/index_benchmark.py --documents 2000 --count-documents 20000 --entities 1000

1. ``SqliteStore.put`` (jieba segmentation, FTS5, entity/event rows, one transaction per batch) in
   documents/s, with ``synchronous`` normal (the default) and full, beside a baseline in the same run:
   the same documents' JSON written with a bare ``executemany`` into a one-table SQLite file (no
   segmentation, no full-text index); and segmentation alone.
   Target: ≥ 5,000 documents/s including segmentation.
2. ``entity_counts`` over ``--entities`` watched entities and ``--count-documents`` documents spread over
   30 days, for the windows alerts and reports ask for. Target: ≤ 1 s per call at 10,000 × 1,000,000.
Run it alone on the machine; the database files go to a temporary folder unless ``--workdir`` is given.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from crawlers.items import SHANGHAI
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from indexer.store import Window
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity

END = datetime(2026, 11, 30, tzinfo=SHANGHAI)
DAYS = 30
EVENT_TYPES = ["评级调整", "业绩下滑", "涉嫌违法", "提现困难", "高管负面"]
STEMS = "鸿远明川安和星海江屿北辰东临南湖青山瑞丰华庭金桥银河宏泰恒信嘉禾新元天成永安盛达中和"
TRADES = ["地产", "科技", "食品", "新能源", "银行", "证券", "保险", "物流", "医药", "材料"]
SENTENCES = [
    "{a}今日公告称，公司未能按期兑付债券利息，拟与持有人协商展期方案。",
    "{b}表示，公司经营情况正常，前三季度营业收入同比增长12%。",
    "市场人士认为，{a}短期流动性压力较大，后续仍需关注其资产处置进展。",
    "{b}作为主承销商，已启动风险处置预案，并与监管部门保持沟通。",
    "据了解，{a}多个项目出现停工，部分供应商反映货款拖欠。",
    "分析师指出，{b}的风险敞口有限，对其资本充足率影响不大。",
]


def watchlist(count: int) -> list[WatchedEntity]:
    """``count`` distinct fictional company names (two stem pairs and a trade)."""
    stems = [STEMS[i : i + 2] for i in range(0, len(STEMS), 2)]
    names = [f"{x}{y}{t}" for x in stems for y in stems if x != y for t in TRADES]
    if count > len(names):
        names += [f"{n}{k}号" for k in range(2, 2 + count // len(names)) for n in names]
    return [
        WatchedEntity(id=f"e{i:05d}", name=f"{name}股份有限公司", aliases=[name])
        for i, name in enumerate(names[:count])
    ]


def make_documents(
    count: int, entities: list[WatchedEntity], seed: int, text_chars: int
) -> list[TaggedDocument]:
    rng = random.Random(seed)
    docs = []
    span = DAYS * 86400
    for number in range(count):
        first, second = rng.sample(entities, 2)
        content = ""
        while len(content) < text_chars:
            content += rng.choice(SENTENCES).format(a=first.aliases[0], b=second.aliases[0])
        negative = rng.random() < 0.3
        at = END - timedelta(seconds=rng.randrange(span))
        docs.append(
            TaggedDocument(
                id=f"doc{seed}-{number}",
                url=f"http://bench.example/{seed}/{number}.html",
                source=rng.choice(["news", "finance", "forum"]),
                kind="news",
                title=f"{first.aliases[0]}债券展期",
                content=content[:text_chars],
                crawled_at=at,
                raw_sha256="0" * 64,
                published_at=at,
                cluster_id=f"story{rng.randrange(max(count // 3, 1))}" if rng.random() < 0.4 else None,
                sentiment={"label": "negative" if negative else "neutral", "score": 0.9},
                entities=[
                    {"name": first.name, "type": "ORG", "watchlist_id": first.id, "negative": negative},
                    {"name": second.name, "type": "ORG", "watchlist_id": second.id, "negative": False},
                ],
                events=[{"type": rng.choice(EVENT_TYPES), "entity": first.name, "score": 0.9}]
                if negative
                else [],
                model={"name": "bench", "version": "0"},
            )
        )
    return docs


def baseline_rate(path: Path, docs: list[TaggedDocument], batch: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # as the store's default
    db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    started = time.perf_counter()
    for first in range(0, len(docs), batch):
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO documents VALUES (?, ?)", [(d.id, d.to_json()) for d in docs[first : first + batch]]
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return len(docs) / elapsed


def put_rate(store: SqliteStore, docs: list[TaggedDocument], batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, len(docs), batch):
        store.put(docs[first : first + batch])
    return len(docs) / (time.perf_counter() - started)


def fill(store: SqliteStore, entities: list[WatchedEntity], count: int, batch: int) -> float:
    """``count`` short documents (the counts do not depend on the text), in chunks to bound memory."""
    started = time.perf_counter()
    chunk = 50_000
    for seed, first in enumerate(range(0, count, chunk), start=100):
        docs = make_documents(min(chunk, count - first), entities, seed, text_chars=40)
        for start in range(0, len(docs), batch):
            store.put(docs[start : start + batch])
    return time.perf_counter() - started


def timed_counts(store: SqliteStore, windows: list[Window], repeats: int = 3) -> tuple[float, int]:
    best = float("inf")
    keys = 0
    for _ in range(repeats):
        started = time.perf_counter()
        result = store.entity_counts(windows)
        best = min(best, time.perf_counter() - started)
        keys = sum(len(counts) for counts in result)
    return best, keys


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=20_000, help="documents for the throughput part")
    parser.add_argument("--text-chars", type=int, default=500, help="content length of those documents")
    parser.add_argument("--batch", type=int, default=1000, help="documents per put()")
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument(
        "--count-documents", type=int, default=1_000_000, help="documents for the counts part"
    )
    parser.add_argument("--workdir", type=Path, help="keep the database files here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="riskwatch-index-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    entities = watchlist(args.entities)
    started = time.perf_counter()
    segmenter = watchlist_segmenter(entities)
    figures: dict[str, object] = {"segmenter_build_s": round(time.perf_counter() - started, 2)}

    docs = make_documents(args.documents, entities, seed=1, text_chars=args.text_chars)
    figures["baseline_docs_per_s"] = round(baseline_rate(workdir / "baseline.db", docs, args.batch))
    store = SqliteStore(workdir / "throughput.db", segmenter=segmenter)
    figures["put_docs_per_s"] = round(put_rate(store, docs, args.batch))
    store.close()
    store = SqliteStore(workdir / "throughput-full.db", segmenter=segmenter, synchronous="full")
    figures["put_full_sync_docs_per_s"] = round(put_rate(store, docs, args.batch))
    store.close()
    started = time.perf_counter()
    for doc in docs:
        segmenter.index_text(doc.title, keep_punctuation=True)  # as SqliteStore.put segments
        segmenter.index_text(doc.content, keep_punctuation=True)
    figures["segmentation_only_docs_per_s"] = round(len(docs) / (time.perf_counter() - started))
    figures["put_vs_baseline"] = round(figures["put_docs_per_s"] / figures["baseline_docs_per_s"], 3)  # type: ignore[operator]
    print(json.dumps(figures, ensure_ascii=False), flush=True)

    counts_path = workdir / "counts.db"
    store = SqliteStore(counts_path, segmenter=segmenter)
    if store.count() < args.count_documents:
        figures["fill_s"] = round(fill(store, entities, args.count_documents - store.count(), args.batch), 1)
    figures["count_documents"] = store.count()
    day, week = timedelta(days=1), timedelta(days=7)
    cases = {
        "1d": [Window(END - day, END)],
        "1d+7d baseline": [Window(END - day, END), Window(END - 8 * day, END - day)],
        "7d": [Window(END - week, END)],
        "30d": [Window(END - DAYS * day, END)],
    }
    for label, windows in cases.items():
        seconds, keys = timed_counts(store, windows)
        figures[f"entity_counts_{label}_s"] = round(seconds, 3)
        figures[f"entity_counts_{label}_keys"] = keys
        print(f"entity_counts {label}: {seconds:.3f} s, {keys} entity keys", flush=True)
    store.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
