"""Who is asking and may they: logins, roles, CSRF tokens, response headers.

Every page goes through :func:`guarded`: no session → the login page (a POST gets 401); a role without
the page's permission → 403; a POST whose ``csrf_token`` field does not match the session's → 403 and an
audit row. The session is a signed cookie (Starlette's SessionMiddleware): it holds the user name, the
CSRF token and the login time; the role is looked up in the config on every request, so removing a user
from the config locks them out at the next restart.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from riskwatch.web.options import PERMISSIONS, WebUser

Handler = Callable[[Request], Response]
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none';"
    b" form-action 'self'; base-uri 'none'",
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",  # search queries in URLs never leak to the news sites linked
    b"cache-control": b"no-store",
}


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the login form needs one before anyone logs in)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted: Any) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def current_user(request: Request) -> WebUser | None:
    name = request.session.get("user")
    return request.app.state.web.users.get(name) if name else None


def start_session(request: Request, user: WebUser) -> None:
    """A fresh session for a login (nothing of the anonymous one is kept: no session fixation)."""
    request.session.clear()
    request.session.update({"user": user.name, "csrf": secrets.token_urlsafe(32)})


def guarded(permission: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a (blocking) page handler: login, role and, for a POST, the CSRF token are checked first;
    the handler runs in the thread pool with ``request.state.user`` (and ``request.state.form``) set."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            from riskwatch.web.render import error_page

            web = request.app.state.web
            user = current_user(request)
            if user is None:
                if request.method == "GET":
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
                return error_page(request, 401, "请先登录（not logged in）")
            if permission not in PERMISSIONS[user.role]:
                return error_page(request, 403, f"角色 {user.role} 无权执行此操作（needs {permission}）")
            request.state.user = user
            if request.method == "POST":
                form = await request.form()
                if not csrf_ok(request, form.get(CSRF_FIELD)):
                    web.audit.record(
                        user.name,
                        "refused",
                        request.url.path,
                        "CSRF token missing or wrong",
                        client_of(request),
                    )
                    return error_page(request, 403, "请求缺少有效的 CSRF 令牌（CSRF token missing or wrong）")
                request.state.form = form
            return await run_in_threadpool(handler, request)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        endpoint.permission = permission  # type: ignore[attr-defined]  # read by the route-coverage test
        return endpoint

    return wrap


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
