"""Logging in and out, and the audit log page."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from riskwatch.web.passwords import dummy_hash, verify_password
from riskwatch.web.render import page
from riskwatch.web.security import CSRF_FIELD, client_of, csrf_ok, guarded, start_session

AUDIT_ACTIONS = ("login", "login-failed", "logout", "acknowledge", "resolve", "report", "download", "refused")


def _local_target(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/search"
    return target


async def login(request: Request) -> Response:
    web = request.app.state.web
    target = _local_target(request.query_params.get("next"))
    if request.method == "GET":
        return page(request, "login.html", next=target, failed=False)
    form = await request.form()
    target = _local_target(str(form.get("next") or ""))
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        web.audit.record(
            str(form.get("username") or ""),
            "refused",
            "/login",
            "CSRF token missing or wrong",
            client_of(request),
        )
        return page(
            request,
            "error.html",
            status_code=403,
            status=403,
            message="请求缺少有效的 CSRF 令牌（CSRF token missing or wrong）",
        )
    name, password = str(form.get("username") or "")[:64], str(form.get("password") or "")
    if web.throttle.blocked(name):
        web.audit.record(
            name, "login-failed", "/login", "throttled: too many failed logins", client_of(request)
        )
        return page(request, "login.html", status_code=429, next=target, failed=False, throttled=True)
    user = web.users.get(name)
    # The hash is checked even for an unknown name, so timing does not tell which names exist.
    valid = await run_in_threadpool(verify_password, password, user.password_hash if user else dummy_hash())
    if user is None or not valid:
        web.throttle.failed(name)
        web.audit.record(name, "login-failed", "/login", "", client_of(request))
        return page(request, "login.html", status_code=401, next=target, failed=True)
    web.throttle.succeeded(name)
    start_session(request, user)
    web.audit.record(user.name, "login", "/login", f"role {user.role}", client_of(request))
    return RedirectResponse(target, status_code=303)


@guarded("read")
def logout(request: Request) -> Response:
    request.app.state.web.audit.record(request.state.user.name, "logout", "/logout", "", client_of(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@guarded("audit")
def audit_page(request: Request) -> Response:
    action = request.query_params.get("action") or None
    if action not in (None, *AUDIT_ACTIONS):
        action = None
    entries = request.app.state.web.audit.entries(limit=500, action=action)
    return page(request, "audit.html", entries=entries, action=action, actions=AUDIT_ACTIONS)
