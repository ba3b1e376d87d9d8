"""The model stack with a tiny model trained once per test session: batching, training, save/load, the
tagger's contract, and ``riskwatch tag`` on real files. (Quality is not judged here: the tiny model is
trained for seconds. The shipped model's quality floors are a separate, pinned check.)"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import BertTokenizer

from nlp.batching import IGNORE, collate
from nlp.data import data_file
from nlp.encoding import build_tokenizer, encode_windows
from nlp.examples import EntityTarget, Example, find_mentions
from nlp.labels import EVENT_TYPES, NER_TAGS, SENTIMENT_LABELS
from nlp.model import RiskModel
from nlp.tagger import Tagger
from nlp.text import alias_variants, normalise
from nlp.train import TrainConfig, mask_tokens, parse_task_weights, train
from nlp.watchlist import load_watchlist
from tests.conftest import REPO, crawl_env

WATCHLIST = load_watchlist(REPO / "configs" / "watchlist.yaml")


@pytest.fixture(scope="session")
def tokenizer(shared_data: Path) -> BertTokenizer:
    return build_tokenizer(data_file("vocab/vocab.txt", shared_data))


@pytest.fixture(scope="session")
def tagger(tiny_model_dir: Path) -> Tagger:
    return Tagger.load(tiny_model_dir, WATCHLIST, batch_size=4)


def test_find_mentions_drops_names_nested_in_longer_ones() -> None:
    assert find_mentions("宜贷网(沪)与宜贷网", ["宜贷网", "宜贷网(沪)"]) == {
        "宜贷网(沪)": [(0, 6)],
        "宜贷网": [(7, 10)],
    }


def test_windows_cover_long_texts_whole(tokenizer) -> None:
    text = "明川科技收到立案告知书。" * 100
    windows = encode_windows(tokenizer, text, max_length=64, stride=8)
    assert len(windows) > 1 and windows[0].char_start == 0 and windows[-1].char_end == len(text)
    assert all(len(w.input_ids) <= 64 for w in windows)
    assert all(later.char_start < earlier.char_end for earlier, later in itertools.pairwise(windows))


def test_batch_tokenisation_equals_the_tokenizer_call(tokenizer) -> None:
    from nlp.encoding import tokenize
    from nlp.text import normalise

    texts = [normalise(t) for t in ["鸿远地产ABC 600036.HK，今日公告！\n😀 x", "", "招行  CMB"]]
    expected = [
        tokenizer(t, return_offsets_mapping=True, add_special_tokens=False, truncation=False) for t in texts
    ]
    assert tokenize(tokenizer, texts) == [
        (e["input_ids"], [tuple(o) for o in e["offset_mapping"]]) for e in expected
    ]


def test_windows_end_at_sentence_ends_without_overlap_where_they_can(tokenizer) -> None:
    sentence = "明川科技收到立案告知书。"  # 12 tokens
    text = sentence * 30
    windows = encode_windows(tokenizer, text, max_length=64, stride=8, sentence_ends=True)
    assert windows[0].char_start == 0 and windows[-1].char_end == len(text)
    assert all(len(w.input_ids) <= 64 for w in windows)
    for earlier, later in itertools.pairwise(windows):
        assert text[earlier.char_end - 1] == "。" and later.char_start == earlier.char_end  # whole sentences
        assert len(earlier.input_ids) - 2 == 60  # five sentences fill 62 tokens best
    # a line break ends a sentence too; a text with no sentence end still gets overlapping windows
    lines = encode_windows(tokenizer, "\n".join(["鸿远地产未能兑付利息"] * 20), 64, 8, sentence_ends=True)
    assert all(text_end.char_end < later.char_start for text_end, later in itertools.pairwise(lines))
    unbroken = encode_windows(tokenizer, "鸿远地产未能兑付利息" * 20, 64, 8, sentence_ends=True)
    assert len(unbroken) > 1
    assert all(later.char_start == earlier.char_end - 8 for earlier, later in itertools.pairwise(unbroken))


def test_collate_builds_every_head_target(tokenizer) -> None:
    examples = [
        Example("鸿远地产未能兑付利息，招行受影响。", "x", sentiment=0, entities=[
            EntityTarget("鸿远地产", [(0, 4)], True, frozenset({"资产负面"})),
            EntityTarget("招行", [(11, 13)], False),
            EntityTarget("丢失的名字", [], False),
        ]),
        Example("中国银行在北京", "ner", ner_spans=((0, 4, "ORG"), (5, 7, "LOC"))),
    ]  # fmt: skip
    batch = collate(examples, tokenizer, 64, EVENT_TYPES)
    assert batch.sentiment.tolist() == [0, IGNORE]
    tags = [NER_TAGS[t] if t != IGNORE else None for t in batch.ner[1, :9].tolist()]
    assert tags == [None, "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "B-LOC", "I-LOC", None]
    assert batch.entity_negative.tolist() == [1.0, 0.0, 0.0]
    assert batch.entities.entity_of.tolist() == [0, 1]  # the third entity has no mention, judged from [CLS]
    assert batch.entity_events[0, EVENT_TYPES.index("资产负面")] == 1 and not batch.entity_events_mask[1]


def test_masking_spares_special_tokens() -> None:
    ids = torch.tensor([[101, 5, 6, 7, 8, 9, 102, 0]] * 200)
    attention = (ids != 0).long()
    special = torch.isin(ids, torch.tensor([101, 102, 0]))
    _masked, chosen, targets = mask_tokens(ids, attention, special, 0.15, 21128, 103)
    assert not chosen[special].any()
    assert 0.10 < chosen.sum().item() / (200 * 5) < 0.20
    assert targets.tolist() == ids[chosen].tolist()


def test_saved_model_reloads_with_the_same_outputs(tiny_model_dir: Path, tokenizer) -> None:
    model = RiskModel.load(tiny_model_dir)
    reloaded = RiskModel.load(tiny_model_dir)
    ids = torch.tensor([encode_windows(tokenizer, "鸿远地产债券展期", 64, 0)[0].input_ids])
    with torch.inference_mode():
        first, second = model(ids, torch.ones_like(ids)), reloaded(ids, torch.ones_like(ids))
    assert torch.allclose(first["sentiment"], second["sentiment"])
    assert (tiny_model_dir / "vocab.txt").is_file()


def test_tagger_output_follows_the_contract(tagger: Tagger) -> None:
    record = {
        "id": "doc-1",
        "title": "鸿远地产未能按期付息",
        "content": "鸿远地产集团股份有限公司公告称，公司未能按期兑付债券利息。招商银行为主承销商。",
        "targets": ["招商银行", "不存在的公司", "鸿远地产"],
    }
    (tagged,) = tagger.tag([record])
    assert {k: tagged[k] for k in record} == record
    assert tagged["sentiment"]["label"] in SENTIMENT_LABELS and 0 <= tagged["sentiment"]["score"] <= 1
    names = [entity["name"] for entity in tagged["entities"]]
    for target in record["targets"]:
        assert names.count(target) == 1
    hongyuan = next(e for e in tagged["entities"] if e["name"] == "鸿远地产")
    assert hongyuan["watchlist_id"] == "hongyuan"  # a target that is a watched alias keeps its id
    assert "鸿远地产集团股份有限公司" not in names  # ... and the watched entity is not listed twice
    for entity in tagged["entities"]:
        assert isinstance(entity["negative"], bool) and 0 <= entity["negative_score"] <= 1
        assert entity["negative"] or entity["evidence"] == []
        for mention in entity["mentions"]:
            source = record[mention["field"]]
            assert normalise(source[mention["start"] : mention["end"]]) in known_names(entity), mention
    assert {"type": "债务违约", "entity": "鸿远地产"} in [
        {k: e[k] for k in ("type", "entity")} for e in tagged["events"]
    ]
    assert tagged["model"]["name"] == "riskwatch-zh-mini"


def test_a_name_inside_a_longer_judged_name_is_not_its_mention(tagger: Tagger) -> None:
    """As in training: 宜贷网 named only within 宜贷网(沪) has no mention of its own (it is judged from the
    document, as the model learnt for such candidates); where it stands alone, that occurrence is its."""
    record = {
        "id": "n",
        "title": "",
        "content": "宜贷网(沪)逾期。宜贷网回应",
        "targets": ["宜贷网", "宜贷网(沪)"],
    }
    (tagged,) = tagger.tag([record])
    mentions = {e["name"]: [(m["start"], m["end"]) for m in e["mentions"]] for e in tagged["entities"]}
    assert mentions["宜贷网(沪)"] == [(0, 6)] and mentions["宜贷网"] == [(9, 12)]
    (alone,) = tagger.tag([{**record, "content": "宜贷网(沪)逾期"}])
    assert next(e for e in alone["entities"] if e["name"] == "宜贷网")["mentions"] == []


def test_bad_news_flags_its_one_watched_entity(tagger: Tagger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A news item the text reads as bad news flags the one watched entity (target or watchlist) it names,
    with the document's score and evidence, though no entity judgement flagged it; not a post, not a
    document naming two watched entities, not news read as bad below the threshold."""
    import nlp.tagger

    original = nlp.tagger.document_sentiment
    reading = {"score": 0.8}

    def read_as_bad_news(kind, labels, scores, entity_negative, risk_event):  # the text's own reading
        label = original(kind, labels, scores, entity_negative, risk_event)
        if label["basis"] == "news" and entity_negative == 0.0:
            return {"label": "negative", "score": reading["score"], "basis": "news"}
        return label

    monkeypatch.setattr(nlp.tagger, "document_sentiment", read_as_bad_news)
    monkeypatch.setattr(nlp.tagger, "ENTITY_NEGATIVE_THRESHOLD", 1.01)  # no entity judgement flags anything
    # the keyword event (破产清算, tied to 明川科技) flags it on its own: test_a_keyword_event_flags_... below
    monkeypatch.setattr(nlp.tagger, "adverse_event_subjects", lambda entities, events: [])
    record = {"id": "s", "kind": "news", "content": "明川科技公告称，公司主要客户已申请破产重整。"}

    def flags(**changes) -> dict[str, tuple[bool, float, list[str]]]:
        (tagged,) = tagger.tag([{**record, **changes}])
        return {
            e["watchlist_id"] or e["name"]: (e["negative"], e["negative_score"], e["evidence"])
            for e in tagged["entities"]
            if e["watchlist_id"] or e["name"] in changes.get("targets", [])
        }

    negative, score, evidence = flags()["mingchuan"]
    assert negative and score >= 0.8 and evidence == ["明川科技公告称，公司主要客户已申请破产重整。"]
    assert flags(targets=["明川科技"])["mingchuan"][0]  # a target and its watchlist entity are one
    two = flags(content=record["content"] + "星海新能源回应。")
    assert set(two) == {"mingchuan", "xinghai"} and not any(flag for flag, _, _ in two.values())
    also_a_target = flags(targets=["主要客户"])
    assert set(also_a_target) == {"mingchuan", "主要客户"}
    assert not any(flag for flag, _, _ in also_a_target.values())
    assert not flags(kind="forum")["mingchuan"][0]
    reading["score"] = 0.45
    assert not flags()["mingchuan"][0]


def test_a_keyword_event_flags_the_watched_entity_it_names_in_news(
    tagger: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyword risk event that is bad news (股东减持, 立案调查 …) flags the watched entity it is tied to in news,
    though no head did, with the rule's score and the event's sentence as evidence; not in a post, and not for
    a routine change of executives."""
    import nlp.tagger

    monkeypatch.setattr(nlp.tagger, "ENTITY_NEGATIVE_THRESHOLD", 1.01)  # no entity judgement flags anything
    monkeypatch.setattr(nlp.tagger, "news_subject", lambda watched, reading: None)  # nor the news reading
    content = "星海新能源回应市场传闻。明川科技公告，持股5%以上股东拟减持不超过2%股份。"

    def flags(**changes) -> dict[str, tuple[bool, float, list[str]]]:
        (tagged,) = tagger.tag([{"id": "k", "kind": "news", "content": content, **changes}])
        return {
            e["watchlist_id"]: (e["negative"], e["negative_score"], e["evidence"]) for e in tagged["entities"]
        }

    found = flags()
    assert found["mingchuan"] == (True, 0.8, ["明川科技公告，持股5%以上股东拟减持不超过2%股份。"])
    assert not found["xinghai"][0]  # the event names the other company
    assert not flags(kind="forum")["mingchuan"][0]
    content = "明川科技公告，副总经理因个人原因辞职。"
    assert not flags()["mingchuan"][0]  # 高管变动: most changes of executives are routine


def test_topic_events_are_dropped_from_good_news(tagger: Tagger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The event heads know topics, not directions (净利大增 reads 业绩下滑): in news the news head reads as good
    news the direction-less types go; other types, and the same types in other documents, stay."""
    import nlp.tagger

    monkeypatch.setattr(
        nlp.tagger, "chosen_events", lambda scores, classes: [("业绩下滑", 0.9), ("涉嫌欺诈", 0.7)]
    )
    good = {"value": True}
    monkeypatch.setattr(nlp.tagger, "reads_good_news", lambda kind, scores: good["value"])
    record = {"id": "g", "kind": "news", "content": "明川科技前三季度净利润同比大增32%。"}
    (tagged,) = tagger.tag([record])
    assert {e["type"] for e in tagged["events"]} == {"涉嫌欺诈"}
    good["value"] = False
    (tagged,) = tagger.tag([record])
    assert {e["type"] for e in tagged["events"]} == {"业绩下滑", "涉嫌欺诈"}


def test_outermost_mentions_keep_the_longest_of_overlapping_ones() -> None:
    from nlp.text import outermost_mentions

    # 中国银行 (0-4) inside 中国银行保险监督管理委员会 (0-13); 银行 overlaps both; 银行 at 20 stands alone.
    assert outermost_mentions([[(0, 4)], [(0, 13)], [(2, 4), (20, 22)], []]) == [
        [],
        [(0, 13)],
        [(20, 22)],
        [],
    ]


def known_names(entity: dict) -> set[str]:
    """The normalised names a mention of ``entity`` may read as: its own, and its watchlist names."""
    names = [entity["name"]] + [n for w in WATCHLIST if w.id == entity["watchlist_id"] for n in w.names]
    return alias_variants(names)


def test_long_documents_are_read_whole(tagger: Tagger) -> None:
    content = "市场平稳运行。" * 400 + "明川科技收到证监会立案告知书。"
    (tagged,) = tagger.tag([{"id": "long", "title": "", "content": content}])
    mingchuan = next(e for e in tagged["entities"] if e["watchlist_id"] == "mingchuan")
    assert mingchuan["mentions"] == [{"field": "content", "start": 2800, "end": 2804}]
    assert {"type": "立案调查", "entity": "明川科技股份有限公司"} in [
        {k: e[k] for k in ("type", "entity")} for e in tagged["events"]
    ]


def test_tag_command_reports_bad_lines_and_tags_the_rest(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "title": "", "content": "明川科技被立案调查"}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": "b"}),
                json.dumps(
                    {"id": "c", "content": "安和食品召回水饺", "targets": "安和食品"}, ensure_ascii=False
                ),
                json.dumps(
                    {"id": "d", "content": "星海新能源中标", "targets": ["星海新能源"]}, ensure_ascii=False
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.jsonl"
    completed = subprocess.run(
        [sys.executable, "-m", "riskwatch", "--config", str(REPO / "configs" / "riskwatch.yaml"), "tag",
         "--input", str(source), "--output", str(output), "--model", str(tiny_model_dir)],
        capture_output=True, text=True, env=crawl_env(), timeout=120,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    assert "line 2: not JSON" in completed.stderr
    assert "line 3: key 'content' must be a string" in completed.stderr
    assert "line 4: key 'targets' must be a list" in completed.stderr
    tagged = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [t["id"] for t in tagged] == ["a", "d"]
    assert [e["name"] for e in tagged[1]["entities"]].count("星海新能源") == 1


def test_evaluate_marks_each_target_met_or_not() -> None:
    from riskwatch.cli import _target

    assert _target(0.798, 0.75) == "≥ 0.75 [green]✓[/green]"
    assert _target(0.729, 0.75) == "≥ 0.75 [red]✗[/red]"
    assert _target(0.75, 0.75).endswith("✓[/green]")  # the target is met at it
    assert _target(0.5, None) == ""


def test_evaluation_reports_every_figure(tagger: Tagger) -> None:
    from nlp.evaluate import TARGETS, evaluate_model

    figures = evaluate_model(tagger, limit=15)
    expected = {
        "entity_negative.negative_f1", "entity_negative.entity_f1", "entity_negative.score", "forum.macro_f1",
        "ner.f1", "ner.org_f1", "ner.tagger_org_f1", "events.micro_f1", "events.micro_f1_without_other",
        "company_news.event_subject_recall", "company_news.probe_accuracy",
        "cross_source.forum.macro_f1", "cross_source.forum.macro_f1_kind_forum", "cross_source.ner.org_f1",
        "cross_source.forum.unseen.macro_f1", "cross_source.forum.unseen.macro_f1_kind_forum",
        "cross_source.forum.unseen.items", "cross_source.ner.unseen.org_f1", "cross_source.ner.unseen.items",
    }  # fmt: skip
    expected |= {key.replace(".forum.", ".forum_choice.") for key in expected if ".forum." in key}
    expected |= {
        key.replace(".ner.", ".ner_second.") for key in expected if ".ner." in key
    }  # second annotator
    # hand-labelled company news no silver rule reads / that repeats no training text, of both annotators
    labelled = (
        "cross_source.company_news",
        "cross_source.company_news_second",
        "cross_source.company_news_third",
    )
    for prefix in labelled:
        for subset in ("rule_free", "unseen"):
            expected |= {f"{prefix}.{subset}.{name}" for name in ("entity_accuracy", "items")}
    for prefix in ("news_dev", "news_held_out", *labelled):  # company news, by source
        for figure in (
            "entity_accuracy",
            "entity_balanced_accuracy",
            "bad_news_negative",
            "good_news_not_negative",
            "items",
        ):
            expected.add(f"{prefix}.{figure}")
    assert set(figures) == expected and set(TARGETS) <= expected
    assert all(0.0 <= value <= 1.0 for key, value in figures.items() if not key.endswith(".items"))
    assert all(figures[f"{prefix}.items"] == 15 for prefix in ("news_held_out", "cross_source.company_news"))
    for subset in (
        "company_news.rule_free",
        "company_news.unseen",
        "forum.unseen",
        "forum_choice.unseen",
        "ner.unseen",
    ):
        assert 0 < figures[f"cross_source.{subset}.items"] <= 15


def test_tagging_sink_holds_documents_until_their_batch_is_written(tagger: Tagger, tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import datetime

    from crawlers.items import SHANGHAI, Document
    from crawlers.sinks import JsonlSink
    from nlp.tagging_sink import TaggingSink

    def document(number: int) -> Document:
        return Document(
            id=f"doc{number}", url=f"http://127.0.0.1/{number}", source="s", kind="news", title="明川科技被立案",
            content=f"明川科技收到立案告知书。第{number}篇。", crawled_at=datetime(2025, 9, 3, tzinfo=SHANGHAI),
            raw_sha256="0" * 64,
        )  # fmt: skip

    output = tmp_path / "tagged.jsonl"
    stored: list[int] = []
    sink = TaggingSink(JsonlSink(output), tagger, batch_size=3)
    for number in range(2):
        assert sink.write(document(number), lambda n=number: stored.append(n))
    assert stored == [] and output.read_text(encoding="utf-8") == ""  # held: not yet safe to mark seen
    sink.write(document(2), lambda: stored.append(2))
    assert stored == [0, 1, 2]
    sink.write(document(3), lambda: stored.append(3))
    sink.close()  # the last, partial batch is written on close
    assert stored == [0, 1, 2, 3]
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["doc0", "doc1", "doc2", "doc3"]
    assert all(line["sentiment"]["label"] in SENTIMENT_LABELS and line["model"] for line in lines)
    assert all(any(e["watchlist_id"] == "mingchuan" for e in line["entities"]) for line in lines)
    assert {line["sentiment"]["basis"] for line in lines} == {"news"}
    # the document's kind reaches the tagger: a forum post's label is the poster's stance
    post = tmp_path / "post.jsonl"
    forum = TaggingSink(JsonlSink(post), tagger, batch_size=1)
    forum.write(replace(document(4), kind="forum"), None)
    forum.close()
    assert json.loads(post.read_text(encoding="utf-8"))["sentiment"]["basis"] == "post"


def test_crawl_tags_documents_when_a_model_is_configured(
    tiny_model_dir: Path, make_site, tmp_path: Path
) -> None:
    import yaml

    from tests.conftest import run_crawl, write_config
    from tests.test_crawl_faults import article, distinct_story, listing, source

    pages = {f"a/p{i}.html": article(f"报道{i}", distinct_story(i)) for i in range(3)}
    site = make_site({"index.html": listing(*[f"/{p}" for p in pages]), **pages})
    watchlist = [{"id": "mingchuan", "name": "明川科技股份有限公司", "aliases": ["明川科技"]}]
    config = write_config(tmp_path / "cfg", [source(site.base_url)], watchlist=watchlist)
    main = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**main, "model": str(tiny_model_dir)}), encoding="utf-8")
    run = run_crawl(config, tmp_path / "out.jsonl")
    assert run.returncode == 0, run.stderr
    assert len(run.documents) == 3
    assert all(doc.sentiment and doc.model for doc in run.documents)
    linked = [doc for doc in run.documents if any(e["watchlist_id"] == "mingchuan" for e in doc.entities)]
    assert linked  # distinct_story(1) is about 明川科技


def test_masked_lm_pretraining_learns(tokenizer: BertTokenizer, tmp_path: Path) -> None:
    """On a few texts the MLM loss falls well below the unigram level (~6.5 here): context is being used."""
    from nlp.data import load_corpus_lines
    from nlp.model import RiskModelConfig
    from nlp.train import pretrain

    torch.manual_seed(0)
    model = RiskModel(
        RiskModelConfig(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=256, max_length=64)
    )
    config = TrainConfig(
        output=tmp_path, max_length=64, pretrain_steps=300, pretrain_batch=16, pretrain_lr=2e-3, log_every=50
    )
    curve = pretrain(model, load_corpus_lines(limit=16), tokenizer, config)
    assert curve[0] > 9.0 and curve[-1] < 5.0, curve


def test_training_can_continue_from_a_trained_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    import json

    from safetensors.torch import load_file

    output = tmp_path / "continued"
    train(TrainConfig(output=output, init=tiny_model_dir, pretrain_steps=0, steps=0, limit=20))
    before, after = (
        load_file(str(tiny_model_dir / "model.safetensors")),
        load_file(str(output / "model.safetensors")),
    )
    assert before.keys() == after.keys() and all(before[k].equal(after[k]) for k in before)
    written = json.loads((output / "riskwatch_model.json").read_text(encoding="utf-8"))
    assert written["hidden_size"] == 48 and written["version"].endswith("-h48l1-cont")


def test_keeping_the_bottom_layers_keeps_their_states_and_every_head() -> None:
    from nlp.model import RiskModelConfig

    torch.manual_seed(0)
    full = RiskModel(
        RiskModelConfig(
            vocab_size=50, hidden_size=32, num_layers=3, num_heads=2, intermediate_size=64, ner_head="bilstm"
        )
    )
    small = full.with_layers(2).eval()
    full.eval()
    assert small.config.num_layers == 2 and len(small.encoder.encoder.layer) == 2
    ids = torch.tensor([[2, 7, 9, 11, 3, 0], [2, 5, 3, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.inference_mode():
        states = full.encoder(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        assert torch.allclose(small.encode(ids, mask), states[2], atol=1e-6)  # the full model's layer 2
        assert torch.equal(small.sentiment.weight, full.sentiment.weight)
        assert torch.allclose(small.ner(ids, mask), full.ner(ids, mask))  # the NER head is untouched
    for count in (0, 4):
        with pytest.raises(ValueError, match=f"keep_layers must be between 1 and 3, got {count}"):
            full.with_layers(count)


def test_keeping_layers_needs_a_model_to_keep_them_from(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(ValueError, match="keep_layers needs init"):
        train(TrainConfig(output=tmp_path / "out", keep_layers=2, pretrain_steps=0, steps=0, limit=20))


def test_continuing_refuses_a_model_with_other_labels(tiny_model_dir: Path, tmp_path: Path) -> None:
    import json
    import shutil

    other = tmp_path / "other"
    shutil.copytree(tiny_model_dir, other)
    config = json.loads((other / "riskwatch_model.json").read_text(encoding="utf-8"))
    config["sentiment_labels"] = ["bad", "meh", "good"]
    (other / "riskwatch_model.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match="sentiment_labels differ"):
        train(TrainConfig(output=tmp_path / "out", init=other, pretrain_steps=0, steps=0, limit=20))


def test_continued_training_reads_windows_of_the_models_own_length(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    import json

    # 512 positions asked for (the CLI's default is 160), but the model has 64: its own length wins, or
    # long texts would index past its position embeddings.
    output = tmp_path / "continued"
    train(
        TrainConfig(output=output, init=tiny_model_dir, pretrain_steps=0, steps=3, limit=20, max_length=512)
    )
    assert json.loads((output / "riskwatch_model.json").read_text(encoding="utf-8"))["max_length"] == 64


def test_task_weights_parse_and_name_the_bad_part():
    from nlp.train import DEFAULT_TASK_WEIGHTS, parse_task_weights

    weights = parse_task_weights("ner=5, forum=3.5")
    assert weights == {**DEFAULT_TASK_WEIGHTS, "ner": 5.0, "forum": 3.5}
    assert parse_task_weights("") == DEFAULT_TASK_WEIGHTS
    for text, named in [("nre=2", "nre"), ("ner=x", "ner"), ("ner=-1", "ner"), ("ner", "ner")]:
        with pytest.raises(ValueError, match=named):
            parse_task_weights(text)
    with pytest.raises(ValueError, match="nothing to train"):
        parse_task_weights("entity_negative=0,events=0,forum=0,ner=0,company_news=0")


def test_train_cli_rejects_an_unknown_task_weight(capsys):
    from riskwatch.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--output", "x", "--task-weights", "sentiment=2"])
    assert exit_info.value.code == 2
    assert "sentiment=2" in capsys.readouterr().err


def test_pruned_vocabulary_keeps_every_prediction_on_seen_text(tiny_model_dir: Path, tmp_path: Path) -> None:
    from nlp.encoding import load_vocab
    from nlp.vocab_prune import SPECIAL_TOKENS, prune_folder

    texts = ["鸿远地产未能按期兑付债券利息，招商银行称风险可控。", "明川科技收到立案告知书 CMB 600036"]
    pruned_dir = tmp_path / "pruned"
    figures = prune_folder(tiny_model_dir, pruned_dir, texts)
    vocab = list(load_vocab(pruned_dir / "vocab.txt"))
    assert figures["tokens_before"] == 21128 and figures["tokens_after"] == len(vocab) < 80
    assert set(SPECIAL_TOKENS) <= set(vocab) and "鸿" in vocab and "鲸" not in vocab
    assert RiskModel.load(pruned_dir).config.vocab_size == len(vocab)
    assert (pruned_dir / "model.safetensors").stat().st_size < (
        tiny_model_dir / "model.safetensors"
    ).stat().st_size

    full, small = Tagger.load(tiny_model_dir, WATCHLIST), Tagger.load(pruned_dir, WATCHLIST)
    seen = [{"id": "a", "title": texts[1], "content": texts[0], "targets": ["鸿远地产"]}]
    assert _tags(full.tag(seen)) == _tags(small.tag(seen))
    # A character no training text had reads as [UNK] now, and the tagger still answers.
    assert small.tokenizer.tokenize("鲸") == ["[UNK]"]
    assert small.tag([{"id": "b", "title": "", "content": "鲸鱼集团债务违约"}])[0]["sentiment"]["label"]


def _tags(records: list[dict]) -> list:
    def rounded(value):
        if isinstance(value, float):
            return round(value, 4)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items() if k != "model"}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return rounded(records)


def test_training_goes_on_from_a_pruned_folder_with_its_vocabulary(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from nlp.vocab_prune import prune_folder

    pruned_dir = tmp_path / "pruned"
    prune_folder(tiny_model_dir, pruned_dir, ["鸿远地产未能按期兑付债券利息"])
    output = tmp_path / "more"
    train(TrainConfig(output=output, init=pruned_dir, pretrain_steps=0, steps=2, limit=20))
    assert (output / "vocab.txt").read_text("utf-8") == (pruned_dir / "vocab.txt").read_text("utf-8")
    assert RiskModel.load(output).config.vocab_size == RiskModel.load(pruned_dir).config.vocab_size


def test_onnx_encoder_matches_pytorch_on_padded_batches(tiny_model_dir: Path) -> None:
    from nlp.onnx_encoder import OnnxEncoder

    model = RiskModel.load(tiny_model_dir)
    ids = torch.randint(200, 8000, (3, 40), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    ids[2, 25:], mask[2, 25:] = 0, 0  # a padded row: the exported graph must honour the mask
    with torch.inference_mode():
        hidden = model.encode(ids, mask)
        heads = model.heads(hidden, ids, mask)
    encoder = OnnxEncoder(model)
    # its threads sleep between runs, leaving the cores to the tagger's torch and numpy steps
    assert (
        encoder.session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
        == "0"
    )
    onnx_hidden, onnx_heads = encoder(ids, mask)
    assert torch.allclose(onnx_hidden, hidden, atol=1e-4)
    assert all(torch.allclose(onnx_heads[name], heads[name], atol=1e-4) for name in heads)
    # Exporting leaves the PyTorch model as it was (eval mode, its own attention).
    with torch.inference_mode():
        assert torch.equal(model.encode(ids, mask), hidden)
    int8_hidden, _ = OnnxEncoder(model, int8=True)(ids, mask)
    assert not torch.equal(int8_hidden, hidden) and torch.allclose(int8_hidden, hidden, atol=0.2)


def test_onnx_tagger_tags_as_the_pytorch_one(tiny_model_dir: Path, tagger: Tagger) -> None:
    records = [
        {"id": "a", "title": "明川科技收到立案告知书", "content": "鸿远地产未能按期兑付债券利息。" * 30},
        {"id": "b", "title": "", "content": "星海新能源中标光伏项目", "targets": ["星海新能源"]},
    ]
    onnx_tagger = Tagger.load(tiny_model_dir, WATCHLIST, onnx=True, batch_size=4)
    assert onnx_tagger.encoder is not None
    assert _tags(onnx_tagger.tag(records)) == _tags(tagger.tag(records))


def test_torch_int8_tagger_tags_as_the_float_one(tiny_model_dir: Path, tagger: Tagger) -> None:
    """``inference: torch-int8`` quantises the linear layers, whose ``weight`` is then a method: the heads
    must still find the dtype their input takes (this crashed on the first batch before)."""
    records = [
        {"id": "a", "title": "明川科技收到立案告知书", "content": "鸿远地产未能按期兑付债券利息。" * 30},
        {"id": "b", "title": "", "content": "星海新能源中标光伏项目", "targets": ["星海新能源"]},
    ]
    int8_tagger = Tagger.load(tiny_model_dir, WATCHLIST, int8=True, batch_size=4)
    assert not isinstance(int8_tagger.model.entity_negative.weight, torch.Tensor)  # quantised, really
    tagged, reference = int8_tagger.tag(records), tagger.tag(records)
    for got, want in zip(tagged, reference, strict=True):
        assert [e["name"] for e in got["entities"]] == [e["name"] for e in want["entities"]]
        for mine, theirs in zip(got["entities"], want["entities"], strict=True):
            assert abs(mine["negative_score"] - theirs["negative_score"]) < 0.1
        assert got["sentiment"]["score"] == pytest.approx(want["sentiment"]["score"], abs=0.1)


@pytest.mark.parametrize("inference", ["onnx-int8", "torch-int8"])
def test_inference_setting_is_checked_and_reaches_the_tag_command(
    tiny_model_dir: Path, tmp_path: Path, inference: str
) -> None:
    from crawlers.errors import ConfigError
    from riskwatch.config import load_config

    bad = tmp_path / "bad.yaml"
    bad.write_text("inference: tensorrt\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert caught.value.key == "inference" and "onnx-int8" in str(caught.value)

    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        json.dumps({"id": "a", "content": "明川科技被立案调查"}, ensure_ascii=False) + "\n", "utf-8"
    )
    completed = subprocess.run(
        [sys.executable, "-m", "riskwatch", "--config", str(REPO / "configs" / "riskwatch.yaml"), "tag",
         "--input", str(source), "--output", str(output), "--model", str(tiny_model_dir), "--inference", inference],
        capture_output=True, text=True, env=crawl_env(), timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(output.read_text("utf-8"))["sentiment"]["label"] in ("negative", "neutral", "positive")


def test_reverse_padded_reverses_within_each_length() -> None:
    from nlp.model import reverse_padded

    x = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])[..., None]
    lengths = torch.tensor([3, 5])
    assert reverse_padded(x, lengths)[..., 0].tolist() == [[3, 2, 1, 0, 0], [8, 7, 6, 5, 4]]
    assert torch.equal(reverse_padded(reverse_padded(x, lengths), lengths), x)


@pytest.mark.parametrize("kind", ["bilstm", "cnn"])
def test_id_tagger_tags_do_not_depend_on_padding_or_batch_mates(kind: str) -> None:
    from nlp.model import BiLstmTagger, CnnTagger

    torch.manual_seed(0)
    tagger = BiLstmTagger if kind == "bilstm" else CnnTagger
    head = tagger(
        vocab_size=300, embedding=16, hidden=12, layers=4 if kind == "cnn" else 2, tags=7, dropout=0.1
    )
    head.eval()
    short = torch.randint(5, 300, (1, 6))
    long = torch.randint(5, 300, (1, 11))
    padded = torch.zeros(2, 11, dtype=torch.long)
    padded[0, :6], padded[1] = short[0], long[0]
    mask = (padded != 0).long()
    with torch.inference_mode():
        alone = head(short, torch.ones_like(short))
        batched = head(padded, mask)
    assert torch.allclose(batched[0, :6], alone[0], atol=1e-6)
    assert torch.allclose(batched[1], head(long, torch.ones_like(long))[0], atol=1e-6)


def test_a_new_ner_head_keeps_every_other_weight(tiny_model_dir: Path) -> None:
    from nlp.model import BiLstmTagger

    model = RiskModel.load(tiny_model_dir)
    assert isinstance(model.ner, BiLstmTagger)  # the default for a model trained from scratch
    linear = model.with_ner_head("linear")
    assert isinstance(linear.ner, torch.nn.Linear) and linear.config.ner_head == "linear"
    before, after = model.state_dict(), linear.state_dict()
    assert all(after[k].equal(v) for k, v in before.items() if not k.startswith("ner."))
    again = linear.with_ner_head("bilstm")
    assert again.ner.embeddings.weight.equal(model.encoder.embeddings.word_embeddings.weight)
    ids = torch.randint(200, 8000, (2, 20))
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        assert linear.eval()(ids, mask)["ner"].shape == again.eval()(ids, mask)["ner"].shape == (2, 20, 7)
    with pytest.raises(ValueError, match="ner_head: 'crf'"):
        model.with_ner_head("crf")
    cnn = model.with_ner_head("cnn", hidden=24, layers=4)
    assert cnn.config.ner_hidden == 24 and [c.dilation[0] for c in cnn.ner.convolutions] == [1, 2, 4, 8]
    assert cnn.ner.embeddings.weight.equal(model.encoder.embeddings.word_embeddings.weight)
    assert all(cnn.state_dict()[k].equal(v) for k, v in before.items() if not k.startswith("ner."))


def test_onnx_export_runs_the_cnn_ner_head_as_pytorch_does(tiny_model_dir: Path) -> None:
    from nlp.onnx_encoder import OnnxEncoder

    torch.manual_seed(0)
    model = RiskModel.load(tiny_model_dir).with_ner_head("cnn", hidden=16, layers=4).eval()
    ids = torch.randint(200, 8000, (2, 30), generator=torch.Generator().manual_seed(2))
    mask = torch.ones_like(ids)
    ids[1, 18:], mask[1, 18:] = 0, 0
    with torch.inference_mode():
        expected = model.heads(model.encode(ids, mask), ids, mask)["ner"]
    _, heads = OnnxEncoder(model)(ids, mask)
    assert torch.allclose(heads["ner"], expected, atol=1e-4)


def test_ner_batches_train_the_bilstm_head_without_the_encoder(tiny_model_dir: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    output = tmp_path / "ner-only"
    weights = "entity_negative=0,events=0,forum=0,ner=1,company_news=0"
    train(
        TrainConfig(
            output=output, init=tiny_model_dir, pretrain_steps=0, steps=5, limit=20,
            task_weights=parse_task_weights(weights),
        )
    )  # fmt: skip
    before = load_file(str(tiny_model_dir / "model.safetensors"))
    after = load_file(str(output / "model.safetensors"))
    changed = {k for k in before if not before[k].equal(after[k])}
    assert changed and all(k.startswith("ner.") for k in changed), changed
    # A linear head asked for on --init is a new head on the same encoder, trained with it.
    linear = tmp_path / "linear"
    train(
        TrainConfig(
            output=linear, init=tiny_model_dir, pretrain_steps=0, steps=2, limit=20, ner_head="linear"
        )
    )
    assert RiskModel.load(linear).config.ner_head == "linear"


def test_company_news_examples_differ_only_by_the_lexicon_word(shared_data: Path) -> None:
    from nlp.company_news import company_news_examples, lexicon_words

    positive, negative = lexicon_words()
    assert "中标" in positive and "减持" in negative and not set(positive) & set(negative)
    examples = company_news_examples(["华岳股份", "东江制造", "临川医药"], positive, negative, count=300)
    assert examples == company_news_examples(["华岳股份", "东江制造", "临川医药"], positive, negative, 300)
    judged = [target for example in examples for target in example.entities]
    share = sum(target.negative for target in judged) / len(judged)
    assert 0.4 < share < 0.6, share
    for example in examples:
        for target in example.entities:
            assert [example.text[s:e] for s, e in target.mentions] == [target.name]
            word_list = negative if target.negative else positive
            assert any(word in example.text for word in word_list)
        if len(example.entities) == 2:  # one company with each kind of word
            assert example.entities[0].negative != example.entities[1].negative
    assert len(examples) == 300 and sum(len(e.entities) == 2 for e in examples) == 100
    nested = company_news_examples(["华岳", "华岳股份"], positive, negative, count=30)
    assert len(nested) == 30 and all(len(e.entities) == 1 for e in nested)


def test_company_actions_are_checked_and_drawn_beside_the_lexicon(shared_data: Path, tmp_path: Path) -> None:
    from nlp.company_news import company_actions, company_news_examples, lexicon_words

    good, bad = company_actions()
    issue_words = {"中标": good, "增持": good, "回购": good, "业绩增长": good, "减持": bad, "问询函": bad,
                   "立案调查": bad, "债务展期": bad, "被执行人": bad, "安全事故": bad, "业绩下滑": bad}  # fmt: skip
    for word, phrases in issue_words.items():
        assert any(word in phrase for phrase in phrases), word
    positive, negative = lexicon_words()
    companies = ["华岳股份", "东江制造", "临川医药"]
    before = company_news_examples(companies, positive, negative, count=90)
    assert company_news_examples(companies, positive, negative, count=90, actions=None) == before
    examples = company_news_examples(companies, positive, negative, count=300, actions=(good, bad))
    assert examples == company_news_examples(companies, positive, negative, 300, actions=(good, bad))
    single = [example for example in examples if len(example.entities) == 1]
    with_action = 0
    for example in single:  # an action, where one was drawn, has the polarity of the label
        target = example.entities[0]
        with_action += any(p in example.text for p in good + bad)
        assert not any(p in example.text for p in (good if target.negative else bad)), example.text
    assert 0.3 < with_action / len(single) < 0.7  # about ACTION_SHARE of the words

    # good news about two companies: both positive, so not every two-company text is negative news
    assert company_news_examples(companies, positive, negative, 90, good_news_pairs=0.0) == before
    balanced = company_news_examples(
        companies, positive, negative, 600, actions=(good, bad), good_news_pairs=0.5
    )
    pairs = [example for example in balanced if len(example.entities) == 2]
    calm = [example for example in pairs if not any(target.negative for target in example.entities)]
    assert 0.35 < len(calm) / len(pairs) < 0.65, len(calm)
    assert all(a.negative != b.negative for a, b in (e.entities for e in pairs if e not in calm))
    for example in calm:  # no negative word but inside a positive one (降低 in 降低成本)
        text = example.text
        for word in sorted({*good, *positive}, key=len, reverse=True):
            text = text.replace(word, "·")
        assert not any(p in text for p in bad) and not any(w in text for w in negative), example.text

    def negative_share(examples: list) -> float:
        negative = [any(target.negative for target in example.entities) for example in examples]
        return sum(negative) / len(negative)

    mixed = company_news_examples(companies, positive, negative, 600, actions=(good, bad))
    assert negative_share(mixed) > 0.6 and 0.42 < negative_share(balanced) < 0.58  # documents now balanced
    with pytest.raises(ValueError, match="good_news_pairs"):
        company_news_examples(companies, positive, negative, 9, good_news_pairs=1.5)

    broken = tmp_path / "actions.yaml"
    broken.write_text("positive: [中标]\nnegative: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"actions\.yaml: 'negative'"):
        company_actions(broken)
    broken.write_text("positive: [中标, 回购]\nnegative: [回购]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="回购"):
        company_actions(broken)


def test_cpu_flags_are_read_from_cpuinfo() -> None:
    from nlp.cpu_features import cpu_flags

    text = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu avx2 avx512_bf16 amx_bf16 amx_tile\n\n"
    assert {"amx_bf16", "avx2"} <= cpu_flags(text) and "amx_int8" not in cpu_flags(text)
    assert cpu_flags("processor : 0\n") == set()


def test_auto_inference_is_bf16_where_the_cpu_has_amx_else_onnx_int8(monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp import cpu_features
    from riskwatch.config import resolved_inference

    monkeypatch.setattr(cpu_features, "has_amx_bf16", lambda: True)
    assert resolved_inference("auto") == "torch-bf16"
    monkeypatch.setattr(cpu_features, "has_amx_bf16", lambda: False)
    assert resolved_inference("auto") == "onnx-int8"
    assert resolved_inference("onnx-int8") == "onnx-int8" and resolved_inference("torch") == "torch"


def test_bf16_tagger_scores_close_to_fp32(tiny_model_dir: Path, tagger: Tagger) -> None:
    records = [
        {"id": "a", "title": "明川科技收到立案告知书", "content": "鸿远地产未能按期兑付债券利息。" * 30},
        {"id": "b", "title": "", "content": "星海新能源中标光伏项目", "targets": ["星海新能源"]},
    ]
    bf16 = Tagger.load(tiny_model_dir, WATCHLIST, bf16=True, batch_size=4)
    fp32_out, bf16_out = tagger.tag(records), bf16.tag(records)
    assert [[e["name"] for e in r["entities"]] for r in bf16_out] == [
        [e["name"] for e in r["entities"]] for r in fp32_out
    ]
    for low, full in zip(bf16_out, fp32_out, strict=True):
        assert abs(low["sentiment"]["score"] - full["sentiment"]["score"]) < 0.05
        for a, b in zip(low["entities"], full["entities"], strict=True):
            assert abs(a["negative_score"] - b["negative_score"]) < 0.05
    ((_, low_windows),), ((_, full_windows),) = bf16.read(records[:1]), tagger.read(records[:1])
    assert low_windows[0].sentiment != full_windows[0].sentiment  # it did run in bfloat16


def test_token_rows_take_rows_across_batches_in_the_order_asked() -> None:
    from nlp.model import TokenRows

    first, second = torch.arange(12.0).reshape(4, 3), torch.arange(100.0, 106.0).reshape(2, 3)
    rows = TokenRows([first, second], width=3)
    assert len(rows) == 6
    every = torch.cat([first, second])
    asked = torch.tensor([5, 0, 3, 4, 4, 1])
    assert torch.equal(rows.take(asked), every[asked])
    assert rows.take(torch.zeros(0, dtype=torch.long)).shape == (0, 3)
    with pytest.raises(IndexError, match=r"outside 0\.\.5"):
        rows.take(torch.tensor([2, 6]))
    assert TokenRows([], width=3).take(torch.zeros(0, dtype=torch.long)).shape == (0, 3)
