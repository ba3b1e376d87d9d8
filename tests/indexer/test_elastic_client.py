"""How the Elasticsearch store connects, checked on the wire with a real HTTP(S) receiver on 127.0.0.1:
credentials from the named environment variables, plain JSON media types, TLS with a CA file, retries,
and which failures make the spool take over (StoreUnavailable) and which do not (StoreError)."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from indexer.config import ElasticsearchStoreConfig
from indexer.elastic import BulkItemsFailed, ElasticStore
from indexer.errors import StoreError, StoreUnavailable
from indexer.es_client import plain_media_type
from indexer.factory import open_store
from tests.indexer.es_docs import tagged

INFO = {"name": "receiver", "cluster_name": "test", "version": {"number": "8.15.0"}, "tagline": "You Know"}


class Receiver(ThreadingHTTPServer):
    """Records every request; answers with ``status`` (200: the few Elasticsearch answers a put needs,
    with every bulk item given ``item_status``)."""

    daemon_threads = True

    def __init__(self, status: int = 200) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.status = status
        self.item_status = 201
        self.requests: list[dict[str, Any]] = []
        self.scheme = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def _ok_body(self, body: bytes) -> dict[str, Any]:
        path = self.path.split("?")[0]
        if path.endswith("/_bulk"):
            actions = [json.loads(line) for line in body.decode().splitlines()[::2]]
            status = self.server.item_status
            items = []
            for action in actions:
                operation, meta = next(iter(action.items()))
                item = {"_index": meta["_index"], "_id": meta["_id"], "status": status}
                if status >= 300:
                    item["error"] = {"type": "es_rejected_execution_exception", "reason": "queue full"}
                items.append({operation: item})
            return {"took": 1, "errors": status >= 300, "items": items}
        if path.endswith("/_search"):
            return {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
        if path == "/":
            return INFO
        return {"acknowledged": True}

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request_body = self.rfile.read(length)
        self.server.requests.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
        )
        status = self.server.status
        answer = (
            self._ok_body(request_body) if status == 200 else {"error": {"type": "test", "reason": "refused"}}
        )
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _config(url: str, **options: Any) -> ElasticsearchStoreConfig:
    return ElasticsearchStoreConfig.model_validate({"type": "elasticsearch", "url": url, **options})


def _store(url: str, **options: Any) -> ElasticStore:
    return ElasticStore.from_config(
        _config(url, **options), max_retries=1, retry_backoff=0.01, request_timeout=3
    )


def test_basic_auth_from_the_named_variables_and_plain_json(receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setenv("RW_TEST_ES_USER", "riskwatch")
    monkeypatch.setenv("RW_TEST_ES_PASSWORD", "s3cret-密码")
    config = _config(receiver.url, username_env="RW_TEST_ES_USER", password_env="RW_TEST_ES_PASSWORD")
    store = open_store(config)
    assert isinstance(store, ElasticStore)
    store.client.info()
    headers = receiver.requests[-1]["headers"]
    expected = base64.b64encode("riskwatch:s3cret-密码".encode()).decode()
    assert headers["authorization"] == f"Basic {expected}"
    assert (
        headers["accept"] == "application/json"
    )  # not application/vnd.elasticsearch+json; compatible-with=9
    assert "s3cret" not in config.model_dump_json()
    store.close()


def test_api_key_from_the_named_variable(receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setenv("RW_TEST_ES_KEY", "a2V5OnNlY3JldA==")
    store = _store(receiver.url, api_key_env="RW_TEST_ES_KEY")
    store.client.info()
    assert receiver.requests[-1]["headers"]["authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_an_unset_secret_variable_is_named(monkeypatch) -> None:
    monkeypatch.delenv("RW_TEST_UNSET_PASSWORD", raising=False)
    monkeypatch.setenv("RW_TEST_ES_USER", "riskwatch")
    with pytest.raises(StoreError, match="RW_TEST_UNSET_PASSWORD"):
        _store("http://127.0.0.1:9", username_env="RW_TEST_ES_USER", password_env="RW_TEST_UNSET_PASSWORD")


def test_vendor_media_types_become_plain() -> None:
    assert plain_media_type("application/vnd.elasticsearch+json; compatible-with=9") == "application/json"
    assert (
        plain_media_type("application/vnd.elasticsearch+x-ndjson; compatible-with=9")
        == "application/x-ndjson"
    )
    assert plain_media_type("text/plain") == "text/plain"


def test_overloaded_server_is_retried_then_unavailable(receiver: Receiver) -> None:
    receiver.status = 503
    with pytest.raises(StoreUnavailable, match="503"):
        _store(receiver.url).count()
    assert len(receiver.requests) == 2  # the first try and one retry (max_retries=1)


def test_refused_credentials_are_a_store_error_not_retried(receiver: Receiver) -> None:
    receiver.status = 401
    with pytest.raises(StoreError, match="401") as caught:
        _store(receiver.url).count()
    assert not isinstance(caught.value, StoreUnavailable)  # waiting will not help: the spool must not hide it
    assert len(receiver.requests) == 1


def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = _store(f"http://127.0.0.1:{port}")
    for call in (store.count, lambda: store.put([]) or store.get("x")):
        with pytest.raises(StoreUnavailable, match="unreachable"):
            call()


def _bulk_requests(receiver: Receiver) -> int:
    return sum(1 for request in receiver.requests if request["path"].split("?")[0].endswith("/_bulk"))


def test_items_refused_for_load_are_retried_then_unavailable(receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setattr(ElasticStore, "bulk_backoff", 0.01)
    receiver.item_status = 429
    store = _store(receiver.url)
    with pytest.raises(StoreUnavailable, match="overloaded: 2 refused"):  # the spool keeps the batch
        store.put([tagged("a"), tagged("b")])
    assert _bulk_requests(receiver) == 1 + ElasticStore.bulk_retries
    bulk = next(r for r in receiver.requests if r["path"].split("?")[0].endswith("/_bulk"))
    assert bulk["headers"]["content-type"] == "application/x-ndjson"


def test_items_refused_for_their_content_name_each_id(receiver: Receiver) -> None:
    receiver.item_status = 400
    with pytest.raises(BulkItemsFailed) as caught:
        _store(receiver.url).put([tagged("a"), tagged("b")])
    assert not isinstance(caught.value, StoreUnavailable)
    assert set(caught.value.failures) == {"a", "b"}
    assert _bulk_requests(receiver) == 1  # not retried: the same documents would be refused again


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "riskwatch test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "ca.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_tls_verified_with_the_configured_ca(receiver: Receiver, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.socket = context.wrap_socket(receiver.socket, server_side=True)
    receiver.scheme = "https"

    assert _store(receiver.url, ca_certs=str(cert)).client.info()["name"] == "receiver"
    with pytest.raises(StoreError, match="TLS"):  # the system CAs do not know this certificate
        _store(receiver.url).count()
    assert _store(receiver.url, verify_certs=False).client.info()["name"] == "receiver"
