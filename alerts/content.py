"""What an alert says, in Chinese: built once as a JSON-ready notice, rendered per channel at send time.

A notice holds the entity (name and id), the rule, the window, the figure against its threshold or baseline,
the entity's risk events in the window, the latest negative headlines with source, time, URL and evidence
sentences, and a Kibana link when ``alerts.kibana_url`` is set. :func:`render` turns one notice, or several
merged into a digest, into plain text, Markdown and escaped HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from alerts.durations import chinese_duration
from alerts.notifiers.base import Message
from alerts.rules import SEVERITY_NAMES, Measure, Rule
from crawlers.items import SHANGHAI
from nlp.types import TaggedDocument


def local_time(moment: datetime | str) -> str:
    """``2026-11-24 08:51`` in Beijing time."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _entity_events(document: TaggedDocument, entity_id: str) -> list[str]:
    """Event types of the document that concern the entity (named by tagged name or watchlist id)."""
    names = {entity_id} | {
        str(e.get("name")) for e in document.entities or [] if e.get("watchlist_id") == entity_id
    }
    return list(
        dict.fromkeys(
            str(e["type"]) for e in document.events or [] if e.get("type") and e.get("entity") in names
        )
    )


def headline(document: TaggedDocument, entity_id: str) -> dict[str, Any]:
    """One negative document as evidence: title, source, time, URL, the entity's evidence sentences."""
    evidence: list[str] = []
    for entity in document.entities or []:
        if entity.get("watchlist_id") == entity_id:
            evidence.extend(str(s) for s in entity.get("evidence") or [])
    moment = document.published_at or document.crawled_at
    return {
        "title": document.title,
        "source": document.source,
        "published_at": moment.isoformat(),
        "url": document.url,
        "evidence": list(dict.fromkeys(evidence))[:2],
        "events": _entity_events(document, entity_id),
    }


def kibana_link(
    base: str, data_view: str, query_template: str, entity_id: str, start: datetime, end: datetime
) -> str:
    """A Discover link: the entity's documents in the alert's window (rison app state in the URL fragment)."""

    def rison(text: str) -> str:
        return "'" + text.replace("!", "!!").replace("'", "!'") + "'"

    span = f"(time:(from:{rison(start.isoformat())},to:{rison(end.isoformat())}))"
    state = f"(index:{rison(data_view)},query:(language:kuery,query:{rison(query_template.format(entity_id=entity_id))}))"
    return f"{base}/app/discover#/?_g={quote(span, safe='(),:!')}&_a={quote(state, safe='(),:!')}"


def build_notice(
    kind: str,
    *,
    alert_id: int,
    rule: Rule,
    entity_id: str,
    entity_name: str,
    window_start: datetime,
    window_end: datetime,
    measure: Measure,
    events: Mapping[str, int],
    documents: Sequence[TaggedDocument],
    kibana: str | None,
    at: datetime,
) -> dict[str, Any]:
    """The JSON-ready notice of an alert (``kind='alert'``) or of its recovery (``kind='recovery'``)."""
    return {
        "kind": kind,
        "alert_id": alert_id,
        "rule": rule.name,
        "rule_type": rule.type_name,
        "rule_label": rule.type_label,
        "description": rule.options.description,
        "severity": rule.options.severity,
        "entity_id": entity_id,
        "entity_name": entity_name,
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "window": chinese_duration(rule.window),
        "figure": measure.figure,
        "threshold": measure.threshold,
        "baseline": measure.baseline,
        "summary": measure.summary,
        "events": dict(sorted(events.items(), key=lambda item: -item[1])),
        "headlines": [headline(document, entity_id) for document in documents],
        "kibana_url": kibana,
        "at": at.isoformat(),
    }


def subject(notice: Mapping[str, Any]) -> str:
    who = f"{notice['entity_name']}（{notice['entity_id']}）"
    if notice["kind"] == "recovery":
        return f"【预警解除】{who}：{notice['rule_label']}（{notice['rule']}）"
    return (
        f"【风险预警·{SEVERITY_NAMES[notice['severity']]}】{who}：{notice['rule_label']}（{notice['rule']}）"
    )


def _facts(notice: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines shared by every format."""
    facts = [
        ("主体", f"{notice['entity_name']}（{notice['entity_id']}）"),
        (
            "规则",
            f"{notice['rule']}（{notice['rule_label']}），严重程度：{SEVERITY_NAMES[notice['severity']]}",
        ),
    ]
    if notice.get("description"):
        facts.append(("说明", notice["description"]))
    facts.append(
        (
            "窗口",
            f"{local_time(notice['window_start'])} 至 {local_time(notice['window_end'])}（{notice['window']}，北京时间）",
        )
    )
    if notice["kind"] == "recovery":
        facts.append(("状态", f"条件已解除（{local_time(notice['at'])}）：{notice['summary']}"))
    else:
        facts.append(("指标", notice["summary"]))
    if notice.get("events"):
        facts.append(("风险事件", "、".join(f"{name} {n} 篇" for name, n in notice["events"].items())))
    facts.append(("告警编号", str(notice["alert_id"])))
    return facts


def _text(notice: Mapping[str, Any]) -> str:
    lines = [subject(notice), ""] + [f"{label}：{value}" for label, value in _facts(notice)]
    if notice["headlines"]:
        lines += ["", "负面报道："]
        for number, item in enumerate(notice["headlines"], start=1):
            lines.append(f"{number}. {item['title']}")
            lines.append(f"   来源：{item['source']}  时间：{local_time(item['published_at'])}")
            lines.append(f"   链接：{item['url']}")
            lines += [f"   证据：{sentence}" for sentence in item["evidence"]]
            if item["events"]:
                lines.append(f"   事件：{'、'.join(item['events'])}")
    if notice.get("kibana_url"):
        lines += ["", f"Kibana：{notice['kibana_url']}"]
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]" else c for c in text)


def _md_link(label: str, url: str) -> str:
    """A Markdown link to a web URL (``(``, ``)``, spaces and ``<>`` percent-encoded so that the URL cannot
    end the link early); any other scheme (``javascript:``, …) is shown as the escaped label alone."""
    if not url.startswith(("http://", "https://")):
        return _md_escape(label)
    safe = quote(url, safe="/:?#[]@!$&'*+,;=%~.-_")
    return f"[{_md_escape(label)}]({safe})"


def _markdown(notice: Mapping[str, Any]) -> str:
    lines = [f"### {_md_escape(subject(notice))}", ""]
    lines += [f"- **{label}**：{_md_escape(value)}" for label, value in _facts(notice)]
    if notice["headlines"]:
        lines += ["", "**负面报道**", ""]
        for number, item in enumerate(notice["headlines"], start=1):
            meta = f"{_md_escape(item['source'])} · {local_time(item['published_at'])}"
            lines.append(f"{number}. {_md_link(item['title'], item['url'])}（{meta}）")
            lines += [f"   > {_md_escape(sentence)}" for sentence in item["evidence"]]
    if notice.get("kibana_url"):
        lines += ["", _md_link("在 Kibana 中查看", notice["kibana_url"])]
    return "\n".join(lines)


def _href(url: str) -> str | None:
    return html.escape(url, quote=True) if url.startswith(("http://", "https://")) else None


def _html_section(notice: Mapping[str, Any]) -> str:
    esc = html.escape
    parts = [f"<h3>{esc(subject(notice))}</h3>", "<table>"]
    parts += [
        f"<tr><th align='left'>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in _facts(notice)
    ]
    parts.append("</table>")
    if notice["headlines"]:
        parts.append("<h4>负面报道</h4><ol>")
        for item in notice["headlines"]:
            link = _href(item["url"])
            title = f'<a href="{link}">{esc(item["title"])}</a>' if link else esc(item["title"])
            parts.append(
                f"<li>{title}<br><small>{esc(item['source'])} · {esc(local_time(item['published_at']))}</small>"
            )
            parts += [f"<blockquote>{esc(sentence)}</blockquote>" for sentence in item["evidence"]]
            parts.append("</li>")
        parts.append("</ol>")
    if notice.get("kibana_url") and (link := _href(notice["kibana_url"])):
        parts.append(f'<p><a href="{link}">在 Kibana 中查看</a></p>')
    return "\n".join(parts)


def _html_document(title: str, sections: list[str]) -> str:
    body = "\n<hr>\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )


def render(notices: Sequence[Mapping[str, Any]]) -> Message:
    """One notice as itself; several (a rate-limited digest) merged into one message."""
    if len(notices) == 1:
        notice = notices[0]
        title = subject(notice)
        return Message(
            subject=title,
            text=_text(notice),
            markdown=_markdown(notice),
            html=_html_document(title, [_html_section(notice)]),
            data={"notices": [dict(notice)]},
        )
    alerts = sum(1 for n in notices if n["kind"] == "alert")
    title = f"【风险预警汇总】{len(notices)} 条通知（{alerts} 条预警，{len(notices) - alerts} 条解除）"
    intro = "发送频率达到渠道上限，以下通知合并为一条发送；详情见各告警编号（riskwatch alerts list）。"
    return Message(
        subject=title,
        text="\n\n".join([title, intro, *(_digest_text(n) for n in notices)]),
        markdown="\n\n".join([f"### {_md_escape(title)}", intro, *(_digest_markdown(n) for n in notices)]),
        html=_html_document(title, [f"<p>{html.escape(intro)}</p>", *(_html_section(n) for n in notices)]),
        data={"notices": [dict(n) for n in notices]},
    )


def _digest_text(notice: Mapping[str, Any]) -> str:
    """A digest entry: short, so that a robot's size limit never cuts later entries off."""
    lines = [f"- {subject(notice)}", f"  {notice['summary']}（告警编号 {notice['alert_id']}）"]
    if notice["headlines"]:
        first = notice["headlines"][0]
        lines.append(
            f"  {first['title']}（{first['source']} {local_time(first['published_at'])}）{first['url']}"
        )
    return "\n".join(lines)


def _digest_markdown(notice: Mapping[str, Any]) -> str:
    lines = [
        f"- **{_md_escape(subject(notice))}**",
        f"  {_md_escape(notice['summary'])}（告警编号 {notice['alert_id']}）",
    ]
    if notice["headlines"]:
        first = notice["headlines"][0]
        lines.append(f"  {_md_link(first['title'], first['url'])}（{_md_escape(first['source'])}）")
    return "\n".join(lines)
