"""Fixtures of the web console tests: the console on a real uvicorn server on 127.0.0.1 over a store and
alert state built by the real indexer and alert engine (tests/web/webdata.py), and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from riskwatch.web.app import build_app
from riskwatch.web.context import WebContext, open_context
from riskwatch.web.server import BackgroundServer
from tests.web.webdata import PASSWORDS, WebFixture, build

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    url: str
    data: WebFixture
    context: WebContext

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=60)

    def login(self, role: str) -> httpx.Client:
        client = self.client()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"csrf_token": token, "username": role, "password": PASSWORDS[role], "next": "/search"},
        )
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def serve(data: WebFixture) -> Iterator[Console]:
    context = open_context(data.config)
    server = BackgroundServer(build_app(context)).start()
    try:
        yield Console(server.url, data, context)
    finally:
        server.stop()
        context.close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    yield from serve(build(tmp_path))
