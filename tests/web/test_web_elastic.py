"""The console over the Elasticsearch backend (osmem-server on 127.0.0.1): the same pages, the same figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.indexer.es_support import OsmemProcess, drop_prefix, osmem_process  # noqa: F401 - a fixture
from tests.web.conftest import Console, serve
from tests.web.test_web_pages import text_of
from tests.web.webdata import build


@pytest.fixture
def elastic_console(tmp_path: Path, osmem_process: OsmemProcess) -> Iterator[Console]:  # noqa: F811
    settings = {
        "type": "elasticsearch",
        "url": osmem_process.url,
        "index_prefix": f"web-{uuid.uuid4().hex[:8]}",
    }
    try:
        yield from serve(build(tmp_path, store=settings))
    finally:
        drop_prefix({"url": osmem_process.url}, settings["index_prefix"])


def test_search_and_entity_pages_over_elasticsearch(elastic_console: Console) -> None:
    client = elastic_console.login("viewer")
    page = client.get("/search", params={"q": "违约"})
    assert "共 <strong>2</strong> 篇" in page.text and "<mark>违约</mark>" in page.text
    assert "债务违约" in page.text.split('id="event-facets"')[1].split("</ul>")[0]
    second = client.get("/search", params={"entity": "anhe", "page": 2})
    assert "第 21–31 篇" in second.text
    entity = client.get("/entity/hongyuan", params={"end": "2026-11-24", "days": 30}).text
    assert (text_of(entity, "documents"), text_of(entity, "negative"), text_of(entity, "stories")) == (
        "7",
        "6",
        "5",
    )
    assert "另有 1 篇转载" in entity and "138****5678" in entity
