"""Alert evaluation over 10,000 entities and 1,000,000 stored documents, and document-to-alert latency.

    .venv/bin/python benchmarks/alerts_benchmark.py                          # full size (issue 5 targets)
    .venv/bin/python benchmarks/alerts_benchmark.py --entities 300 --documents 20000 --samples 2 --interval 3s

1. Evaluation: the four built-in rule types (threshold on stories, spike over a 7-day baseline, ratio, event)
   for every entity of a ``--entities`` watchlist, over ``--documents`` documents spread over 30 days in a
   SQLite store (a hot 1 % of entities gets a burst in the last day, so alerts open). Timed: the first
   evaluation (opens the alerts, fetches their evidence, queues notices), a steady-state evaluation (the
   same alerts still active), and, as the baseline in the same run, the bare ``Store.entity_counts`` call
   for the same windows, which any evaluation has to make. Target: an evaluation ≤ 2 s on SQLite.
2. Latency: ``riskwatch run`` in a child process with ``alerts.evaluate_every = --interval`` and a webhook
   channel to a receiver on 127.0.0.1; a document reporting a risk event is stored at a random moment and
   the time until the receiver has the alert is measured, ``--samples`` times.
   Target: ≤ one evaluation interval + 5 s.
Run it alone on the machine. ``--workdir`` keeps the generated store for a second run (generation of
1,000,000 documents takes minutes; it is skipped when the store already holds them).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from alerts.config import load_alerting
from alerts.durations import parse_duration
from alerts.engine import Evaluator
from alerts.options import AlertOptions
from alerts.rules import plan_windows
from alerts.state import AlertState
from crawlers.items import SHANGHAI
from indexer.factory import watchlist_segmenter
from indexer.sqlite import SqliteStore
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity

REPO = Path(__file__).resolve().parent.parent
DAYS = 30
EVENTS = ["债务违约", "立案调查", "评级下调", "高管负面", "业绩下滑"]
RULES = [
    {"name": "volume", "type": "threshold", "count": "stories", "min_count": 5},
    {"name": "spike", "type": "spike", "baseline": "7d", "ratio": 3, "min_count": 5},
    {"name": "share", "type": "ratio", "min_ratio": 0.7, "min_docs": 6},
    {"name": "events", "type": "event", "event_types": ["债务违约", "立案调查", "评级下调"], "min_count": 2},
]


def watchlist(count: int) -> list[WatchedEntity]:
    return [WatchedEntity(id=f"e{i:05d}", name=f"基准测试{i:05d}号股份有限公司") for i in range(count)]


def document(
    number: int, entity: WatchedEntity, at: datetime, rng: random.Random, hot: bool
) -> TaggedDocument:
    negative = hot or rng.random() < 0.3
    events = [rng.choice(EVENTS)] if negative and rng.random() < (0.5 if hot else 0.05) else []
    return TaggedDocument(
        id=f"b{number}",
        url=f"http://bench.example/{number}.html",
        source=rng.choice(["news", "finance", "forum"]),
        kind="news",
        title=f"{entity.name}经营动态{number}",
        content=f"{entity.name}公告称，公司{'未能按期兑付债券利息' if negative else '经营情况正常'}。",
        crawled_at=at,
        raw_sha256="0" * 64,
        published_at=at,
        cluster_id=f"c{number // 2}" if rng.random() < 0.2 else None,
        sentiment={"label": "negative" if negative else "neutral", "score": 0.9},
        entities=[
            {
                "name": entity.name,
                "type": "ORG",
                "watchlist_id": entity.id,
                "mentions": [],
                "negative": negative,
                "negative_score": 0.9 if negative else 0.1,
                "evidence": [f"{entity.name}未能按期兑付债券利息。"] if negative else [],
            }
        ],
        events=[{"type": kind, "entity": entity.name, "score": 0.9} for kind in events],
    )


def fill(
    store: SqliteStore, entities: list[WatchedEntity], count: int, end: datetime, batch: int = 5000
) -> float:
    """``count`` documents over 30 days before ``end``; 1 % of entities get 10 extra negative documents in the
    last day. Returns documents/s of the fill."""
    rng = random.Random(7)
    hot = entities[: max(1, len(entities) // 100)]
    burst = [(entity, k) for entity in hot for k in range(10)]
    started = time.perf_counter()
    pending: list[TaggedDocument] = []
    for number in range(count):
        if number < len(burst):
            entity, k = burst[number]
            pending.append(document(number, entity, end - timedelta(hours=1 + k), rng, hot=True))
        else:
            at = end - timedelta(seconds=rng.randrange(DAYS * 86400))
            pending.append(document(number, rng.choice(entities), at, rng, hot=False))
        if len(pending) == batch:
            store.put(pending)
            pending = []
            if number % 100_000 < batch:
                print(f"  stored {number + 1:,} documents", flush=True)
    if pending:
        store.put(pending)
    return count / (time.perf_counter() - started)


def write_rules(folder: Path, channel: str, window: str = "24h") -> None:
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    for rule in RULES:
        spec = {**rule, "window": window, "channels": [channel], "realert": "1h"}
        (folder / "rules" / f"{rule['name']}.yaml").write_text(
            yaml.safe_dump(spec, allow_unicode=True), "utf-8"
        )


def evaluation_benchmark(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    entities = watchlist(args.entities)
    end = datetime(2026, 11, 30, 12, tzinfo=SHANGHAI)
    store = SqliteStore(workdir / "bench-store.db", segmenter=watchlist_segmenter(entities))
    figures: dict[str, float] = {}
    if store.count() < args.documents:
        print(f"generating {args.documents:,} documents for {args.entities:,} entities…", flush=True)
        figures["fill_documents_per_s"] = round(fill(store, entities, args.documents, end), 1)
    folder = workdir / "evaluation"
    write_rules(folder, "bench")
    (folder / "riskwatch.yaml").write_text("{}", "utf-8")
    state_path = folder / "alerts.db"
    for leftover in folder.glob("alerts.db*"):
        leftover.unlink()
    config = load_alerting(
        folder / "riskwatch.yaml",
        raw_channels={"bench": {"type": "file", "path": str(folder / "outbox")}},
        rules_dir=Path("rules"),
        rules_required=True,
        options=AlertOptions.model_validate({"state_path": str(state_path)}),
        state_dir=folder,
        watchlist=entities,
    )
    windows = plan_windows(config.active_rules, end)
    started = time.perf_counter()
    counts = store.entity_counts(windows, None)
    figures["baseline_entity_counts_s"] = round(time.perf_counter() - started, 3)
    figures["windows"] = len(windows)
    figures["entities_with_documents"] = len(counts[0])
    with AlertState(state_path) as state:
        first = Evaluator(store, config, state).evaluate(end)
        steady = Evaluator(store, config, state).evaluate(end + timedelta(seconds=1))
    store.close()
    figures |= {
        "first_evaluation_s": round(first.seconds, 3),
        "first_evaluation_count_call_s": round(first.count_seconds, 3),
        "alerts_opened": len(first.opened),
        "steady_evaluation_s": round(steady.seconds, 3),
        "steady_still_active": steady.still_active,
    }
    figures["first_vs_baseline"] = round(first.seconds / figures["baseline_entity_counts_s"], 2)
    figures["steady_vs_baseline"] = round(steady.seconds / figures["baseline_entity_counts_s"], 2)
    return figures


class _Receiver(BaseHTTPRequestHandler):
    arrivals: list[tuple[float, dict]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        type(self).arrivals.append((time.time(), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def latency_benchmark(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    folder = workdir / "latency"
    folder.mkdir(parents=True, exist_ok=True)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    entities = watchlist(max(args.samples, 10))
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / "none.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "none",
                "kind": "news",
                "enabled": False,
                "start_urls": ["http://127.0.0.1:9/"],
                "article": ["/a/"],
            }
        ),
        "utf-8",
    )
    (folder / "watchlist.yaml").write_text(
        yaml.safe_dump([e.model_dump() for e in entities], allow_unicode=True), "utf-8"
    )
    (folder / "rules").mkdir(exist_ok=True)
    rule = {
        "name": "events",
        "type": "event",
        "window": "24h",
        "event_types": ["立案调查"],
        "channels": ["hook"],
    }
    (folder / "rules" / "events.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), "utf-8")
    config = {
        "sources": "sources",
        "watchlist": "watchlist.yaml",
        "state_dir": "state",
        "rules": "rules",
        "store": {"type": "sqlite", "path": "store.db", "spool_dir": "spool"},
        "channels": {
            "hook": {"type": "webhook", "url": f"http://127.0.0.1:{receiver.server_address[1]}/alerts"}
        },
        "alerts": {"evaluate_every": args.interval},
        "schedule": {"crawl": None},
    }
    (folder / "riskwatch.yaml").write_text(yaml.safe_dump(config), "utf-8")
    store = SqliteStore(folder / "store.db", segmenter=watchlist_segmenter(entities))
    service = subprocess.Popen(
        [sys.executable, "-m", "riskwatch", "--config", str(folder / "riskwatch.yaml"), "run"],
        cwd=REPO,
        stderr=subprocess.DEVNULL,
    )
    interval = parse_duration(args.interval).total_seconds()
    latencies = []
    rng = random.Random(3)
    try:
        time.sleep(interval + 5)  # let the service start and run its first evaluation
        for sample in range(args.samples):
            time.sleep(rng.uniform(0, interval))
            entity = entities[sample]
            now = datetime.now(UTC)
            stored = time.time()
            store.put([_with_event(document(10**7 + sample, entity, now, random.Random(sample), hot=True))])
            deadline = stored + interval + 60
            while time.time() < deadline and not _arrived(entity.id):
                time.sleep(0.05)
            arrival = _arrived(entity.id)
            latencies.append(round(arrival - stored, 2) if arrival else float("inf"))
            print(f"  sample {sample + 1}: stored → delivered in {latencies[-1]} s", flush=True)
    finally:
        service.terminate()
        service.wait(timeout=60)
        store.close()
        receiver.shutdown()
    return {
        "interval_s": interval,
        "latency_max_s": max(latencies),
        "latency_mean_s": round(sum(latencies) / len(latencies), 2),
        "latency_target_s": interval + 5,
    }


def _with_event(doc: TaggedDocument) -> TaggedDocument:
    doc.events = [{"type": "立案调查", "entity": doc.entities[0]["name"], "score": 0.95}]
    return doc


def _arrived(entity_id: str) -> float | None:
    for at, body in _Receiver.arrivals:
        if any(n["entity_id"] == entity_id and n["kind"] == "alert" for n in body.get("notices", [])):
            return at
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=5, help="latency samples (0: skip the latency part)")
    parser.add_argument(
        "--interval", default="10s", help="alerts.evaluate_every of the latency run (e.g. 1m)"
    )
    parser.add_argument("--workdir", type=Path, help="keep the generated store here (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        figures = evaluation_benchmark(args, workdir)
        print(json.dumps(figures, indent=2), flush=True)
        if args.samples:
            latency = latency_benchmark(args, workdir)
            print(json.dumps(latency, indent=2), flush=True)
            figures |= latency
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), "utf-8")


if __name__ == "__main__":
    main()
