"""Label sets of the model's heads. Their order is part of a trained model: it is saved with the weights."""

from __future__ import annotations

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
NER_TYPES: tuple[str, ...] = ("ORG", "PER", "LOC")
NER_TAGS: tuple[str, ...] = ("O", *(f"{prefix}-{kind}" for kind in NER_TYPES for prefix in ("B", "I")))
# The 21 risk-event types of CCKS 2019 (events/train.csv), 其他 ("none of these") excluded.
EVENT_TYPES: tuple[str, ...] = (
    "信批违规",
    "实控人股东变更",
    "交易违规",
    "不能履职",
    "涉嫌非法集资",
    "重组失败",
    "评级调整",
    "业绩下滑",
    "财务造假",
    "涉嫌违法",
    "涉嫌传销",
    "资金账户风险",
    "涉嫌欺诈",
    "高管负面",
    "资产负面",
    "投诉维权",
    "产品违规",
    "提现困难",
    "失联跑路",
    "歇业停业",
    "公司股市异常",
)
NO_EVENT = "其他"
IGNORE = -100
"""A target position or row that no loss reads (torch's default ignore_index)."""
