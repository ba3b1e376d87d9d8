"""Loading the saved objects into Kibana through its saved-objects API.

``POST <kibana>[/s/<space>]/api/saved_objects/_import?overwrite=true`` with the NDJSON as the multipart
``file`` field and the ``kbn-xsrf`` header Kibana requires. Credentials come only from the environment:
``RISKWATCH_KIBANA_API_KEY``, or ``RISKWATCH_KIBANA_USER`` with ``RISKWATCH_KIBANA_PASSWORD``. Kibana answers
200 even when some objects failed; those come back per object and are reported one by one.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from indexer.errors import IndexerError

USER_ENV, PASSWORD_ENV, API_KEY_ENV = (
    "RISKWATCH_KIBANA_USER",
    "RISKWATCH_KIBANA_PASSWORD",
    "RISKWATCH_KIBANA_API_KEY",
)


class KibanaError(IndexerError):
    """Kibana could not be reached, refused the request, or answered something that is not an import result."""


@dataclass
class ImportFailure:
    type: str
    id: str
    title: str
    reason: str


@dataclass
class ImportReport:
    success: bool  # Kibana's own verdict: every object imported
    imported: int
    failures: list[ImportFailure] = field(default_factory=list)


def import_url(base_url: str, space: str | None = None) -> str:
    space_path = f"/s/{space}" if space and space != "default" else ""
    return f"{base_url.rstrip('/')}{space_path}/api/saved_objects/_import"


def auth_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``Authorization`` header from the environment, or none (a Kibana without security)."""
    environ = os.environ if environ is None else environ
    if environ.get(API_KEY_ENV):
        return {"Authorization": f"ApiKey {environ[API_KEY_ENV]}"}
    user, password = environ.get(USER_ENV), environ.get(PASSWORD_ENV)
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    if user or password:
        raise KibanaError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    return {}


def _reason(error: dict[str, Any]) -> str:
    kind = error.get("type", "unknown")
    if kind == "missing_references":
        missing = ", ".join(f"{ref.get('type')}/{ref.get('id')}" for ref in error.get("references", []))
        return f"missing references: {missing}"
    if kind == "conflict":
        return "conflict: an object with this id exists (import overwrites; was overwrite refused?)"
    detail = error.get("message") or error.get("reason") or ""
    return f"{kind}: {detail}" if detail else kind


def parse_report(body: Any) -> ImportReport:
    if not isinstance(body, dict) or "success" not in body:
        raise KibanaError(f"not a saved-objects import result: {str(body)[:200]}")
    failures = [
        ImportFailure(
            type=str(item.get("type")),
            id=str(item.get("id")),
            title=str(item.get("title") or item.get("meta", {}).get("title") or ""),
            reason=_reason(item.get("error") or {}),
        )
        for item in body.get("errors") or []
    ]
    return ImportReport(bool(body["success"]), int(body.get("successCount", 0)), failures)


def import_saved_objects(
    base_url: str,
    ndjson: str,
    space: str | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
    timeout: float = 30.0,
) -> ImportReport:
    """Post ``ndjson`` to Kibana's import API with overwrite on; raises :class:`KibanaError` when nothing
    could be imported at all."""
    url = import_url(base_url, space)
    headers = {"kbn-xsrf": "true", **auth_headers(environ)}
    files = {"file": ("riskwatch-saved-objects.ndjson", ndjson.encode("utf-8"), "application/ndjson")}
    try:
        with httpx.Client(timeout=timeout, verify=verify) as client:
            response = client.post(url, params={"overwrite": "true"}, headers=headers, files=files)
    except httpx.HTTPError as exc:
        raise KibanaError(f"cannot reach Kibana at {url}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.status_code != 200:
        message = body.get("message", body) if isinstance(body, dict) else str(body)[:200]
        hint = (
            f" (credentials: {USER_ENV}/{PASSWORD_ENV} or {API_KEY_ENV})"
            if response.status_code == 401
            else ""
        )
        raise KibanaError(f"Kibana at {url} answered HTTP {response.status_code}: {message}{hint}")
    return parse_report(body)
