"""URL canonicalisation and the document id derived from it."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only track a click and never change the page's content.
TRACKING_PARAMS = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "spm", "from", "share_token"}
)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port, fragment and tracking parameters, sort the query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in TRACKING_PARAMS]
    )
    rebuilt = urlunsplit((scheme, host, parts.path or "/", query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def document_id(url: str) -> str:
    """Stable id of the document at ``url``: the first 32 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:32]
