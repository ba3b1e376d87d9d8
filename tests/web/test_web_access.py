"""Access to the console: logins, roles, CSRF on every form, the audit log, headers, the config's checks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from alerts.state import AlertState
from crawlers.errors import ConfigError
from riskwatch.config import load_config
from riskwatch.web.app import build_app
from riskwatch.web.passwords import hash_password, verify_password
from tests.web.conftest import Console, csrf_of
from tests.web.webdata import PASSWORDS, write_config

GUARDED_PAGES = ["/search", "/entities", "/entity/hongyuan", "/alerts", "/reports", "/audit"]


def test_every_page_needs_a_login(console: Console) -> None:
    client = console.client()
    for path in GUARDED_PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path
    refused = client.post("/alerts/1/acknowledge", data={"csrf_token": "x"})
    assert refused.status_code == 401
    with AlertState(console.context.alert_state_path) as state:
        assert state.get(1).state == "open"


def test_login_checks_the_password_and_audits(console: Console) -> None:
    client = console.client()
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"csrf_token": token, "username": "officer", "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    unknown = client.post("/login", data={"csrf_token": token, "username": "ghost", "password": "nope"})
    assert unknown.status_code == 401
    assert client.get("/search").status_code == 303  # still logged out
    good = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "officer",
            "password": PASSWORDS["officer"],
            "next": "//evil.test/x",
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/search"  # no open redirect
    assert client.get("/search").status_code == 200
    actions = [(e.user, e.action) for e in console.context.audit.entries()]
    assert actions[:3] == [("officer", "login"), ("ghost", "login-failed"), ("officer", "login-failed")]


def test_too_many_failed_logins_lock_the_name_for_a_while(console: Console) -> None:
    client = console.client()
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"csrf_token": token, "username": "officer", "password": "guess"})
        assert wrong.status_code == 401
    right = {"csrf_token": token, "username": "officer", "password": PASSWORDS["officer"]}
    refused = client.post("/login", data=right)
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text
    assert client.get("/search").status_code == 303
    assert console.login("viewer").get("/search").status_code == 200  # other names are not locked
    assert console.context.audit.entries(limit=2, action="login-failed")[0].comment.startswith("throttled")


def test_a_login_post_without_its_csrf_token_is_refused(console: Console) -> None:
    client = console.client()
    client.get("/login")
    response = client.post("/login", data={"username": "officer", "password": PASSWORDS["officer"]})
    assert response.status_code == 403
    assert client.get("/search").status_code == 303


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(console: Console) -> None:
    client = console.login("admin")
    posts = [
        route
        for route in build_app(console.context).routes
        if "POST" in (getattr(route, "methods", None) or ())
    ]
    assert {route.path for route in posts} >= {
        "/login",
        "/logout",
        "/reports",
        "/alerts/{alert_id:int}/acknowledge",
    }
    for route in posts:
        path = route.path.replace("{alert_id:int}", "1")
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(
                path, data={**data, "comment": "x", "start": "2026-11-01", "end": "2026-11-30"}
            )
            assert response.status_code == 403, (path, data)
    with AlertState(console.context.alert_state_path) as state:
        assert state.get(1).state == "open"
    assert client.get("/search").status_code == 200  # the refused logout did not log out
    refused = [e for e in console.context.audit.entries() if e.action == "refused"]
    assert len(refused) >= 2 * (len(posts) - 1)


def test_roles_limit_what_a_user_may_do(console: Console) -> None:
    viewer = console.login("viewer")
    page = viewer.get("/alerts")
    assert page.status_code == 200 and 'action="/alerts/1/acknowledge"' not in page.text
    token = csrf_of(page.text)
    assert viewer.post("/alerts/1/acknowledge", data={"csrf_token": token}).status_code == 403
    assert viewer.get("/audit").status_code == 403
    assert console.login("officer").get("/audit").status_code == 403
    assert console.login("admin").get("/audit").status_code == 200


def test_logout_ends_the_session(console: Console) -> None:
    client = console.login("viewer")
    token = csrf_of(client.get("/search").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/search").status_code == 303


def test_headers_and_session_cookie(console: Console) -> None:
    client = console.client()
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_password_hashes() -> None:
    encoded = hash_password("风控 pass 1")
    assert encoded.startswith("scrypt$") and "风控" not in encoded
    assert verify_password("风控 pass 1", encoded) and not verify_password("风控 pass 2", encoded)
    assert hash_password("same") != hash_password("same")  # salted
    assert not verify_password("x", "scrypt$broken")


def _config_with_users(tmp_path: Path, users: list[dict]) -> Path:
    path = write_config(tmp_path)
    main = yaml.safe_load(path.read_text(encoding="utf-8"))
    main["web"]["users"] = users
    path.write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return path


def test_a_plain_password_in_the_config_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = _config_with_users(tmp_path, [{"name": "bob", "role": "viewer", "password_hash": "hunter2"}])
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "web.users[0].password_hash" in str(error.value) and "hash-password" in str(error.value)


def test_an_unknown_role_and_a_user_twice_are_errors(tmp_path: Path) -> None:
    hashed = hash_password("pw")
    path = _config_with_users(tmp_path, [{"name": "bob", "role": "root", "password_hash": hashed}])
    with pytest.raises(ConfigError, match=r"web\.users\[0\]\.role"):
        load_config(path)
    twice = [{"name": "bob", "password_hash": hashed}, {"name": "bob", "password_hash": hashed}]
    with pytest.raises(ConfigError, match="bob listed more than once"):
        load_config(_config_with_users(tmp_path, twice))


def _riskwatch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "riskwatch", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_web_command_hashes_a_password_and_refuses_to_serve_without_users(tmp_path: Path) -> None:
    done = _riskwatch(
        "--config", str(write_config(tmp_path)), "web", "--hash-password", stdin="s3cret-密码\n"
    )
    assert done.returncode == 0, done.stderr
    assert verify_password("s3cret-密码", done.stdout.strip())
    refused = _riskwatch("--config", str(_config_with_users(tmp_path, [])), "web", "--port", "1")
    assert refused.returncode == 2 and "web.users is empty" in refused.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_web_command_serves_the_console_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "riskwatch",
        "--config",
        str(write_config(tmp_path)),
        "web",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/search", follow_redirects=False, timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "riskwatch web did not start"
                time.sleep(0.2)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"riskwatch web on http://127.0.0.1:{port}/" in stderr
    assert "RISKWATCH_WEB_SECRET is not set" in stderr
