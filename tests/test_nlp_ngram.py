"""The character n-gram heads beside the encoder: their arithmetic against scikit-learn, their files, the
blend and its weight choice, and the whole path (fit on a small shared-data tree → blend with a tiny
encoder → save → load → tag)."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from nlp import cross_source
from nlp.examples import find_mentions
from nlp.head_scores import HeadScores, blended, chosen_events, encoder_scores
from nlp.labels import EVENT_TYPES, NO_EVENT, SENTIMENT_LABELS
from nlp.model_files import CONFIG_FILE
from nlp.ngram_blend import GRID, choose_weight, fit_blend, fit_ngram_folder, restamp
from nlp.ngram_fit import LEXICON_HEADS, NAME_WEIGHTS, WINDOW_WIDTHS, fit_ngram_heads
from nlp.ngram_heads import (
    ABSENT_MARK,
    CONTAINS_MARK,
    ENTITY_MARK,
    NESTED_MARK,
    NGRAM_META_FILE,
    CharNgramFeatures,
    LinearHead,
    NgramHeads,
    entity_window,
    entity_windows,
    name_suffix,
)
from nlp.tagger import Tagger

TEXTS = [
    "公司违约被立案调查",
    "业绩大增股价上涨",
    "平台跑路无法提现",
    "中标重大项目",
    "董事长辞职",
    "回购股份",
]


def _features() -> CharNgramFeatures:
    vocabulary = sorted(
        {text[i : i + n] for text in TEXTS for n in (1, 2, 3) for i in range(len(text) - n + 1)}
    )
    return CharNgramFeatures(vocabulary, np.linspace(1.0, 2.0, len(vocabulary)))


@pytest.mark.parametrize("labels", [[0, 1, 0, 1, 1, 1], ["neg", "neu", "pos", "pos", "neg", "neu"]])
def test_linear_head_matches_scikit_learn(labels: list) -> None:
    features = _features()
    matrix = features.transform(TEXTS)
    model = LogisticRegression(C=4.0).fit(matrix, labels)
    head = LinearHead([str(c) for c in model.classes_], model.coef_, model.intercept_)
    assert np.allclose(head.probabilities(matrix), model.predict_proba(matrix), atol=1e-6)


def test_features_are_sublinear_idf_weighted_and_normalised() -> None:
    features = _features()
    row = features.transform(["违约违约"]).toarray()[0]
    assert np.isclose(np.linalg.norm(row), 1.0)
    weights = {gram: row[features.vocabulary.index(gram)] for gram in ("违", "违约")}
    idf = {gram: features.idf[features.vocabulary.index(gram)] for gram in weights}
    # 违 and 违约 occur twice each: the same sublinear tf (1 + ln 2), so their weights are in idf ratio
    assert np.isclose(weights["违"] / weights["违约"], idf["违"] / idf["违约"])
    assert features.transform(["天气晴朗"]).nnz == 0


def _heads(blend: dict[str, float] | None = None) -> NgramHeads:
    """Heads fitted on six texts; the multiclass ones Fortran-ordered, as scikit-learn leaves them."""
    features = _features()
    matrix = features.transform(TEXTS)
    heads = {}
    for name, labels in {
        "sentiment": ["negative", "positive", "negative", "positive", "neutral", "positive"],
        "events": ["涉嫌违法", NO_EVENT, "失联跑路", NO_EVENT, "不能履职", NO_EVENT],
        "document_negative": ["True", "False", "True", "False", "True", "False"],
        "entity_key": ["True", "False", "True", "True", "False", "False"],
    }.items():
        model = LogisticRegression(C=10.0).fit(matrix, labels)
        heads[name] = LinearHead([str(c) for c in model.classes_], model.coef_, model.intercept_)
    assert not heads["events"].coef.flags.c_contiguous  # what the save must not scramble
    return NgramHeads(features, heads, blend or {"sentiment": 0.5, "events": 0.3, "entity_negative": 1.0}, {})


def test_heads_survive_their_files(tmp_path: Path) -> None:
    heads = _heads()
    heads.save(tmp_path)
    loaded = NgramHeads.load(tmp_path)
    assert loaded is not None and loaded.blend == heads.blend
    types = [*EVENT_TYPES, NO_EVENT]
    for name in ("sentiment", "events"):
        assert loaded.heads[name].classes == heads.heads[name].classes
    # float16 coefficients: probabilities equal to about 1e-3
    sentiment, events, negative = heads.document_scores(TEXTS, SENTIMENT_LABELS, types)
    loaded_sentiment, _, loaded_negative = loaded.document_scores(TEXTS, SENTIMENT_LABELS, types)
    assert np.allclose(loaded_sentiment, sentiment, atol=2e-3)
    # six training texts do not have every type: those are 0
    assert np.allclose(events.sum(axis=1), 1.0) and not events[:, types.index("信批违规")].any()
    windows = [entity_window("甲公司违约", [(0, 3)])]
    one = heads.document_scores(["甲公司违约"], SENTIMENT_LABELS, types)[2][0]
    loaded_one = loaded.document_scores(["甲公司违约"], SENTIMENT_LABELS, types)[2][0]
    assert np.allclose(
        loaded.entity_negative(loaded_one, windows, ["甲公司"]),
        heads.entity_negative(one, windows, ["甲公司"]),
        atol=2e-3,
    )
    assert np.allclose(loaded_negative, negative, atol=2e-3)


def _with_name_columns(heads: NgramHeads, weight: float) -> NgramHeads:
    """``heads`` with an entity_key head refitted on windows and name suffixes (名称 columns)."""
    names = ["甲公司", "乙银行", "丙网", "丁集团", "戊公司", "己新闻"]
    windows = [entity_window(text, [(0, 2)]) for text in TEXTS]
    view = NgramHeads(heads.features, heads.heads, heads.blend, {}, heads.window_chars, weight)
    model = LogisticRegression(C=10.0).fit(
        view.entity_features(windows, names), ["True", "False", "True", "True", "False", "False"]
    )
    view.heads = {**heads.heads, "entity_key": LinearHead(["False", "True"], model.coef_, model.intercept_)}
    return view


def test_name_suffix_columns_follow_the_windows_and_survive_the_files(tmp_path: Path) -> None:
    assert name_suffix("鸿远地产集团股份有限公司") == "公司" and name_suffix(" 宜贷网 ") == "贷网"
    heads = _with_name_columns(_heads(), 0.6)
    width = len(heads.features.vocabulary)
    windows, names = [entity_window("甲公司违约", [(0, 3)])] * 2, ["甲公司", "乙银行"]
    matrix = heads.entity_features(windows, names).toarray()
    assert matrix.shape == (2, 2 * width)
    assert np.allclose(matrix[:, :width], heads.features.transform(windows).toarray())
    assert np.allclose(matrix[:, width:], 0.6 * heads.features.transform(["公司", "银行"]).toarray())
    # the same window about two kinds of name: the name columns alone tell them apart
    scores = heads.entity_negative(1.0, windows, names)
    assert scores[0] != pytest.approx(scores[1])
    with pytest.raises(ValueError, match="2 entity windows for 1 names"):
        heads.entity_negative(1.0, windows, names[:1])
    heads.save(tmp_path)
    loaded = NgramHeads.load(tmp_path)
    assert loaded is not None and loaded.name_weight == 0.6
    assert np.allclose(loaded.entity_negative(1.0, windows, names), scores, atol=2e-3)
    meta = json.loads((tmp_path / NGRAM_META_FILE).read_text("utf-8"))
    meta["name_weight"] = 0.0  # the coefficients no longer match what the file says they read
    (tmp_path / NGRAM_META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"entity_key.coef has {2 * width} columns, expected {width}"):
        NgramHeads.load(tmp_path)


def test_a_folder_without_heads_has_none_and_a_bad_blend_is_named(tmp_path: Path) -> None:
    assert NgramHeads.load(tmp_path) is None
    _heads().save(tmp_path)
    meta = json.loads((tmp_path / NGRAM_META_FILE).read_text("utf-8"))
    meta["blend"]["events"] = 1.5
    (tmp_path / NGRAM_META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match=r"ngram_heads.json: blend.events .* \[0, 1\], got 1.5"):
        NgramHeads.load(tmp_path)


def test_entity_windows_mark_mentions_and_flags() -> None:
    text = "宜贷网(沪)逾期，宜贷网回应"
    assert entity_window(text, [(9, 12)]) == f"宜贷网(沪)逾期，{ENTITY_MARK}回应"
    assert entity_window(text, []) == ABSENT_MARK
    names = list(dict.fromkeys(["宜贷网", "宜贷网(沪)", "宜贷网"]))  # a candidate named twice is judged once
    mentions = find_mentions(
        text, names
    )  # as training resolves them: 宜贷网 inside 宜贷网(沪) is not its own
    windows = entity_windows(text, names, [mentions.get(name, []) for name in names])
    assert len(windows) == 2
    nested_one, longer = windows
    assert nested_one.startswith(NESTED_MARK) and f"，{ENTITY_MARK}回应" in nested_one
    # the longer name's mention is its own, and it contains the shorter candidate
    assert longer.startswith(CONTAINS_MARK + ENTITY_MARK) and "宜贷网(沪)" not in longer


def test_encoder_scores_read_other_as_no_likely_type() -> None:
    scores = encoder_scores([[0.8, 0.1, 0.1], [0.2, 0.6, 0.2]], [30, 10], [[0.3, 0.9], [0.6, 0.1]], [0.7])
    assert np.allclose(scores.sentiment, [0.65, 0.225, 0.125])
    assert np.allclose(scores.events, [0.6, 0.9, 0.1])  # per type its likeliest window; 其他 = 1 − 0.9


def test_chosen_events() -> None:
    classes = ["评级调整", "业绩下滑", NO_EVENT]
    assert chosen_events(np.array([0.3, 0.6, 0.1]), classes) == [("业绩下滑", 0.6)]
    assert chosen_events(np.array([0.2, 0.3, 0.5]), classes) == []  # 其他 likeliest: no risk event
    assert chosen_events(np.array([0.45, 0.3, 0.25]), classes) == [("评级调整", 0.45)]  # likeliest, below 0.5
    assert [kind for kind, _ in chosen_events(np.array([0.7, 0.55, 0.0]), classes)] == [
        "评级调整",
        "业绩下滑",
    ]


def test_blended_weights_each_head() -> None:
    encoder = HeadScores(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0]), np.array([0.2, 0.9]))
    ngram = HeadScores(np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0]), np.array([0.8, 0.1]))
    mixed = blended(encoder, ngram, {"sentiment": 0.25, "events": 1.0, "entity_negative": 0.5})
    assert np.allclose(mixed.sentiment, [0.75, 0.0, 0.25])
    assert np.allclose(mixed.events, [1.0, 0.0])
    assert np.allclose(mixed.entity_negative, [0.5, 0.5])


def test_choose_weight_prefers_the_better_source_and_cross_fits() -> None:
    rng = random.Random(3)
    gold = [rng.random() < 0.5 for _ in range(200)]
    good = [g if rng.random() < 0.9 else not g for g in gold]  # the n-gram source: 90 % right
    poor = [g if rng.random() < 0.6 else not g for g in gold]  # the encoder: 60 % right

    def decide(row: int, weight: float) -> bool:
        return weight * good[row] + (1 - weight) * poor[row] > 0.5

    def accuracy(predicted: dict[int, bool]) -> float:
        return sum(predicted[r] == gold[r] for r in predicted) / len(predicted)

    choice = choose_weight(len(gold), decide, accuracy)
    assert choice.weight > 0.5 and choice.weight in GRID
    assert choice.ngram == pytest.approx(accuracy({r: good[r] for r in range(200)}))
    assert choice.encoder == pytest.approx(accuracy({r: poor[r] for r in range(200)}))
    assert choice.cross_fitted <= choice.tuned
    # where both sources are the same, ties go to the encoder
    assert choose_weight(len(gold), lambda r, w: good[r], accuracy).weight == 0.0


# -- the whole path on a small shared-data tree ------------------------------------------------------------

COMPANIES = ["鸿远地产", "明川科技", "华信证券", "金桥银行", "东方电气", "北辰集团"]
NEGATIVE_FRAMES = ["{}未能兑付到期债券，投资者维权", "{}涉嫌财务造假被立案调查", "{}平台跑路，用户无法提现"]
NEUTRAL_FRAMES = ["{}召开年度股东大会", "{}发布新产品", "{}中标重大项目，业绩增长"]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def small_shared_data(root: Path) -> Path:
    """entity_negative, forum_sentiment and events CSVs in the shared layout, a few dozen rows each."""
    entity_rows, event_rows, forum_rows = [], [], []
    for i in range(60):
        company, other = COMPANIES[i % 6], COMPANIES[(i + 1) % 6]
        negative = i % 2 == 0
        frame = (NEGATIVE_FRAMES if negative else NEUTRAL_FRAMES)[i % 3]
        text = frame.format(company) + f"，{other}表示关注。第{i}号"
        split = "dev" if i % 5 == 0 else "train"
        entity_rows.append(
            [f"e{i}", "", text, f"{company};{other}", int(negative), company if negative else "", split]
        )
        event_type = ["涉嫌违法", "提现困难", "失联跑路"][i % 3] if negative else NO_EVENT
        event_rows.append([str(i), text, event_type, company if negative else "", split])
        forum_rows.append([["又跌停了，割肉", "走势平稳，观望", "大涨，满仓干"][i % 3] + f"{i}", i % 3])
    _write_csv(
        root / "entity_negative/train.csv",
        ["id", "title", "text", "entity", "negative", "key_entity", "split"],
        entity_rows,
    )
    _write_csv(root / "events/train.csv", ["id", "text", "event_type", "subject", "split"], event_rows)
    _write_csv(root / "forum_sentiment/train.csv", ["text", "label"], forum_rows)
    news_rows = []
    for i in range(40):  # real company news: bad news (亏损) and good news (中标, 回购), two source sites
        company = COMPANIES[i % 6]
        kind, frame = [
            ("亏损", "{}(600{:03d}.SH)公告，上半年净亏损扩大"),
            ("中标", "{}(600{:03d}.SH)中标重大项目"),
        ][i % 2]
        source = "格隆汇" if i % 4 == 3 else "智通财经"
        news_rows.append([f"fq{i}", f"原标题：{frame.format(company, i)} 来源：{source} 第{i}号", kind, ""])
    _write_csv(root / "company_news/finqa_events.csv", ["id", "text", "event_types", "subjects"], news_rows)
    return root


def _choice_posts(root: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-labelled posts of "another crawl" in the small data tree, with their label file (a reference by
    line and SHA-1, as shipped) where the cross-source sets are looked up."""
    posts = [
        (f"{text}，第{i}帖", i % 3)
        for i, text in enumerate(["又跌停了，割肉", "走势平稳，观望", "大涨，满仓干"] * 4)
    ]
    (root / "corpus" / "posts.txt").write_text("\n".join(text for text, _ in posts) + "\n", "utf-8")
    folder.mkdir()
    (folder / cross_source.FORUM_CHOICE).write_text(
        "".join(
            json.dumps({
                "file": "corpus/posts.txt", "line": number, "sha1": hashlib.sha1(text.encode()).hexdigest()[:12],
                "label": SENTIMENT_LABELS[label],
            }, ensure_ascii=False) + "\n"
            for number, (text, label) in enumerate(posts, 1)
        ),
        "utf-8",
    )  # fmt: skip
    monkeypatch.setattr(cross_source, "labelled_file", lambda name: folder / name)


def test_fit_blend_save_load_and_tag(
    tmp_path: Path, tiny_model_dir: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_shared_data(tmp_path / "shared")
    # the lexicons: the company news' polarity words, and the document heads' lexicon columns
    shutil.copytree(shared_data / "lexicons", root / "lexicons")
    # the unlabelled corpora the silver company news is read from (written here, not copied)
    (root / "corpus").mkdir()
    (root / "corpus/fincuge_news.txt").write_text(
        "\n".join(
            [f"{name}：2021年净利同比预增{40 + i}%-{60 + i}%" for i, name in enumerate(COMPANIES)]
            + [f"{name}公告，预计2021年净利润同比下降{30 + i}%" for i, name in enumerate(COMPANIES)]
            + ["两市成交额突破万亿元，北向资金净流入。"]
        ),
        encoding="utf-8",
    )
    (root / "corpus/finance_unlabelled.txt").write_text(
        f"高盛：将{COMPANIES[0]}(600000.SH)目标价从30元下调至25元。\n", encoding="utf-8"
    )
    heads = fit_ngram_heads(root)
    assert heads.about["silver_news"] == {
        "analyst.bad": 1,
        "earnings.bad": len(COMPANIES),
        "earnings.good": len(COMPANIES),
    }
    assert heads.lexicon is not None and heads.about["lexicon_columns"] == heads.lexicon.width > 10
    document_heads = ("sentiment", "events", "document_negative", "news", "kind")
    assert all(heads.heads[name].coef.shape[1] == heads.document_width for name in document_heads)
    lexicon_columns = slice(heads.document_width - heads.lexicon.width, None)
    for name in document_heads:  # only the LEXICON_HEADS read the lexicon columns
        assert heads.heads[name].coef[:, lexicon_columns].any() == (name in LEXICON_HEADS)
    assert set(heads.about) >= {
        "sentiment.C",
        "events.C",
        "document_negative.C",
        "entity_key.C",
        "news.C",
        "kind.C",
    }
    # the entity head's window width and name-column weight were chosen together, by CV on train
    assert len(heads.about["entity_key.cv"]) == len(WINDOW_WIDTHS) * len(NAME_WEIGHTS)
    chosen = heads.about["entity_key.cv"][f"width {heads.window_chars}, names {heads.name_weight}"]
    assert chosen == max(heads.about["entity_key.cv"].values())
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    tagger = Tagger.load(folder, ngram=False)
    _choice_posts(root, tmp_path / "labels", monkeypatch)
    choices = fit_blend(tagger, heads, root)
    assert set(choices) == {"sentiment", "events", "entity_negative"}
    for name, choice in choices.items():
        assert heads.blend[name] == choice.weight or name == "sentiment"
        assert heads.about[f"{name}.dev"]["figure_cross_fitted"] == round(choice.cross_fitted, 4)
    # sentiment: of the weights within one standard error of FinFE dev's best, the best on the choice posts
    crawl = heads.about["sentiment.other_crawl"]
    assert heads.blend["sentiment"] == crawl["weight"] and str(choices["sentiment"].weight) in crawl["dev"]
    dev = {float(weight): figure for weight, figure in crawl["dev"].items()}
    assert all(max(dev.values()) - figure <= crawl["dev_standard_error"] + 1e-4 for figure in dev.values())
    assert crawl["choice_posts_kind_forum"][str(crawl["weight"])] == max(
        crawl["choice_posts_kind_forum"].values()
    )
    # the n-gram heads learn this toy data perfectly; the tiny encoder, trained for seconds, does not
    assert choices["events"].ngram == 1.0 and choices["events"].weight > 0
    heads.save(folder)
    assert NgramHeads.load(folder).lexicon.categories == heads.lexicon.categories  # saved beside the heads
    # a changed encoder is re-blended without refitting the heads: same coefficients, blend chosen anew
    coefficients = {name: head.coef.copy() for name, head in NgramHeads.load(folder).heads.items()}
    reblended = fit_ngram_folder(folder, root, blend_only=True)
    for name, coef in coefficients.items():
        assert np.array_equal(reblended.heads[name].coef, coef)
    assert (
        NgramHeads.load(folder).blend == reblended.blend
        and reblended.about["events.dev"]["ngram_alone"] == 1.0
    )
    with pytest.raises(ValueError, match="no n-gram heads to re-blend"):
        fit_ngram_folder(tiny_model_dir, root, blend_only=True)

    record = {
        "id": "x",
        "title": "",
        "content": NEGATIVE_FRAMES[2].format("鸿远地产"),
        "targets": ["鸿远地产", "不在文中"],
        "kind": "forum",  # the poster's sentiment: the blended 3-class head
    }
    encoder_alone = Tagger.load(folder, ngram=False).tag([record])[0]
    with_heads = Tagger.load(folder)
    assert with_heads.ngram is not None and with_heads.ngram.blend == heads.blend
    tagged = with_heads.tag([record])[0]
    assert [e["name"] for e in tagged["entities"]][:2] == ["鸿远地产", "不在文中"]  # every target, once
    read = with_heads.read([record])
    encoder = with_heads.encoder_scores(*read[0])
    ngram = with_heads.ngram_scores([read[0][0]])[0]
    expected = blended(encoder, ngram, heads.blend)
    assert tagged["sentiment"]["score"] == pytest.approx(float(expected.sentiment.max()), abs=1e-4)
    assert tagged["sentiment"]["basis"] == "post"
    # as news, the label is the news head's, and negative where the document is negative about an entity
    assert heads.has_news and ngram.news is not None and ngram.forum is not None
    news = with_heads.tag([{**record, "kind": "news"}])[0]
    assert news["sentiment"]["basis"] == "news"
    if any(e["negative"] for e in news["entities"]):
        assert news["sentiment"]["label"] == "negative"
    else:
        assert news["sentiment"]["label"] == ("negative", "neutral", "positive")[int(np.argmax(ngram.news))]
    assert tagged["entities"][0]["negative_score"] == pytest.approx(
        float(expected.entity_negative[0]), abs=1e-4
    )
    assert encoder_alone["entities"][0]["negative_score"] == pytest.approx(
        float(encoder.entity_negative[0]), abs=1e-4
    )
    expected_events = {kind for kind, _ in chosen_events(expected.events, with_heads.event_classes)}
    assert expected_events <= {event["type"] for event in tagged["events"]}
    with_heads.ngram.blend["events"] = (
        1.0  # the n-gram head alone decides: 失联跑路 from the toy data's frame
    )
    assert "失联跑路" in {event["type"] for event in with_heads.tag([record])[0]["events"]}


def test_refitted_heads_give_the_model_a_new_version(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / CONFIG_FILE).read_text("utf-8"))
    config["version"] = "2026.01.01.0000-h32l1-cont"
    (folder / CONFIG_FILE).write_text(json.dumps(config), "utf-8")
    version = restamp(folder)
    assert re.fullmatch(r"\d{4}\.\d\d\.\d\d\.\d{4}-h32l1-cont", version) and version != config["version"]
    assert Tagger.load(folder).model.config.version == version  # what tagged documents carry


def test_the_kind_head_learns_weibo_posts_as_posts(tmp_path: Path, shared_data: Path) -> None:
    from nlp.ngram_fit import weibo_posts

    folder = tmp_path / "entity_negative"
    folder.mkdir()
    rows = [
        ["1", "", "转发微博 星海贷不能提现了", "星海贷", "1", "星海贷", "train"],
        ["2", "", "维权//@小王:星海贷逾期三个月", "星海贷", "1", "星海贷", "train"],
        ["3", "", "@央视财经 请关注星海贷跑路", "星海贷", "1", "星海贷", "train"],
        ["4", "", "#星海贷#平台公告：本月正常兑付", "星海贷", "0", "", "train"],  # hashtags: news quotes them
        ["5", "", "投稿邮箱 news@example.com，星海贷发布公告", "星海贷", "0", "", "train"],  # an address
        ["6", "", "星海贷涉嫌非法吸收公众存款被立案", "星海贷", "1", "星海贷", "train"],
        ["7", "", "转发微博 星海贷开发布会", "星海贷", "0", "", "dev"],  # dev stays out
        ["8", "", "转发微博 星海贷不能提现了", "星海贷", "1", "星海贷", "train"],  # the same text once
    ]
    with (folder / "train.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "text", "entity", "negative", "key_entity", "split"])
        writer.writerows(rows)
    assert weibo_posts(tmp_path) == [row[2] for row in rows[:3]]
    # on the shared data: hundreds of BDCI's training posts, and none of its dev split
    from nlp import data

    posts = weibo_posts(shared_data)
    dev = {text.full_text for text in data.load_entity_negative(shared_data).dev}
    assert len(posts) > 500 and not dev & set(posts)
