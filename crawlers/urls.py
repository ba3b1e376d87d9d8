"""URL canonicalisation and the document id derived from it."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only track a click and never change the page's content.
TRACKING_PARAMS = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "spm", "from", "share_token"}
)


DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port, fragment, credentials and tracking parameters,
    sort the query. Percent-escapes are kept byte for byte: GBK sites put GBK bytes in their queries."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] not in TRACKING_PARAMS
    )
    return canonicalize_url(urlunsplit((scheme, netloc, parts.path or "/", query, "")), keep_fragments=False)


def document_id(url: str) -> str:
    """Stable id of the document at ``url``: the first 32 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:32]
