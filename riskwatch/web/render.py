"""Rendering pages: the Jinja2 environment (autoescaped), its filters, and the error page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from crawlers.items import SHANGHAI
from riskwatch.web.options import PERMISSIONS
from riskwatch.web.security import CSRF_FIELD, csrf_token, current_user

TEMPLATES = Path(__file__).parent / "templates"
# Private-use characters no news text holds: snippets mark matches with them, the page turns them into <mark>.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
SEVERITY_ORDER = ("critical", "high", "medium", "low")


def local_time(moment: datetime | None, with_seconds: bool = False) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M" + (":%S" if with_seconds else ""))


def local_iso_time(text: str | None) -> str:
    """An ISO timestamp as stored by the alert state (UTC text) in Shanghai time."""
    try:
        return local_time(datetime.fromisoformat(text)) if text else "—"
    except ValueError:
        return text or "—"


def highlighted(text: str) -> Markup:
    """``text`` escaped, with its match marks as ``<mark>``."""
    return Markup(str(escape(text)).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


def safe_link(url: str | None) -> str | None:
    """Only http(s) links are rendered as links (a stored ``javascript:`` URL stays text)."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with ``changes`` applied (``None`` drops a key), as ``?a=b``."""
    merged = {**params, **changes}
    kept = {key: value for key, value in merged.items() if value not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False
    )
    env.filters.update(
        local_time=local_time, local_iso_time=local_iso_time, highlighted=highlighted, safe_link=safe_link
    )
    env.globals.update(query_string=query_string, CSRF_FIELD=CSRF_FIELD)
    return env


ENVIRONMENT = _environment()


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the user, their permissions, the CSRF token and a masking filter."""
    user = current_user(request)
    web = request.app.state.web
    html = ENVIRONMENT.get_template(template).render(
        request=request,
        user=user,
        can=PERMISSIONS[user.role] if user else frozenset(),
        csrf=csrf_token(request),
        mask=web.masker.mask_text,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status_code, message=message, status=status_code)
