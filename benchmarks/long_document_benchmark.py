"""One huge document through ``riskwatch tag``: wall time and peak memory (the child's max RSS) for 1 MB,
5 MB and 50 MB lines, beside a one-kilobyte document in the same run (start-up and model load included in
both; the ratio is what the huge document costs on top).

    .venv/bin/python benchmarks/long_document_benchmark.py [--sizes 1,5,50] [--inference onnx-int8]
        [--max-content-chars N]   # a config with this bound (default: the shipped default)

Without the bound (issue 18) a 5 MB line ran for over ten minutes at 7.5 GB before it was killed: the
tagger read every window of the whole text. With it, the text past ``max_content_chars`` is cut and the
cut recorded in the document's ``extra.truncated``.
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

STORY = (
    "鸿远地产集团股份有限公司今日公告称，公司发行的公司债券未能按期支付利息，公司正与债券持有人协商展期方案。"
    "明川科技表示公司经营情况正常，前三季度营业收入同比增长12%。"
)


def document_line(megabytes: float) -> str:
    """One JSON line of about ``megabytes`` MB of UTF-8 (three bytes a Chinese character)."""
    characters = int(megabytes * 1_000_000 / 3)
    content = (STORY * (characters // len(STORY) + 1))[:characters]
    return json.dumps(
        {"id": f"doc-{megabytes}mb", "title": "鸿远地产公告", "content": content}, ensure_ascii=False
    )


# Runs the command and prints its max RSS (kB) last on stderr: each run measured on its own.
MEASURED = [
    sys.executable,
    "-c",
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]);"
    " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(done.returncode)",
]


def run_tag(line: str, folder: Path, config: Path | None, inference: str) -> dict[str, float]:
    source, output = folder / "in.jsonl", folder / "out.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "riskwatch"]
    if config:
        command += ["--config", str(config)]
    command += ["tag", "--input", str(source), "--output", str(output), "--inference", inference]
    started = time.perf_counter()
    done = subprocess.run([*MEASURED, *command], capture_output=True, text=True, cwd=folder, check=False)
    seconds = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])  # the wrapper's last line: its child's max RSS
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    tagged = json.loads(output.read_text(encoding="utf-8"))
    cut = tagged.get("extra", {}).get("truncated", {}).get("content")
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_kb / 1024),
        "kept_chars": len(tagged["content"]),
        "original_chars": cut["original_chars"] if cut else len(tagged["content"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,5,50", help="MB per document, comma-separated")
    parser.add_argument("--inference", default="onnx-int8")
    parser.add_argument("--max-content-chars", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = None
        if args.max_content_chars:
            config = folder / "riskwatch.yaml"
            config.write_text(f"max_content_chars: {args.max_content_chars}\n", encoding="utf-8")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        baseline = run_tag(document_line(0.001), folder, config, args.inference)
        print(json.dumps({"size_mb": 0.001, **baseline}))
        for size in (float(s) for s in args.sizes.split(",")):
            figures = run_tag(document_line(size), folder, config, args.inference)
            ratio = round(figures["seconds"] / baseline["seconds"], 2)
            print(json.dumps({"size_mb": size, **figures, "time_vs_1kb": ratio}), flush=True)


if __name__ == "__main__":
    main()
