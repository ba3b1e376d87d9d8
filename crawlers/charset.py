"""Choosing the character encoding of a fetched page.

Chinese sites declare GBK, GB2312 or GB18030 in the HTTP header, in a meta tag, or nowhere, and some declare
the wrong one. Order of trust: the source's ``encoding`` override; a declared encoding that decodes the body
cleanly; strict UTF-8; strict GB18030 (a superset of GBK and GB2312); then charset-normalizer's best guess.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# A declared encoding is believed while at most this share of the decoded characters are replacements.
MAX_REPLACEMENT_SHARE = 0.001


def declared_encoding(body: bytes, content_type: str | None) -> str | None:
    """The encoding a page declares (BOM, then HTTP header, then meta tag), normalised; ``None`` if none."""
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return resolve_encoding(bom_encoding)
    for declared in (http_content_type_encoding(content_type or ""), html_body_declared_encoding(body)):
        if declared:
            resolved = resolve_encoding(declared)
            if resolved:
                return resolved
    return None


LATIN_ENCODINGS = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"})


def _is_multibyte_text(body: bytes) -> bool:
    for candidate in ("utf-8", "gb18030"):
        try:
            text = body.decode(candidate)
        except UnicodeDecodeError:
            continue
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return False


def _decodes_cleanly(body: bytes, encoding: str) -> bool:
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        return False
    return text.count("\ufffd") <= max(1, int(len(text) * MAX_REPLACEMENT_SHARE))


def detect_encoding(body: bytes) -> str:
    """Best encoding for an undeclared body: strict UTF-8, strict GB18030, then a statistical guess."""
    for candidate in ("utf-8", "gb18030"):
        try:
            body.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    match = from_bytes(body).best()
    if match is not None:
        return resolve_encoding(match.encoding) or match.encoding
    return "gb18030" if _decodes_cleanly(body, "gb18030") else "utf-8"


def choose_encoding(body: bytes, content_type: str | None, override: str | None = None) -> tuple[str, str]:
    """Return ``(encoding, how)`` where ``how`` is override | declared | detected | misdeclared."""
    if override:
        return resolve_encoding(override) or codecs.lookup(override).name, "override"
    declared = declared_encoding(body, content_type)
    # A single-byte Western charset "decodes" any bytes; only believe it for a body without CJK text.
    latin_claim = declared in LATIN_ENCODINGS and _is_multibyte_text(body)
    if declared and not latin_claim and _decodes_cleanly(body, declared):
        return declared, "declared"
    return detect_encoding(body), ("misdeclared" if declared else "detected")
