"""Exposure amounts and currencies as banks write them in spreadsheets.

Amounts are exact decimals. Accepted: ``1234.5``, ``1,234.5``, full-width digits, a currency sign
(``¥1,234``), and the Chinese units 万 (10⁴) and 亿 (10⁸) written after the number (``1.2亿``,
``3,500万元``) or in the column header (``敞口金额(万元)`` multiplies every cell that names no unit of its
own by 10⁴). Negative amounts,
percentages and anything else that is not one number are rejected with the reason, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

UNIT_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "元": Decimal(1),
    "千": Decimal(1000),
    "千元": Decimal(1000),
    "万": Decimal(10_000),
    "万元": Decimal(10_000),
    "百万": Decimal(1_000_000),
    "百万元": Decimal(1_000_000),
    "亿": Decimal(100_000_000),
    "亿元": Decimal(100_000_000),
}
# Currency names seen in Chinese exports -> ISO 4217 code.
CURRENCY_NAMES: dict[str, str] = {
    "人民币": "CNY",
    "rmb": "CNY",
    "元": "CNY",
    "美元": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
    "澳元": "AUD",
    "新加坡元": "SGD",
}
_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>千元?|百万元?|万元?|亿元?|元)?$")
_CURRENCY_SIGNS = "¥￥$€£"
_HEADER_UNIT = re.compile(r"[(（]\s*(?P<unit>[^()（）]*?)\s*[)）]\s*$")


class AmountError(ValueError):
    """A cell that is not an exposure amount; the message is the reason shown in the errors sheet."""


def header_unit(header: str) -> tuple[str, Decimal]:
    """``'敞口金额(万元)'`` → ``('敞口金额', 10000)``; a header without a known unit keeps multiplier 1."""
    match = _HEADER_UNIT.search(header)
    if match:
        unit = match.group("unit").replace("人民币", "")
        if unit in UNIT_MULTIPLIERS:
            return header[: match.start()].strip(), UNIT_MULTIPLIERS[unit]
    return header.strip(), Decimal(1)


def parse_amount(value: object, multiplier: Decimal = Decimal(1)) -> Decimal:
    """One cell (text or a spreadsheet number) → a non-negative exact amount."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AmountError("amount is empty")
    if isinstance(value, bool):
        raise AmountError(f"amount {value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        compact = text.replace(",", "").replace(" ", "").lstrip(_CURRENCY_SIGNS)
        if compact.startswith("-") or (compact.startswith("(") and compact.endswith(")")):
            raise AmountError(f"amount {text!r} is negative")
        match = _NUMBER.match(compact)
        if not match:
            raise AmountError(f"amount {text!r} is not a number")
        try:
            amount = Decimal(match.group("number"))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
            raise AmountError(f"amount {text!r} is not a number") from exc
        if match.group("unit"):  # the cell's own unit wins over the header's
            return amount * UNIT_MULTIPLIERS[match.group("unit")]
    if not amount.is_finite():
        raise AmountError(f"amount {value!r} is not a number")
    if amount < 0:
        raise AmountError(f"amount {value!r} is negative")
    return amount * multiplier


def parse_currency(value: object) -> str:
    """A currency cell → its ISO 4217 code (``人民币`` → ``CNY``, ``usd`` → ``USD``)."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise AmountError("currency is empty")
    if text.lower() in CURRENCY_NAMES:
        return CURRENCY_NAMES[text.lower()]
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    raise AmountError(f"currency {text!r} is not a 3-letter ISO code or a known currency name")
