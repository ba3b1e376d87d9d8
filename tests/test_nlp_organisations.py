"""Which NER spans the tagger reports as organisations not on the watchlist."""

from __future__ import annotations

import pytest

from nlp.tagger import _names_an_organisation


@pytest.mark.parametrize("name", ["青石矿业有限公司", "江屿银行", "中国证监会", "华岳股份"])
def test_named_organisations_are_reported(name: str) -> None:
    assert _names_an_organisation(name)


@pytest.mark.parametrize("name", ["公司", "城市", "本公司", "集团", "A公司", "银行"])
def test_generic_words_and_bare_suffixes_are_not(name: str) -> None:
    assert not _names_an_organisation(name)
