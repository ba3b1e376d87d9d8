"""Organisation names beside the NER head: names the text marks with a ticker, companies announcing, the
gazetteer of training names, and how they merge with the head's spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.gazetteer_fit import jieba_tags, training_org_names
from nlp.org_names import (
    ORG_NAMES_FILE,
    OrgGazetteer,
    announcer_spans,
    cleaned,
    headline_subject_spans,
    latin_spans,
    listed_spans,
    merged_spans,
    price_move_spans,
    source_spans,
    ticker_spans,
    trimmed,
    well_known_spans,
)


def _names(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("乐山电力(600644)部分银行账户存款被冻结", ["乐山电力"]),
        ("原标题：中国环保能源(00986.HK)全年亏损收窄", ["中国环保能源"]),
        ("每经AI快讯，和佳医疗（SZ 300273，收盘价：7.55元）", ["和佳医疗"]),
        ("Benchmark：首予爱奇艺(IQ.O)持有评级", ["爱奇艺"]),
        # headlines run together: the name is cut to the words at its end
        ("澄清不实传闻酒鬼酒(000799)Q1业绩重挫", ["酒鬼酒"]),
        ("国美否认股权出售传闻城投控股(600649)减持", ["城投控股"]),
        ("美联储宣布维持利率不变", []),
    ],
)
def test_ticker_spans(text: str, names: list[str]) -> None:
    assert _names(text, ticker_spans(text)) == names


def test_announcer_spans_skip_words_that_are_not_names() -> None:
    text = "华阳国际公告，中标深圳项目。截至本公告日，公司累计回购"
    assert _names(text, announcer_spans(text)) == ["华阳国际"]
    # an adverb before 公告 is no part of the name, and a shareholder is a role (the demo forum's post)
    text = "前脚公司回购，后脚创投股东就公告减持。星海新能源亦公告，平煤股份也公告"
    assert _names(text, announcer_spans(text)) == ["星海新能源", "平煤股份"]
    # 在 before 公告 is no part of the name either; who reads announcements makes none
    text = "鸿远地产在公告中提出展期，良品计划也在公告中表示。投资者在阅读公告时，请关注平台公告。"
    assert _names(text, announcer_spans(text)) == ["鸿远地产", "良品计划"]
    # a time before 公告 is no name, and a company announcing 日前 keeps only its name
    text = "中午公告出来直接傻眼。公司日前公告称中标，星海新能源日前公告"
    assert _names(text, announcer_spans(text)) == ["星海新能源"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("【中金辐照：2021年度净利润预增34%-60%】中金辐照公告", ["中金辐照"]),
        ("辉瑞：计划通过mRNA加快新冠疫苗研发。", ["辉瑞"]),
        ("Benchmark：首予爱奇艺持有评级", ["Benchmark"]),
        # a person, a title, a column or a place before the colon is not an organisation
        ("美国总统拜登：将继续推动基建法案", []),
        ("法国卫生部长：每一秒钟就有两名法国人检测呈阳性", []),
        ("市场消息：亚马逊准备推出法案", []),
        ("河南郑州：非生活必需场所一律暂时关闭", []),
        ("编者按：本文来自微信公众号", []),
        ("政策解读：上市公司信息披露新规明确哪些变化", []),  # a column (the demo's news site)
        ("金融观察：如何看待债券展期与违约的区别", []),
        ("观察者网：某公司发布新品", ["观察者网"]),  # 观察 ends a column's name only
        ("时间 10:30 开盘", []),
    ],
)
def test_headline_subject_spans(text: str, names: list[str]) -> None:
    assert _names(text, headline_subject_spans(text)) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "港股汽车股走高，小鹏汽车涨超9%，吉利汽车、比亚迪股份涨近3%。",
            ["小鹏汽车", "吉利汽车", "比亚迪股份"],
        ),
        ("恒生科技指数盘初涨1%，快手涨3.33%，腾讯控股涨1.23%。", ["快手", "腾讯控股"]),
        ("Peloton涨27.4%，泰森食品涨8.3%", ["Peloton", "泰森食品"]),
        ("熊猫乳品高开5.52%，美股叮咚买菜盘中涨超40%，拼多多也跌2%", ["熊猫乳品", "叮咚买菜", "拼多多"]),
        # indices, futures, commodities, figures, sectors and time words move too; none is a company
        ("布伦特原油期货现涨1.62%，沪镍跌3%，焦煤涨超5%，上证综指午盘跌0.5%", []),
        ("公司净利润同比下跌12%，今年以来该股累计涨30%，汽车股涨2%", []),
        ("芯片股Riot Blockchain涨12%", []),  # the end of a longer Latin name is the head's to find
        ("拼多多和京东均涨超3%，亿和控股跌2.2%，英伟达则跌1%", ["拼多多", "京东", "亿和控股", "英伟达"]),
    ],
)
def test_price_move_spans(text: str, names: list[str]) -> None:
    assert _names(text, price_move_spans(text)) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("据航运咨询机构Seabridge近日发布的数据，运力排名易主", ["Seabridge"]),  # before and after
        ("公司与Northwind签署三年供货协议", ["Northwind"]),
        ("印度独角兽Fabrikam正在与主权基金谈判", ["Fabrikam"]),
        ("荷兰Contoso公司持有30%股份", ["Contoso公司"]),  # the suffix is part of the name
        ("此前LG集团会长表示", ["LG集团"]),
        ("Tailspin：一季度营收增长12%", ["Tailspin"]),  # a headline's subject
        ("特斯拉与金属公司Acme Metals Corp.签署了镍供应协议", ["Acme Metals Corp."]),
        ("IMF表示全球经济增速放缓", ["IMF"]),
        # acronyms, indexes, things, titles, letters with a number and people are not organisations
        ("韩国KOSPI指数跌1%，CEO表示将扩产，IPO发行提速", []),
        ("Q4业绩好于预期，War3也没怎么打了", []),
        ("采用DBR技术的运用，Model 3销量大涨", []),
        ("《Northwind》宣布上线，游戏制作人JohnSmith表示", []),
        ("iPhone销量大涨，它在AppStore和GooglePlay上架", []),
    ],
)
def test_latin_spans(text: str, names: list[str]) -> None:
    assert _names(text, latin_spans(text)) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("全年运力同比增长13%。（证券时报）", ["证券时报"]),
        ("公司回应称经营正常。” (澎湃)\n", ["澎湃"]),
        # bylines, notes and brackets inside the text are no source
        ("全年运力同比增长13%。（完）", []),
        ("全年运力同比增长13%。（记者 王磊）", []),
        ("全年运力同比增长13%。（图文综合）", []),
        ("据证券时报（电子版）报道，运力增长", []),
    ],
)
def test_source_spans(text: str, names: list[str]) -> None:
    assert _names(text, source_spans(text)) == names


def test_an_abbreviation_in_brackets_after_a_name_is_its_other_name() -> None:
    text = "日本国际石油开发公司（INPEX）宣布，INPEX将扩产。特斯拉(TSLA.O)跟进"  # a ticker is no abbreviation
    head = [(0, text.index("（")), (text.index("特斯拉"), text.index("特斯拉") + 3)]
    assert _names(text, merged_spans(text, head, None)) == [
        "日本国际石油开发公司",
        "INPEX",
        "INPEX",
        "特斯拉",
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("高盛和穆迪均下调了评级，顺丰回应称", ["高盛", "穆迪", "顺丰"]),
        ("商汤科技在港上市，国美零售发布公告", ["商汤科技", "国美零售"]),  # the full name goes on
        # a place, a building, a person, a model, or a longer word that holds the name: not the company
        ("西藏阿里地区，海天码头，外长海尔·沃尔丹塞，波音737，空客<N>", []),
        ("中信证券发布研报", ["中信证券"]),  # jieba reads it as one word: the full name, not 中信
    ],
)
def test_well_known_spans(text: str, names: list[str]) -> None:
    assert _names(text, well_known_spans(text)) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("保税科技、南京新百、天康生物等5家公司也在中报披露", ["保税科技", "南京新百", "天康生物"]),
        ("将矛头直指伊利、圣元、安利等企业。", ["伊利", "圣元", "安利"]),  # the words before the list go
        ("中国国航、南方航空和春秋航空等航空公司", ["中国国航", "南方航空", "春秋航空"]),
        ("有研新材、如意集团等公司", ["有研新材", "如意集团"]),  # a name that begins like 有 or 如 keeps it
        # lists the text does not close as companies
        ("北京、上海、广州等城市", []),
        ("上海等地的渣打银行", []),
        ("培训、就业等配套机构", []),
    ],
)
def test_listed_spans(text: str, names: list[str]) -> None:
    assert _names(text, listed_spans(text)) == names


def test_latin_names_are_marked_wherever_the_text_repeats_them() -> None:
    text = "航运咨询机构Seabridge近日发布报告。据Seabridge统计，Northwind的运力第一"
    assert _names(text, merged_spans(text, [], None)) == ["Seabridge", "Seabridge"]


@pytest.mark.parametrize(
    ("text", "span", "name"),
    [
        ("二股东金保利半月疯狂套现", "二股东金保利", "金保利"),
        ("<N>日宏源证券长沙韶山北路营业部买入", "日宏源证券长沙韶山北路营业部", "宏源证券长沙韶山北路营业部"),
        ("中联重科收购了意大利CIFA公司", "意大利CIFA公司", "CIFA公司"),
        ("在亚盛集团，公司控股股东农垦集团表示", "公司控股股东农垦集团", "农垦集团"),
        ("印度国防部长辛格检测呈阳性", "印度国防部", None),  # the 部 of a minister's title
        (
            "财经快讯网讯 鸿远地产公告称",
            "快讯网讯",
            None,
        ),  # a dateline names the outlet, not the news's subject
        ("日本航空宣布增资", "日本航空", "日本航空"),  # 日 starts a name where no date is before it
        ("美国银行宣布回购", "美国银行", "美国银行"),  # a country is cut only before a Latin name
        # time words around a span are no part of a name; a time word alone is none
        ("前三季度公司营收增长", "前三季度公司", "公司"),
        ("星海新能源日前公告", "星海新能源日前", "星海新能源"),
        ("明天中午开盘就知道了", "中午", None),
    ],
)
def test_cleaned_head_spans(text: str, span: str, name: str | None) -> None:
    start = text.index(span)
    result = cleaned(text, start, start + len(span))
    assert (text[slice(*result)] if result else None) == name


def test_trimmed_cuts_head_spans_at_punctuation() -> None:
    text = "【乐通股份：继续推进重组事项】沃尔核材：控股子公司"
    assert text[slice(*trimmed(text, 0, 5))] == "乐通股份"
    start = text.index("沃尔核材")
    assert text[slice(*trimmed(text, start, len(text)))] == "控股子公司"  # the longer piece
    assert trimmed(text, 0, 1) is None


def test_merged_spans_prefer_known_names_unless_the_head_extends_them(tmp_path: Path) -> None:
    gazetteer = OrgGazetteer(["中信证券", "农垦集团", "子公", "俄"])  # too short to be matched alone
    assert gazetteer.names == ["中信证券", "农垦集团"]
    text = "中信证券深圳新闻路营业部买入，公司控股股东农垦集团表示"
    head = [(0, 12), (text.index("公司"), text.index("表示"))]
    assert _names(text, merged_spans(text, head, gazetteer)) == ["中信证券深圳新闻路营业部", "农垦集团"]
    # a head span that overlaps no known name stays; without a gazetteer only the marked names are added
    other = "青岛仁和融兴投资有限公司涉嫌非法吸收公众存款"
    assert _names(other, merged_spans(other, [(0, 12)], None)) == ["青岛仁和融兴投资有限公司"]
    # a name the text marks ends where the mark says: the head does not carry it on into the price move or
    # past the ticker, though the same head span would extend a known name
    moves = "Peloton涨27.4%，特斯拉(TSLA.O)与金属公司签约"
    head = [(0, 8), (moves.index("特斯拉"), moves.index("签约"))]
    assert _names(moves, merged_spans(moves, head, None)) == ["Peloton", "特斯拉"]
    known = OrgGazetteer(["泰森食品"])
    assert _names("泰森食品涨势", merged_spans("泰森食品涨势", [(0, 5)], known)) == ["泰森食品涨"]
    # a Latin name before its move is marked too (latin_spans), so it ends there even when it is known
    known = OrgGazetteer(["Peloton"])
    assert _names("Peloton涨势", merged_spans("Peloton涨势", [(0, 8)], known)) == ["Peloton"]
    gazetteer.save(tmp_path)
    assert (tmp_path / ORG_NAMES_FILE).is_file()
    loaded = OrgGazetteer.load(tmp_path)
    assert loaded is not None and loaded.names == gazetteer.names
    assert OrgGazetteer.load(tmp_path / "missing") is None


def test_merged_spans_keep_the_longer_name_people_defined_names_and_no_index() -> None:
    # a head span that holds a known name whole is the longer name (a place before a 国资委, a full name)
    gazetteer = OrgGazetteer(["国资委", "惠泉啤酒"])
    text = "衡阳市国资委与福建省燕京惠泉啤酒股份有限公司签约"
    head = [(0, 6), (text.index("福建"), text.index("签约"))]
    assert _names(text, merged_spans(text, head, gazetteer)) == [
        "衡阳市国资委",
        "福建省燕京惠泉啤酒股份有限公司",
    ]
    # a name the text marks (a headline's subject) is a person's where the head reads a person there
    profile = "杨成森先生：大学本科，高级经济师。"
    assert _names(profile, merged_spans(profile, [], None)) == ["杨成森先生"]
    assert merged_spans(profile, [], None, people=[(0, 3)]) == []
    # the short name a text defines after a name is a name, wherever it comes again
    defined = "星海新能源股份有限公司（以下简称“星海能源”）公告，星海能源拟回购股份"
    names = _names(defined, merged_spans(defined, [(0, 11)], None))
    assert names == ["星海新能源股份有限公司", "星海能源", "星海能源"]
    assert (
        _names("星海能源（简称“星海”）", merged_spans("星海能源（简称“星海”）", [], None)) == []
    )  # nothing named before
    # a name followed by 指数 or 期货 is an index or a contract named after it
    index = "恒生科技指数跌超1%，快手涨3.33%"
    assert _names(index, merged_spans(index, [(0, 4)], None)) == ["快手"]
    # a market, an index or a flow of money, alone or with its move, is no organisation; a name beginning
    # with one is left alone
    market = "沪指小涨，北向资金净流入，沪股通成交活跃，港股通标的宁德时代走强"
    head = [
        (0, 4),
        (market.index("北向"), market.index("北向") + 4),
        (market.index("沪股通"), market.index("沪股通") + 3),
    ]
    head.append((market.index("宁德时代"), market.index("宁德时代") + 4))
    assert _names(market, merged_spans(market, head, None)) == ["宁德时代"]
    assert _names("港股通宝公司", merged_spans("港股通宝公司", [(0, 6)], None)) == ["港股通宝公司"]


def test_known_names_end_where_a_word_ends() -> None:
    gazetteer = OrgGazetteer(["信用卡贷", "招商银行"])
    text = "招商银行推出信用卡贷款产品"
    assert _names(text, gazetteer.spans(text)) == ["招商银行"]  # not 信用卡贷 inside 信用卡贷款
    assert _names("信用卡贷，招商银行", gazetteer.spans("信用卡贷，招商银行")) == ["信用卡贷", "招商银行"]


def test_gazetteer_matches_normalised_text_longest_first() -> None:
    gazetteer = OrgGazetteer(["中国银行", "中国银行业协会", "ABC控股"])
    text = "中国银行业协会称，ＡＢＣ控股与中国银行签约"
    assert _names(text, gazetteer.spans(text)) == ["中国银行业协会", "ＡＢＣ控股", "中国银行"]


def test_training_names_leave_out_common_words_and_places(shared_data: Path) -> None:
    tags = jieba_tags()
    assert tags["子公司"] == "n" and tags["俄罗斯"] == "ns"
    names = set(training_org_names(shared_data))
    assert len(names) > 5000
    assert not names & {"子公司", "总经理", "俄罗斯", "信用卡"}
    assert {"中信证券", "招商银行"} <= names


@pytest.mark.parametrize(
    ("name", "authority"),
    [
        ("证监会", True),
        ("上海证监局", True),
        ("北京市第一中级人民法院", True),
        ("中国人民银行", True),
        ("深交所", True),
        ("明川科技股份有限公司", False),
        ("交通银行", False),
        ("中信证券", False),
        ("法院路支行", False),
        ("FCoin交易所", False),  # a crypto exchange that fails is a company
        ("上海证券交易所", True),
    ],
)
def test_authorities_are_told_by_how_their_name_ends(name: str, authority: bool) -> None:
    from nlp.org_names import is_authority

    assert is_authority(name) is authority
