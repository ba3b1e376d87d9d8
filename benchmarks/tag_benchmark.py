"""Tagging throughput: documents per second with all heads, batched vs one document at a time, and peak
memory, in the same run.

    .venv/bin/python benchmarks/tag_benchmark.py --model nlp/models/riskwatch-zh-mini [--documents 2000] [--precisions bf16,fp32,onnx-int8] [--encoder-only]

Targets, on the 2-core CPU, for ~500-character documents with two targets each: ≥ 60 documents/s through
``riskwatch tag`` and peak memory ≤ 1.5 GB (issue 17; issue 3 asked 150 and 5× one at a time). Run it alone
on the machine. ``--write-documents FILE`` writes the same documents as JSON Lines and exits, for timing
the command itself: ``time riskwatch tag --input FILE --output /tmp/out.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

import torch

from nlp.cpu_features import has_amx_bf16
from nlp.tagger import Tagger
from nlp.watchlist import load_watchlist

REPO = Path(__file__).resolve().parent.parent
COMPANIES = ["鸿远地产", "明川科技", "安和食品", "星海新能源", "江屿银行", "北辰证券", "东临保险", "小蜂出行"]
SENTENCES = [
    "{a}今日公告称，公司未能按期兑付债券利息，拟与持有人协商展期方案。",
    "{b}表示，公司经营情况正常，前三季度营业收入同比增长12%。",
    "市场人士认为，{a}短期流动性压力较大，后续仍需关注其资产处置进展。",
    "{b}作为主承销商，已启动风险处置预案，并与监管部门保持沟通。",
    "据了解，{a}多个项目出现停工，部分供应商反映货款拖欠。",
    "分析师指出，{b}的风险敞口有限，对其资本充足率影响不大。",
]


def documents(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    docs = []
    for number in range(count):
        a, b = rng.sample(COMPANIES, 2)
        text = ""
        while len(text) < 480:
            text += rng.choice(SENTENCES).format(a=a, b=b)
        docs.append({"id": str(number), "title": f"{a}债券展期", "content": text[:500], "targets": [a, b]})
    return docs


def rate(tagger: Tagger, docs: list[dict[str, object]], batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, len(docs), batch):
        tagger.tag(docs[first : first + batch])
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=REPO / "nlp" / "models" / "riskwatch-zh-mini")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--single", type=int, default=200, help="documents for the one-at-a-time rate")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument(
        "--precisions",
        default="fp32",
        help="comma-separated, measured one after the other in this process: fp32, bf16 (encoder and NER head "
        "in bfloat16: fast where the CPU has AMX), int8 (dynamic quantisation of the linear layers), onnx "
        "(ONNX Runtime), onnx-int8 (ONNX Runtime, int8 weights)",
    )
    parser.add_argument(
        "--encoder-only",
        action="store_true",
        help="also measure the first precision without the n-gram heads (what their blend costs)",
    )
    parser.add_argument("--write-documents", type=Path, metavar="FILE", help="write the documents and exit")
    args = parser.parse_args()
    torch.set_num_threads(2)
    docs = documents(args.documents)
    if args.write_documents:
        lines = (json.dumps(doc, ensure_ascii=False) for doc in docs)
        args.write_documents.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    results = []
    runs = [(precision, True) for precision in args.precisions.split(",")]
    if args.encoder_only:
        runs.append((runs[0][0], False))
    for precision, ngram in runs:
        tagger = Tagger.load(
            args.model,
            load_watchlist(REPO / "configs" / "watchlist.yaml"),
            batch_size=args.batch,
            int8=precision in ("int8", "onnx-int8"),
            onnx=precision.startswith("onnx"),
            bf16=precision == "bf16",
            ngram=ngram,
        )
        # warm-up: one full batch, so that the kernels for its shapes are prepared (once a process)
        tagger.tag(docs[: args.batch])
        single = rate(tagger, docs[: args.single], batch=1)
        batched = rate(tagger, docs, batch=args.batch)
        results.append(
            {
                "precision": precision if ngram else f"{precision}, encoder only",
                "documents": len(docs),
                "batched_docs_per_s": round(batched, 1),
                "single_docs_per_s": round(single, 1),
                "speedup": round(batched / single, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "threads": torch.get_num_threads(),
                "amx_bf16": has_amx_bf16(),
            }
        )
        print(json.dumps(results[-1]), flush=True)
    base = results[0]["batched_docs_per_s"]
    for result in results[1:]:
        print(
            f"{result['precision']} / {results[0]['precision']} batched: {result['batched_docs_per_s'] / base:.2f}"
        )


if __name__ == "__main__":
    main()
