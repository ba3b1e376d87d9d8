"""The console's pages over real data: search, entity, alerts, reports. Expected figures come from
tests/web/webdata.py's documents, worked out by hand."""

from __future__ import annotations

import re
from dataclasses import replace

from alerts.state import AlertState
from indexer.factory import open_store
from tests.web.conftest import Console, csrf_of
from tests.web.webdata import PHONE, document


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_search_highlights_facets_and_links_to_the_source(console: Console) -> None:
    page = console.login("viewer").get("/search", params={"q": "违约"})
    assert page.status_code == 200
    assert "<mark>违约</mark>" in page.text
    assert (
        'href="http://news.example.test/h1.html"' in page.text
        and 'rel="noopener noreferrer nofollow"' in page.text
    )
    assert "共 <strong>2</strong> 篇" in page.text  # h1 and its reprint h1b
    facets = page.text.split('id="event-facets"')[1].split("</ul>")[0]
    assert "债务违约" in facets and '<span class="n">2</span>' in facets
    assert "鸿远地产" in page.text.split('id="entity-facets"')[1].split("</ul>")[0]


def test_search_filters_and_pages(console: Console) -> None:
    client = console.login("viewer")
    anhe = client.get("/search", params={"entity": "anhe"})  # 31 documents, 20 a page
    assert "共 <strong>31</strong> 篇" in anhe.text and 'id="next-page"' in anhe.text
    second = client.get("/search", params={"entity": "anhe", "page": 2})
    assert "第 21–31 篇" in second.text and 'id="prev-page"' in second.text
    first_ids = set(re.findall(r"news.example.test/(a[-\w]+)\.html", anhe.text))
    second_ids = set(re.findall(r"news.example.test/(a[-\w]+)\.html", second.text))
    assert len(first_ids) == 20 and len(second_ids) == 11 and not first_ids & second_ids
    negative = client.get(
        "/search", params={"entity": "hongyuan", "sentiment": "negative", "event": "立案调查"}
    )
    assert "共 <strong>1</strong> 篇" in negative.text and "h2.html" in negative.text
    forum = client.get("/search", params={"source": "demo-forum"})
    assert "共 <strong>1</strong> 篇" in forum.text and "h1b.html" in forum.text
    bad = client.get("/search", params={"since": "yesterday", "sentiment": "angry"})
    assert bad.status_code == 200 and "已忽略：sentiment=angry" in bad.text and "since=yesterday" in bad.text


def test_masked_numbers_stay_masked_even_when_stored_unmasked(console: Console) -> None:
    client = console.login("viewer")
    page = client.get("/search", params={"q": "停工"})
    assert "138****5678" in page.text and PHONE not in page.text
    # A document that reached the store without masking (written by another tool) is masked on the page.
    store = open_store(console.data.config.main.store, console.data.config.watchlist)
    raw = document("raw", "mingchuan", 1, True, f"明川科技热线{PHONE}", f"明川科技客服热线{PHONE}停机。")
    store.put([replace(raw, entities=[{**raw.entities[0], "evidence": [f"热线{PHONE}停机"]}])])
    store.close()
    for path, params in (("/search", {"q": "停机"}), ("/entity/mingchuan", {"end": "2026-11-24"})):
        shown = client.get(path, params=params).text
        assert PHONE not in shown and "138****5678" in shown, path


def test_entity_page_counts_chart_stories_events_and_alerts(console: Console) -> None:
    page = console.login("viewer").get("/entity/hongyuan", params={"end": "2026-11-24", "days": 30})
    html = page.text
    assert page.status_code == 200 and "鸿远地产集团股份有限公司" in html
    # 7 documents in 30 days, 6 negative, 5 negative stories (h1 and its reprint h1b are one).
    assert (text_of(html, "documents"), text_of(html, "negative"), text_of(html, "stories")) == (
        "7",
        "6",
        "5",
    )
    assert html.count('<rect class="bar"') == 30
    # Negative documents per day: h1, h1b, h2, h3 on the 24th, h4 on the 23rd, h6 on the 21st.
    bars = dict(re.findall(r"<title>(2026-\d\d-\d\d): (\d+)</title>", html))
    assert {day: n for day, n in bars.items() if n != "0"} == {
        "2026-11-24": "4",
        "2026-11-23": "1",
        "2026-11-21": "1",
    }
    assert "另有 1 篇转载" in html and "鸿远地产未能按期兑付债券本息。" in html  # folded, with evidence
    assert html.count('class="story"') == 5
    events = html.split('id="events"')[1].split("</ul>")[0]
    assert "债务违约" in events and "立案调查" in events and "评级调整" in events
    alerts = html.split('id="entity-alerts"')[1].split("</ul>")[0]
    assert "negative-volume" in alerts and "risk-events" in alerts
    assert console.login("viewer").get("/entity/nobody").status_code == 404


def test_acknowledge_and_resolve_with_a_comment(console: Console) -> None:
    client = console.login("officer")
    page = client.get("/alerts")
    assert "alert → local-outbox：sent · 2026-11-24 12:00" in page.text  # what went to which channel, when
    token = csrf_of(page.text)
    done = client.post("/alerts/1/acknowledge", data={"csrf_token": token, "comment": "已联系客户经理核实"})
    assert done.status_code == 303
    with AlertState(console.context.alert_state_path) as state:
        assert state.get(1).state == "acknowledged"
    listing = client.get("/alerts", params={"state": "acknowledged"}).text
    assert 'id="alert-1"' in listing and "officer acknowledge：已联系客户经理核实" in listing
    assert (
        client.post("/alerts/1/resolve", data={"csrf_token": token, "comment": "风险已缓释"}).status_code
        == 303
    )
    with AlertState(console.context.alert_state_path) as state:
        resolved = state.get(1)
    assert resolved.state == "resolved" and resolved.resolution == "manual"
    entries = [(e.user, e.action, e.target, e.comment) for e in console.context.audit.entries()]
    assert ("officer", "resolve", "alert:1", "风险已缓释") in entries
    assert ("officer", "acknowledge", "alert:1", "已联系客户经理核实") in entries
    again = client.post("/alerts/1/acknowledge", data={"csrf_token": token})
    assert again.status_code == 409  # a resolved alert cannot be acknowledged


def test_generate_list_verify_and_download_a_report(console: Console) -> None:
    client = console.login("officer")
    token = csrf_of(client.get("/reports").text)
    made = client.post(
        "/reports",
        data={"csrf_token": token, "start": "2026-11-01", "end": "2026-11-30", "format": ["xlsx", "pdf"]},
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"]).text
    links = re.findall(r'href="(/reports/console/[^"]+)"', page)
    assert {link.rsplit(".", 1)[1] for link in links} == {"xlsx", "pdf", "png"}
    assert "✓ SHA-256 一致" in page
    workbook = next(link for link in links if link.endswith(".xlsx"))
    download = client.get(workbook)
    assert download.status_code == 200 and download.content[:2] == b"PK"  # a zip: the XLSX
    assert "attachment" in download.headers["content-disposition"]
    assert any(e.action == "download" and e.target.endswith(".xlsx") for e in console.context.audit.entries())
    # A changed file fails the manifest check; files the manifest does not list cannot be fetched.
    run = workbook.split("/")[3]
    pdf = (
        console.context.options.reports_dir
        / run
        / next(link for link in links if link.endswith(".pdf")).split("/")[-1]
    )
    pdf.write_bytes(pdf.read_bytes() + b"tampered")
    assert "SHA-256 differs from the manifest" in client.get("/reports").text
    for path in (
        f"/reports/console/{run}/manifest.json",
        f"/reports/console/{run}/..%2F..%2Friskwatch.yaml",
        "/reports/nowhere/x/y.pdf",
    ):
        assert client.get(path).status_code == 404, path


def test_a_viewer_cannot_generate_and_bad_periods_are_refused(console: Console) -> None:
    viewer = console.login("viewer")
    token = csrf_of(viewer.get("/reports").text)
    assert (
        viewer.post(
            "/reports", data={"csrf_token": token, "start": "2026-11-01", "end": "2026-11-30"}
        ).status_code
        == 403
    )
    officer = console.login("officer")
    token = csrf_of(officer.get("/reports").text)
    bad = officer.post(
        "/reports", data={"csrf_token": token, "start": "2026-11-30", "end": "2026-11-01", "format": "pdf"}
    )
    assert bad.status_code == 400 and "有效的起止日期" in bad.text
