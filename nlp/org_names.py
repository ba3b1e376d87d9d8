"""Organisation names beside the NER head: what finance text marks as a name, and names seen in training.

The NER head learnt organisations mostly with their suffixes (…股份有限公司, …银行) from CLUENER, MSRA and
resumes; in finance news a listed company is named by its short name (酒鬼酒, 全聚德), which it misses. Two
sources add such names, and both are plain data, no model:

- **what the text marks**: a name quoted with a ticker or a price (``新文化(300336.SZ)``,
  ``和佳医疗（SZ 300273``, ``中视金桥(00623)``, Sina's ``和佳医疗(7.550,-0.21,-2.71%)``), and a company that
  announces something at the start of a sentence (``华阳国际公告，…``);
- **a gazetteer** (:class:`OrgGazetteer`) of the organisation names in the training splits (the ORG spans of
  the NER corpora, the CCKS event subjects, the BDCI candidates, the companies of the real company news),
  saved in the model folder as ``org_names.txt`` (:data:`ORG_NAMES_FILE`), and widely known short names that
  the gazetteer's three-character minimum leaves out (:func:`well_known_spans`: 高盛, 穆迪, 顺丰).

What the text marks also covers Latin names that act like companies (:func:`latin_spans`: ``Alphaliner近日发布``),
the items of a list the text closes as companies (:func:`listed_spans`: ``伊利、圣元、安利等企业``) and the
outlet credited at an item's end (:func:`source_spans`: ``…。（证券时报）``).

:func:`merged_spans` puts them together with the head's spans: a marked or known name wins over a head span
it overlaps, unless the head's span holds it whole and goes on (贵州茅台 → 贵州茅台酒股份有限公司, 惠泉啤酒 →
福建省燕京惠泉啤酒股份有限公司, 国资委 → 衡阳市国资委); head spans are first trimmed of punctuation (【乐通股份 →
乐通股份). A short name the text defines after a name (``(以下简称“湖南元汇科技”)``) is a name too; a name
followed by 指数 or 期货 names an index or a contract (恒生科技指数), not an organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import ahocorasick
import rjieba

from nlp.text import COMPANY_SUFFIXES, has_cjk, normalise

ORG_NAMES_FILE = "org_names.txt"
MIN_NAME_LENGTH = 3
"""Shorter known names (平安, 中信) are parts of too many other words to be matched on their own."""

AUTHORITY = re.compile(
    r"(?:证监会|银保监会|银监会|保监会|金融监管总局|人民银行|人行|央行|国资委|发改委|市场监管总局|税务总局|外汇局|"
    r"证监局|银保监局|监管局|证券交易所|期货交易所|上交所|深交所|北交所|港交所|法院|检察院|公安局|公安|派出所|"
    r"财政部|商务部|工信部|国务院|[国中]?央?纪委|审计署|统计局|美联储|证券交易委员会|SEC)$"
)
"""Names of regulators, courts, police and government bodies: they act on a company (立案调查, 处罚, 判决),
they are never the subject of its risk event (:func:`is_authority`). Exchanges only as securities or futures
exchanges: a crypto or commodity "交易所" that fails is a company (FCoin交易所跑路)."""


def is_authority(name: str) -> bool:
    """Whether an organisation is a regulator, court, police or government body (``证监会``, ``上海证监局``,
    ``北京市第一中级人民法院``), by how its name ends."""
    return bool(AUTHORITY.search(name.strip()))


# Words the NER head may tag as ORG that name no particular organisation.
GENERIC_ORGANISATIONS = frozenset(
    [
        "公司",
        "本公司",
        "该公司",
        "我公司",
        "集团",
        "银行",
        "企业",
        "机构",
        "城市",
        "政府",
        "法院",
        "监管部门",
        "交易所",
        "上市公司",
        "券商",
        "平台",
        "董事会",
        "监事会",
        "股东大会",
        "子公司",
        "控股子公司",
        "全资子公司",
    ]
)

_NAME = r"((?:\*?ST)?[\u4e00-\u9fffA-Za-z]{2,12})"
TICKERED = (
    re.compile(_NAME + r"\(-?\d+\.\d{2,3},-?\d+\.\d{2,3},-?\d+\.\d{1,2}%\)"),  # Sina's price quote
    re.compile(_NAME + r"[(（]\s*(?:\d{4,6}[.-](?:SZ|SH|HK|sz|sh|hk)|\d{5}|\d{6}|[A-Z]{1,5}\.[NOA])\s*[)）]"),
    re.compile(_NAME + r"[（(]\s*(?:SZ|SH|HK)\s*\d{4,6}"),
)
ANNOUNCER = re.compile(
    r"(?:^|[】【。，\s：])([\u4e00-\u9fff]{2,8}?)(?:在港交所|午间)?(?:（[^）]*）|\([^)]*\))?"
    r"(?:\d{1,2}月\d{1,2}日)?(?:晚间|早间|晚)?(?:发布)?公告"
)
"""A company announcing (华阳国际公告，… / 平煤股份11月4日晚间公告)."""
_LEADING_NOISE = re.compile(
    r"^.*(?:原标题|快讯|公告|讯|丨|日|报道|消息|港股|美股|A股|获悉|显示|今日|早盘|午后|盘中|以下简称|简称|首予|减持|增持|收购)"
)
"""What a ticker capture may begin with that is not part of the name (…日丨新文化 → 新文化)."""
_NOT_A_NAME = re.compile(r"^(?:截至|于|根据|这|其|该|本|此|据|文|今|昨)")
_ADVERB_END = re.compile(r"[就也又还都才将已再均亦]?在?$")
"""An adverb or 在 between a name and 公告 (星海新能源亦公告, 鸿远地产在公告中, 良品计划也在公告中); what is left
may still be a role (创投股东就公告)."""
_READER = re.compile(r"阅读|查阅|浏览|关注|^(?:投资者|股民|记者|读者|网友)")
"""Who reads announcements rather than makes them (投资者在阅读公告时, 请关注平台公告)."""
_PUNCTUATION = re.compile(r"[\s【】\[\]：:，,。；;！!？?“”\"'、《》<>|/·—-]+")


def ticker_spans(text: str) -> list[tuple[int, int]]:
    """Names quoted with a ticker or a price, as ``[start, end)`` offsets. Where the name may run on from the
    words before it (headlines run together: 澄清不实传闻酒鬼酒(000799)), it is cut to the words at its end
    that make up to :data:`RUN_ON_NAME` characters (酒鬼酒)."""
    spans = []
    for pattern in TICKERED:
        for match in pattern.finditer(text):
            name = _LEADING_NOISE.sub("", match.group(1))
            end = match.end(1)
            start = end - len(name)
            bounded = start == 0 or not _NAME_CHAR.match(text[start - 1])
            if len(name) > RUN_ON_NAME and not (bounded and len(name) <= LONG_NAME):
                start = end - len(_name_at_end(name))
            if end - start >= 2:
                spans.append((start, end))
    return sorted(set(spans))


RUN_ON_NAME = 4
"""Characters a run-on ticker name is cut to, by whole words: most A-share short names have four."""
LONG_NAME = 6
"""A ticker name longer than :data:`RUN_ON_NAME` is kept whole up to this length where nothing runs into it
(原标题：中国环保能源(00986.HK))."""
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _name_at_end(run: str) -> str:
    words = _segmenter().cut(run, True)
    name = ""
    for word in reversed(words):
        if name and len(word) + len(name) > RUN_ON_NAME:
            break
        name = word + name
    return name


@lru_cache(maxsize=1)
def _segmenter() -> rjieba.Jieba:
    return rjieba.Jieba()


def announcer_spans(text: str) -> list[tuple[int, int]]:
    """Companies that announce something (华阳国际公告), as ``[start, end)`` offsets."""
    spans = []
    for match in ANNOUNCER.finditer(text):
        name, (start, end) = match.group(1), match.span(1)
        cut = _ADVERB_END.search(name)  # 星海新能源亦公告, 鸿远地产在公告中: the name is before the adverb
        if cut:
            name, end = name[: cut.start()], start + cut.start()
        when = _TIME_AT_END.search(name)  # 中午公告, 公司日前公告: a time, not a name
        if when:
            name, end = name[: when.start()], start + when.start()
        if (
            len(name) >= 2
            and not _NOT_A_NAME.match(name)
            and not name.endswith("股东")
            and not _READER.search(name)
            and name not in GENERIC_ORGANISATIONS
        ):
            spans.append((start, end))
    return spans


HEADLINE_SUBJECT = re.compile(r"(?:^|【)([\u4e00-\u9fffA-Za-z*][\u4e00-\u9fffA-Za-z0-9*]{1,9})[：:]")
"""Who a finance headline is about, before its colon (【中金辐照：2021年度净利润预增…, 辉瑞：计划…)."""
_NOT_A_SUBJECT = re.compile(
    r"部长|国务卿|总统|总理|主席|董事长|行长|总裁|经理|分析师|首席|发言人|CEO|专家|记者|编者|"
    r"回应|消息|分析|纪要|预测|表示|声明|^据|\d{4}|快讯|提示|公告|日报|晚报|报道|观点|数据|"
    r"今日|午评|早评|收评|盘前|盘后|早盘|午盘|异动|研报|点评|专题|视频|^图|图片|图表|图解|来源|"
    r"解读|观察$|聚焦|直击|述评|前瞻|综述|速递|周报|月报|盘点"
)
_PLACES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    "贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|美国|英国|法国|德国|日本|韩国|印度|俄罗斯|"
    "意大利|加拿大|澳大利亚|巴西|欧盟|欧洲|全球|中国|国内|海外"
)
_PLACE_ONLY = re.compile(rf"^(?:{_PLACES})+[\u4e00-\u9fff]{{0,3}}?(?:市|省|县|区|州)?$")
"""河南郑州, 陕西延安: a place before a headline's colon, not an organisation. (A two-character city after a
province, the usual dateline, is read as a place too.)"""


def headline_subject_spans(text: str) -> list[tuple[int, int]]:
    """The organisation a headline is about, before its colon, where the words there name no person, title,
    column or place (``辉瑞：``, ``【中金辐照：``; not ``美国总统拜登：``, ``市场消息：``, ``河南郑州：``)."""
    spans = []
    for match in HEADLINE_SUBJECT.finditer(text):
        name = match.group(1)
        if _NOT_A_SUBJECT.search(name) or (_PLACE_ONLY.match(name) and not name.endswith(COMPANY_SUFFIXES)):
            continue
        spans.append(match.span(1))
    return spans


PRICE_MOVE = re.compile(
    r"(?:^|(?<=[，,、；;。】\s：:]))(?:港股|美股|A股|中概股|概念股|成分股|个股方面|其中)?"
    r"((?:[\u4e00-\u9fff]{2,8}?|[A-Z][A-Za-z]{2,15})(?:、(?:[\u4e00-\u9fff]{2,8}?|[A-Z][A-Za-z]{2,15})){0,4})"
    r"(?:盘中|盘初|早盘|午后|尾盘|开盘|收盘|盘前|盘后|现|一度|股价)?"
    r"(?:(?:大|收|上|下|直线)?(?:涨|跌)(?:超|近|逾|约|停)?|高开|低开)\d+(?:\.\d+)?[%％]"
)
"""Names in a market report's list of price moves (快手涨3.33%，美团涨2.22%; 吉利汽车、比亚迪股份涨近3%;
熊猫乳品高开5.52%)."""
_NOT_A_MOVER = re.compile(
    r"指数|期货|板块|概念|行业|市场|价格|股价|价$|金价|油价|汇率|利率|收益率|国债|原油|黄金|白银|比特币|大盘|沪指|"
    r"深成指|创业板|科创|恒指|道指|纳指|标普|美元|人民币|欧元|日元|英镑|利润|营收|收入|销量|销售|成交|出口|进口|"
    r"同比|环比|净值|份额|均价|CPI|PPI|GDP|(?<!控)股$|ETF|基金$|债$|^个股|^其中|^今年|^全年|^年内|^本周|^本月|"
    r"^昨日|^今日|^截至|^累计|^最高|^最低|^盘中|^早盘|^午后|^尾盘|日内|盘后|夜盘|日图|周线|目前|较|累|最多|主力|"
    r"^(?:沪|伦|美|LME|COMEX)?(?:铜|铝|锌|镍|锡|铅|金|银)$|^(?:沪|伦)|焦煤|焦炭|纯碱|玻璃|塑料|燃油|螺纹|铁矿|生猪|"
    r"甲醇|动力煤|热卷|棉花|白糖|豆粕|豆油|菜粕|菜油|棕榈|橡胶|沥青|鸡蛋|玉米|尿素|纸浆|乙二醇|苯乙烯|硅铁|锰硅|"
    r"不锈钢|天然气|PTA|LPG|PVC|成指|创指|板指|综指|股指|科指|恒生|日经|富时|欧元区|交易日|个月|暗盘|淀粉|纤板|"
    r"^豆|^郑|分别|盘初|开盘|母公司|^电力$|以来|恢复交易|保费|多家|停牌|^现|^控股$|^一度$|^继续$|^[A-Z]{2,5}$"
)
"""What a price move is reported of that is not a company (恒生科技指数, 布伦特原油期货, 沪镍, 净利润, 汽车股)."""


_MOVE_TAIL = re.compile(
    r"(?:等|也|均|今日|今天|昨日|本周|本月|全年|周[一二三四五]|盘前|盘后|午盘|早盘|复牌|复牌后|逆市|逆势|大幅|"
    r"再度|继续|续|一度|至多|至少|则|翻红|翻绿|港股开|开|今年以来)+$"
)
"""Words a mover's name may run on into (拼多多也涨…, 奇信股份今日涨…)."""


_LATIN_BEFORE = re.compile(r"[A-Za-z.]\s$")


def _usable_mover(name: str) -> bool:
    return (
        len(name) >= 2
        and not _NOT_A_MOVER.search(name)
        and not _NOT_A_NAME.match(name)
        and name not in GENERIC_ORGANISATIONS
    )


def _listed(names: str) -> list[str]:
    """The names of a list (吉利汽车、比亚迪股份; 拼多多和京东), not cutting a name that holds 和 (亿和控股)."""
    parts = re.split(r"[和及与]", names)
    if len(parts) > 1 and all(len(part) >= 2 for piece in parts for part in piece.split("、")):
        return [name for piece in parts for name in piece.split("、")]
    return names.split("、")


def price_move_spans(text: str) -> list[tuple[int, int]]:
    """Companies in a list of price moves, as ``[start, end)`` offsets (see :data:`PRICE_MOVE`)."""
    spans = []
    for match in PRICE_MOVE.finditer(text):
        position = match.start(1)
        for listed in _listed(match.group(1)):
            name = _MOVE_TAIL.sub("", listed)
            # a Latin word after another is the end of a longer name (Riot Blockchain涨…): its head's to find
            run_on = name.isascii() and _LATIN_BEFORE.match(text, max(0, position - 2), position) is not None
            if _usable_mover(name) and not run_on:
                spans.append((position, position + len(name)))
            position += len(listed) + 1
    return spans


LATIN_NAME = re.compile(
    r"(?<![A-Za-z0-9.《<“\"'])"
    r"([A-Z][A-Za-z0-9&'\-]*(?:\.com)?"
    r"(?: (?:(?:Corp|Inc|Ltd|Co|LLC|AG|SA|NV|PLC)\.(?![A-Za-z0-9])|[A-Z][A-Za-z0-9&'\-]*|of|and|&))*)"
    r"(?![A-Za-z0-9》>”\"'])"
)
"""A Latin name in Chinese text: capitalised words, with a legal form (Talon Metals Corp.); not inside a title
(《…》) or quotation marks, where games and products are named."""
_LATIN_NOT_NAME_WORDS = """
ABS ADR AI APP AR App AppStore Android ASE BBA CDO CDS CEO CFO CIO CNH CNY COO COVID CPI CPU CT CTO DNA DOTA
DR Dota DotA EMBA EPS ESG ETF EV FPS GDP GDR GPS GPU GooglePlay HKD ICO IPO IT KOSPI LCD LED LPR MBA MBS MLF
MMO MPV Max Mini NIFTY ODM OEM OLED OTC PC PCT PE PMI PPI PVE PVP PhD Plus Pro PS QDII QFII REIT REITs RMB RNA
ROE RPG RQFII RTS SLF SPAC SPV SST ST SUV TLAC TMT USD VC VR Windows Xbox iOS mRNA
"""
_LATIN_NOT_NAMES = frozenset(_LATIN_NOT_NAME_WORDS.split())
"""Capitalised words that name no organisation: acronyms of finance and technology, currencies, indexes, games
(IMF, WHO or OPEC are organisations and are not here)."""
_LATIN_ACTS = re.compile(
    r"\s*(?:近日|日前|今日|今天|昨日|昨天|已经|已|正在|正|将|也|还|宣布|发布|表示|声称|称|报道|获悉|显示|透露|回应|"
    r"公告|谈判|合作|收购|涨|跌|股价|市场总监|首席执行官|CEO|创始人|联合创始人|"
    r"的[^，。；]{0,8}?(?:部门|总监|CEO|首席|创始人|负责人|发言人|董事|高管|员工|股东|子公司|股份|股价|市值|营收|财报))"
)
"""What follows a Latin name that is an organisation: it acts, speaks, trades or has staff (Alphaliner近日发布,
Uber展开合作 is taken by 和 before it, Alphabet的自动驾驶技术部门)."""
_LATIN_PARTNER = re.compile(
    r"(?:与|和|及|收购|入股|投资|据|联合|机构|公司|商|基金|交易所|独角兽|巨头|平台|品牌|对手|旗下|母公司|子公司|"
    r"供应商|客户)\s*$"
)
"""What comes before a Latin name that is an organisation (航运咨询机构Alphaliner, 独角兽FirstCry, 与Uber)."""
_LATIN_SUFFIX = re.compile(r"\s*(?:股份有限公司|有限公司|公司|集团|银行)")
_LATIN_THING = re.compile(r"\s*(?:指数|股|期货|系列|版|芯片|技术|手机|型|号|级|类|\d)")
"""What follows a Latin word that names a thing, not its maker (KOSPI指数, DBR技术, iPhone 13)."""
_LATIN_PERSON_BEFORE = re.compile(r"(?:人|导演|总监|主席|经理|记者|作者|分析师|教练|选手|玩家|战队)\s*$")


def latin_spans(text: str) -> list[tuple[int, int]]:
    """Latin names (:data:`LATIN_NAME`) that the text shows to be organisations: with a company suffix
    (Econcern公司), at a headline's start before its colon (Sumco：), or with a word around them that only an
    organisation takes (:data:`_LATIN_ACTS`, :data:`_LATIN_PARTNER`). Words for things (:data:`_LATIN_THING`),
    acronyms (:data:`_LATIN_NOT_NAMES`), letters with a number (Q4, War3) and names after a person's role
    (制作人PatrickBach) are left out. The NER head, trained on Chinese names, misses most of them."""
    spans = []
    for match in LATIN_NAME.finditer(text):
        start, end = match.span(1)
        name = match.group(1)
        if (
            name in _LATIN_NOT_NAMES
            or re.fullmatch(r"[A-Za-z]{1,4}\d+|[A-Z]", name)
            or _LATIN_THING.match(text, end)
            or _LATIN_PERSON_BEFORE.search(text, max(0, start - 4), start)
        ):
            continue
        suffix = _LATIN_SUFFIX.match(text, end)
        if suffix:
            spans.append((start, suffix.end()))
            continue
        headline = (start == 0 or text[start - 1] in "【\n") and text[end : end + 1] in "：:"
        if len(name) >= 3 and (
            headline
            or (_LATIN_ACTS.match(text, end) and text[end : end + 1] not in "：:")
            or _LATIN_PARTNER.search(text, max(0, start - 6), start)
        ):
            spans.append((start, end))
    return spans


_LIST_ITEM = r"[\u4e00-\u9fffA-Za-z0-9*]{2,10}"
LISTED_COMPANIES = re.compile(
    rf"((?:{_LIST_ITEM}\s*、\s*)+{_LIST_ITEM}(?:\s*(?:和|及|与|以及)\s*{_LIST_ITEM})?)\s*等"
    r"(?:\d+|<N>|[一二三四五六七八九十几多数]+)?(?:家|个|只)?(?:上市|知名|头部|大型|龙头|国内|海外|外资|民营|国有)?"
    r"(?:航空|汽车|科技|互联网|医药|药|地产|房地产|食品|乳品|乳|白酒|酒|保险|证券|金融|电商|快递|物流|新能源|光伏|"
    r"半导体|芯片|游戏|传媒|钢铁|煤炭|能源)?"
    r"(?:企业|公司|银行|券商|基金公司|机构|平台|品牌|车企|房企|药企|险企|集团|厂商|电商|巨头)"
)
"""A list of names that the text closes as companies (保税科技、南京新百、天康生物等5家公司; 伊利、圣元、安利等企业)."""
_LIST_LEAD = re.compile(r"^.*(?:包括|比如|例如|譬如|诸如|直指|涉及|其中|分别为|分别是)(?=..)")
_LIST_LEAD_SHORT = re.compile(r"^.*(?:如|有|是|为|对|向)(?=..)")
"""Words before a list's first item that are no part of it (将矛头直指伊利、… → 伊利); the one-character ones
only before a first item of more than four characters (有研新材 and 如意集团 keep theirs)."""


_LIST_OPENERS = frozenset('，。；：、（(【“"\n ,')


def listed_spans(text: str) -> list[tuple[int, int]]:
    """Every item of a list the text closes as companies (:data:`LISTED_COMPANIES`). The first item starts after
    a punctuation mark, or after the words before it (:data:`_LIST_LEAD`); one that runs on from a longer
    stretch of text of more than four characters is left out."""
    spans = []
    for match in LISTED_COMPANIES.finditer(text):
        body, base = match.group(1), match.start(1)
        for number, item in enumerate(re.finditer(r"[^、和及与\s]+", body)):
            start, end = item.span()
            if number == 0:
                for leads, longer_than in ((_LIST_LEAD, 0), (_LIST_LEAD_SHORT, 4)):
                    lead = leads.match(body[start:end]) if end - start > longer_than else None
                    if lead and end - start - lead.end() >= 2:
                        start += lead.end()
                runs_on = base > 0 and text[base - 1] not in _LIST_OPENERS
                if start == 0 and end > 4 and runs_on:
                    continue
            if 2 <= end - start <= 10:
                spans.append((base + start, base + end))
    return spans


def marked_spans(text: str, subjects: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Every name the text marks; ``subjects``: its :func:`headline_subject_spans`, where already found."""
    if subjects is None:
        subjects = headline_subject_spans(text)
    return sorted(
        set(ticker_spans(text))
        | set(announcer_spans(text))
        | set(subjects)
        | set(price_move_spans(text))
        | set(latin_spans(text))
        | set(source_spans(text))
        | set(listed_spans(text))
    )


_ROLE_PREFIX = re.compile(
    r"^(?:(?:\d+|<N>)+日?|公司|本公司|控股股东|第一大股东|大股东|二股东|股东|母公司|旗下)+"
)
"""What a head span may begin with that names no organisation (<N>日宏源证券…, 二股东金保利, 公司董事会)."""
_FOREIGN_PLACE = re.compile(rf"^(?:{_PLACES})(?=[A-Za-z])")
"""A country before a foreign company's own name (意大利CIFA公司 → CIFA公司)."""


_DATELINE = re.compile(r"(?:网|报|社|台|电)讯$")
_TIME = (
    r"(?:今天|今日|昨天|昨日|明天|日前|近日|目前|此前|日内|中午|上午|下午|早盘|午后|盘中|年初|年底|年内|全年|"
    r"前三季度|[一二三四]季度|上半年|下半年)"
)
_TIME_AT_START = re.compile(rf"^{_TIME}+")
_TIME_AT_END = re.compile(rf"{_TIME}+$")
"""Time words the NER head takes into a span (三季度公司, 公司日前) or tags alone (中午): no part of a name."""


def cleaned(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A head span without a role or date before the name (二股东金保利 → 金保利), a country before a Latin
    name (意大利CIFA公司 → CIFA公司) or a time word around it (三季度公司 → 公司, 公司日前 → 公司, which the tagger
    then drops as generic); None when it is the 部 of a minister's title (印度国防部长), a news dateline (快讯网讯)
    or nothing of two characters is left (中午)."""
    span = text[start:end]
    if span.endswith("部") and text[end : end + 1] == "长":
        return None
    if _DATELINE.search(span):  # the outlet that reports the news (本报讯), not what it is about
        return None
    if span.startswith("日") and start and text[start - 1] in "0123456789>":  # the rest of a date (<N>日)
        start += 1
        span = text[start:end]
    for pattern in (_ROLE_PREFIX, _FOREIGN_PLACE, _TIME_AT_START):
        match = pattern.match(span)
        if match and len(span) - match.end() >= 2:
            start += match.end()
            span = text[start:end]
    at_end = _TIME_AT_END.search(span)
    if at_end:
        end = start + at_end.start()
    return (start, end) if end - start >= 2 else None


class OrgGazetteer:
    """Known organisation names, matched longest first (pyahocorasick)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted({n for n in (normalise(name).strip() for name in names) if usable_name(n)})
        self._automaton = ahocorasick.Automaton()
        for name in self.names:
            self._automaton.add_word(name, len(name))
        if self.names:
            self._automaton.make_automaton()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every known name in ``text`` (normalised as the tagger reads it) that ends where a word ends (奥林匹 is
        no name in 奥林匹克, 信用卡贷 none in 信用卡贷款), none inside a longer one."""
        if not self.names:
            return []
        folded = normalise(text)
        found = [(end + 1 - length, end + 1) for end, length in self._automaton.iter(folded)]
        if found:
            ends = _word_ends(folded)
            found = [span for span in found if span[1] in ends]
        return _outermost(found)

    def save(self, folder: Path) -> None:
        (folder / ORG_NAMES_FILE).write_text("\n".join(self.names) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> OrgGazetteer | None:
        path = folder / ORG_NAMES_FILE
        if not path.is_file():
            return None
        return cls(path.read_text("utf-8").splitlines())


WELL_KNOWN_FILE = Path(__file__).parent / "resources" / "well_known_orgs.txt"
_NOT_THE_COMPANY_AFTER = re.compile(r"地区|市|县|省|镇|村|路|街|山|河|码头|港口|机场|大厦|广场|·|\d|<n>")
"""What follows a known short name that is a place, a building, a person (海尔·沃尔丹塞), a property project
(龙湖·…) or a model (波音737, 波音<N> in the corpora, lower-cased as the text is folded), not the company."""
_NAME_GOES_ON = re.compile(
    r"科技|商业|零售|集团|控股|股份|银行|证券|基金|地产|置业|汽车|电子|药业|医药|国际|资本|投资|保险|信托|金融|"
    r"实业|生物|食品|乳业|电器|电气|能源|物流|传媒|网络|智能|影业|有限公司|公司"
)
"""Words a company's name goes on with after its short name (商汤科技, 国美零售, 万达商业): the span takes them."""


@lru_cache(maxsize=1)
def _well_known() -> re.Pattern[str]:
    names = [
        line.strip()
        for line in WELL_KNOWN_FILE.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return re.compile("|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True)))


def well_known_spans(text: str) -> list[tuple[int, int]]:
    """Widely known short names (``resources/well_known_orgs.txt``: 高盛, 穆迪, 腾讯, 顺丰 …) where jieba reads them
    as a whole word and no place, person or model follows (:data:`_NOT_THE_COMPANY_AFTER`), taking the words a
    full name goes on with (:data:`_NAME_GOES_ON`): the gazetteer leaves out names under three characters, and
    the NER head, trained on full names, misses these."""
    folded = normalise(text)
    found = [match.span() for match in _well_known().finditer(folded)]
    if not found:
        return []
    ends = _word_ends(folded)
    starts = {0} | ends
    spans = []
    for start, end in found:
        if start not in starts or end not in ends or _NOT_THE_COMPANY_AFTER.match(folded, end):
            continue
        goes_on = _NAME_GOES_ON.match(folded, end)
        spans.append((start, goes_on.end() if goes_on else end))
    return spans


@lru_cache(maxsize=64)
def _word_ends(text: str) -> frozenset[int]:
    """The offsets where jieba's words end (cached: the gazetteer and the well-known names ask for the same
    text's)."""
    ends, position = set(), 0
    for word in _segmenter().cut(text, True):
        position += len(word)
        ends.add(position)
    return frozenset(ends)


def usable_name(name: str) -> bool:
    """Long enough to be specific, Chinese, and more than a bare suffix."""
    return (
        len(name) >= MIN_NAME_LENGTH
        and has_cjk(name)
        and name not in GENERIC_ORGANISATIONS
        and name not in COMPANY_SUFFIXES
        and not _PUNCTUATION.search(name)
    )


def trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A head span cut at punctuation to its longest piece (【乐通股份 → 乐通股份, 沃尔核材：控股子公司 →
    沃尔核材); None when nothing of two characters is left."""
    pieces = [
        (start + m.start(), start + m.end())
        for m in re.finditer(r"[^\s【】\[\]：:，,。；;！!？?“”\"'、《》<>|]+", text[start:end])
    ]
    pieces = [(s, e) for s, e in pieces if e - s >= 2]
    if not pieces:
        return None
    return pieces[0] if len(pieces) == 1 else max(pieces, key=lambda p: (p[1] - p[0], -p[0]))


def repeated(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans and every other occurrence of their names in ``text``: a name the text marks once (a ticker,
    an announcement, a headline's subject, a price move) names the same organisation wherever the text
    names it again (【三星回应：…】…联系三星相关负责人)."""
    found = set(spans)
    for name in {text[start:end] for start, end in spans}:
        start = text.find(name)
        while start >= 0:
            found.add((start, start + len(name)))
            start = text.find(name, start + len(name))
    return sorted(found)


def merged_spans(
    text: str,
    head: Sequence[tuple[int, int]],
    gazetteer: OrgGazetteer | None,
    people: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """The head's spans (trimmed) with the marked and known names (see the module docstring), sorted.
    ``people`` are the head's PER spans: a name the text marks inside one is a person's, and so is a headline's
    subject that overlaps one (杨成森先生：男，…; 张万年说：…)."""
    speakers = headline_subject_spans(text)
    marked = {
        span
        for span in repeated(text, marked_spans(text, speakers))
        if not _a_person(span, people, span in speakers)
    }
    well_known = [span for span in well_known_spans(text) if not _a_person(span, people, False)]
    known = [*(gazetteer.spans(text) if gazetteer else []), *well_known]
    named_spans = _outermost([*marked, *known])
    kept = list(named_spans)
    for piece in (trimmed(text, s, e) for s, e in head):
        span = cleaned(text, *piece) if piece else None
        if span is None:
            continue
        overlapping = [n for n in named_spans if n[0] < span[1] and span[0] < n[1]]
        if not overlapping:
            kept.append(span)
        elif _extends(span, overlapping) and overlapping[0] not in marked:
            # a known name may go on (贵州茅台 → 贵州茅台酒股份有限公司); where the text marks a name (a
            # ticker, a price move, an announcement, a headline), the mark is its end (Peloton涨27.4%)
            kept = [k for k in kept if k not in overlapping] + [span]
    kept = _outermost([*kept, *defined_names(text, kept)])
    return [
        span
        for span in kept
        if not _INDEX_OR_CONTRACT.match(text, span[1]) and not MARKET_WORD.fullmatch(text, span[0], span[1])
    ]


def _a_person(span: tuple[int, int], people: Sequence[tuple[int, int]], speaker: bool) -> bool:
    """Whether a marked name is a person's: inside a PER span, or for the subject before a headline's colon (the
    weakest mark: people speak there too), overlapping one."""
    if speaker:
        return any(start < span[1] and span[0] < end for start, end in people)
    return any(start <= span[0] and span[1] <= end for start, end in people)


_INDEX_OR_CONTRACT = re.compile(r"指数|期货")
"""What follows a name when the words are about an index or a contract named after it (恒生科技指数)."""
MARKET_WORD = re.compile(
    r"(?:沪指|深成指|深证成指|创业板指|科创50|上证指数|上证综指|沪深300|恒指|恒生指数|大盘|两市|沪深两市|A股|港股|美股"
    r"|北向资金|南向资金|沪股通|深股通|港股通|主力资金|外资)"
    r"(?:小涨|小跌|大涨|大跌|微涨|微跌|收涨|收跌|涨|跌|震荡|走强|走弱)?"
)
"""A market, an index or a flow of money, alone or with its move, is no organisation (沪指小涨, 北向资金, 沪股通):
the NER head tags them in market reports and posts."""
DEFINED_NAME = re.compile(r"[(（]\s*(?:以下|下文)?(?:简称|下称)[:：]?\s*[“\"「]([^”\"」]{2,12})[”\"」]")
"""The short name a text gives the organisation it has just named (…有限公司(以下简称“湖南元汇科技”))."""


ABBREVIATION = re.compile(r"[(（]\s*([A-Za-z][A-Za-z&\- ]{0,14}[A-Za-z])\s*[)）]")
"""A Latin abbreviation in brackets (日本国际石油开发公司（INPEX）, 食品药品监督管理局（FDA）): right after an
organisation it is that organisation's other name. Tickers hold a dot or digits (BA.N, 00700) and are left out."""


def defined_names(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The short names defined right after one of ``spans`` (:data:`DEFINED_NAME`, :data:`ABBREVIATION`), and
    every later mention of them."""
    ends = {end for _, end in spans}
    found = [
        match.span(1)
        for pattern in (DEFINED_NAME, ABBREVIATION)
        for match in pattern.finditer(text)
        if match.start() in ends
    ]
    return repeated(text, found) if found else []


SOURCE_AT_END = re.compile(r"(?<=[。！？!?”」…])\s*[（(]([\u4e00-\u9fff]{2,8})[)）]\s*$")
"""The outlet a news item names as its source in closing brackets (…，同比增长13%。（证券时报））."""
_NOT_A_SOURCE = re.compile(
    r"完|记者|编辑|责编|摄|图|注|译|综合|整理|待续|原标题|通讯员|实习生|作者|供稿|全文"
)


def source_spans(text: str) -> list[tuple[int, int]]:
    """The outlet named as the source at the end of a news item (:data:`SOURCE_AT_END`); not the bylines and
    notes that close items the same way (（完）, （记者 王磊）, （图文综合））."""
    match = SOURCE_AT_END.search(text)
    if match is None or _NOT_A_SOURCE.search(match.group(1)):
        return []
    return [match.span(1)]


def _extends(span: tuple[int, int], inner: Sequence[tuple[int, int]]) -> bool:
    """A head span that holds the one known name it overlaps and goes on (中信证券 → 中信证券深圳新闻路营业部,
    贵州茅台 → 贵州茅台酒股份有限公司, 惠泉啤酒 → 福建省燕京惠泉啤酒股份有限公司)."""
    return len(inner) == 1 and span[0] <= inner[0][0] and inner[0][1] <= span[1] and inner[0] != span


def _outermost(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest first, then leftmost; none overlapping a kept one."""
    kept: list[tuple[int, int]] = []
    for span in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    return sorted(kept)
