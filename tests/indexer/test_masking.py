"""Masking personal information before storing: checksums decide, counts are kept, offsets hold."""

from __future__ import annotations

import pytest

from indexer.config import MaskingConfig
from indexer.masking import Masker, id_card_valid, luhn_valid
from tests.indexer.docs import entity, make_doc

VALID_ID = "11010519491231002X"  # the check digit X is right (ISO 7064 MOD 11-2)
WRONG_ID = "110105194912310021"
VISA_TEST = "4111111111111111"  # Luhn-valid
WRONG_CARD = "4111111111111112"


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the digit that makes it Luhn-valid (computed here, independently of the module)."""
    for check in "0123456789":
        digits = [int(c) for c in prefix + check][::-1]
        total = sum(d if i % 2 == 0 else sum(divmod(d * 2, 10)) for i, d in enumerate(digits))
        if total % 10 == 0:
            return prefix + check
    raise AssertionError


CARD_19 = luhn_complete("622202123456789012")


def test_checksums() -> None:
    assert id_card_valid(VALID_ID) and id_card_valid(VALID_ID.lower())
    assert not id_card_valid(WRONG_ID)
    assert luhn_valid(VISA_TEST) and luhn_valid(CARD_19)
    assert not luhn_valid(WRONG_CARD)
    assert not luhn_valid("2013812345678901")  # used below as a number that is no card


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("联系电话13812345678。", "联系电话138****5678。"),
        ("电话+8613812345678", "电话+86138****5678"),
        ("电话8613812345678", "电话86138****5678"),
        ("电话008613912345678", "电话0086139****5678"),
        (f"身份证号{VALID_ID}，", "身份证号110***********002X，"),
        (f"卡号{VISA_TEST}", "卡号411*********1111"),
        ("卡号4111 1111 1111 1111", "卡号411* **** **** 1111"),
        (f"卡号{CARD_19}", f"卡号622************{CARD_19[-4:]}"),
    ],
)
def test_numbers_are_masked(text: str, masked: str) -> None:
    assert Masker().mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        f"订单号{WRONG_ID}",  # 18 digits, wrong check digit, not Luhn-valid either
        f"流水{WRONG_CARD}",
        "编号2013812345678901",  # a mobile-like run inside a longer number
        "12345678901",  # not a mobile prefix
        "编号58613812345678",  # "86" inside a longer number is not a country code
        "股价13.81元，成交额1234567万元",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert Masker().mask_text(text) == text


def test_document_counts_and_totals() -> None:
    masker = Masker()
    doc = make_doc(
        "m1",
        title="投诉人电话13912345678",
        content=f"身份证{VALID_ID}，银行卡{VISA_TEST}，备用电话15800001111，订单{WRONG_ID}。",
        entities=[{**entity("hongyuan", True), "evidence": ["客户13912345678投诉"]}],
    )
    masked = masker.mask(doc)
    assert masked.extra["masked"] == {"id_card": 1, "bank_card": 1, "mobile": 2}
    assert "13912345678" not in masked.title + masked.content + str(masked.entities)
    assert WRONG_ID in masked.content
    assert len(masked.content) == len(doc.content) and len(masked.title) == len(doc.title)
    assert doc.title == "投诉人电话13912345678"  # the input is not changed
    clean = masker.mask(make_doc("m2", content="没有号码"))
    assert "masked" not in clean.extra
    assert masker.report.to_dict() == {"id_card": 1, "bank_card": 1, "mobile": 2, "documents": 1}


def test_each_kind_can_be_switched_off() -> None:
    text = f"电话13812345678 身份证{VALID_ID} 卡{VISA_TEST}"
    no_mobile = Masker(MaskingConfig(mobile=False)).mask_text(text)
    assert "13812345678" in no_mobile and VALID_ID not in no_mobile and VISA_TEST not in no_mobile
    assert Masker(MaskingConfig(enabled=False)).mask_text(text) == text
    only_cards = Masker(MaskingConfig(mobile=False, id_card=False)).mask_text(text)
    assert VALID_ID in only_cards and VISA_TEST not in only_cards


def test_masking_twice_changes_nothing_more() -> None:
    masker = Masker()
    once = masker.mask(make_doc("m3", content="电话13812345678"))
    twice = masker.mask(once)
    assert twice.content == once.content
    assert twice.extra["masked"] == {"mobile": 1}  # the first count is kept
