"""A static web server for the demo site (and the tests' sites) on 127.0.0.1.

Pages may hold ASCII placeholders that are filled at serve time, so the demo's news stays fresh:
``{{ago:26h|cn}}`` is the time 26 hours ago (styles: cn, dash, date, md, iso, rfc822, day) in Asia/Shanghai, and
``{{base}}`` is ``http://host:port``. ``site.yaml`` in the site root may give per-file byte encodings
(``encodings``) and HTTP charset headers (``header_charset``). ``/search?q=`` lists the pages that mention q.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from crawlers.items import SHANGHAI

PLACEHOLDER = re.compile(rb"\{\{ago:(\d+)([smhd])\|(\w+)\}\}")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
STYLES = {
    "cn": lambda t: f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}",
    "dash": lambda t: f"{t:%Y-%m-%d %H:%M}",
    "date": lambda t: f"{t:%Y-%m-%d}",
    "md": lambda t: f"{t:%m-%d %H:%M}",
    "iso": lambda t: t.isoformat(timespec="seconds"),
    "rfc822": lambda t: format_datetime(t),
}
DAY_WORDS = {0: "今天", 1: "昨天", 2: "前天"}


def day_style(moment: datetime, now: datetime) -> str:
    """``昨天 10:20`` as forums write it (今天, 昨天, 前天; older: ``12-02 10:20``), for a moment a fixed time
    ago: a page that said ``昨天 10:20`` outright would be 14 hours old or 38 depending on the time of day, and
    the demo's 24-hour alert windows would count it or not."""
    word = DAY_WORDS.get((now.date() - moment.date()).days)
    return f"{word} {moment:%H:%M}" if word else STYLES["md"](moment)


UTF8_PREFIXES = ("news/", "forum/", "feeds/")


class SiteHandler(BaseHTTPRequestHandler):
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/search":
            self._send(
                200,
                self.server.search_page(parse_qs(parts.query).get("q", [""])[0]),
                "text/html; charset=utf-8",
            )
            return
        relative = unquote(parts.path).lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        found = self.server.resolve(relative)
        if found is None:
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
            return
        self._send(200, self.server.render(relative, found.read_bytes()), self.server.content_type(relative))

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    """Serve ``root`` on 127.0.0.1:``port`` (0 picks a free port) from a background thread."""

    daemon_threads = True

    def __init__(self, root: Path, port: int = 0, handler: type[SiteHandler] = SiteHandler) -> None:
        super().__init__(("127.0.0.1", port), handler)
        self.root = root.resolve()
        manifest_path = self.root / "site.yaml"
        manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        self.encodings: dict[str, str] = (manifest or {}).get("encodings") or {}
        self.header_charset: dict[str, str] = (manifest or {}).get("header_charset") or {}
        self.clock = lambda: datetime.now(SHANGHAI)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> SiteServer:
        self._thread = threading.Thread(target=self.serve_forever, name="riskwatch-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def resolve(self, relative: str) -> Path | None:
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def content_type(self, relative: str) -> str:
        if relative.endswith(".txt"):
            return "text/plain; charset=utf-8"
        if relative.endswith(".xml"):
            return "application/rss+xml; charset=utf-8"
        if relative in self.header_charset:
            return f"text/html; charset={self.header_charset[relative]}"
        if relative.startswith(UTF8_PREFIXES):
            return "text/html; charset=utf-8"
        return "text/html"

    def render(self, relative: str, body: bytes) -> bytes:
        encoding = self.encodings.get(relative, "utf-8")
        now = self.clock()

        def fill(match: re.Match[bytes]) -> bytes:
            amount, unit, style = int(match[1]), match[2].decode(), match[3].decode()
            moment = (now - timedelta(**{UNITS[unit]: amount})).replace(second=0, microsecond=0)
            text = day_style(moment, now) if style == "day" else STYLES[style](moment)
            return text.encode(encoding)

        body = PLACEHOLDER.sub(fill, body)
        return body.replace(b"{{base}}", self.base_url.encode("ascii"))

    def search_page(self, query: str) -> bytes:
        """A results page linking every article whose text contains ``query``."""
        hits: list[tuple[str, str]] = []
        if query.strip():
            for path in sorted(self.root.rglob("*.html")):
                relative = path.relative_to(self.root).as_posix()
                if relative.endswith("index.html") or "/list_" in relative:
                    continue
                text = path.read_bytes().decode(self.encodings.get(relative, "utf-8"), errors="replace")
                if query in text:
                    title = re.search(r"<title>(.*?)</title>", text, re.S)
                    hits.append((relative, title.group(1).strip() if title else relative))
        items = "\n".join(f'<li><a href="/{rel}">{html.escape(title)}</a></li>' for rel, title in hits)
        page = (
            f"<html><head><meta charset='utf-8'><title>搜索：{html.escape(query)}</title></head>"
            f"<body><h1>搜索结果：{html.escape(query)}</h1><ul>{items}</ul></body></html>"
        )
        return page.encode("utf-8")
