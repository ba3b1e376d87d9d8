"""Exposure report at bank scale: a generated watchlist of N entities, an exposure file of N matched plus
unmatched rows, and a SQLite store of generated tagged documents over one month; times each stage.

    .venv/bin/python benchmarks/report_benchmark.py --entities 10000 --documents 200000 --unmatched 5000

Reported: seconds to read and match the exposure file, to build the figures (one ``entity_counts`` call
over the period and its 31 days, evidence for entities with negative news), to write the XLSX (every
counterparty) and the PDF (top 50), and the peak RSS. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from crawlers.items import SHANGHAI
from indexer.sqlite import SqliteStore
from indexer.store import Window
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity
from reports.exposure_file import read_exposure_file
from reports.exposures import match_exposures
from reports.writer import ReportSources, write_report

START = datetime(2025, 9, 1, tzinfo=SHANGHAI)
PERIOD = Window(START, START + timedelta(days=30))
EVENTS = ["债务违约", "立案调查", "高管变动", "股东减持", "评级下调"]


def watchlist(count: int) -> list[WatchedEntity]:
    return [
        WatchedEntity(id=f"e{n}", name=f"测试{n}号实业股份有限公司", aliases=[f"测试{n}号"])
        for n in range(count)
    ]


def document(number: int, entities: list[WatchedEntity], rng: random.Random) -> TaggedDocument:
    when = START + timedelta(seconds=rng.randrange(30 * 86400))
    mentioned = rng.sample(entities, k=min(len(entities), rng.choice((1, 1, 2))))
    tagged = []
    events = []
    for entity in mentioned:
        negative = rng.random() < 0.3
        tagged.append(
            {
                "name": entity.aliases[0],
                "type": "ORG",
                "watchlist_id": entity.id,
                "mentions": [],
                "negative": negative,
                "negative_score": 0.9 if negative else 0.1,
                "evidence": [f"{entity.aliases[0]}出现风险。"] if negative else [],
            }
        )
        if negative and rng.random() < 0.3:
            events.append({"type": rng.choice(EVENTS), "entity": entity.aliases[0], "score": 0.9})
    return TaggedDocument(
        id=f"d{number}", url=f"http://bench.test/{number}", source="bench", kind="news",
        title=f"{mentioned[0].aliases[0]}新闻{number}", content="正文。", crawled_at=when, raw_sha256="0" * 64,
        published_at=when, cluster_id=f"c{number // 3}", sentiment={"label": "neutral", "score": 0.5},
        entities=tagged, events=events, model={"name": "bench", "version": "0"},
    )  # fmt: skip


def exposure_file(path: Path, entities: list[WatchedEntity], unmatched: int, rng: random.Random) -> None:
    lines = ["客户编号,客户名称,敞口金额,币种,评级,业务条线"]
    lines += [f"{e.id},{e.name},{rng.randrange(1, 10**9)},CNY,A,公司金融" for e in entities]
    lines += [f"U{n},未关注{n}号有限公司,{rng.randrange(1, 10**9)},CNY,BB,零售" for n in range(unmatched)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--unmatched", type=int, default=500)
    parser.add_argument("--formats", default="xlsx,pdf")
    args = parser.parse_args()
    rng = random.Random(11)
    entities = watchlist(args.entities)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        store = SqliteStore(tmp / "store.db")
        started = time.perf_counter()
        for first in range(0, args.documents, 5000):
            store.put([document(n, entities, rng) for n in range(first, min(first + 5000, args.documents))])
        fill = time.perf_counter() - started
        exposures = tmp / "exposures.csv"
        exposure_file(exposures, entities, args.unmatched, rng)
        started = time.perf_counter()
        parsed = read_exposure_file(exposures)
        match_exposures(parsed.rows, entities)
        read_match = time.perf_counter() - started
        sources = ReportSources(entities, store, "sqlite: bench", None, None, None)
        figures: dict[str, float] = {}
        for formats in ((), tuple(args.formats.split(","))):
            started = time.perf_counter()
            result = write_report(sources, exposures, PERIOD, tmp / f"out{len(formats)}", formats)
            figures["build_only_s" if not formats else "build_and_write_s"] = time.perf_counter() - started
        store.close()
        sizes = {path.name: path.stat().st_size for path in result.files}
    print(json.dumps({
        "entities": args.entities, "documents": args.documents, "unmatched": args.unmatched,
        "store_fill_s": round(fill, 2), "read_and_match_s": round(read_match, 3),
        **{k: round(v, 2) for k, v in figures.items()},
        "matched_lines": len(result.report.lines), "output_bytes": sizes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
