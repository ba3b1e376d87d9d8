"""The JSON Lines sink (no duplicates, crash recovery, corrupt-file refusal) and the SQLite crawl state."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

import crawlers.state
from crawlers.items import SHANGHAI, Document
from crawlers.reprints import minhash, to_bytes
from crawlers.sinks import JsonlSink, SinkError
from crawlers.state import CrawlState
from crawlers.urls import document_id


def make_document(n: int) -> Document:
    """Document number ``n`` of a news site, with Chinese text."""
    url = f"https://news.example.com/a/{n}.html"
    return Document(
        id=document_id(url),
        url=url,
        source="demo-news",
        kind="news",
        title=f"第{n}条新闻：银行借款逾期",
        content=f"这是第{n}篇文章的正文，内容涉及借款逾期与股权质押。",
        crawled_at=datetime(2025, 9, 3, 12, 0, tzinfo=SHANGHAI),
        raw_sha256=f"{n:064x}",
    )


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def fill(path: Path, count: int) -> None:
    """Write ``count`` documents with a sink and close it."""
    sink = JsonlSink(path)
    for n in range(count):
        assert sink.write(make_document(n))
    sink.close()


def test_sink_writes_one_line_per_document(tmp_path: Path) -> None:
    """Each document becomes one JSON line that reads back as the same document."""
    path = tmp_path / "out" / "docs.jsonl"
    sink = JsonlSink(path)
    documents = [make_document(n) for n in range(3)]
    assert all(sink.write(doc) for doc in documents)
    assert sink.written == 3
    sink.close()
    lines = lines_of(path)
    assert len(lines) == 3
    assert [Document.from_json(line) for line in lines] == documents
    assert path.read_bytes().endswith(b"\n")


def test_sink_flushes_each_document(tmp_path: Path) -> None:
    """A written document is on disk before close, so a killed run keeps it."""
    path = tmp_path / "docs.jsonl"
    sink = JsonlSink(path)
    sink.write(make_document(0))
    assert len(lines_of(path)) == 1
    sink.close()


def test_sink_refuses_duplicate_id(tmp_path: Path) -> None:
    """Writing an id a second time returns False and adds no line."""
    path = tmp_path / "docs.jsonl"
    sink = JsonlSink(path)
    assert sink.write(make_document(1)) is True
    assert sink.write(make_document(1)) is False
    assert sink.written == 1
    sink.close()
    assert len(lines_of(path)) == 1


def test_sink_reopened_keeps_ids_across_runs(tmp_path: Path) -> None:
    """A second run into the same file skips ids of the first and appends only new ones."""
    path = tmp_path / "docs.jsonl"
    fill(path, 2)
    sink = JsonlSink(path)
    assert sink.ids == {make_document(0).id, make_document(1).id}
    assert sink.recovered_partial_line is False
    assert sink.write(make_document(0)) is False
    assert sink.write(make_document(1)) is False
    assert sink.write(make_document(2)) is True
    assert sink.written == 1
    sink.close()
    ids = [json.loads(line)["id"] for line in lines_of(path)]
    assert ids == [make_document(n).id for n in range(3)]


def test_sink_cuts_half_written_last_line(tmp_path: Path) -> None:
    """A last line without its newline (a killed run) is cut off; earlier lines stay byte for byte."""
    path = tmp_path / "docs.jsonl"
    fill(path, 2)
    intact = path.read_bytes()
    half = make_document(2).to_json().encode("utf-8")[:37]
    path.write_bytes(intact + half)
    sink = JsonlSink(path)
    assert sink.recovered_partial_line is True
    assert path.read_bytes() == intact
    assert make_document(2).id not in sink.ids
    assert sink.write(make_document(2)) is True
    sink.close()
    assert [Document.from_json(line) for line in lines_of(path)] == [make_document(n) for n in range(3)]


def test_sink_cuts_only_line_when_it_is_half_written(tmp_path: Path) -> None:
    """A file holding nothing but a partial line is emptied, not rejected."""
    path = tmp_path / "docs.jsonl"
    path.write_bytes('{"id": "abc", "title": "半'.encode())
    sink = JsonlSink(path)
    assert sink.recovered_partial_line is True
    assert sink.ids == set()
    sink.close()
    assert path.read_bytes() == b""


def test_sink_rejects_corrupt_middle_line_and_leaves_file_untouched(tmp_path: Path) -> None:
    """A broken line that is not the last one raises SinkError naming file and line; nothing is cut."""
    path = tmp_path / "docs.jsonl"
    good = [make_document(n).to_json() for n in range(3)]
    original = (good[0] + "\n" + '{"id": "broken", "title": "半条' + "\n" + good[2] + "\n").encode()
    path.write_bytes(original)
    with pytest.raises(SinkError) as caught:
        JsonlSink(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 2" in message
    assert path.read_bytes() == original


def test_sink_rejects_line_without_id(tmp_path: Path) -> None:
    """Valid JSON that is not a document (no string id) is an error naming its line."""
    path = tmp_path / "docs.jsonl"
    original = (make_document(0).to_json() + "\n" + '{"title": "无编号"}\n').encode()
    path.write_bytes(original)
    with pytest.raises(SinkError, match="line 2 has no document id"):
        JsonlSink(path)
    assert path.read_bytes() == original


def test_sink_corrupt_line_followed_by_partial_line_is_still_an_error(tmp_path: Path) -> None:
    """A partial last line does not hide an earlier corrupt line, and nothing is truncated."""
    path = tmp_path / "docs.jsonl"
    original = (make_document(0).to_json() + "\n" + "not json\n" + '{"id": "x"').encode()
    path.write_bytes(original)
    with pytest.raises(SinkError, match="line 2"):
        JsonlSink(path)
    assert path.read_bytes() == original


# ---------------------------------------------------------------- CrawlState


URL = "https://news.example.com/a/1.html"
URL_ID = document_id(URL)


def test_state_mark_seen_and_is_seen(tmp_path: Path) -> None:
    """A page is seen only after mark_seen; marking again (new outcome) keeps one row."""
    state = CrawlState(tmp_path / "state")
    assert state.is_seen(URL_ID) is False
    state.mark_seen(URL_ID, URL, "demo-news", "empty-content")
    assert state.is_seen(URL_ID) is True
    assert state.is_seen(document_id("https://news.example.com/a/2.html")) is False
    state.mark_seen(URL_ID, URL, "demo-news", "stored")
    assert state.counts() == {"seen_pages": 1, "documents": 0}
    state.close()


def test_state_record_document_marks_page_seen(tmp_path: Path) -> None:
    """record_document makes has_document true and the page seen, in one step."""
    state = CrawlState(tmp_path / "state")
    assert state.has_document(URL_ID) is False
    state.record_document(URL_ID, URL, "demo-news", "f" * 64, URL_ID, None)
    assert state.has_document(URL_ID) is True
    assert state.is_seen(URL_ID) is True
    assert state.counts() == {"seen_pages": 1, "documents": 1}
    state.close()


def test_state_document_with_content(tmp_path: Path) -> None:
    """The content hash finds the document that holds it; an unknown hash finds nothing."""
    state = CrawlState(tmp_path / "state")
    state.record_document(URL_ID, URL, "demo-news", "a" * 64, URL_ID, None)
    assert state.document_with_content("a" * 64) == URL_ID
    assert state.document_with_content("b" * 64) is None
    state.close()


def test_state_recent_signatures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only documents with a signature stored within the window are returned, with their cluster."""
    clock = [1_750_000_000.0]
    monkeypatch.setattr(crawlers.state, "time", SimpleNamespace(time=lambda: clock[0]))
    state = CrawlState(tmp_path / "state")
    old_sig = to_bytes(minhash("很久以前的一篇关于银行借款逾期的文章正文"))
    new_sig = to_bytes(minhash("最近的一篇关于股权质押和强制平仓风险的文章正文"))
    state.record_document("old", "https://x.example.com/old", "s", "1" * 64, "old", old_sig)
    clock[0] += 40 * 86_400
    state.record_document("new", "https://x.example.com/new", "s", "2" * 64, "old", new_sig)
    state.record_document("nosig", "https://x.example.com/nosig", "s", "3" * 64, "nosig", None)
    assert list(state.recent_signatures(30)) == [("new", "old", new_sig)]
    assert sorted(row[0] for row in state.recent_signatures(60)) == ["new", "old"]
    state.close()


def test_state_persists_across_close_and_reopen(tmp_path: Path) -> None:
    """Seen pages, documents, content hashes and signatures survive a restart."""
    folder = tmp_path / "state"
    signature = to_bytes(minhash("瑞丰农牧多笔银行借款逾期，涉及金额超9亿元"))
    state = CrawlState(folder)
    other = document_id("https://news.example.com/a/2.html")
    state.mark_seen(other, "https://news.example.com/a/2.html", "demo-news", "not-html")
    state.record_document(URL_ID, URL, "demo-news", "c" * 64, "cluster-1", signature)
    state.close()
    assert (folder / "crawl-state.db").is_file()

    reopened = CrawlState(folder)
    assert reopened.is_seen(other) and reopened.is_seen(URL_ID)
    assert reopened.has_document(URL_ID) and not reopened.has_document(other)
    assert reopened.document_with_content("c" * 64) == URL_ID
    assert list(reopened.recent_signatures(30)) == [(URL_ID, "cluster-1", signature)]
    assert reopened.counts() == {"seen_pages": 2, "documents": 1}
    reopened.close()
