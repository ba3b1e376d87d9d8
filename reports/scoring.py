"""The exposure-weighted risk score: what is at stake times how bad the news is.

    signal       = negative stories + Σ event documents × event weight + Σ alerts × severity weight
    news factor  = 1 − 0.5 ^ (signal / HALF_SIGNAL)                    (0 with no news, → 1 as news piles up)
    score        = 100 × exposure share × news factor                  (0 … 100)

The exposure share is the counterparty's exposure over the total of its currency pool (every parsed row of
the file, matched or not). Stories, not documents, so that one story reprinted on twenty sites counts once.
The news factor saturates so that a counterparty with a small exposure cannot outrank a large one by sheer
volume of news alone, and a large exposure with no negative news scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

HALF_SIGNAL = 5.0  # a signal of 5 gives a news factor of 0.5, 10 gives 0.75, 15 gives 0.875
DEFAULT_EVENT_WEIGHT = 1.0
SEVERE_EVENT_WEIGHT = 2.0
# Events that put repayment itself in doubt weigh double; every other risk-event type weighs 1.
SEVERE_EVENTS: frozenset[str] = frozenset(
    {
        "破产清算",
        "债务违约",
        "立案调查",
        "失信被执行",
        "股权冻结",
        "财务造假",
        "失联跑路",
        "提现困难",
        "涉嫌非法集资",
        "涉嫌欺诈",
        "涉嫌传销",
        "资金账户风险",
        "评级下调",
    }
)
ALERT_WEIGHTS: dict[str, float] = {"low": 0.5, "medium": 1.0, "high": 2.0, "critical": 3.0}


@dataclass(frozen=True)
class Score:
    signal: float
    news_factor: float
    score: float


def event_weight(event_type: str) -> float:
    return SEVERE_EVENT_WEIGHT if event_type in SEVERE_EVENTS else DEFAULT_EVENT_WEIGHT


def risk_score(
    exposure_share: float,
    negative_stories: int,
    events: Mapping[str, int],
    alerts_by_severity: Mapping[str, int],
) -> Score:
    """Deterministic: sums run over sorted keys, so equal inputs give bit-equal floats."""
    signal = float(negative_stories)
    signal += sum(event_weight(kind) * events[kind] for kind in sorted(events))
    signal += sum(ALERT_WEIGHTS.get(sev, 1.0) * alerts_by_severity[sev] for sev in sorted(alerts_by_severity))
    news_factor = 1.0 - 0.5 ** (signal / HALF_SIGNAL)
    return Score(signal=signal, news_factor=news_factor, score=100.0 * exposure_share * news_factor)


def method_lines() -> list[tuple[str, str]]:
    """The formula and its weights, as (Chinese, English) lines for the workbook and the PDF."""
    severe = "、".join(sorted(SEVERE_EVENTS))
    alerts = ", ".join(f"{name} {weight:g}" for name, weight in ALERT_WEIGHTS.items())
    return [
        (
            "风险评分 = 100 × 敞口占比 × 舆情系数",
            "score = 100 × exposure share × news factor (0 to 100)",
        ),
        (
            "敞口占比 = 该交易对手敞口 ÷ 同币种池全部敞口（文件中所有有效行，含未匹配的）",
            "exposure share = the counterparty's exposure ÷ the total of its currency pool (every parsed row of "
            "the file, matched or not)",
        ),
        (
            f"舆情系数 = 1 − 0.5^(信号 ÷ {HALF_SIGNAL:g})：无负面舆情为 0，信号为 {HALF_SIGNAL:g} 时为 0.5，越多越接近 1",
            f"news factor = 1 − 0.5^(signal ÷ {HALF_SIGNAL:g}): 0 with no negative news, 0.5 at a signal of "
            f"{HALF_SIGNAL:g}, approaching 1",
        ),
        (
            "信号 = 负面报道（去重后的事件簇数）+ Σ 风险事件文档数 × 事件权重 + Σ 期间告警数 × 级别权重",
            "signal = distinct negative stories + Σ risk-event documents × event weight + Σ alerts raised in "
            "the period × severity weight",
        ),
        (
            f"事件权重：{severe} 为 {SEVERE_EVENT_WEIGHT:g}，其余为 {DEFAULT_EVENT_WEIGHT:g}",
            f"event weight: {SEVERE_EVENT_WEIGHT:g} for {severe}; {DEFAULT_EVENT_WEIGHT:g} for every other type",
        ),
        (f"告警级别权重：{alerts}", f"alert severity weight: {alerts}"),
        (
            "排序：评分降序，其次敞口占比降序，再按实体编号升序（结果可复现）",
            "ranking: score descending, then exposure share descending, then entity id (reproducible)",
        ),
    ]
