"""Reprint detection: one story republished with other boilerplate joins the first copy's cluster."""

from __future__ import annotations

import pytest

from crawlers.reprints import (
    NUM_PERM,
    ReprintIndex,
    content_sha256,
    from_bytes,
    minhash,
    normalise_text,
    to_bytes,
)

THRESHOLD = 0.7

STORY = (
    "瑞丰农牧股份有限公司9月2日午间发布公告称，截至公告日，公司及下属子公司在多家银行的借款出现逾期，"
    "逾期本金合计约9.26亿元，占公司最近一期经审计净资产的31.5%。公告显示，逾期借款涉及国有大型银行、"
    "股份制银行及地方农商银行共计十一家机构，其中单笔金额最大的一笔为2.1亿元的流动资金贷款。"
    "瑞丰农牧表示，逾期主要原因是生猪价格持续低位运行，公司养殖业务连续多个季度亏损，经营性现金流入减少，"
    "加之部分到期贷款未能如期续贷，导致资金周转出现困难。公司正在积极与相关债权银行沟通协商，"
    "争取通过展期、借新还旧等方式妥善化解债务风险，同时将加快处置部分非核心资产回笼资金。"
    "截至目前，公司生产经营活动总体正常，各养殖基地存栏稳定，饲料供应未受明显影响。"
    "值得注意的是，公司控股股东所持股份中，已有超过九成处于质押状态，若股价继续下跌，存在被强制平仓的风险。"
    "分析人士指出，养殖行业周期性明显，企业在猪价高位时大举扩张产能、依赖银行借款，一旦行业进入下行周期，"
    "高杠杆经营的风险便会集中暴露。投资者应密切关注公司后续债务重组进展及可能涉及的诉讼事项。"
)
ORIGINAL = "来源：财经日报\n" + STORY + "\n（责任编辑：王明）"
REPRINT = (
    "本文转载自证券时报网，如有侵权请联系删除。\n"
    + STORY.replace("。公告显示", "；公告显示", 1)
    + "\n更多精彩内容请下载客户端"
)
# Same company, same weeks, different story: must not be taken for a reprint.
UNRELATED = (
    "瑞丰农牧股份有限公司今日在投资者互动平台回复称，公司新建的现代化生猪养殖基地已于八月底正式投产，"
    "设计年出栏能力为六十万头，采用楼房养殖模式和智能化环控系统，每头猪的养殖成本较传统模式下降约一成。"
    "公司表示，新基地投产后将进一步提升公司在华南地区的市场份额，并带动当地饲料、屠宰和冷链物流等配套产业发展。"
    "此外，公司正在推进与多所农业高校的育种合作项目，计划三年内培育出适合南方湿热气候的优良种猪品系，"
    "以降低对进口种猪的依赖。公司董事会秘书在回复中还提到，公司高度重视投资者回报，未来将综合考虑经营状况与现金流水平，"
    "制定合理的分红方案。对于近期市场关注的环保问题，公司称各养殖基地均已配套建设粪污处理设施，排放指标符合国家标准。"
)


def test_fixture_texts_are_what_the_tests_claim() -> None:
    """The story is long, and the reprint really differs from the original in its edges and punctuation."""
    assert len(STORY) >= 300
    assert REPRINT != ORIGINAL
    assert REPRINT.splitlines()[0] != ORIGINAL.splitlines()[0]
    assert REPRINT.splitlines()[-1] != ORIGINAL.splitlines()[-1]
    assert "；公告显示" in REPRINT and "；公告显示" not in ORIGINAL
    assert content_sha256(REPRINT) != content_sha256(ORIGINAL)


def test_reprint_joins_the_original_cluster() -> None:
    """A reprint with other boilerplate lines and a punctuation change joins the original's cluster."""
    index = ReprintIndex(THRESHOLD)
    original = minhash(ORIGINAL)
    assert index.assign("doc-a", original) == ("doc-a", 0.0)
    index.add("doc-a", "doc-a", original)
    cluster, similarity = index.assign("doc-b", minhash(REPRINT))
    assert cluster == "doc-a"
    assert THRESHOLD <= similarity <= 1.0


def test_unrelated_story_about_same_company_starts_its_own_cluster() -> None:
    """Another story naming the same company is not a reprint: it gets its own id and score 0."""
    index = ReprintIndex(THRESHOLD)
    index.add("doc-a", "doc-a", minhash(ORIGINAL))
    index.add("doc-b", "doc-a", minhash(REPRINT))
    assert index.assign("doc-c", minhash(UNRELATED)) == ("doc-c", 0.0)
    assert minhash(UNRELATED).jaccard(minhash(ORIGINAL)) < THRESHOLD


def test_reprint_of_a_reprint_joins_the_first_cluster() -> None:
    """The cluster id is the first document's, even when the closest match is a later member."""
    index = ReprintIndex(THRESHOLD)
    index.add("doc-a", "doc-a", minhash(ORIGINAL))
    index.add("doc-b", "doc-a", minhash(REPRINT))
    third = "转自网易财经\n" + STORY + "\n本文不构成投资建议"
    cluster, similarity = index.assign("doc-c", minhash(third))
    assert cluster == "doc-a"
    assert similarity >= THRESHOLD


def test_add_is_idempotent() -> None:
    """Adding the same id twice keeps one entry and its first cluster."""
    index = ReprintIndex(THRESHOLD)
    index.add("doc-a", "doc-a", minhash(ORIGINAL))
    index.add("doc-a", "other", minhash(ORIGINAL))
    assert len(index) == 1
    assert index.assign("doc-b", minhash(REPRINT))[0] == "doc-a"


def test_document_does_not_match_itself() -> None:
    """Assigning an id already in the index does not report it as its own reprint."""
    index = ReprintIndex(THRESHOLD)
    signature = minhash(ORIGINAL)
    index.add("doc-a", "doc-a", signature)
    assert index.assign("doc-a", signature) == ("doc-a", 0.0)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("瑞丰农牧，借款逾期。 公司 表示", "瑞丰农牧,借款逾期.公司表示"),
        ("瑞丰农牧借款逾期！\n\n涉及金额超９亿元", "瑞丰农牧借款逾期! 涉及金额超9亿元"),
        ("ＡＢＣ银行（１２３）", "abc银行(123)"),
        ("  瑞丰农牧\t借款逾期  ", "瑞丰农牧借款逾期"),
    ],
)
def test_content_sha256_ignores_whitespace_and_punctuation_width(one: str, other: str) -> None:
    """Texts differing only in whitespace, punctuation or full/half width hash the same."""
    assert content_sha256(one) == content_sha256(other)
    assert len(content_sha256(one)) == 64


def test_content_sha256_differs_for_different_words() -> None:
    """A changed word (amount) changes the content hash."""
    assert content_sha256("涉及金额超9亿元") != content_sha256("涉及金额超8亿元")


def test_normalise_text() -> None:
    """NFKC folds full-width forms, case is lowered, whitespace and punctuation go."""
    assert normalise_text("ＡＢＣ１２３，！ Bank 银行。") == "abc123bank银行"


def test_signature_bytes_round_trip_keeps_jaccard() -> None:
    """to_bytes/from_bytes (as stored in the state db) keep the signature and its similarities."""
    original, reprint = minhash(ORIGINAL), minhash(REPRINT)
    blob = to_bytes(original)
    assert isinstance(blob, bytes) and len(blob) == NUM_PERM * 8
    restored = from_bytes(blob)
    assert restored.jaccard(reprint) == original.jaccard(reprint)
    assert restored.jaccard(original) == 1.0
    assert to_bytes(restored) == blob


def test_restored_signatures_cluster_like_fresh_ones() -> None:
    """An index rebuilt from stored bytes (a later run) still puts the reprint in the first cluster."""
    index = ReprintIndex(THRESHOLD)
    index.add("doc-a", "doc-a", from_bytes(to_bytes(minhash(ORIGINAL))))
    cluster, similarity = index.assign("doc-b", minhash(REPRINT))
    assert cluster == "doc-a" and similarity >= THRESHOLD
