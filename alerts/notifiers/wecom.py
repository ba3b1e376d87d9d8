"""WeCom (企业微信) group robot: Markdown messages; the answer's ``errcode`` must be 0."""

from __future__ import annotations

from typing import Literal

from alerts.notifiers.base import HttpNotifier, Message, RateLimit, UrlChannelOptions

MAX_MARKDOWN_BYTES = 4096  # WeCom's limit for a Markdown message, in UTF-8 bytes


class WeComOptions(UrlChannelOptions):
    type: Literal["wecom"]


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, on a character boundary, saying it was cut."""
    if len(text.encode()) <= limit:
        return text
    note = "\n…（内容过长，已截断）"
    cut = text.encode()[: limit - len(note.encode())].decode(errors="ignore")
    return cut + note


class WeComNotifier(HttpNotifier):
    type_name = "wecom"
    options_model = WeComOptions
    default_rate_limit = RateLimit(messages=20)
    options: WeComOptions

    def send(self, message: Message) -> None:
        content = truncate_bytes(message.markdown, MAX_MARKDOWN_BYTES)
        self.post_checked({"msgtype": "markdown", "markdown": {"content": content}}, ("errcode",))
