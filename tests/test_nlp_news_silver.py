"""Silver-labelled company news: the rules read direction from one company's own headline, and what they
read never includes a held-out line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlp.news_silver import counts, earnings_direction, read_rule, rule_fires, silver_news


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("凯立新材：2021年净利同比预增47%-61%", ("earnings", "凯立新材", False)),
        ("【捷成股份：预计2021年净利4.5亿-4.9亿元 同比扭亏】捷成股份公告…", ("earnings", "捷成股份", False)),
        ("联发股份：预计2021年度净利润同比下降57.50%-68.13%", ("earnings", "联发股份", True)),
        ("中科金财公告，预计2021年归母净利亏损5402万元-8103万元，同比转亏。", ("earnings", "中科金财", True)),
        ("某某科技：营收同比增长20%，净利润同比下降30%", ("earnings", "某某科技", True)),  # profit decides
        ("贝达药业：2021年净利同比预降29.09%-37.33%", ("earnings", "贝达药业", True)),
        ("万业企业(600641)终止重组 浦东科投受让2亿股", ("cancelled", "万业企业", True)),
        ("【佳云科技：终止定增事项并撤回申请文件】佳云科技公告", ("cancelled", "佳云科技", True)),
        ("融创服务公告，终止收购第一服务控股。", ("cancelled", "融创服务", True)),
        ("高盛：将西南航空(LUV.N)目标价从36美元下调至32美元。", ("analyst", "西南航空", True)),
        (
            "野村：将招商银行(03968.HK)目标价从82.2港元上调至86.33港元 维持买入评级",
            ("analyst", "招商银行", False),
        ),
    ],
)
def test_rules_read_direction(text: str, expected: tuple[str, str, bool]) -> None:
    assert read_rule(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "截至1月25日晚间，至少已有26家券商预告了2021年度业绩，其中仅有5家净利润同比下降",  # a round-up
        "众生药业：预计2021年盈利3.3亿元-3.9亿元，上年同期亏损4.26亿元",  # last year's loss is not news
        "某某科技：2021年亏损收窄至1亿元",  # mixed wording
        "某某科技：一季度净利润同比增长20%，二季度净利润同比下降30%",  # both directions
        "将俄罗斯债信评级下调至垃圾级",  # a country, not a company
        "两市成交额突破万亿元",  # no rule at all
        "某某股份：终止减持计划",  # calling off a reduction in holdings is not bad news
        "聚酯迫在眉睫的终止上市危机得以化解",  # no company before the 终止
    ],
)
def test_rules_skip_what_they_cannot_read(text: str) -> None:
    assert not rule_fires(text)


def test_earnings_direction_reads_the_nearer_word() -> None:
    assert earnings_direction("某某股份：2021年净利润增长50%") is False
    assert earnings_direction("某某股份：2021年净利润预减50%") is True
    assert earnings_direction("某某股份召开股东大会") is None


def _shared(root: Path, fincuge: list[str], unlabelled: list[str], finqa: list[str]) -> Path:
    (root / "corpus").mkdir(parents=True)
    (root / "corpus/fincuge_news.txt").write_text("\n".join(fincuge), encoding="utf-8")
    (root / "corpus/finance_unlabelled.txt").write_text("\n".join(unlabelled), encoding="utf-8")
    (root / "company_news").mkdir()
    with (root / "company_news/finqa_events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "event_types", "subjects"])
        writer.writerows([[f"q{i}", text, "", ""] for i, text in enumerate(finqa)])
    return root


def test_silver_news_keeps_held_out_lines_out(tmp_path: Path) -> None:
    fincuge = [
        "甲乙科技：2021年净利同比预增40%-60%",  # kept
        "丙丁股份：2021年净利同比预增10%-20%",  # hand-labelled (referenced below): out
        "丙丁股份：2021年净利同比预增10%-20%（重复）",  # begins like the hand-labelled line: out
        "丙丁股份：2021年净利同比预增，另一种说法",  # its first 12 characters too (the same story retold): out
        "戊己电器：2021年净利同比预减30%-50%",  # a FinQA text: out
        "庚辛药业：2021年净利同比预增5%-9% 来源：格隆汇",  # credits the held-out site: out
        "甲乙科技：2021年净利同比预增40%-60%",  # the same line again: once
    ]
    unlabelled = ["壬癸银行公告，预计2021年净利润同比下降12%"]
    root = _shared(tmp_path, fincuge, unlabelled, finqa=["戊己电器：2021年净利同比预减30%-50%，公司称…"])
    items = silver_news(root, exclude={("corpus/fincuge_news.txt", 2)})
    assert [(i.company, i.negative, i.reference) for i in items] == [
        ("甲乙科技", False, "corpus/fincuge_news.txt:1"),
        ("壬癸银行", True, "corpus/finance_unlabelled.txt:1"),
    ]
    assert counts(items) == {"earnings.bad": 1, "earnings.good": 1}
    assert len(silver_news(root, per_rule=0)) == 0  # the cap applies per rule and polarity


def test_silver_news_names_a_missing_corpus_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"fincuge_news\.txt"):
        silver_news(tmp_path)
