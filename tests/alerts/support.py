"""Real servers and builders for the alerts tests: HTTP robots that record and verify requests, an aiosmtpd
SMTP server, tagged documents, and alerting configs written to disk and loaded by the real loader."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from alerts.config import AlertingConfig, load_alerting
from alerts.options import AlertOptions
from crawlers.items import SHANGHAI
from nlp.types import TaggedDocument
from nlp.watchlist import WatchedEntity

AT = datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)  # the frozen evaluation instant of the scenarios
WATCHLIST = [
    WatchedEntity(id="hongyuan", name="鸿远地产集团股份有限公司", aliases=["鸿远地产"], tags=["real-estate"]),
    WatchedEntity(id="mingchuan", name="明川科技股份有限公司", aliases=["明川科技"], tags=["technology"]),
    WatchedEntity(id="anhe", name="安和食品股份有限公司", aliases=["安和食品"], tags=["consumer"]),
]
NAMES = {entity.id: entity.name for entity in WATCHLIST}
_counter = iter(range(1, 10**9))


def doc(
    entity_id: str,
    at: datetime,
    negative: bool = True,
    events: list[str] = (),  # type: ignore[assignment]
    cluster: str | None = None,
    title: str | None = None,
    doc_id: str | None = None,
    evidence: list[str] | None = None,
) -> TaggedDocument:
    """A tagged document about one watched entity, negative or not, with risk events for it."""
    number = next(_counter)
    doc_id = doc_id or f"d{number}"
    name = NAMES.get(entity_id, f"{entity_id}公司")
    return TaggedDocument(
        id=doc_id,
        url=f"http://news.example/{doc_id}.html",
        source="demo-news",
        kind="news",
        title=title or f"{name}相关报道{number}",
        content=f"{name}被曝出问题。",
        crawled_at=at,
        raw_sha256="0" * 64,
        published_at=at,
        cluster_id=cluster,
        sentiment={"label": "negative" if negative else "neutral", "score": 0.9},
        entities=[
            {
                "name": name,
                "type": "ORG",
                "watchlist_id": entity_id,
                "mentions": [],
                "negative": negative,
                "negative_score": 0.9 if negative else 0.1,
                "evidence": (evidence if evidence is not None else [f"{name}被曝出问题。"])
                if negative
                else [],
            }
        ],
        events=[{"type": kind, "entity": name, "score": 0.9} for kind in events],
    )


def write_alerting(
    folder: Path,
    rules: list[dict[str, Any]],
    channels: dict[str, dict[str, Any]],
    options: dict[str, Any] | None = None,
    watchlist: list[WatchedEntity] = WATCHLIST,
) -> AlertingConfig:
    """Write rule files and a main file's channels to ``folder`` and load them with the real loader."""
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    for rule in rules:
        (folder / "rules" / f"{rule['name']}.yaml").write_text(
            yaml.safe_dump(rule, allow_unicode=True), "utf-8"
        )
    config_file = folder / "riskwatch.yaml"
    config_file.write_text(yaml.safe_dump({"channels": channels}, allow_unicode=True), "utf-8")
    return load_alerting(
        config_file,
        raw_channels=channels,
        rules_dir=Path("rules"),
        rules_required=True,
        options=AlertOptions.model_validate({"state_path": str(folder / "alerts.db"), **(options or {})}),
        state_dir=folder / "state",
        watchlist=watchlist,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- HTTP robots -------------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    verified: bool | None  # signature check result (None: the robot has no secret)


def dingtalk_signature_ok(query: dict[str, str], secret: str) -> bool:
    timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < 3_600_000
    return fresh and hmac.compare_digest(expected, sign)


def feishu_signature_ok(body: dict[str, Any], secret: str) -> bool:
    timestamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
    key = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time()) < 3600
    return fresh and hmac.compare_digest(expected, sign)


@dataclass
class Robot:
    """How a receiver answers: ``kind`` picks the success/rejection body and the signature check."""

    kind: str = "webhook"  # webhook | dingtalk | wecom | feishu
    secret: str | None = None
    script: list[Any] = field(default_factory=list)  # answers for the next requests: int status or "reject"
    delay: float = 0.0

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        planned = self.script.pop(0) if self.script else None
        if request.verified is False:
            return 200, self._rejection("sign not match")
        if planned == "reject":
            return 200, self._rejection("keywords not in content")
        if isinstance(planned, int) and not 200 <= planned < 300:
            return planned, {"error": "planned"}
        return 200, self._success()

    def _success(self) -> dict[str, Any]:
        if self.kind in ("dingtalk", "wecom"):
            return {"errcode": 0, "errmsg": "ok"}
        if self.kind == "feishu":
            return {"code": 0, "msg": "success", "data": {}}
        return {"ok": True}

    def _rejection(self, message: str) -> dict[str, Any]:
        if self.kind == "feishu":
            return {"code": 19021, "msg": message}
        return {"errcode": 310000, "errmsg": message}


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw) if raw else None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        robot = self.server.robot
        verified = None
        if robot.secret and robot.kind == "dingtalk":
            verified = dingtalk_signature_ok(query, robot.secret)
        elif robot.secret and robot.kind == "feishu":
            verified = feishu_signature_ok(body, robot.secret)
        request = Request(parts.path, query, dict(self.headers), body, verified)
        self.server.arrived.set()
        if robot.delay:
            time.sleep(robot.delay)
        with self.server.lock:
            self.server.requests.append(request)
            status, answer = robot.answer(request)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class Receiver(ThreadingHTTPServer):
    """A real HTTP robot on 127.0.0.1 that records every request; ``stop()`` then ``start()`` takes it down
    and brings it back on the same port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, robot: Robot | None = None, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.robot = robot or Robot()
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.arrived = threading.Event()  # set when a request comes in, before any planned delay
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/robot/send"

    def run(self) -> Receiver:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def halt(self) -> None:
        self.shutdown()
        self.server_close()


class Robots:
    """Receivers that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.live: dict[str, Receiver] = {}
        self.ports: dict[str, int] = {}
        self.history: dict[str, list[Request]] = {}

    def start(self, name: str, robot: Robot | None = None) -> Receiver:
        receiver = Receiver(robot, self.ports.get(name, 0)).run()
        if name in self.history:
            receiver.requests = self.history[name]  # one log across restarts
        self.history[name] = receiver.requests
        self.ports[name] = receiver.server_address[1]
        self.live[name] = receiver
        return receiver

    def stop(self, name: str) -> None:
        self.live.pop(name).halt()

    def url(self, name: str) -> str:
        """The receiver's URL with no credential in it, so it may stand inline in a config."""
        return f"http://127.0.0.1:{self.ports[name]}/robot/send"

    def token_url(self, name: str) -> str:
        """The URL as a real robot's looks (its token in the query): config takes it only by url_env."""
        return f"{self.url(name)}?access_token=t0ken"

    def close(self) -> None:
        for receiver in self.live.values():
            receiver.halt()
        self.live.clear()


# -- SMTP --------------------------------------------------------------------------------------------------


class MailBox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def record_run(path: str) -> None:
    """A scheduled job for the scheduler tests: append one line per run."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("run\n")


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
