"""Feishu / Lark custom bot: an interactive card with Markdown, signed when a secret is set.

Signing (Feishu's "签名校验"): ``sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`` with
``timestamp`` in seconds, both in the JSON body. The bot answers HTTP 200 when it rejects a message too; the
answer's ``code`` (``StatusCode`` on older bots) must be 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Literal

from pydantic import Field

from alerts.notifiers.base import ENV_NAME, HttpNotifier, Message, RateLimit, UrlChannelOptions
from alerts.notifiers.dingtalk import truncate

MAX_CARD_CHARS = 8000


class FeishuOptions(UrlChannelOptions):
    type: Literal["feishu"]
    secret_env: str | None = Field(default=None, pattern=ENV_NAME)


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuNotifier(HttpNotifier):
    type_name = "feishu"
    options_model = FeishuOptions
    default_rate_limit = RateLimit(messages=100)  # Feishu bots: 100 a minute (and 5 a second)
    options: FeishuOptions

    def send(self, message: Message) -> None:
        body: dict = {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": message.subject}, "template": "red"},
                "elements": [{"tag": "markdown", "content": truncate(message.markdown, MAX_CARD_CHARS)}],
            },
        }
        if self.options.secret_env:
            timestamp = int(time.time())
            body = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(self.env(self.options.secret_env), timestamp),
                **body,
            }
        self.post_checked(body, ("code", "StatusCode"))
