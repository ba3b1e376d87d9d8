"""Reading the bank's exposure file (CSV or XLSX) into rows, with bad rows kept aside with their reason.

CSV may be UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), or GBK/GB18030 (Excel's
default "CSV" on a Chinese Windows); comma, tab or semicolon separated. XLSX: the first worksheet, cached
values of formulas. The header is the first row naming the columns (title rows above it are skipped). Row
numbers are those a person sees in Excel.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reports.amounts import AmountError, header_unit, parse_amount, parse_currency
from reports.errors import ExposureFileError

# Accepted header names per field (compared after NFKC, lower case, spaces/underscores/hyphens removed).
HEADERS: dict[str, tuple[str, ...]] = {
    "counterparty_id": (
        "counterparty_id",
        "counterpartyid",
        "id",
        "customer_id",
        "client_id",
        "客户编号",
        "客户号",
        "客户代码",
        "交易对手编号",
        "交易对手代码",
        "对手方编号",
        "编号",
    ),
    "name": (
        "name",
        "counterparty_name",
        "counterparty",
        "customer_name",
        "client_name",
        "客户名称",
        "交易对手名称",
        "交易对手",
        "对手方名称",
        "企业名称",
        "公司名称",
        "名称",
    ),
    "aliases": ("aliases", "alias", "别名", "简称", "客户简称"),
    "amount": (
        "exposure",
        "exposure_amount",
        "amount",
        "敞口金额",
        "敞口",
        "风险敞口",
        "授信余额",
        "用信余额",
        "余额",
        "金额",
    ),
    "currency": ("currency", "ccy", "币种", "货币"),
    "rating": ("rating", "internal_rating", "评级", "内部评级", "信用评级", "客户评级"),
    "business_unit": ("business_unit", "unit", "bu", "业务条线", "条线", "业务部门", "部门", "经营单位"),
}
ALIAS_SEPARATORS = re.compile(r"[;；，|｜]")
HEADER_SEARCH_ROWS = 10


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).strip().lower())


_HEADER_INDEX = {_header_key(name): field_name for field_name, names in HEADERS.items() for name in names}


@dataclass(frozen=True)
class ExposureRow:
    """One parsed row of the exposure file."""

    row: int  # as Excel numbers it (header = 1)
    counterparty_id: str
    name: str
    aliases: tuple[str, ...]
    amount: Decimal
    currency: str
    rating: str = ""
    business_unit: str = ""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str
    values: tuple[str, ...] = ()  # the row's cells as read, for the errors sheet


@dataclass
class ExposureFile:
    path: Path
    sha256: str
    columns: dict[str, str]  # field -> the header it was read from
    rows: list[ExposureRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    default_currency: str | None = None  # set when the file has no currency column


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError as exc:
        raise ExposureFileError(path, f"not UTF-8, UTF-16 or GBK text (bad byte at {exc.start})") from exc


def _csv_table(path: Path, data: bytes) -> list[tuple[int, list[object]]]:
    text = _decode(path, data)
    # The separator is guessed from the first lines together: the first is often a title row with none.
    head = text.split("\n", 10)[:10]
    delimiter = max(",\t;", key=lambda sep: max(line.count(sep) for line in head))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Records, not lines: a quoted cell may span lines, and Excel shows such a record as one row (a blank
    # line is a record too, as it is a row in Excel).
    return [(number, list(cells)) for number, cells in enumerate(reader, start=1)]


def _xlsx_table(path: Path) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        raise ExposureFileError(path, f"not a readable XLSX workbook ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        return [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed as 600036 comes back from Excel as 600036.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def _columns(path: Path, header: list[object]) -> tuple[dict[str, int], dict[str, str], Decimal]:
    positions: dict[str, int] = {}
    sources: dict[str, str] = {}
    multiplier = Decimal(1)
    for position, cell in enumerate(header):
        raw = _cell_text(cell)
        bare, unit = header_unit(raw)
        field_name = _HEADER_INDEX.get(_header_key(bare))
        if field_name is None or field_name in positions:
            continue
        positions[field_name], sources[field_name] = position, raw
        if field_name == "amount":
            multiplier = unit
    if "amount" not in positions or not ({"counterparty_id", "name"} & positions.keys()):
        raise ExposureFileError(
            path,
            "the header needs an exposure amount column and a counterparty id or name column "
            f"(found: {', '.join(_cell_text(c) for c in header if c is not None) or 'nothing'}); "
            "accepted headers are listed in the README",
        )
    return positions, sources, multiplier


def _header_position(table: list[tuple[int, list[object]]]) -> int:
    """The header is the first of the first :data:`HEADER_SEARCH_ROWS` non-empty rows that names an amount
    column and an id or name column (exports often put a title and a date above it); else the first row,
    whose error then says what it found."""
    for position, (_, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        found = {_HEADER_INDEX.get(_header_key(header_unit(_cell_text(cell))[0])) for cell in cells}
        if "amount" in found and found & {"counterparty_id", "name"}:
            return position
    return 0


def _parse_row(
    number: int, cells: list[object], positions: dict[str, int], multiplier: Decimal, currency: str | None
) -> ExposureRow:
    def cell(name: str) -> object:
        position = positions.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    counterparty_id, name = _cell_text(cell("counterparty_id")), _cell_text(cell("name"))
    if not counterparty_id and not name:
        raise AmountError("no counterparty id or name")
    aliases = tuple(
        part.strip() for part in ALIAS_SEPARATORS.split(_cell_text(cell("aliases"))) if part.strip()
    )
    return ExposureRow(
        row=number,
        counterparty_id=counterparty_id,
        name=name,
        aliases=aliases,
        amount=parse_amount(cell("amount"), multiplier),
        currency=parse_currency(cell("currency")) if currency is None else currency,
        rating=_cell_text(cell("rating")),
        business_unit=_cell_text(cell("business_unit")),
    )


def read_exposure_file(path: Path, default_currency: str = "CNY") -> ExposureFile:
    """Parse the whole file; rows that do not parse are returned in ``errors`` with their reason.

    ``default_currency`` applies only when the file has no currency column at all; an empty currency cell
    in a file that has the column is a row error."""
    if not path.is_file():
        raise ExposureFileError(path, "file not found")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_table(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        table = _csv_table(path, data)
    else:
        raise ExposureFileError(path, f"unknown file type {suffix!r}: use .csv or .xlsx")
    table = [(number, cells) for number, cells in table if any(_cell_text(c) for c in cells)]
    if not table:
        raise ExposureFileError(path, "the file is empty")
    position = _header_position(table)
    positions, sources, multiplier = _columns(path, table[position][1])
    body = table[position + 1 :]
    currency = None if "currency" in positions else default_currency
    result = ExposureFile(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        columns=sources,
        default_currency=currency,
    )
    for number, cells in body:
        try:
            result.rows.append(_parse_row(number, cells, positions, multiplier, currency))
        except AmountError as exc:
            result.errors.append(RowError(number, str(exc), tuple(_cell_text(c) for c in cells)))
    return result
