"""Choosing a page's encoding: declared, undeclared, misdeclared, overridden and BOM-marked Chinese pages."""

from __future__ import annotations

import codecs

import pytest

from crawlers.charset import choose_encoding, detect_encoding

TEXT = (
    "瑞丰农牧多笔银行借款逾期，涉及金额超9亿元。公司表示将积极与债权银行沟通协商，"
    "争取通过展期、借新还旧等方式妥善化解债务风险。"
)
TITLE = "瑞丰农牧借款逾期"


def page(meta_charset: str | None = None, text: str = TEXT, title: str = TITLE) -> str:
    """A small HTML page, optionally declaring a charset in a meta tag."""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return f"<html><head>{meta}<title>{title}</title></head><body><p>{text}</p></body></html>"


def decoded(body: bytes, encoding: str) -> str:
    """The body decoded strictly: a wrong choice raises instead of hiding behind replacements."""
    return body.decode(encoding)


def test_gbk_meta_is_read_as_gb18030() -> None:
    """A GBK page declaring gbk in its meta tag decodes as gb18030 (GBK's superset), 'declared'."""
    body = page("gbk").encode("gbk")
    encoding, how = choose_encoding(body, None)
    assert (encoding, how) == ("gb18030", "declared")
    assert TEXT in decoded(body, encoding)


def test_gb2312_meta_is_read_as_gb18030() -> None:
    """GB2312 declarations are widened to gb18030 too, which also covers GBK-only characters."""
    body = page("gb2312").encode("gbk")
    encoding, how = choose_encoding(body, None)
    assert (encoding, how) == ("gb18030", "declared")
    assert TEXT in decoded(body, encoding)


def test_undeclared_gbk_is_detected() -> None:
    """A GBK page that declares nothing is detected as gb18030."""
    body = page(None).encode("gbk")
    assert choose_encoding(body, None) == ("gb18030", "detected")
    assert detect_encoding(body) == "gb18030"
    assert TEXT in decoded(body, "gb18030")


@pytest.mark.parametrize("header", ["text/html; charset=gb18030", "text/html; charset=GBK"])
def test_gb18030_only_characters_decode(header: str) -> None:
    """A four-byte GB18030 character (𠮷) survives, whether the header says gb18030 or gbk."""
    text = TEXT + "吉祥的𠮷字"
    body = page(None, text).encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")  # the page really needs gb18030
    encoding, how = choose_encoding(body, header)
    assert how == "declared"
    assert codecs.lookup(encoding).name == "gb18030"
    assert "𠮷" in decoded(body, encoding)


@pytest.mark.parametrize(
    ("meta", "header"),
    [("utf-8", None), (None, "text/html; charset=utf-8"), ("UTF-8", "text/html; charset=UTF-8")],
)
def test_declared_utf8(meta: str | None, header: str | None) -> None:
    """A UTF-8 page declaring UTF-8 (meta or header) is read as utf-8."""
    body = page(meta).encode("utf-8")
    assert choose_encoding(body, header) == ("utf-8", "declared")
    assert TEXT in decoded(body, "utf-8")


def test_undeclared_utf8_is_detected() -> None:
    """A UTF-8 Chinese page without a declaration is detected as utf-8."""
    body = page(None).encode("utf-8")
    assert choose_encoding(body, None) == ("utf-8", "detected")


def test_utf8_declared_but_gbk_bytes_is_misdeclared() -> None:
    """A page that claims UTF-8 but holds GBK bytes is flagged 'misdeclared' and read as gb18030."""
    body = page("utf-8").encode("gbk")
    encoding, how = choose_encoding(body, None)
    assert (encoding, how) == ("gb18030", "misdeclared")
    assert TEXT in decoded(body, encoding)


def test_gbk_declared_but_utf8_bytes_is_misdeclared() -> None:
    """The opposite mistake (header says GBK, bytes are UTF-8) is caught as well."""
    body = page("utf-8").encode("utf-8")
    encoding, how = choose_encoding(body, "text/html; charset=gbk")
    assert (encoding, how) == ("utf-8", "misdeclared")
    assert TEXT in decoded(body, encoding)


@pytest.mark.parametrize(("meta", "header"), [("iso-8859-1", None), (None, "text/html; charset=ISO-8859-1")])
def test_latin1_claim_on_chinese_gbk_page_is_not_believed(meta: str | None, header: str | None) -> None:
    """A Western single-byte claim on GBK Chinese bytes would decode to mojibake; gb18030 wins."""
    body = page(meta).encode("gbk")
    encoding, how = choose_encoding(body, header)
    assert encoding not in ("cp1252", "latin-1", "iso8859-1")
    assert (encoding, how) == ("gb18030", "misdeclared")
    assert TEXT in decoded(body, encoding)


def test_latin1_claim_on_western_page_is_believed() -> None:
    """A real Western page declaring ISO-8859-1 is left alone (read as its superset cp1252)."""
    body = page(None, "Café crème brûlée déjà vu.", title="Menu").encode("cp1252")
    encoding, how = choose_encoding(body, "text/html; charset=iso-8859-1")
    assert (encoding, how) == ("cp1252", "declared")
    assert "Café crème brûlée" in decoded(body, encoding)


@pytest.mark.parametrize("override", ["gbk", "GB2312", "gb18030"])
def test_override_wins_over_declaration(override: str) -> None:
    """The source's ``encoding`` override beats a (wrong) declaration and is reported as 'override'."""
    body = page("utf-8").encode("gbk")
    encoding, how = choose_encoding(body, "text/html; charset=utf-8", override)
    assert (encoding, how) == ("gb18030", "override")
    assert TEXT in decoded(body, encoding)


def test_override_is_taken_even_when_it_looks_wrong() -> None:
    """An override is trusted as written, even over bytes that decode as something else."""
    body = page("gbk").encode("gbk")
    assert choose_encoding(body, None, "utf-8") == ("utf-8", "override")


def test_utf8_bom_wins_over_declarations() -> None:
    """A UTF-8 byte-order mark beats a GBK header and meta tag."""
    body = codecs.BOM_UTF8 + page("gbk").encode("utf-8")
    encoding, how = choose_encoding(body, "text/html; charset=gbk")
    assert (encoding, how) == ("utf-8", "declared")
    assert TEXT in decoded(body, encoding)


def test_utf16_bom_wins_over_declarations() -> None:
    """A UTF-16 little-endian BOM selects utf-16-le despite a GBK header."""
    body = codecs.BOM_UTF16_LE + page("gbk").encode("utf-16-le")
    encoding, how = choose_encoding(body, "text/html; charset=gbk")
    assert (encoding, how) == ("utf-16-le", "declared")
    assert TEXT in body[len(codecs.BOM_UTF16_LE) :].decode(encoding)


def test_detect_encoding_prefers_strict_utf8() -> None:
    """Bytes valid as UTF-8 are detected as utf-8, before any GB guess."""
    assert detect_encoding(TEXT.encode("utf-8")) == "utf-8"
    assert detect_encoding(TEXT.encode("gb18030")) == "gb18030"
