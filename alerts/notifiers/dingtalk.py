"""DingTalk group robot: Markdown messages, signed with the robot's secret when one is set.

Signing (DingTalk's "加签"): ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``
with ``timestamp`` in milliseconds, both sent as query parameters. The robot answers HTTP 200 even when it
rejects a message, so the answer's ``errcode`` must be 0 for a delivery to count as sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Literal

from pydantic import Field

from alerts.notifiers.base import ENV_NAME, HttpNotifier, Message, RateLimit, UrlChannelOptions

MAX_MARKDOWN_CHARS = 4500  # DingTalk caps a Markdown message at about 5,000 characters


class DingTalkOptions(UrlChannelOptions):
    type: Literal["dingtalk"]
    secret_env: str | None = Field(default=None, pattern=ENV_NAME)  # the robot's SEC… signing secret


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature DingTalk expects (not yet URL-encoded: httpx encodes query parameters)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 12] + "\n\n…（内容过长，已截断）"


class DingTalkNotifier(HttpNotifier):
    type_name = "dingtalk"
    options_model = DingTalkOptions
    default_rate_limit = RateLimit(messages=20)
    options: DingTalkOptions

    def send(self, message: Message) -> None:
        params = None
        if self.options.secret_env:
            timestamp = int(time.time() * 1000)
            params = {
                "timestamp": str(timestamp),
                "sign": dingtalk_sign(self.env(self.options.secret_env), timestamp),
            }
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": truncate(message.markdown, MAX_MARKDOWN_CHARS)},
        }
        self.post_checked(body, ("errcode",), params)
