"""Each channel against a real server on 127.0.0.1: aiosmtpd for email, HTTP robots for the rest."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.content import render
from alerts.engine import check
from alerts.errors import DeliveryError
from alerts.notifiers.email import EmailNotifier, EmailOptions
from indexer.sqlite import SqliteStore
from tests.alerts.support import AT, MailBox, Robot, Robots, doc, free_port, hours, write_alerting

RULE = {"name": "vol", "type": "threshold", "window": "24h", "min_count": 1, "severity": "high"}


def notice_for(tmp_path: Path, store: SqliteStore, channels: dict, **options) -> tuple:
    config = write_alerting(tmp_path, [{**RULE, "channels": list(channels)}], channels, options=options)
    store.put(
        [
            doc(
                "hongyuan",
                AT - hours(2),
                events=["债务违约"],
                title="鸿远地产<script>alert(1)</script>债券展期",
                evidence=["鸿远地产“22鸿远02”未能按期付息，拟整体展期一年。"],
            )
        ]
    )
    return config, check(store, config, at=AT, now=AT)


# -- email ---------------------------------------------------------------------------------------------------


def test_email_has_text_and_html_parts_and_a_chinese_subject(
    tmp_path: Path, store: SqliteStore, smtp
) -> None:
    mailbox, port = smtp
    channel = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "from": "riskwatch@bank.example",
        "to": ["risk@bank.example", "desk@bank.example"],
        "subject_prefix": "[riskwatch] ",
    }
    _, (_, delivery) = notice_for(tmp_path, store, {"mail": channel})
    assert delivery.sent == 1 and delivery.failed == []
    (mail,) = mailbox.messages
    assert (
        mail["Subject"]
        == "[riskwatch] 【风险预警·高】鸿远地产集团股份有限公司（hongyuan）：负面数量阈值（vol）"
    )
    assert mail["To"] == "risk@bank.example, desk@bank.example"
    assert mailbox.envelopes == [("riskwatch@bank.example", ["risk@bank.example", "desk@bank.example"])]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "指标：24小时内负面报道 1 篇，阈值 ≥ 1 篇" in text and "风险事件：债务违约 1 篇" in text
    assert "证据：鸿远地产“22鸿远02”未能按期付息，拟整体展期一年。" in text
    assert "http://news.example/" in text and "来源：demo-news" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="http://news.example/' in html


def test_email_subject_is_rfc2047_encoded(tmp_path: Path) -> None:
    options = EmailOptions.model_validate({"type": "email", "host": "x", "from": "a@b.c", "to": ["d@e.f"]})
    payload = _minimal()
    raw = EmailNotifier("mail", options).build(render([payload])).as_bytes()
    subject_line = next(line for line in raw.split(b"\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line.lower()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_smtp(
    certificate: tuple[Path, Path], request: pytest.FixtureRequest
) -> Iterator[tuple[MailBox, int, list]]:
    """An aiosmtpd server with TLS (STARTTLS, or implicit with the ``implicit`` marker) and login."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret")

    mailbox = MailBox()
    implicit = request.param == "implicit"
    # aiosmtpd only counts STARTTLS as TLS for AUTH; with implicit TLS the whole session is encrypted anyway.
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=not implicit,
        **(
            {"ssl_context": context, "server_hostname": "127.0.0.1"}
            if implicit
            else {"tls_context": context, "require_starttls": True}
        ),
    )
    controller.start()
    yield mailbox, controller.port, logins
    controller.stop()


@pytest.mark.parametrize("tls_smtp", ["starttls", "implicit"], indirect=True)
def test_email_over_tls_with_login_from_the_environment(
    tmp_path: Path, store: SqliteStore, tls_smtp, certificate, monkeypatch: pytest.MonkeyPatch, request
) -> None:
    mailbox, port, logins = tls_smtp
    monkeypatch.setenv("TEST_SMTP_USER", "riskwatch")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    mode = {"ssl": True} if request.node.callspec.params["tls_smtp"] == "implicit" else {"starttls": True}
    channel = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        **mode,
        "ca_file": str(certificate[0]),
        "from": "riskwatch@bank.example",
        "to": ["risk@bank.example"],
        "username_env": "TEST_SMTP_USER",
        "password_env": "TEST_SMTP_PASSWORD",
    }
    _, (_, delivery) = notice_for(tmp_path, store, {"mail": channel})
    assert delivery.failed == [] and delivery.sent == 1
    assert logins == [("riskwatch", "s3cret")] and len(mailbox.messages) == 1


def test_email_server_down_is_a_failed_delivery(tmp_path: Path, store: SqliteStore) -> None:
    channel = {
        "type": "email",
        "host": "127.0.0.1",
        "port": free_port(),
        "from": "a@b.example",
        "to": ["c@d.example"],
    }
    _, (_, delivery) = notice_for(tmp_path, store, {"mail": channel})
    assert delivery.sent == 0 and "ConnectionRefusedError" in delivery.failed[0][2]


def test_email_missing_password_variable(tmp_path: Path, smtp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "u")
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    options = EmailOptions.model_validate(
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp[1],
            "from": "a@b.c",
            "to": ["d@e.f"],
            "username_env": "TEST_SMTP_USER",
            "password_env": "TEST_SMTP_PASSWORD",
        }
    )
    with pytest.raises(DeliveryError, match="environment variable TEST_SMTP_PASSWORD is not set"):
        EmailNotifier("mail", options).send(render([_minimal()]))
    assert smtp[0].messages == []


def _minimal() -> dict:
    return {
        "kind": "alert",
        "entity_name": "鸿远",
        "entity_id": "h",
        "rule_label": "阈值",
        "rule": "r",
        "severity": "low",
        "window_start": AT.isoformat(),
        "window_end": AT.isoformat(),
        "window": "1天",
        "summary": "s",
        "events": {},
        "headlines": [],
        "alert_id": 1,
        "at": AT.isoformat(),
    }


# -- robots --------------------------------------------------------------------------------------------------


def test_feishu_is_signed_and_its_code_checked(
    tmp_path: Path, store: SqliteStore, robots: Robots, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = robots.start("feishu", Robot(kind="feishu", secret="fs-secret", script=["reject"]))
    monkeypatch.setenv("TEST_FEISHU_SECRET", "fs-secret")
    channels = {"lark": {"type": "feishu", "url": robots.url("feishu"), "secret_env": "TEST_FEISHU_SECRET"}}
    config, (_, delivery) = notice_for(tmp_path, store, channels)
    assert delivery.failed[0][2] == "rejected: code=19021 keywords not in content"
    _, delivery = check(store, config, at=AT, now=AT + hours(1))
    assert delivery.sent == 1
    assert [r.verified for r in receiver.requests] == [True, True]
    card = receiver.requests[-1].body["card"]
    assert card["header"]["title"]["content"].startswith("【风险预警·高】鸿远地产集团股份有限公司")
    assert "未能按期付息" in card["elements"][0]["content"]


def test_webhook_posts_the_structured_notice_with_a_token(
    tmp_path: Path, store: SqliteStore, robots: Robots, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = robots.start("hook")
    monkeypatch.setenv("TEST_HOOK_TOKEN", "tok-123")
    channels = {
        "ops": {
            "type": "webhook",
            "url": robots.url("hook"),
            "token_env": "TEST_HOOK_TOKEN",
            "headers": {"X-Team": "risk"},
        }
    }
    _, (_, delivery) = notice_for(tmp_path, store, channels, kibana_url="http://127.0.0.1:5601/")
    assert delivery.sent == 1
    request = receiver.requests[0]
    assert request.headers["Authorization"] == "Bearer tok-123" and request.headers["X-Team"] == "risk"
    (notice,) = request.body["notices"]
    assert (notice["entity_id"], notice["entity_name"], notice["rule"]) == (
        "hongyuan",
        "鸿远地产集团股份有限公司",
        "vol",
    )
    assert (notice["figure"], notice["threshold"], notice["events"]) == (1, 1, {"债务违约": 1})
    (headline,) = notice["headlines"]
    assert headline["evidence"] == ["鸿远地产“22鸿远02”未能按期付息，拟整体展期一年。"]
    assert headline["events"] == ["债务违约"] and headline["source"] == "demo-news"
    assert notice["kibana_url"].startswith("http://127.0.0.1:5601/app/discover#/?_g=")
    assert (
        "hongyuan" in notice["kibana_url"]
        and "Kibana：http://127.0.0.1:5601/app/discover" in request.body["text"]
    )


def test_wecom_errcode_and_byte_limit(tmp_path: Path, store: SqliteStore, robots: Robots) -> None:
    receiver = robots.start("wecom", Robot(kind="wecom", script=["reject"]))
    channels = {"wecom": {"type": "wecom", "url": robots.url("wecom")}}
    config, (_, delivery) = notice_for(tmp_path, store, channels)
    assert delivery.failed[0][2] == "rejected: errcode=310000 keywords not in content"
    _, delivery = check(store, config, at=AT, now=AT + hours(1))
    assert delivery.sent == 1
    content = receiver.requests[-1].body["markdown"]["content"]
    assert len(content.encode()) <= 4096 and "鸿远地产集团股份有限公司" in content


def test_markdown_links_cannot_be_broken_or_point_off_the_web() -> None:
    """Titles and URLs come from crawled pages: a ``)`` in a URL must not end the link, and a
    ``javascript:`` URL is no link at all (the title stays, as text)."""
    headline = {"source": "s", "published_at": AT.isoformat(), "evidence": [], "events": []}
    payload = {
        **_minimal(),
        "headlines": [
            {**headline, "title": "展期(公告)", "url": "http://news.example/a (1).html"},
            {**headline, "title": "点我", "url": "javascript:alert(1)"},
        ],
    }
    single = render([payload]).markdown
    assert "1. [展期(公告)](http://news.example/a%20%281%29.html)" in single
    assert "2. 点我（" in single and "javascript:" not in single
    digest = render([payload, {**payload, "alert_id": 2}]).markdown
    assert "[展期(公告)](http://news.example/a%20%281%29.html)" in digest
