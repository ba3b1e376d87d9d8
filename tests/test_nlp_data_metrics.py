"""The NLP metrics on hand-computed toy cases, and the shared-data loaders on the real files.

The loader tests read the data from the shared folder at run time (its rows may not be copied into the
repository) and skip when it is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp import data, ner_data
from nlp.labels import NO_EVENT
from nlp.metrics import bdci_negative_score, event_type_prf, macro_f1, prf, set_prf, span_prf
from nlp.ner_data import NerSentence, Span

# --- metrics ---------------------------------------------------------------------------------------------


def test_prf_definition() -> None:
    result = prf(true_positives=2, predicted=3, gold=4)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(1 / 2)
    assert result.f1 == pytest.approx(4 / 7)  # 2 · (2/3) · (1/2) / (2/3 + 1/2)


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        ({1, 2}, {1, 2}, (1.0, 1.0, 1.0)),
        ({1, 2}, set(), (0.0, 0.0, 0.0)),  # no predictions: precision is 0 by convention
        (set(), {1, 2}, (0.0, 0.0, 0.0)),  # no gold: recall is 0 by convention
        (set(), set(), (0.0, 0.0, 0.0)),
        ([1, 1, 2], [1, 1, 3], (0.5, 0.5, 0.5)),  # duplicates count once
    ],
)
def test_set_prf_edge_cases(
    gold: set[int], predicted: set[int], expected: tuple[float, float, float]
) -> None:
    result = set_prf(gold, predicted)
    assert (result.precision, result.recall, result.f1) == pytest.approx(expected)


def test_bdci_score_by_hand() -> None:
    gold = {"a": (True, {"X", "Y"}), "b": (False, set()), "c": (True, {"Z"})}
    predicted = {"a": (True, {"X"}), "b": (True, {"W"}), "c": (False, {"Z"})}
    score = bdci_negative_score(gold, predicted)
    # negative: gold {a, c}, predicted {a, b} → P = R = F1 = 1/2
    assert score.negative.f1 == pytest.approx(0.5)
    # entities: gold {aX, aY, cZ}; predicted {aX, bW} (c is not predicted negative, so its Z is void)
    assert (score.entity.precision, score.entity.recall) == pytest.approx((1 / 2, 1 / 3))
    assert score.entity.f1 == pytest.approx(0.4)
    assert score.score == pytest.approx(0.4 * 0.5 + 0.6 * 0.4)


def test_bdci_score_perfect_missing_and_unknown() -> None:
    gold = {"a": (True, {"X"}), "b": (False, set())}
    assert bdci_negative_score(gold, gold).score == pytest.approx(1.0)
    assert bdci_negative_score(gold, {}).score == 0.0  # missing texts are predicted non-negative
    with pytest.raises(ValueError, match="not in gold"):
        bdci_negative_score(gold, {"zzz": (True, {"X"})})


def test_bdci_score_without_negative_gold() -> None:
    gold = {"a": (False, set()), "b": (False, set())}
    assert bdci_negative_score(gold, {"a": (True, {"X"})}).score == 0.0
    assert bdci_negative_score(gold, gold).score == 0.0  # nothing to find: 0, not 1, by convention


def test_macro_f1_by_hand() -> None:
    gold = [0, 0, 1, 2, 2, 2]
    predicted = [0, 1, 1, 2, 2, 0]
    result = macro_f1(gold, predicted)
    # class 0: P 1/2 R 1/2 F 1/2; class 1: P 1/2 R 1 F 2/3; class 2: P 1 R 2/3 F 4/5
    assert [result.per_label[label].f1 for label in (0, 1, 2)] == pytest.approx([1 / 2, 2 / 3, 4 / 5])
    assert result.macro_f1 == pytest.approx((1 / 2 + 2 / 3 + 4 / 5) / 3)


def test_macro_f1_absent_class_counts_as_zero() -> None:
    assert macro_f1([0, 0], [0, 0]).macro_f1 == pytest.approx(1 / 3)
    assert macro_f1([], []).macro_f1 == 0.0
    with pytest.raises(ValueError, match="2 gold labels but 1"):
        macro_f1([0, 1], [0])


def test_span_prf_exact_match_per_type() -> None:
    gold = [{(0, 2, "ORG"), (3, 5, "PER")}, {(1, 4, "LOC")}]
    predicted = [{(0, 2, "ORG"), (3, 6, "PER")}, {(1, 4, "ORG")}]
    result = span_prf(gold, predicted)
    assert (result.overall.true_positives, result.overall.predicted, result.overall.gold) == (1, 3, 3)
    assert result.overall.f1 == pytest.approx(1 / 3)
    org = result.per_type["ORG"]
    assert (org.precision, org.recall, org.f1) == pytest.approx((1 / 2, 1.0, 2 / 3))
    assert result.per_type["PER"].f1 == 0.0  # end off by one is wrong
    assert result.per_type["LOC"].f1 == 0.0  # right span, wrong type


def test_span_prf_spans_belong_to_their_sentence() -> None:
    result = span_prf([{(0, 2, "ORG")}, set()], [set(), {(0, 2, "ORG")}])
    assert result.overall.true_positives == 0
    assert span_prf([set()], [set()]).overall.f1 == 0.0
    with pytest.raises(ValueError, match="sentences"):
        span_prf([set()], [])


def test_event_type_prf_by_hand() -> None:
    gold = {"a": {"信批违规", "交易违规"}, "b": {"其他"}}
    predicted = {"a": {"信批违规"}, "b": {"业绩下滑"}}
    assert event_type_prf(gold, predicted).f1 == pytest.approx(0.4)  # P 1/2, R 1/3
    assert event_type_prf(gold, predicted, ignore={"其他"}).f1 == pytest.approx(0.5)  # P 1/2, R 1/2
    assert event_type_prf(gold, {}).f1 == 0.0
    with pytest.raises(ValueError, match="not in gold"):
        event_type_prf(gold, {"c": {"其他"}})


# --- tag decoding and splitting, on toy input -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["B-ORG", "M-ORG", "E-ORG", "O", "S-NAME", "B-TITLE", "E-TITLE"], [(0, 3, "ORG"), (4, 5, "PER")]),
        (["B-ORG", "B-ORG", "E-ORG"], [(0, 1, "ORG"), (1, 3, "ORG")]),
        (["B-PER", "I-PER", "B-PER", "O", "I-LOC", "I-LOC"], [(0, 2, "PER"), (2, 3, "PER"), (4, 6, "LOC")]),
        (["B-ORG", "I-PER"], [(0, 1, "ORG"), (1, 2, "PER")]),
        (["M-ORG", "E-ORG", "O"], [(0, 2, "ORG")]),  # a sentence cut inside an entity keeps its tail
        (["O", "O"], []),
    ],
)
def test_tags_to_spans(tags: list[str], expected: list[tuple[int, int, str]]) -> None:
    types = {"ORG": "ORG", "NAME": "PER", "PER": "PER", "LOC": "LOC"}
    assert ner_data.tags_to_spans(tags, types) == expected


def test_read_char_tagged_and_cluener(tmp_path: Path) -> None:
    tagged = tmp_path / "toy.bmes"
    tagged.write_text("张 B-NAME\n三 E-NAME\n在 O\n\n甲 B-ORG\n厂 E-ORG\n", encoding="utf-8")
    sentences = ner_data.read_char_tagged(tagged, ner_data.RESUME_TYPES, "resume")
    assert sentences == [
        NerSentence("张三在", (Span(0, 2, "PER"),), "resume"),
        NerSentence("甲厂", (Span(0, 2, "ORG"),), "resume"),
    ]
    cluener = tmp_path / "toy.jsonl"
    record = {
        "text": "甲公司在乙市",
        "label": {"company": {"甲公司": [[0, 2]]}, "address": {"乙市": [[4, 5]]}},
    }
    cluener.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [sentence] = ner_data.read_cluener(cluener)
    assert sentence.spans == (Span(0, 3, "ORG"), Span(4, 6, "LOC"))
    record["label"] = {"company": {"甲公司": [[0, 1]]}}
    cluener.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        ner_data.read_cluener(cluener)


def test_hash_split_is_deterministic_and_keeps_duplicates_together() -> None:
    items = [f"text {index % 150}" for index in range(300)]
    first = data.hash_split(items, str, 0.1)
    assert first == data.hash_split(items, str, 0.1)
    assert set(first.dev) == set(data.hash_split(items[::-1], str, 0.1).dev)  # order does not matter
    assert len(first.dev) == 30  # 15 distinct texts, each twice
    assert len(set(first.dev)) == 15
    assert not set(first.dev) & set(first.train)


def test_missing_data_folder_and_file_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError, match=r"absent.*RISKWATCH_DATA"):
        data.load_forum_sentiment()
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"entity_negative/train\.csv"):
        data.load_entity_negative()


# --- loaders on the shared data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def root(shared_data: Path) -> Path:
    return shared_data


def test_entity_negative(root: Path) -> None:
    train, dev = data.load_entity_negative(root)
    texts = train + dev
    assert (len(train), len(dev)) == (3885, 482)  # README: 4,367 texts
    assert len({text.id for text in texts}) == len(texts)
    assert 9_500 <= sum(len(text.candidates) for text in texts) <= 10_500  # README: ~10k pairs
    for text in texts:
        assert all(entity and entity == entity.strip() for entity in text.candidates)
        assert len(set(text.candidates)) == len(text.candidates)
        assert set(text.key_entities) <= set(text.candidates)
        assert text.negative == bool(text.key_entities)


def test_forum_sentiment_split(root: Path) -> None:
    train, dev = data.load_forum_sentiment(root)
    assert len(train) + len(dev) == 10_873
    assert not {post.text for post in train} & {post.text for post in dev}
    every, held = Counter(post.label for post in train + dev), Counter(post.label for post in dev)
    for label in (0, 1, 2):
        assert abs(held[label] - 0.1 * every[label]) <= 1  # stratified
    assert data.load_forum_sentiment(root) == (train, dev)


def test_events_rows_and_grouped_view(root: Path) -> None:
    train, dev = data.load_events(root)
    rows = train + dev
    assert len(rows) == 15_271
    assert all(row.subject == "" for row in rows if row.event_type == NO_EVENT)
    assert all(row.subject for row in rows if row.event_type != NO_EVENT)
    assert len({row.event_type for row in rows} - {NO_EVENT}) == 21
    grouped_train, grouped_dev = data.load_event_texts(root)
    grouped = grouped_train + grouped_dev
    assert len({text.id for text in grouped}) == len(grouped)
    assert len({text.text for text in grouped_train}) == len(grouped_train)
    # The given split is per row; no text may sit on both sides of the grouped view.
    assert not {text.text for text in grouped_train} & {text.text for text in grouped_dev}
    assert len(grouped_dev) == 1504
    assert sum(len(text.events) for text in grouped) <= len(rows)
    assert any(len(text.events) > 1 for text in grouped)


def test_ner_spans_are_valid(root: Path) -> None:
    train, dev = ner_data.load_ner(root)
    counts = Counter(sentence.corpus for sentence in train + dev)
    assert counts == {"cluener": 10_748, "resume": 3_821 + 463, "msra": 55_289}
    assert Counter(sentence.corpus for sentence in dev)["resume"] == 463
    for sentence in train + dev:
        for start, end, label in sentence.spans:
            assert 0 <= start < end <= len(sentence.text)
            assert sentence.text[start:end].strip()
            assert label in ("ORG", "PER", "LOC")
    for corpus, fraction in (("cluener", 0.10), ("msra", 0.05)):
        held = {s.text for s in dev if s.corpus == corpus}
        assert not held & {s.text for s in train if s.corpus == corpus}
        assert abs(len(held) / counts[corpus] - fraction) < 0.005
    labels = Counter(span.label for sentence in train + dev for span in sentence.spans)
    assert min(labels.values()) > 10_000


def test_ner_split_is_deterministic(root: Path) -> None:
    assert ner_data.load_ner(root, ["cluener"]) == ner_data.load_ner(root, ["cluener"])
    with pytest.raises(ValueError, match="unknown NER corpus"):
        ner_data.load_ner(root, ["ontonotes"])


def test_lexicons(root: Path) -> None:
    lexicon = data.load_lexicons(root)
    assert set(lexicon.counts) == set(data.LEXICON_POLARITY)
    assert all(count["positive"] > 500 and count["negative"] > 500 for count in lexicon.counts.values())
    assert not lexicon.positive & lexicon.negative
    assert len(lexicon.positive) > 10_000 and len(lexicon.negative) > 10_000
    finance = data.load_lexicons(root, data.FINANCE_LEXICONS)
    assert set(finance.counts) == set(data.FINANCE_LEXICONS)
    assert len(finance.positive) < len(lexicon.positive)


def test_corpus_lines(root: Path) -> None:
    assert len(data.load_corpus_lines(limit=5, root=root)) == 5
    lines = data.load_corpus_lines(root=root)
    assert 25_000 <= len(lines) <= 25_200  # README: 25,159 lines
    assert all(line == line.strip() and line for line in lines)
