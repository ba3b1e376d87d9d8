"""Lexicon counts beside the n-grams: one column per category, saved with the heads, validated on load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nlp.lexicon_features import LEXICON_FILE, MIN_WORDS, LexiconFeatures, read_lexicons


def test_transform_counts_each_category_log_scaled() -> None:
    lexicon = LexiconFeatures({"neg": ["血本无归", "跑路", "无归"], "pos": ["大涨", "满仓"]})
    matrix = lexicon.transform(["平台跑路，血本无归，跑路了", "大涨满仓", "天气晴朗"]).toarray()
    # overlapping words all count: 血本无归 and 无归, and 跑路 twice
    assert matrix[0].tolist() == pytest.approx([math.log1p(4), 0.0])
    assert matrix[1].tolist() == pytest.approx([0.0, math.log1p(2)])
    assert matrix[2].tolist() == [0.0, 0.0]
    assert lexicon.width == 2


def test_a_word_in_two_categories_counts_in_both() -> None:
    lexicon = LexiconFeatures({"a": ["亏损"], "b": ["亏损", "下跌"]})
    assert lexicon.transform(["亏损"]).toarray()[0].tolist() == pytest.approx([math.log1p(1)] * 2)


def test_save_load_and_a_broken_file_named(tmp_path: Path) -> None:
    lexicon = LexiconFeatures({"neg": ["跑路"], "pos": ["大涨"]})
    lexicon.save(tmp_path)
    loaded = LexiconFeatures.load(tmp_path)
    assert loaded is not None and loaded.categories == lexicon.categories
    assert LexiconFeatures.load(tmp_path / "missing") is None
    (tmp_path / LEXICON_FILE).write_text(json.dumps({"categories": {"neg": "跑路"}}), encoding="utf-8")
    with pytest.raises(ValueError, match=LEXICON_FILE):
        LexiconFeatures.load(tmp_path)
    with pytest.raises(ValueError, match="at least one category"):
        LexiconFeatures({})


def test_read_lexicons_keeps_categories_with_enough_words(tmp_path: Path) -> None:
    folder = tmp_path / "lexicons"
    folder.mkdir()
    many = [f"词{i:02d}" for i in range(MIN_WORDS)]
    (folder / "Mini.yaml").write_text(
        json.dumps({"Dictionary": {"big": [*many, "单", " 词00 "], "small": many[:3]}}, ensure_ascii=False),
        encoding="utf-8",
    )
    assert read_lexicons(tmp_path, ["Mini.yaml"]) == {"Mini:big": many}  # one-character words dropped
    (folder / "Broken.yaml").write_text("Name: no dictionary\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"Broken\.yaml"):
        read_lexicons(tmp_path, ["Broken.yaml"])


def test_shared_lexicons_give_the_shipped_categories(shared_data: Path) -> None:
    categories = read_lexicons(shared_data)
    assert "FinacialFormalUnformal:非正式-否定情绪" in categories and "NTUSD:positive" in categories
    assert all(len(words) >= MIN_WORDS for words in categories.values())
