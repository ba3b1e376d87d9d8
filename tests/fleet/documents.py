"""Synthetic news documents for the tagging workers' tests and benchmark (~500 characters, two companies)."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from crawlers.items import SHANGHAI, Document

COMPANIES = ["鸿远地产", "明川科技", "安和食品", "星海新能源"]
SENTENCES = [
    "{a}今日公告称，公司未能按期兑付债券利息，拟与持有人协商展期方案。",
    "{b}表示，公司经营情况正常，前三季度营业收入同比增长12%。",
    "市场人士认为，{a}短期流动性压力较大，后续仍需关注其资产处置进展。",
    "据了解，{a}多个项目出现停工，部分供应商反映货款拖欠。",
    "分析师指出，{b}的风险敞口有限，对其资本充足率影响不大。",
]


def news(count: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    documents = []
    for number in range(count):
        a, b = rng.sample(COMPANIES, 2)
        text = ""
        while len(text) < 480:
            text += rng.choice(SENTENCES).format(a=a, b=b)
        url = f"https://news.example.com/{number}.html"
        documents.append(
            Document(
                id=hashlib.sha256(url.encode()).hexdigest()[:32],
                url=url,
                source="bench-news",
                kind="news",
                title=f"{a}债券展期进展 {number}",
                content=text[:500],
                crawled_at=start + timedelta(minutes=number),
                published_at=start + timedelta(minutes=number),
                raw_sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    return documents
