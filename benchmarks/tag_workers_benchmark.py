"""Tagging workers' throughput: 1, 2 and 4 `riskwatch tag-worker` processes on one fleet stream.

    .venv/bin/python benchmarks/tag_workers_benchmark.py [--documents 2000] [--workers 1,2,4] [--threads 1] [--no-tag]

Each round starts a fresh redis-server on 127.0.0.1 and a fresh SQLite store, starts the workers (shipped
model, the config's `inference: auto`), waits until every worker has loaded its model, then appends the
documents (~500 characters, two companies each) to the stream and times until the last batch is
acknowledged. Documents/s is the whole fleet's: tagging, masking, segmentation and storing included.
CPU milliseconds per document (all workers' user + system time after their models loaded, over the
documents) is what a bigger machine divides its cores by. ``--threads N`` runs each worker with
OMP_NUM_THREADS=N (the model's threads; default: all cores each); ``--no-tag`` times storing alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawlers.fleet_config import FleetOptions  # noqa: E402
from crawlers.fleet_sink import FIELD  # noqa: E402
from tests.fleet.conftest import start_redis  # noqa: E402
from tests.fleet.documents import news  # noqa: E402
from tests.fleet.test_tag_workers import worker_config  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of a running process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_workers(config: Path, env: dict[str, str], folder: Path, workers: int, tag: bool) -> list:
    processes = []
    for number in range(workers):
        command = [sys.executable, "-m", "riskwatch", "--config", str(config), "tag-worker",
                   "--exit-when-idle", "3", "--report", str(folder / f"worker{number}.json"),
                   *([] if tag else ["--no-tag"])]  # fmt: skip
        log = (folder / f"worker{number}.log").open("w")
        processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env))
    while not all("reading" in (folder / f"worker{n}.log").read_text() for n in range(workers)):
        time.sleep(0.2)  # every model loaded
    return processes


def one_round(workers: int, documents: int, folder: Path, threads: int | None, tag: bool) -> dict[str, float]:
    server = start_redis(folder)
    try:
        config = worker_config(folder / "cfg", {"tag_batch": 64})
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "RISKWATCH_REDIS_URL": server.url, "COLUMNS": "300"}
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        processes = start_workers(config, env, folder, workers, tag)
        loaded_cpu = sum(cpu_seconds(process.pid) for process in processes)
        pipe = server.client().pipeline(transaction=False)
        for document in news(documents):
            pipe.xadd(FleetOptions().key("documents"), {FIELD: document.to_json()})
        started = time.time()
        pipe.execute()
        total_cpu = 0.0
        for process in processes:
            _, _, usage = os.wait4(process.pid, 0)
            total_cpu += usage.ru_utime + usage.ru_stime
        reports = [json.loads((folder / f"worker{n}.json").read_text()) for n in range(workers)]
        stored = sum(report["stored"] for report in reports)
        finished = max(report["last_batch_at"] for report in reports if report["last_batch_at"])
        return {
            "workers": workers,
            "threads": threads or os.cpu_count(),
            "stored": stored,
            "seconds": round(finished - started, 2),
            "docs_per_s": round(stored / (finished - started), 1),
            "cpu_ms_per_doc": round(1000 * (total_cpu - loaded_cpu) / stored, 2),
        }
    finally:
        server.process.terminate()
        server.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS of each worker (default: all cores)")
    parser.add_argument("--no-tag", action="store_true", help="store untagged: the store's rate alone")
    args = parser.parse_args()
    print("load average before:", os.getloadavg(), flush=True)
    results = []
    for workers in (int(n) for n in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            result = one_round(workers, args.documents, Path(folder), args.threads, not args.no_tag)
        results.append(result)
        print(json.dumps(result), flush=True)
    base = results[0]["docs_per_s"]
    for result in results:
        print(
            f"{result['workers']} worker(s): {result['docs_per_s']:.1f} docs/s, {result['docs_per_s'] / base:.2f}x"
        )
    print("load average after:", os.getloadavg())


if __name__ == "__main__":
    main()
