"""``riskwatch kibana export`` / ``import``: the saved objects are valid NDJSON whose references all resolve
and whose fields exist in the index mappings; import talks to a real HTTP receiver on 127.0.0.1 that checks
the request as Kibana does and answers as Kibana's saved-objects import API does."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer.es_documents import MAPPINGS_DIR
from indexer.saved_objects import EXPORT_NAME, load_objects
from riskwatch.cli import main


def _config(folder: Path, prefix: str | None = None) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    lines = ["sources: sources"]
    if prefix:
        lines += [
            "store:",
            "  type: elasticsearch",
            "  url: http://127.0.0.1:9200",
            f"  index_prefix: {prefix}",
        ]
    path = folder / "riskwatch.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _mapped_fields() -> dict[str, str]:
    """Every field of mappings.json (dotted path → type), multi-fields included."""
    found: dict[str, str] = {}

    def walk(properties: dict[str, Any], parent: str) -> None:
        for name, spec in properties.items():
            path = f"{parent}{name}"
            found[path] = spec.get("type", "object")
            walk(spec.get("properties", {}), f"{path}.")
            walk(spec.get("fields", {}), f"{path}.")

    walk(json.loads((MAPPINGS_DIR / "mappings.json").read_text(encoding="utf-8"))["properties"], "")
    return found


def _export(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    assert (
        main(["--config", str(_config(tmp_path)), "kibana", "export", "--out", str(tmp_path / "out"), *args])
        == 0
    )
    lines = (tmp_path / "out" / EXPORT_NAME).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]  # every line one JSON object: NDJSON


def test_export_references_resolve_and_fields_exist(tmp_path: Path) -> None:
    objects = _export(tmp_path, "--index-prefix", "bank")
    by_key = {(o["type"], o["id"]): o for o in objects}
    assert len(by_key) == len(objects) == 8
    assert sorted(o["type"] for o in objects).count("visualization") == 3
    data_view = by_key[("index-pattern", "bank-data-view")]["attributes"]
    assert (data_view["title"], data_view["timeFieldName"]) == ("bank-*", "time")
    fields = _mapped_fields()
    assert fields["time"] == "date_nanos"
    for saved in objects:
        names = {ref["name"] for ref in saved["references"]}
        for ref in saved["references"]:
            assert (ref["type"], ref["id"]) in by_key, f"{saved['id']} → {ref['id']} does not resolve"
        attributes = saved["attributes"]
        meta = json.loads(attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
        if "indexRefName" in meta:
            assert meta["indexRefName"] in names
        for field in re.findall(r"([\w.]+) :", meta.get("query", {}).get("query", "")):
            assert field in fields, f"{saved['id']} queries unknown field {field}"
        for column in attributes.get("columns", []):
            assert column in fields, f"{saved['id']} shows unknown field {column}"
        if saved["type"] == "visualization":
            for agg in json.loads(attributes["visState"])["aggs"]:
                field = agg["params"].get("field")
                assert field is None or fields[field] in ("keyword", "date_nanos"), (saved["id"], field)
        if saved["type"] == "dashboard":
            for panel in json.loads(attributes["panelsJSON"]):
                assert f"{panel['panelIndex']}:{panel['panelRefName']}" in names
    assert all(o["attributes"]["title"].startswith("bank:") for o in objects if o["type"] != "index-pattern")


def test_export_default_prefix_comes_from_the_store_config(tmp_path: Path) -> None:
    config = _config(tmp_path, prefix="bankrisk")
    assert main(["--config", str(config), "kibana", "export", "--out", str(tmp_path)]) == 0
    first = json.loads((tmp_path / EXPORT_NAME).read_text(encoding="utf-8").splitlines()[0])
    assert first["attributes"]["title"] == "bankrisk-*"
    assert (
        load_objects()[0]["attributes"]["title"] == "riskwatch-*"
    )  # the files themselves import as they are


class KibanaReceiver(ThreadingHTTPServer):
    """Accepts ``POST /[s/<space>/]api/saved_objects/_import`` like Kibana: 400 without ``kbn-xsrf``, 401
    with wrong credentials, otherwise it reads the multipart ``file`` and imports every object except those
    whose references point at an id in ``refuse``, which fail with ``missing_references``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), KibanaHandler)
        self.refuse: set[str] = set()
        self.password = "kibana-pw"
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class KibanaHandler(BaseHTTPRequestHandler):
    server: KibanaReceiver

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        url = urlsplit(self.path)
        if not re.fullmatch(r"(/s/[\w-]+)?/api/saved_objects/_import", url.path):
            return self._reply(404, {"statusCode": 404, "message": "Not Found"})
        if self.headers.get("kbn-xsrf") is None:
            return self._reply(400, {"statusCode": 400, "message": "Request must contain a kbn-xsrf header."})
        expected = "Basic " + base64.b64encode(f"analyst:{self.server.password}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._reply(401, {"statusCode": 401, "message": "Unauthorized"})
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
        )
        parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        upload = parts["file"]
        objects = [json.loads(line) for line in upload.get_content().splitlines() if line.strip()]
        self.server.received.append(
            {
                "path": url.path,
                "query": parse_qs(url.query),
                "filename": upload.get_filename(),
                "objects": objects,
            }
        )
        errors, imported = [], []
        for saved in objects:
            missing = [ref for ref in saved.get("references", []) if ref["id"] in self.server.refuse]
            meta = {"title": saved["attributes"].get("title"), "icon": saved["type"]}
            if missing:
                refs = [{"type": ref["type"], "id": ref["id"]} for ref in missing]
                error = {"type": "missing_references", "references": refs}
                errors.append(
                    {
                        "id": saved["id"],
                        "type": saved["type"],
                        "title": meta["title"],
                        "meta": meta,
                        "error": error,
                    }
                )
            else:
                imported.append({"id": saved["id"], "type": saved["type"], "meta": meta})
        answer = {"success": not errors, "successCount": len(imported), "successResults": imported}
        if errors:
            answer["errors"] = errors
        self._reply(200, answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def kibana(monkeypatch: pytest.MonkeyPatch) -> Iterator[KibanaReceiver]:
    server = KibanaReceiver()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    monkeypatch.setenv("RISKWATCH_KIBANA_USER", "analyst")
    monkeypatch.setenv("RISKWATCH_KIBANA_PASSWORD", server.password)
    yield server
    server.shutdown()
    server.server_close()


def _import(tmp_path: Path, kibana: KibanaReceiver, *args: str) -> int:
    return main(["--config", str(_config(tmp_path)), "kibana", "import", "--url", kibana.url, *args])


def test_import_posts_every_object_as_multipart(tmp_path: Path, kibana: KibanaReceiver, capsys) -> None:
    assert _import(tmp_path, kibana, "--space", "risk") == 0
    (request,) = kibana.received
    assert request["path"] == "/s/risk/api/saved_objects/_import"
    assert request["query"] == {"overwrite": ["true"]}
    assert request["filename"].endswith(".ndjson")
    assert [(o["type"], o["id"]) for o in request["objects"]] == [
        (o["type"], o["id"]) for o in load_objects()
    ]
    assert "8 of 8 saved object(s)" in capsys.readouterr().err


def test_import_reports_each_refused_object(tmp_path: Path, kibana: KibanaReceiver, capsys) -> None:
    kibana.refuse = {"riskwatch-events-by-type"}
    assert _import(tmp_path, kibana) == 1
    err = capsys.readouterr().err
    assert "dashboard/riskwatch-overview" in err
    assert "missing references: visualization/riskwatch-events-by-type" in err
    assert "7 of 8 saved object(s)" in err


def test_import_with_refused_credentials_fails(
    tmp_path: Path, kibana: KibanaReceiver, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("RISKWATCH_KIBANA_PASSWORD", "wrong")
    assert _import(tmp_path, kibana) == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "RISKWATCH_KIBANA_USER" in err
    assert kibana.received == []
