"""How a crawl fleet writes requests into Redis: JSON, not scrapy-redis's default pickle.

A pickle read back from a shared server would run whatever code its writer chose; JSON cannot. Bytes
(bodies, headers) travel as ``{"__bytes__": base64}``. scrapy-redis calls this module's ``dumps`` and ``loads``
(``SCHEDULER_SERIALIZER``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

BYTES = "__bytes__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {_key(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _key(key: Any) -> str:
    return key.decode("latin-1") if isinstance(key, bytes) else str(key)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {BYTES}:
            return base64.b64decode(value[BYTES])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    return _decode(json.loads(data))
