"""Reading exposure files: encodings, XLSX, Chinese headers, amounts and units, bad rows with row numbers."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from reports.amounts import AmountError, header_unit, parse_amount, parse_currency
from reports.errors import ExposureFileError
from reports.exposure_file import read_exposure_file
from tests.reports.reportdata import BAD_ROWS, EXPOSURE_CSV


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1234.5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("１，２３４", Decimal("1234")),  # full-width digits and comma
        ("¥1,000", Decimal("1000")),
        ("1.2亿", Decimal("120000000")),
        ("3,500万元", Decimal("35000000")),
        ("8000万", Decimal("80000000")),
        (" 42 ", Decimal("42")),
        (1500, Decimal("1500")),
        (2.5, Decimal("2.5")),
        ("0", Decimal("0")),
    ],
)
def test_amounts_that_parse(cell: object, expected: Decimal) -> None:
    assert parse_amount(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("", "amount is empty"),
        (None, "amount is empty"),
        ("12abc", "is not a number"),
        ("-5", "is negative"),
        ("(1,000)", "is negative"),
        ("5%", "is not a number"),
        ("1.2.3", "is not a number"),
        ("约一万", "is not a number"),
        (True, "is not a number"),
        (-3, "is negative"),
    ],
)
def test_amounts_that_do_not(cell: object, reason: str) -> None:
    with pytest.raises(AmountError, match=reason):
        parse_amount(cell)


def test_header_units_multiply_every_cell() -> None:
    assert header_unit("敞口金额(万元)") == ("敞口金额", Decimal(10_000))
    assert header_unit("敞口金额（亿元）") == ("敞口金额", Decimal(100_000_000))
    assert header_unit("exposure") == ("exposure", Decimal(1))
    assert parse_amount("1.5", Decimal(10_000)) == Decimal(15_000)
    assert parse_amount(2, Decimal(10_000)) == Decimal(20_000)


@pytest.mark.parametrize(
    ("cell", "code"), [("CNY", "CNY"), ("人民币", "CNY"), ("usd", "USD"), ("港币", "HKD")]
)
def test_currencies(cell: str, code: str) -> None:
    assert parse_currency(cell) == code


def test_bad_currency() -> None:
    with pytest.raises(AmountError, match="currency 'dollars'"):
        parse_currency("dollars")


def _check_fixture_file(path: Path) -> None:
    parsed = read_exposure_file(path)
    assert [row.row for row in parsed.rows] == [2, 3, 4, 5, 6]
    assert {error.row: error.reason for error in parsed.errors} == {
        7: "amount '12abc' is not a number",
        8: "amount '-5' is negative",
    }
    assert set(BAD_ROWS) == {error.row for error in parsed.errors}
    first, second, _, fourth, _ = parsed.rows
    assert (first.counterparty_id, first.name, first.aliases) == (
        "hongyuan",
        "鸿远地产集团股份有限公司",
        ("鸿远地产", "鸿远集团"),
    )
    assert first.amount == Decimal("1200000000") and first.currency == "CNY"
    assert (first.rating, first.business_unit) == ("BBB", "公司金融")
    assert second.counterparty_id == "" and second.amount == Decimal(350_000_000) and second.currency == "CNY"
    assert fourth.aliases == ("星海新能源", "星海")  # full-width ｜ separates aliases too
    assert parsed.columns["amount"] == "敞口金额" and parsed.columns["business_unit"] == "业务条线"
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_banks_export(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "exposures.csv"
    path.write_bytes(EXPOSURE_CSV.replace("\n", "\r\n").encode(encoding))
    _check_fixture_file(path)


def test_tab_separated_text(tmp_path: Path) -> None:
    path = tmp_path / "exposures.txt"
    text = "id\tname\texposure\tcurrency\nanhe\t安和食品\t1,000\tCNY\n"
    path.write_text(text, encoding="utf-8")
    parsed = read_exposure_file(path)
    assert [(r.counterparty_id, r.amount) for r in parsed.rows] == [("anhe", Decimal(1000))]


def test_separator_is_found_below_a_title_row(tmp_path: Path) -> None:
    path = tmp_path / "exposures.txt"
    text = "对公客户风险敞口明细\n客户编号\t客户名称\t敞口金额\t币种\nanhe\t安和食品\t1,000\tCNY\n"
    path.write_text(text, encoding="utf-8")
    parsed = read_exposure_file(path)
    assert [(r.row, r.counterparty_id, r.amount) for r in parsed.rows] == [(3, "anhe", Decimal(1000))]


def test_csv_row_numbers_are_excel_rows_when_a_cell_spans_lines(tmp_path: Path) -> None:
    """A quoted cell with a line break is one row in Excel: later row numbers must not shift."""
    path = tmp_path / "exposures.csv"
    text = 'id,name,exposure\r\nanhe,"安和食品\r\n（原安和乳业）",1000\r\n\r\nbad,坏行,12abc\r\n'
    path.write_bytes(text.encode("utf-8"))
    parsed = read_exposure_file(path)
    assert [(row.row, row.counterparty_id) for row in parsed.rows] == [(2, "anhe")]
    assert [(error.row, error.reason) for error in parsed.errors] == [(4, "amount '12abc' is not a number")]


def test_xlsx_with_numbers_and_english_headers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Counterparty ID", "Counterparty Name", "Aliases", "Exposure Amount (万元)", "CCY", "Rating"]
    )
    sheet.append([601999, "鸿远地产集团股份有限公司", "鸿远集团|鸿远置业", 120000, "CNY", "BBB"])
    sheet.append([None, None, None, None, None, None])  # an empty row is skipped, numbering kept
    sheet.append(["M-1", "明川科技", None, "3.5亿", "人民币", "A"])
    sheet.append(["X-1", "星海新能源", None, "n/a", "CNY", "A"])
    path = tmp_path / "exposures.xlsx"
    workbook.save(path)
    parsed = read_exposure_file(path)
    assert [(r.row, r.counterparty_id, r.amount) for r in parsed.rows] == [
        (2, "601999", Decimal(1_200_000_000)),
        (4, "M-1", Decimal(350_000_000)),  # the cell's own unit (亿) wins over the header's 万元
    ]
    assert parsed.rows[0].aliases == ("鸿远集团", "鸿远置业")
    assert [(e.row, e.reason) for e in parsed.errors] == [(5, "amount 'n/a' is not a number")]


def test_no_currency_column_uses_the_default(tmp_path: Path) -> None:
    path = tmp_path / "exposures.csv"
    path.write_text("客户名称,敞口金额\n安和食品,100\n", encoding="utf-8")
    parsed = read_exposure_file(path, default_currency="HKD")
    assert parsed.rows[0].currency == "HKD" and parsed.default_currency == "HKD"


def test_empty_currency_cell_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "exposures.csv"
    path.write_text("客户名称,敞口金额,币种\n安和食品,100,\n,200,CNY\n", encoding="utf-8")
    parsed = read_exposure_file(path)
    assert [(e.row, e.reason) for e in parsed.errors] == [
        (2, "currency is empty"),
        (3, "no counterparty id or name"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,rating\n安和食品,A\n", "needs an exposure amount column"),
        ("exposure,rating\n100,A\n", "counterparty id or name column"),
        ("\n\n", "the file is empty"),
    ],
)
def test_unusable_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExposureFileError, match=message) as raised:
        read_exposure_file(path)
    assert str(path) in str(raised.value)


def test_missing_and_wrong_type_files(tmp_path: Path) -> None:
    with pytest.raises(ExposureFileError, match="file not found"):
        read_exposure_file(tmp_path / "absent.csv")
    other = tmp_path / "exposures.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(ExposureFileError, match="unknown file type"):
        read_exposure_file(other)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ExposureFileError, match="not a readable XLSX"):
        read_exposure_file(broken)


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某银行对公客户风险敞口明细表"])
    sheet.append(["数据日期：2025-09-30"])
    sheet.append([])
    sheet.append(["客户编号", "客户名称", "敞口金额（万元）", "币种"])
    sheet.append(["anhe", "安和食品", 25000, "CNY"])
    sheet.append(["x", "某公司", "不详", "CNY"])
    path = tmp_path / "titled.xlsx"
    workbook.save(path)
    parsed = read_exposure_file(path)
    assert [(r.row, r.counterparty_id, r.amount) for r in parsed.rows] == [(5, "anhe", Decimal(250_000_000))]
    assert [(e.row, e.reason) for e in parsed.errors] == [(6, "amount '不详' is not a number")]
