"""The console's ASGI app: routes, sessions, security headers, static files.

``build_app(context)`` is what ``riskwatch web`` serves with uvicorn and what the tests start on
127.0.0.1. Every route but the login page and static files is :func:`riskwatch.web.security.guarded`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from indexer.errors import IndexerError
from riskwatch.web.context import WebContext
from riskwatch.web.pages_access import audit_page, login, logout
from riskwatch.web.pages_alerts import acknowledge, alerts_page, resolve
from riskwatch.web.pages_entity import entities_page, entity_page
from riskwatch.web.pages_reports import download, generate_report, reports_page
from riskwatch.web.pages_search import search_page
from riskwatch.web.render import error_page
from riskwatch.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "riskwatch_session"


async def home(request: Request) -> Response:
    return RedirectResponse("/search", status_code=303)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    return error_page(request, 503, f"存储暂不可用（store unavailable）：{exc}")


async def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404, "页面不存在（not found）")


def routes() -> list[Route | Mount]:
    return [
        Route("/", home),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/search", search_page),
        Route("/entities", entities_page),
        Route("/entity/{entity_id}", entity_page),
        Route("/alerts", alerts_page),
        Route("/alerts/{alert_id:int}/acknowledge", acknowledge, methods=["POST"]),
        Route("/alerts/{alert_id:int}/resolve", resolve, methods=["POST"]),
        Route("/reports", reports_page),
        Route("/reports", generate_report, methods=["POST"]),
        Route("/reports/{root}/{run}/{file}", download),
        Route("/audit", audit_page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def build_app(context: WebContext) -> Starlette:
    options = context.options
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=context.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=int(options.session_hours * 3600),
            same_site="strict",
            https_only=options.secure_cookies,
        ),
    ]
    app = Starlette(
        routes=routes(),
        middleware=middleware,
        exception_handlers={IndexerError: store_unavailable, 404: not_found},
    )
    app.state.web = context
    return app
